// rgmanager's requests, replies and events on the daemon socket (librgmanager's role): the status
// snapshot clustat prints, the service requests clusvcadm makes, and the service event stream.
// Every node answers `rg.status` from its copy of the replicated state; `rg.request` is carried to
// the coordinator through the replicated log and answered with rgmanager's return code.
import './protocol.js';
import type { FenceHistoryEntry } from './fenced.js';

/** rgmanager service states (resgroup.h) and their codes: stopped 110 ... migrating 120. */
export type RgStateName =
  | 'stopped' | 'starting' | 'started' | 'stopping' | 'failed' | 'uninitialized' | 'checking'
  | 'recoverable' | 'recovering' | 'disabled' | 'migrating';

/** rgmanager return codes (rg_strings.c), as clusvcadm reports them. */
export type RgCodeName =
  | 'RG_ESUCCESS' | 'RG_EFAIL' | 'RG_EABORT' | 'RG_EFORWARD' | 'RG_ENOSERVICE' | 'RG_EDEADLCK' | 'RG_EAGAIN'
  | 'RG_EDEPEND' | 'RG_EINVAL' | 'RG_EQUORUM' | 'RG_ERUN' | 'RG_EFROZEN' | 'RG_ENODE' | 'RG_EFENCE'
  | 'RG_ESCRIPT' | 'RG_EDOMAIN' | 'RG_EEXCL' | 'RG_ERELO' | 'RG_EPERM' | 'RG_EWARNING';

/** One service (resource group) as clustat shows it (`-l`, `-x` carry every field). */
export interface RgServiceStatus {
  /** Full name: `service:web`, `vm:guest1`. */
  readonly id: string;
  readonly state: RgStateName;
  /** 110..120. */
  readonly stateCode: number;
  /** Node running it (starting/started/stopping/migrating...), else null. */
  readonly owner: string | null;
  readonly lastOwner: string | null;
  readonly restarts: number;
  /** Bit 0 frozen, bit 1 partial (clustat `[Z]`, `[P]`). */
  readonly flags: number;
  readonly frozen: boolean;
  readonly partial: boolean;
  /** Last state change, ms since the epoch (clustat prints seconds). 0 = never. */
  readonly lastTransitionMs: number;
  /** Operation in flight ("start on node2"), or null. */
  readonly pending: string | null;
}

/** One cluster.conf node as rgmanager sees it. */
export interface RgNodeStatus {
  readonly name: string;
  readonly nodeid: number;
  /** Member of the cman view. */
  readonly online: boolean;
  /** The node answering this request. */
  readonly local: boolean;
  /** Member whose rgmanager runs in its current incarnation (did "stop before start"). */
  readonly rgmanager: boolean;
  /** Coordinator of the cluster (membership leader; runs the policy). clustat may print RG-Master. */
  readonly coordinator: boolean;
  /** Fencing state of the node: clean, or a victim waiting/being fenced/failing. */
  readonly fence: 'clean' | 'pending' | 'fencing' | 'failed';
}

/** `rg.status`: everything clustat needs, from one node's replicated state. */
export interface RgStatus {
  readonly clusterName: string;
  readonly clusterId: number;
  readonly generation: number;
  readonly quorate: boolean;
  readonly localNode: { readonly name: string; readonly nodeid: number };
  /** Coordinator node name, null when none is known. */
  readonly coordinator: string | null;
  /** False until this node's rgmanager has done "stop before start" and joined. */
  readonly rgmanagerRunning: boolean;
  /** Every cluster.conf node, sorted by nodeid. */
  readonly nodes: readonly RgNodeStatus[];
  /** Every service, in cluster.conf order (clustat sorts by name itself). */
  readonly services: readonly RgServiceStatus[];
  /** Newest last; at most the last 64 fence operations (`fence.history` for filters). */
  readonly fenceHistory: readonly FenceHistoryEntry[];
  /** Wall clock of the answering node when the snapshot was taken (ms). */
  readonly nowMs: number;
}

/** clusvcadm operations (rgmanager.md §5.2). */
export type RgRequestOp = 'enable' | 'disable' | 'stop' | 'restart' | 'relocate' | 'freeze' | 'unfreeze' | 'migrate' | 'convalesce';

export interface RgRequestParams {
  readonly op: RgRequestOp;
  /** Full service name (`service:web`); clusvcadm adds `service:` to a bare name. */
  readonly service: string;
  /** `-m`/`-n` target member (enable, relocate, migrate). */
  readonly target?: string;
  /**
   * enable only: true = `-F` (start on the best node per the failover domain); false/absent with
   * no target = start on the local node, as rgmanager does for a plain `clusvcadm -e`.
   */
  readonly followDomain?: boolean;
  /** How long to wait for the final answer (default 120 s). */
  readonly timeoutMs?: number;
}

/** Final answer of a service request: rgmanager's code, its rg_strerror text and clusvcadm's exit status. */
export interface RgReply {
  readonly service: string;
  readonly code: RgCodeName;
  /** The negative rgmanager code (0 success). */
  readonly codeNumber: number;
  /** rg_strerror() text: "Success", "Failure: Service is frozen", ... */
  readonly message: string;
  /** clusvcadm's exit status for this code (RG_ERUN -> 0). */
  readonly exitStatus: number;
  /** Owner after the operation (for "service:web is now running on node2"), or null. */
  readonly owner: string | null;
  /** State after the operation. */
  readonly state: RgStateName | null;
  /** Node whose daemon took the request (the "Local machine" of clusvcadm). */
  readonly node: string;
  /** The coordinator's reason, for logs. */
  readonly reason: string;
}

/** clusvcadm -l / -u / -S. */
export type RgLockOp = 'lock' | 'unlock' | 'query';

/** A service changed (state, owner, flags, restarts). */
export interface RgServiceEvent {
  readonly service: RgServiceStatus;
  /** Why (policy reason or agent result). */
  readonly reason: string;
}

/** A user request finished (any node's request; for logs and the web page). */
export interface RgRequestEvent {
  readonly op: RgRequestOp;
  readonly target: string | null;
  readonly reply: RgReply;
}

/** One resource of a service's tree with its last status check on the owner (`rg.resources`). */
export interface RgResourceStatus {
  /** Tree path, e.g. `service:web/ip:10.0.0.5` (unique within the service). */
  readonly path: string;
  /** `type:primary`. */
  readonly id: string;
  /** Non-critical subtree left stopped by a failure (the service is PARTIAL). */
  readonly disabled: boolean;
  /** Last status check on the owner; null when none ran since the service started there. */
  readonly last: null | {
    /** status, monitor, or recover (a failed check followed by the agent's recover). */
    readonly op: string;
    readonly rc: number;
    /** rgmanager's OCF text for rc. */
    readonly rcText: string;
    /** The verdict (a failure tolerated by __max_failures counts as ok, with tolerated). */
    readonly ok: boolean;
    readonly tolerated: boolean;
    /** OCF_CHECK_LEVEL of the check. */
    readonly depth: number;
    readonly atMs: number;
    readonly durationMs: number;
    readonly timedOut: boolean;
  };
  /** Failed status checks since it was started on the owner. */
  readonly failures: number;
}

export interface RgResources {
  readonly service: string;
  /** Node that answered from its executor (the owner), null when the service runs nowhere. */
  readonly owner: string | null;
  readonly state: RgStateName;
  /** Start order; at most 256 rows (truncated says so). */
  readonly resources: readonly RgResourceStatus[];
  readonly truncated: boolean;
  /** Owner's clock when answered (ms). */
  readonly nowMs: number;
}

declare module './protocol.js' {
  interface ApiRequests {
    /**
     * Per-resource last status results of a service, answered by its owner's executor (the node
     * taking the request asks the owner in an authenticated cluster frame). ENOENT: no such
     * service; ETIMEDOUT: the owner did not answer within 3 s.
     */
    'rg.resources': { params: { service: string }; result: RgResources };
    /** Status snapshot for clustat (any node; its replicated copy). */
    'rg.status': { params: Record<string, never>; result: RgStatus };
    /**
     * A clusvcadm request. Resolves with the final rgmanager code (RG_ESUCCESS, RG_EFROZEN, ...);
     * API errors only when the request could not be carried (ENOTCONN: rgmanager not running here,
     * ETIMEDOUT: no answer within timeoutMs, EINVAL: bad params).
     */
    'rg.request': { params: RgRequestParams; result: RgReply };
    /**
     * clusvcadm -l / -u / -S: lock this node's rgmanager (as rgmanager: meant before a cluster-wide
     * shutdown; a locked node starts no service: its start operations fail so the policy goes
     * elsewhere). Local to the node that takes the request.
     */
    'rg.lock': { params: { op: RgLockOp }; result: { locked: boolean } };
  }
  interface ApiEvents {
    /** Every committed service change (on every node). */
    'rg.service': RgServiceEvent;
    /** A user request answered (on the node that took it). */
    'rg.request': RgRequestEvent;
  }
}
