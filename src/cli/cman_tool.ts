// cman_tool: RHCS's cman administration command, against the local clusterd over its socket.
// Output layouts, messages and exit codes follow RHEL6 cman_tool (cman.md §2): errors go to
// stderr as "cman_tool: <message>" with exit 1; `wait -t` timing out exits 2.
import { ApiClient, ApiError, ConnectError } from '../api/index.js';
import type { CmanStatus } from '../api/cman.js';
import { requestUpdate } from './config-update.js';
import { formatDiag, formatNodes, formatStatus, formatVersion } from './cman_tool_format.js';

const USAGE = `Usage:

cman_tool <join|leave|kill|expected|votes|version|wait|status|nodes|services|debug|diag> [options]

Options:
  -h               Print this help, then exit
  -V               Print program version information, then exit
  -d               Enable debug output
  --json           Machine-readable output (status, nodes, diag)

leave
  -w               If cluster is in transition, wait and keep trying
  -t <seconds>     Maximum time (in seconds) to wait
  remove           Tell other nodes to ajust quorum downwards if necessary
  force            Leave even if cluster subsystems are active

kill
  -n <nodename>    The name of the node to kill (can specify multiple times)

expected
  -e <votes>       New number of expected votes for the cluster

votes
  -v <votes>       New number of votes for this node
  -n <nodename>    Node to set the votes of (default: this node)

status             Show local record of cluster status

nodes              Show local record of cluster nodes
  -a                 Also show node address(es)
  -n <nodename>      Only show information for specific node
  -F <format>        Specify output format: id,name,type,addr,votes,exp,state

wait               Wait until the node is a member of a cluster
  -q                 Wait until the cluster is quorate
  -t <seconds>       Maximum time (in seconds) to wait

version            Show the cman version and the running config version
  -r                 Reload cluster.conf: validate it, distribute it to every member and
                     activate it on all of them or none (config_version must be higher)
  -r <version>       RHEL5 form: the same, checking the file has this config_version
  --dry-run          With -r: print what would change (nodes, votes and quorum, fencing,
                     per service the resources that stop/start/reconfigure), change nothing
  -S                 Accepted for compatibility (the daemon distributes the file itself)

diag               Show daemon diagnostics: event-loop delay, frame counters, quorum disk

Environment: CLUSTER_RUN_DIR (default /var/run/cluster) locates the daemon socket.
`;

const STRERROR: Record<string, string> = {
  EINVAL: 'Invalid argument', EBUSY: 'Device or resource busy', EPERM: 'Operation not permitted',
  EACCES: 'Permission denied', ENOSYS: 'Function not implemented', ETIMEDOUT: 'Connection timed out',
  EAGAIN: 'Resource temporarily unavailable', EIO: 'Input/output error', EPROTO: 'Protocol error',
  ESRCH: 'No such process', EEXIST: 'File exists', ECONNRESET: 'Connection reset by peer',
};

/** cman_error(): ENOTCONN and ENOENT get cman's own wording, the rest strerror(). */
function cmanError(err: unknown): string {
  const code = err instanceof ApiError || err instanceof ConnectError ? err.code : 'EIO';
  if (code === 'ENOTCONN') return 'Cluster software not started';
  if (code === 'ENOENT') return 'Node is not yet a cluster member';
  return STRERROR[code] ?? (err instanceof Error ? err.message : String(err));
}

class Die extends Error {
  constructor(message: string, readonly exitCode = 1) { super(message); }
}
const die = (message: string, exitCode = 1): never => { throw new Die(message, exitCode); };

interface Options {
  operation: string | undefined;
  addresses: boolean; names: string[]; format: string[] | undefined;
  expectedVotes: number | undefined; votes: number | undefined; timeoutS: number;
  wait: boolean; quorate: boolean; remove: boolean; force: boolean; json: boolean; help: boolean;
  reload: boolean; reloadVersion: number | undefined; dryRun: boolean;
}

const OPERATIONS = ['join', 'leave', 'kill', 'expected', 'votes', 'version', 'wait', 'status', 'nodes', 'services', 'debug', 'diag'];

function intArg(opt: string, arg: string | undefined): number {
  if (arg === undefined) die(`option requires an argument -- '${opt}'`);
  if (!/^-?\d+$/.test(arg!)) die(`argument to ${opt} (${arg}) is not an integer`);
  const v = Number(arg);
  if (v < 0) die(`argument to ${opt} cannot be negative`);
  return v;
}

export function parseArgs(argv: readonly string[]): Options {
  const o: Options = { operation: undefined, addresses: false, names: [], format: undefined, expectedVotes: undefined,
    votes: undefined, timeoutS: 0, wait: false, quorate: false, remove: false, force: false, json: false, help: false,
    reload: false, reloadVersion: undefined, dryRun: false };
  const withArg = new Set(['e', 'v', 'n', 'F', 't', 'D', 'c', 'p', 'N', 'k', 'o', 'm', 'C']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help') { o.help = true; continue; }
    if (a === '--json') { o.json = true; continue; }
    if (a === '--dry-run') { o.dryRun = true; continue; }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        let val: string | undefined;
        if (withArg.has(c)) {
          val = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
          j = a.length;
        }
        switch (c) {
          case 'h': o.help = true; break;
          case 'V': process.stdout.write('cman_tool 3.0.12 (cluster-suite)\n'); process.exit(0); break;
          case 'a': o.addresses = true; break;
          case 'w': o.wait = true; break;
          case 'q': o.quorate = true; break;
          case 'd': break;
          case 'S': case 'X': case 'A': case 'P': case '2': break;
          case 'e': o.expectedVotes = intArg('e', val); break;
          case 'v': o.votes = intArg('v', val); break;
          case 't': o.timeoutS = intArg('t', val); break;
          case 'n':
            if (val === undefined) die("option requires an argument -- 'n'");
            o.names.push(val!); break;
          case 'F':
            if (val === undefined) die("option requires an argument -- 'F'");
            o.format = val!.split(','); break;
          case 'r':
            // RHEL6: `version -r` (reload the file); RHEL5: `version -r N` (the new version).
            o.reload = true;
            if (j + 1 < a.length && /^\d+$/.test(a.slice(j + 1))) { o.reloadVersion = Number(a.slice(j + 1)); j = a.length; }
            else if (/^\d+$/.test(argv[i + 1] ?? '')) o.reloadVersion = Number(argv[++i]);
            break;
          case 'D': case 'c': case 'p': case 'N': case 'k': case 'o': case 'm': case 'C': break;
          default: die("Please use '-h' for usage.");
        }
      }
      continue;
    }
    if (OPERATIONS.includes(a)) {
      if (o.operation !== undefined) die("can't specify two operations");
      o.operation = a;
    } else if (a === 'remove') o.remove = true;
    else if (a === 'force') o.force = true;
    else die(`unknown option ${a}`);
  }
  return o;
}

async function connect(): Promise<ApiClient> {
  try {
    return await ApiClient.connect();
  } catch (err) {
    if (err instanceof ConnectError && err.code === 'EACCES') die('Cannot open connection to cman, permission denied.');
    return die('Cannot open connection to cman, is it running ?');
  }
}

async function getStatus(c: ApiClient): Promise<CmanStatus> {
  try {
    return await c.request('cman.status', {});
  } catch (err) {
    return die(`Error getting cluster info: ${cmanError(err)}`);
  }
}

const deadlineWait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function run(o: Options): Promise<number> {
  if (o.help) { process.stdout.write(USAGE); return 0; }
  if (o.operation === undefined) die('no operation specified');
  const out = (s: string) => process.stdout.write(s);
  switch (o.operation) {
    case 'join':
      return die('join: clusterd joins at start; run `clusterd -f /etc/cluster/cluster.conf` (or its systemd unit)');
    case 'services':
      return die('services: no group daemons in cluster-suite; use fence_tool ls / clustat');
    case 'debug':
      return 0;
    case 'status': {
      const c = await connect();
      try {
        const s = await getStatus(c);
        out(o.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s));
      } finally { c.close(); }
      return 0;
    }
    case 'version': {
      if (o.reload) {
        const r = await requestUpdate('cman_tool', o.reloadVersion !== undefined ? { expectVersion: o.reloadVersion } : {}, o.dryRun);
        process.stdout.write(r.stdout);
        process.stderr.write(r.stderr);
        return r.code;
      }
      const c = await connect();
      try { out(formatVersion(await getStatus(c))); } finally { c.close(); }
      return 0;
    }
    case 'nodes': {
      const c = await connect();
      try {
        let r;
        try { r = await c.request('cman.nodes', {}); } catch (err) { return die(`cman_get_nodes failed: ${cmanError(err)}`); }
        out(o.json ? JSON.stringify(r, null, 2) + '\n' : formatNodes(r, { addresses: o.addresses, names: o.names, format: o.format }));
      } finally { c.close(); }
      return 0;
    }
    case 'diag': {
      const c = await connect();
      try {
        const d = await c.request('cman.diag', {});
        out(o.json ? JSON.stringify(d, null, 2) + '\n' : formatDiag(d));
      } catch (err) { if (err instanceof Die) throw err; return die(`Error getting diagnostics: ${cmanError(err)}`); } finally { c.close(); }
      return 0;
    }
    case 'expected': {
      const c = await connect();
      try { await c.request('cman.setExpected', { expectedVotes: o.expectedVotes ?? 0 }); } catch (err) {
        return die(`can't set expected votes: ${cmanError(err)}`);
      } finally { c.close(); }
      return 0;
    }
    case 'votes': {
      const c = await connect();
      try {
        await c.request('cman.setVotes', o.names.length > 0 ? { votes: o.votes ?? 0, nodeName: o.names[0]! } : { votes: o.votes ?? 0 });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'ENOENT' && o.names.length > 0) return die(`Can't set votes for node ${o.names[0]} : No such file or directory`);
        return die(`can't set votes: ${cmanError(err)}`);
      } finally { c.close(); }
      return 0;
    }
    case 'kill': {
      if (o.names.length === 0) die('No node name specified');
      const c = await connect();
      let failed = false;
      try {
        for (const name of o.names) {
          try { await c.request('cman.kill', { nodeName: name }); } catch (err) {
            failed = true;
            if (err instanceof ApiError && err.code === 'ENOENT') process.stderr.write(`Can't kill node ${name} : No such file or directory\n`);
            else process.stderr.write(`kill node failed: ${cmanError(err)}\n`);
          }
        }
      } finally { c.close(); }
      return failed ? 1 : 0;
    }
    case 'leave': {
      const timer = o.wait && o.timeoutS > 0 ? setTimeout(() => { process.stderr.write('Timed-out waiting for cluster\n'); process.exit(2); }, o.timeoutS * 1000) : undefined;
      const c = await connect();
      try { await c.request('cman.leave', { remove: o.remove, force: o.force }); } catch (err) {
        if (!o.wait) return die(`Error leaving cluster: ${cmanError(err)}`);
      } finally { c.close(); }
      if (o.wait) {
        // Wait until the daemon is gone (its socket no longer answers).
        for (;;) {
          try { const c2 = await ApiClient.connect({ timeoutMs: 1000 }); c2.close(); } catch { break; }
          await deadlineWait(250);
        }
      }
      if (timer !== undefined) clearTimeout(timer);
      return 0;
    }
    case 'wait': {
      if (o.timeoutS > 0) {
        setTimeout(() => { process.stderr.write('Timed-out waiting for cluster\n'); process.exit(2); }, o.timeoutS * 1000).unref();
      }
      const c = await connect();
      try {
        for (;;) {
          let s: CmanStatus | undefined;
          try { s = await c.request('cman.status', {}); } catch (err) {
            if (err instanceof ConnectError) return die('Cannot open connection to cman, is it running ?');
          }
          if (s !== undefined && (o.quorate ? s.quorate : s.membershipState === 'Cluster-Member')) break;
          await deadlineWait(250);
        }
      } finally { c.close(); }
      return 0;
    }
    default:
      return die(`unknown operation ${o.operation}`);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run(parseArgs(argv));
  } catch (err) {
    if (err instanceof Die) {
      process.stderr.write(`cman_tool: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`cman_tool: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
