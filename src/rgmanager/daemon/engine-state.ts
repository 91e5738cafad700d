// Saving and restoring the policy engine's per-service and per-node state, so that a new
// coordinator continues from the replicated records (safety property 5).
//
// The policy core (../policy/engine.ts) has no public export/import yet; this file reaches its
// private fields through one typed view (`Internals`) and nowhere else. If the engine's fields
// change, only this file changes. (Asked of the policy owner: a public snapshot()/restore().)
import type { PolicyEngine, QuorumView, FenceStatus, ServiceStateName } from '../policy/index.js';

interface OpRt { kind: 'start' | 'stop' | 'migrate' | 'convalesce'; node: number; target: number; purpose: string }
interface RelocRt { kind: string; origin: number; preferred: number; tried: number[]; local: boolean }
interface SvcRt {
  index: number; state: ServiceStateName; owner: number; lastOwner: number; restarts: number; restartTimesMs: number[];
  lastTransitionMs: number; touched: boolean; flags: number; op: OpRt | undefined; reloc: RelocRt | undefined;
  requestId: number | undefined; hold: boolean; note: string;
}
interface NodeRt { online: boolean; qdiskOk: boolean; fence: FenceStatus; fenceRetryAtMs: number }
interface Internals {
  nodes: NodeRt[];
  svcs: SvcRt[];
  count: Int32Array;
  exclusiveCount: Int32Array;
  quorum: QuorumView;
  previousQuorum: number;
  now: number;
  svcCfg: readonly { readonly exclusive: boolean; readonly maxRestarts: number }[];
}

const ACTIVE: ReadonlySet<string> = new Set(['starting', 'started', 'stopping', 'recoverable', 'migrating']);

function internals(e: PolicyEngine): Internals { return e as unknown as Internals; }

/** The engine's record of one service, JSON-safe and small (< 1 KiB). */
export interface SavedService {
  st: ServiceStateName; ow: number; lo: number; rs: number; rt: number[]; lt: number; tc: boolean; fl: number;
  op: OpRt | null; rl: RelocRt | null; rq: number | null; hd: boolean;
}

export interface SavedNodes {
  /** Per config node index: online, qdisk, fence status, retry time. */
  n: [boolean, boolean, FenceStatus, number][];
  pq: number;
  q: QuorumView;
}

export function saveService(e: PolicyEngine, index: number): SavedService {
  const s = internals(e).svcs[index]!;
  const keep = Math.max(1, (internals(e).svcCfg[index]?.maxRestarts ?? 0) + 1);
  return {
    st: s.state, ow: s.owner, lo: s.lastOwner, rs: s.restarts, rt: s.restartTimesMs.slice(-Math.min(keep, 32)), lt: s.lastTransitionMs,
    tc: s.touched, fl: s.flags, op: s.op === undefined ? null : { ...s.op }, rl: s.reloc === undefined ? null : { ...s.reloc, tried: [...s.reloc.tried] },
    rq: s.requestId ?? null, hd: s.hold,
  };
}

export function saveNodes(e: PolicyEngine): SavedNodes {
  const i = internals(e);
  return { n: i.nodes.map((n) => [n.online, n.qdiskOk, n.fence, n.fenceRetryAtMs]), pq: i.previousQuorum, q: { ...i.quorum } };
}

/**
 * Load saved records into a fresh engine (built from the same config). Services without a record
 * keep their initial state. Per-node counts are recomputed. Request ids are dropped: the requests
 * of a dead coordinator are answered by the requesters' timeouts.
 */
export function restoreEngine(e: PolicyEngine, services: ReadonlyMap<number, SavedService>, nodes: SavedNodes | undefined, nowMs: number): void {
  const i = internals(e);
  if (nodes !== undefined && nodes.n.length === i.nodes.length) {
    i.nodes = nodes.n.map(([online, qdiskOk, fence, fenceRetryAtMs]) => ({ online, qdiskOk, fence, fenceRetryAtMs }));
    i.previousQuorum = nodes.pq;
    i.quorum = { ...nodes.q };
  }
  for (const [index, r] of services) {
    const s = i.svcs[index];
    if (s === undefined) continue;
    s.state = r.st; s.owner = r.ow; s.lastOwner = r.lo; s.restarts = r.rs; s.restartTimesMs = [...r.rt]; s.lastTransitionMs = r.lt;
    s.touched = r.tc; s.flags = r.fl; s.op = r.op === null ? undefined : { ...r.op };
    s.reloc = r.rl === null ? undefined : { ...r.rl, tried: [...r.rl.tried] };
    s.requestId = undefined; s.hold = r.hd;
  }
  i.count = new Int32Array(i.nodes.length);
  i.exclusiveCount = new Int32Array(i.nodes.length);
  for (const s of i.svcs) {
    const bump = (ni: number) => { i.count[ni]!++; if (i.svcCfg[s.index]?.exclusive) i.exclusiveCount[ni]!++; };
    if (s.owner >= 0 && ACTIVE.has(s.state)) bump(s.owner);
    if (s.op?.kind === 'migrate' && s.op.target >= 0) bump(s.op.target);
  }
  i.now = Math.max(i.now, nowMs);
}

/** The operation in flight of a service (node indices), for the executor records. */
export function serviceOp(e: PolicyEngine, index: number): OpRt | undefined {
  return internals(e).svcs[index]?.op;
}

/** Pending user request ids of the engine (to answer them when the coordinator role ends). */
export function pendingRequestIds(e: PolicyEngine): number[] {
  return internals(e).svcs.map((s) => s.requestId).filter((r): r is number => r !== undefined);
}
