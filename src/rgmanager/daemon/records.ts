// The replicated records of rgmanager (keys of the membership core's key/value state).
//
//   rg/s/<service>          ServiceRecord: written by the coordinator after every policy step
//   rg/n                    NodesRecord: the policy's per-node state (fence status, quorum ratchet)
//   rg/r/<service>          ResultRecord: the owner's executor reports an operation's result
//   rg/f/<service>          FailureRecord: the owner reports a status failure / partial
//   rg/q/<node>/<seq>       RequestRecord: a clusvcadm request taken by <node>
//   rg/a/<node>/<seq>       AnswerRecord: the coordinator's final answer to it
//   rg/up/<node>            UpRecord: the node's rgmanager is running (rgmanager's membership)
import type { RgCodeName, RgRequestOp, RgStateName } from '../../api/rgmanager.js';
import type { SavedNodes, SavedService } from './engine-state.js';

export interface OpRecord {
  /** Increases with every operation decided for this service (the executor runs each id once). */
  readonly id: number;
  readonly kind: 'start' | 'stop' | 'migrate' | 'convalesce';
  readonly node: string;
  /** Incarnation of `node` when decided: a restarted node never runs an operation meant for its previous life. */
  readonly inc: number;
  /** migrate destination, else null. */
  readonly target: string | null;
  /** Why (stop mode or start reason), for logs. */
  readonly mode: string;
}

export interface ServiceRecord {
  /** What clustat shows. */
  readonly v: {
    readonly state: RgStateName;
    readonly owner: string | null;
    readonly lastOwner: string | null;
    readonly restarts: number;
    readonly flags: number;
    readonly lastTransitionMs: number;
  };
  readonly op: OpRecord | null;
  /** Last operation id used (kept when no operation is in flight). */
  readonly seq: number;
  /** Last reason (policy decision), truncated. */
  readonly why: string;
  /** The policy's own record of the service (restored by a new coordinator). */
  readonly e: SavedService;
}

export interface NodesRecord {
  readonly e: SavedNodes;
  /** Incarnation of each node when last seen a member (by name); 0 unknown. */
  readonly inc: Record<string, number>;
}

export interface ResultRecord {
  readonly opId: number;
  readonly kind: OpRecord['kind'];
  readonly node: string;
  readonly ok: boolean;
  /** migrate only. */
  readonly outcome?: 'ok' | 'relocate' | 'not-running' | 'error';
  readonly ms: number;
  readonly message: string;
}

export interface FailureRecord {
  readonly seq: number;
  readonly kind: 'failure' | 'partial';
  readonly node: string;
  /** The op id the failing instance was started with. */
  readonly opId: number;
  readonly ms: number;
  readonly message: string;
}

export interface RequestRecord {
  readonly op: RgRequestOp;
  readonly service: string;
  readonly target: string | null;
  readonly ms: number;
}

export interface AnswerRecord {
  readonly code: RgCodeName;
  readonly message: string;
  readonly owner: string | null;
  readonly state: RgStateName | null;
  readonly reason: string;
}

/** `rg/up/<node>`: the node's rgmanager runs (did "stop before start") in this incarnation. */
export interface UpRecord { readonly inc: number }

export const svcKey = (id: string) => `rg/s/${id}`;
export const upKey = (node: string) => `rg/up/${node}`;
export const resultKey = (id: string) => `rg/r/${id}`;
export const failureKey = (id: string) => `rg/f/${id}`;
export const NODES_KEY = 'rg/n';
export const requestKey = (node: string, seq: string) => `rg/q/${node}/${seq}`;
export const answerKey = (node: string, seq: string) => `rg/a/${node}/${seq}`;
