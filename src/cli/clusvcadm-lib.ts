// clusvcadm's pure parts: option parsing (getopt "lSue:M:d:r:n:c:m:FvR:s:Z:U:qh?"), the RHCS
// messages and exit codes (../shared/research/rgmanager.md §5.2). The I/O is in clusvcadm.ts.
import { getopt } from './getopt.js';

export const CLUSVCADM_OPTSTRING = 'lSue:M:d:r:n:c:m:FvR:s:Z:U:qh?';

/** User requests on a service (rgmanager's RG_ENABLE, RG_DISABLE, ...). */
export type ServiceOp = 'enable' | 'disable' | 'stop' | 'relocate' | 'restart' | 'migrate' | 'freeze' | 'unfreeze' | 'convalesce';

export type ClusvcadmAction =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'lock' | 'unlock' | 'query' }
  | {
    readonly kind: 'service';
    readonly op: ServiceOp;
    /** Full name: `service:web`, `vm:guest1`. */
    readonly service: string;
    /** -m / -n. */
    readonly member: string | undefined;
    /** -F: enable on the best node of the failover domain. */
    readonly followDomain: boolean;
  };

export interface ClusvcadmArgs {
  readonly action: ClusvcadmAction;
  /** -q: stdout closed. */
  readonly quiet: boolean;
}

/** rgmanager's return codes (RG_ESUCCESS 0 ... RG_EWARNING -19) and rg_strerror() texts. */
export const RG_ERRORS: Readonly<Record<number, string>> = {
  0: 'Success',
  [-1]: 'Failure',
  [-2]: 'Aborted; service failed',
  [-3]: 'Service not mastered locally',
  [-4]: 'Service does not exist',
  [-5]: 'Operation would cause a deadlock',
  [-6]: 'Temporary failure; try again',
  [-7]: 'Operation violates dependency rule',
  [-8]: 'Invalid operation for resource',
  [-9]: 'Operation requires quorum',
  [-10]: 'Service is already running',
  [-11]: 'Failure: Service is frozen',
  [-12]: 'Target node dead / nonexistent',
  [-13]: 'Fencing operation pending; try again later',
  [-14]: 'S/Lang Script Error',
  [-15]: 'Service not runnable',
  [-16]: 'Service not runnable: cannot run exclusive',
  [-17]: 'Failed; service running on original owner',
  [-18]: 'Permission denied',
  [-19]: 'Warning; see system logs',
};

export const RG_SUCCESS = 0;
export const RG_EFAIL = -1;
export const RG_ERUN = -10;

/** rg_strerror(). */
export function rgStrerror(code: number): string {
  return RG_ERRORS[code] ?? 'Unknown';
}

/** The exit status for a request's return code: the code as a byte, except "already running" exits 0. */
export function exitCodeFor(code: number): number {
  if (code === RG_ERUN) return 0;
  return code & 0xff;
}

/** A name without ':' is a service: `web` -> `service:web`; `vm:g1` stays. */
export function qualifyServiceName(name: string): string {
  return name.includes(':') ? name : `service:${name}`;
}

const VERB: Readonly<Record<ServiceOp, string>> = {
  enable: 'trying to enable', disable: 'disabling', stop: 'stopping', restart: 'trying to restart',
  freeze: 'freezing', unfreeze: 'unfreezing', convalesce: 'convalescing', relocate: 'relocate', migrate: 'migrate',
};

/** The text printed (then "...", then the result) before the request is sent. */
export function requestBanner(op: ServiceOp, service: string, member: string | undefined): string {
  if (op === 'relocate' || op === 'migrate') {
    return `Trying to ${VERB[op]} ${service}${member !== undefined ? ` to ${member}` : ''}`;
  }
  return member !== undefined ? `Member ${member} ${VERB[op]} ${service}` : `Local machine ${VERB[op]} ${service}`;
}

/**
 * The line after a successful enable/relocate: where the service now runs. A warning when it ended
 * elsewhere than the member asked for; nothing when the owner is unknown.
 */
export function runningLine(op: ServiceOp, service: string, member: string | undefined, owner: string | undefined): string {
  if (op !== 'enable' && op !== 'relocate') return '';
  if (owner === undefined) return '';
  if (member !== undefined && owner !== member) return `Warning: ${service} is now running on ${owner}\n`;
  return `${service} is now running on ${owner}\n`;
}

export type MemberMatch =
  | { readonly ok: true; readonly name: string; readonly message: string | undefined }
  | { readonly ok: false; readonly message: string };

/**
 * Resolve a member name as clusvcadm does: exact name, else "'X' not in membership list" and a
 * prefix match ("Closest match: 'node1'"; none or several is an error).
 */
export function matchMember(name: string, members: readonly string[]): MemberMatch {
  if (members.includes(name)) return { ok: true, name, message: undefined };
  const head = `'${name}' not in membership list\n`;
  const candidates = members.filter((m) => m.startsWith(name));
  if (candidates.length === 1) return { ok: true, name: candidates[0]!, message: `${head}Closest match: '${candidates[0]!}'\n` };
  if (candidates.length === 0) return { ok: false, message: `${head}No matches for '${name}' found\n` };
  return { ok: false, message: `${head}More than one possible match for '${name}' found\n` };
}

export const CLUSVCADM_USAGE = `usage: clusvcadm [command]

Resource Group Control Commands:
  -v                     Display version and exit
  -d <group>             Disable <group>: stop it until an administrator
                         enables it again
  -e <group>             Enable <group> on the local node
  -e <group> -F          Enable <group> on the best member of its
                         failover domain
  -e <group> -m <member> Enable <group> on <member>
  -r <group> [-m <member>]
                         Relocate <group>: stop it and start it on
                         another member (<member> if given)
  -M <group> -m <member> Migrate <group> to <member> (virtual machines)
  -q                     Quiet operation
  -R <group>             Restart <group> in place
  -s <group>             Stop <group>; it is started again at the next
                         member or service transition
  -Z <group>             Freeze <group>: no status checks, no failover,
                         no start or stop until unfrozen
  -U <group>             Unfreeze (thaw) <group>
  -c <group>             Convalesce <group>: start its failed
                         non-critical resources again
  -h, --help             This text

Resource Group Locking (for cluster shutdown / debugging):
  -l                     Lock the local resource group manager: no
                         service starts on this node
  -S                     Show the lock state
  -u                     Unlock the resource group manager

A <group> without ':' is a service: "web" means "service:web"; give
virtual machines as "vm:name". Exit status: 0 on success (also when the
service is already running), else rgmanager's error code as a byte
(255 Failure, 252 Service does not exist, 247 Operation requires quorum,
...). Environment: CLUSTER_RUN_DIR locates the local daemon's socket.
`;

/** Parse clusvcadm's arguments; a string is an error message for stderr (exit 1). */
export function parseClusvcadmArgs(argv: readonly string[]): ClusvcadmArgs | { readonly error: string; readonly usage: boolean } {
  const r = getopt(argv, CLUSVCADM_OPTSTRING);
  if (!r.ok) return { error: `clusvcadm: ${r.message}`, usage: true };
  let action: ClusvcadmAction | undefined;
  let service: { op: ServiceOp; name: string } | undefined;
  let member: string | undefined;
  let follow = false;
  let quiet = false;
  const OPS: Readonly<Record<string, ServiceOp>> = {
    e: 'enable', d: 'disable', s: 'stop', r: 'relocate', R: 'restart', M: 'migrate', Z: 'freeze', U: 'unfreeze', c: 'convalesce',
  };
  for (const o of r.options) {
    const op = OPS[o.flag];
    if (op !== undefined) { service = { op, name: o.value! }; action = undefined; continue; }
    switch (o.flag) {
      case 'l': action = { kind: 'lock' }; break;
      case 'u': action = { kind: 'unlock' }; break;
      case 'S': action = { kind: 'query' }; break;
      case 'v': return { action: { kind: 'version' }, quiet: false };
      case 'h': case '?': return { action: { kind: 'help' }, quiet: false };
      case 'm': case 'n': member = o.value!; break;
      case 'F': follow = true; break;
      case 'q': quiet = true; break;
      default: break;
    }
  }
  if (r.operands.length > 0) return { error: `clusvcadm: unexpected argument '${r.operands[0]!}'`, usage: true };
  if (action !== undefined) return { action, quiet };
  if (service === undefined) return { error: '', usage: true };
  if (follow && member !== undefined) return { error: "Cannot use '-F' with '-n' or '-m'", usage: false };
  if (service.op === 'migrate' && member === undefined) return { error: 'Migration requires a target cluster member', usage: false };
  if (service.name === '') return { error: 'clusvcadm: empty service name', usage: true };
  return {
    action: { kind: 'service', op: service.op, service: qualifyServiceName(service.name), member, followDomain: follow },
    quiet,
  };
}
