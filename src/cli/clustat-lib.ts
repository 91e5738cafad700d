// clustat's pure parts: options (getopt "fIls:m:i:xvQh?", rgmanager.md §5.3), exit codes and the
// choice of layout. The model comes from the daemon (clustat.ts); the layouts live in
// ../rgmanager/clustat-format.ts (shared with rg_simulate).
import { getopt } from './getopt.js';
import {
  formatClustatLong, formatClustatText, formatClustatXml, type ClustatModel,
} from '../rgmanager/clustat-format.js';
import { qualifyServiceName } from './clusvcadm-lib.js';

export const CLUSTAT_OPTSTRING = 'fIls:m:i:xvQh?';

export interface ClustatArgs {
  readonly help: boolean;
  readonly version: boolean;
  /** -I: print the local node id. */
  readonly nodeId: boolean;
  /** -Q: exit status only. */
  readonly quorumOnly: boolean;
  readonly xml: boolean;
  readonly long: boolean;
  readonly fast: boolean;
  readonly member: string | undefined;
  /** Full name (`service:` added when the name has no ':'). */
  readonly service: string | undefined;
  /** -i: refresh interval, seconds. */
  readonly intervalS: number | undefined;
}

export const CLUSTAT_USAGE = `usage: clustat <options>
    -i <interval>      Refresh status every <interval> seconds.
    -I                 Display local node ID and exit
    -m <member>        Display status of <member> and exit
    -s <service>       Display status of <service> and exit
    -v                 Display version and exit
    -x                 Dump information as XML
    -Q                 Return 0 if quorate, 1 if not (no output)
    -f                 Enable fast clustat reports
    -l                 Use long format for services
    -h, --help         This text

Exit status: 0 normally; with -m 0 online, 1 offline, 255 unknown member; with -s 0 when the
service is starting, started or stopping, else its state number (110 stopped, 119 disabled, ...),
255 when it does not exist; 1 when the cluster cannot be reached.
Environment: CLUSTER_RUN_DIR locates the local daemon's socket.
`;

export function parseClustatArgs(argv: readonly string[]): ClustatArgs | { readonly error: string } {
  const r = getopt(argv, CLUSTAT_OPTSTRING);
  if (!r.ok) return { error: `clustat: ${r.message}` };
  let a: { -readonly [K in keyof ClustatArgs]: ClustatArgs[K] } = {
    help: false, version: false, nodeId: false, quorumOnly: false, xml: false, long: false, fast: false,
    member: undefined, service: undefined, intervalS: undefined,
  };
  for (const o of r.options) {
    switch (o.flag) {
      case 'f': a.fast = true; break;
      case 'I': a.nodeId = true; break;
      case 'l': a.long = true; break;
      case 's': a.service = qualifyServiceName(o.value!); break;
      case 'm': a.member = o.value!; break;
      case 'i': {
        const n = Number(o.value);
        if (!Number.isFinite(n) || n <= 0) return { error: `clustat: invalid interval '${o.value!}'` };
        a.intervalS = n;
        break;
      }
      case 'x': a.xml = true; break;
      case 'v': a.version = true; break;
      case 'Q': a.quorumOnly = true; break;
      default: a = { ...a, help: true }; break;
    }
  }
  if (r.operands.length > 0) return { error: `clustat: unexpected argument '${r.operands[0]!}'` };
  if (a.intervalS !== undefined && a.xml) return { error: "Error: Options '-i' and '-x' are mutually exclusive" };
  return a;
}

const RUNNING = new Set(['starting', 'started', 'stopping']);

/** Exit status of a report: -m online/offline/unknown, -s running/state number/unknown, else 0. */
export function clustatExitCode(model: ClustatModel, args: Pick<ClustatArgs, 'member' | 'service'>): number {
  if (args.member !== undefined) {
    const m = model.members.find((x) => x.name === args.member);
    if (m === undefined) return 255;
    return m.online ? 0 : 1;
  }
  if (args.service !== undefined) {
    const s = model.services?.find((x) => x.id === args.service);
    if (s === undefined) return 255;
    return RUNNING.has(s.state) ? 0 : s.stateCode & 0xff;
  }
  return 0;
}

export interface RenderOptions {
  readonly cols: number;
  readonly tty: boolean;
  /** The local node runs rgmanager (XML groupmember). */
  readonly localRgmanager: boolean;
}

/** The report clustat prints for these arguments. */
export function renderClustat(model: ClustatModel, args: ClustatArgs, r: RenderOptions): string {
  const sel = {
    ...(args.member !== undefined ? { member: args.member } : {}),
    ...(args.service !== undefined ? { service: args.service } : {}),
  };
  if (args.xml) return formatClustatXml(model, { ...sel, localRgmanager: r.localRgmanager });
  const textOpts = { ...sel, cols: r.cols, tty: r.tty };
  return args.long ? formatClustatLong(model, textOpts) : formatClustatText(model, textOpts);
}
