// Public types of the placement and recovery policy core (see README.md in this folder).
// Facts: ../shared/research/rgmanager.md §3-§5, cman.md §1, §3, §5.

/** rgmanager service states (resgroup.h) with their numeric codes. */
export const SERVICE_STATE_CODES = {
  stopped: 110,
  starting: 111,
  started: 112,
  stopping: 113,
  failed: 114,
  uninitialized: 115,
  checking: 116,
  recoverable: 117,
  recovering: 118,
  disabled: 119,
  migrating: 120,
} as const;
export type ServiceStateName = keyof typeof SERVICE_STATE_CODES;

export const FLAG_FROZEN = 1;
export const FLAG_PARTIAL = 2;

/** rgmanager return codes (rg_strings.c) as clusvcadm reports them. */
export const RG_CODES = {
  RG_ESUCCESS: { code: 0, message: 'Success' },
  RG_EFAIL: { code: -1, message: 'Failure' },
  RG_EABORT: { code: -2, message: 'Aborted; service failed' },
  RG_EFORWARD: { code: -3, message: 'Service not mastered locally' },
  RG_ENOSERVICE: { code: -4, message: 'Service does not exist' },
  RG_EDEADLCK: { code: -5, message: 'Operation would cause a deadlock' },
  RG_EAGAIN: { code: -6, message: 'Temporary failure; try again' },
  RG_EDEPEND: { code: -7, message: 'Operation violates dependency rule' },
  RG_EINVAL: { code: -8, message: 'Invalid operation for resource' },
  RG_EQUORUM: { code: -9, message: 'Operation requires quorum' },
  RG_ERUN: { code: -10, message: 'Service is already running' },
  RG_EFROZEN: { code: -11, message: 'Failure: Service is frozen' },
  RG_ENODE: { code: -12, message: 'Target node dead / nonexistent' },
  RG_EFENCE: { code: -13, message: 'Fencing operation pending; try again later' },
  RG_ESCRIPT: { code: -14, message: 'S/Lang Script Error' },
  RG_EDOMAIN: { code: -15, message: 'Service not runnable' },
  RG_EEXCL: { code: -16, message: 'Service not runnable: cannot run exclusive' },
  RG_ERELO: { code: -17, message: 'Failed; service running on original owner' },
  RG_EPERM: { code: -18, message: 'Permission denied' },
  RG_EWARNING: { code: -19, message: 'Warning; see system logs' },
} as const;
export type RgCodeName = keyof typeof RG_CODES;

/** clusvcadm's exit status for a code: the negative code as a byte; RG_ERUN exits 0. */
export function clusvcadmExitStatus(name: RgCodeName): number {
  if (name === 'RG_ERUN') return 0;
  return (256 + RG_CODES[name].code) % 256;
}

// ---------------------------------------------------------------- configuration (input)

export interface PolicyNodeConfig {
  readonly name: string;
  readonly nodeid: number;
  readonly votes: number;
}

export interface PolicyDomainConfig {
  readonly name: string;
  readonly ordered: boolean;
  readonly restricted: boolean;
  readonly nofailback: boolean;
  /** Members by node name; priority 1..100 (1 best) in ordered domains, 0 otherwise or unset. */
  readonly members: readonly { readonly node: string; readonly priority: number }[];
}

export type RecoveryPolicyName = 'restart' | 'relocate' | 'disable' | 'restart-disable';

export interface PolicyServiceConfig {
  /** `service:NAME` or `vm:NAME`. */
  readonly id: string;
  /** Failover domain name (case-insensitive); unknown or undefined = no domain. */
  readonly domain: string | undefined;
  readonly autostart: boolean;
  readonly exclusive: boolean;
  readonly recovery: RecoveryPolicyName;
  /** Full id of the service this one depends on. */
  readonly depend: string | undefined;
  readonly dependMode: 'hard' | 'soft';
  /** 0 = no restart threshold. */
  readonly maxRestarts: number;
  /** 0 = restarts are never forgotten. */
  readonly restartExpireTimeS: number;
  /** True for a vm (agent with a migrate action, no children): failback and -M migrate. */
  readonly migratory: boolean;
}

export interface PolicyConfig {
  readonly clusterName: string;
  readonly nodes: readonly PolicyNodeConfig[];
  readonly twoNode: boolean;
  /** expected_votes every member advertises. */
  readonly expectedVotes: number;
  /** The quorum disk, when `<quorumd>` is configured. */
  readonly qdisk: { readonly votes: number; readonly label: string } | undefined;
  /** Seconds between fencing retries after a failure (fenced override_time). */
  readonly fenceRetryS: number;
  readonly domains: readonly PolicyDomainConfig[];
  /** In config order: the order services are evaluated in. */
  readonly services: readonly PolicyServiceConfig[];
}

// ---------------------------------------------------------------- inputs

export type UserOp = 'enable' | 'disable' | 'stop' | 'restart' | 'relocate' | 'freeze' | 'unfreeze' | 'migrate' | 'convalesce';

/** Result of a vm migrate agent run: ok, rc 150 (still on source), rc 7 (not running there), other. */
export type MigrateOutcome = 'ok' | 'relocate' | 'not-running' | 'error';

export type PolicyEvent =
  /** The full membership as cman reports it (node names). Lost nodes are handled first, then gained. */
  /**
   * With `quorum` (the daemon passes cman's committed view: its quorate flag, Q, E and T including
   * the qdisk votes of the partition holding the qdisk master and `cman_tool expected` changes),
   * the engine takes quorum from it as is from then on and no longer computes it from `online`
   * (which may be a subset of cman's members: rgmanager's membership).
   */
  | { readonly type: 'membership'; readonly online: readonly string[]; readonly quorum?: QuorumView }
  | { readonly type: 'node-down'; readonly node: string }
  | { readonly type: 'node-up'; readonly node: string }
  /** Whether this node's qdiskd currently holds the quorum disk (in the master's mask). */
  | { readonly type: 'qdisk'; readonly node: string; readonly ok: boolean }
  | { readonly type: 'fence-result'; readonly node: string; readonly ok: boolean }
  /** fence_ack_manual: the administrator confirms the node is off. */
  | { readonly type: 'fence-override'; readonly node: string }
  | { readonly type: 'start-result'; readonly service: string; readonly node: string; readonly ok: boolean }
  | { readonly type: 'stop-result'; readonly service: string; readonly node: string; readonly ok: boolean }
  | { readonly type: 'migrate-result'; readonly service: string; readonly node: string; readonly outcome: MigrateOutcome }
  | { readonly type: 'convalesce-result'; readonly service: string; readonly node: string; readonly ok: boolean }
  /** A status check of a critical resource failed on the owner. */
  | { readonly type: 'status-failure'; readonly service: string; readonly node: string }
  /** A non-critical resource failed (service keeps running, flag PARTIAL). */
  | { readonly type: 'status-partial'; readonly service: string; readonly node: string }
  | { readonly type: 'request'; readonly requestId: number; readonly op: UserOp; readonly service: string; readonly target?: string }
  /** The clock moved (fencing retries fall due). */
  | { readonly type: 'tick' };

// ---------------------------------------------------------------- outputs

export type StopMode = 'user' | 'disable' | 'relocate' | 'restart' | 'recover' | 'dependency' | 'emergency' | 'cleanup';

export type Decision =
  | { readonly op: 'start'; readonly service: string; readonly node: string; readonly recovery: boolean; readonly reason: string }
  | { readonly op: 'stop'; readonly service: string; readonly node: string; readonly mode: StopMode; readonly reason: string }
  | { readonly op: 'migrate'; readonly service: string; readonly node: string; readonly target: string; readonly reason: string }
  | { readonly op: 'convalesce'; readonly service: string; readonly node: string; readonly reason: string }
  | { readonly op: 'fence'; readonly node: string; readonly reason: string }
  /** A state change not carried by an operation (recorded and broadcast by the daemon). */
  | { readonly op: 'mark'; readonly service: string; readonly state: ServiceStateName; readonly owner: string | null; readonly reason: string }
  /** Final answer to a user request (clusvcadm prints message; exit status from the code). */
  | { readonly op: 'reply'; readonly requestId: number; readonly service: string; readonly code: RgCodeName;
      readonly message: string; readonly owner: string | null; readonly reason: string };

// ---------------------------------------------------------------- state views (outputs)

export interface ServiceView {
  readonly id: string;
  readonly state: ServiceStateName;
  readonly stateCode: number;
  readonly owner: string | null;
  readonly lastOwner: string | null;
  readonly restarts: number;
  readonly lastTransitionMs: number;
  readonly frozen: boolean;
  readonly partial: boolean;
  /** Bit 0 frozen, bit 1 partial. */
  readonly flags: number;
  /** Operation in flight, if any. */
  readonly pending: string | null;
}

export type FenceStatus = 'clean' | 'needed' | 'fencing' | 'failed';

export interface NodeView {
  readonly name: string;
  readonly nodeid: number;
  readonly online: boolean;
  readonly qdisk: boolean;
  readonly fence: FenceStatus;
}

export interface QuorumView {
  readonly quorate: boolean;
  readonly totalVotes: number;
  readonly expectedVotes: number;
  readonly quorum: number;
  /** True when the partition holds the quorum disk (its votes count). */
  readonly qdiskHeld: boolean;
}

/** An operation in flight, by config node index (snapshot form). */
export interface OperationSnapshot {
  readonly kind: 'start' | 'stop' | 'migrate' | 'convalesce';
  readonly node: number;
  /** migrate destination, else -1. */
  readonly target: number;
  /** Why the operation runs (stop purpose: disable, stop, emergency, recover, relocate, ...). */
  readonly purpose: string;
}

/** A relocation plan in progress (snapshot form, node indices). */
export interface RelocationSnapshot {
  readonly kind: 'user' | 'failback' | 'recovery' | 'enable';
  readonly origin: number;
  readonly preferred: number;
  readonly tried: readonly number[];
  readonly local: boolean;
}

/**
 * The engine's own record of one service: JSON-safe and small (well below 1 KiB), so a
 * replicated record can carry it. Node references are config node indices (-1 = none).
 * Field names are short on purpose: they are stored once per service in the replicated state.
 */
export interface ServiceSnapshot {
  /** state */ readonly st: ServiceStateName;
  /** owner */ readonly ow: number;
  /** last owner */ readonly lo: number;
  /** restarts */ readonly rs: number;
  /** restart times in the window (ms, at most max_restarts + 1, at most 32) */ readonly rt: readonly number[];
  /** last transition (ms) */ readonly lt: number;
  /** touched by anyone (autostart=0 rule) */ readonly tc: boolean;
  /** flags (frozen 1, partial 2) */ readonly fl: number;
  /** operation in flight */ readonly op: OperationSnapshot | null;
  /** relocation plan */ readonly rl: RelocationSnapshot | null;
  /** pending user request id (not restored: requests do not survive a coordinator change) */ readonly rq: number | null;
  /** held (not auto-started until the next membership change or user request) */ readonly hd: boolean;
}

/** The engine's per-node state and quorum. */
export interface NodesSnapshot {
  /** Per config node index: online, holds the qdisk, fence status, next fence retry (ms). */
  readonly n: readonly (readonly [boolean, boolean, FenceStatus, number])[];
  /** The quorum ratchet (cman's previous Q). */
  readonly pq: number;
  readonly q: QuorumView;
  /** Quorum is taken from cman's view (membership events with `quorum`), not computed. */
  readonly ext?: boolean;
}

/** The whole engine state: services by config index (`null` = never touched, initial state), nodes. */
export interface EngineSnapshot {
  readonly services: readonly (ServiceSnapshot | null)[];
  readonly nodes: NodesSnapshot;
}

export class PolicyInvariantError extends Error {
  override name = 'PolicyInvariantError';
}
