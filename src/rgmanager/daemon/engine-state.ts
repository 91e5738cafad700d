// Saving and restoring the policy engine's per-service and per-node state, so that a new
// coordinator continues from the replicated records (safety property 5). Thin helpers over the
// engine's public snapshot API (PolicyEngine.serviceSnapshot / nodesSnapshot / restore).
import type { NodesSnapshot, OperationSnapshot, PolicyEngine, ServiceSnapshot } from '../policy/index.js';

/** The engine's record of one service, as stored in `rg/s/<svc>` (field `e`). */
export type SavedService = ServiceSnapshot;
/** The engine's node state, as stored in `rg/n` (field `e`). */
export type SavedNodes = NodesSnapshot;

export function saveService(e: PolicyEngine, index: number): SavedService { return e.serviceSnapshot(index); }

export function saveNodes(e: PolicyEngine): SavedNodes { return e.nodesSnapshot(); }

/** Load saved records into a fresh engine (built from the same config); see PolicyEngine.restore. */
export function restoreEngine(e: PolicyEngine, services: ReadonlyMap<number, SavedService>, nodes: SavedNodes | undefined, nowMs: number): void {
  e.restore({ services, nodes }, nowMs);
}

/** The operation in flight of a service (node indices), for the executor records. */
export function serviceOp(e: PolicyEngine, index: number): OperationSnapshot | undefined { return e.operation(index); }

/** Pending user request ids of the engine (to answer them when the coordinator role ends). */
export function pendingRequestIds(e: PolicyEngine): number[] { return e.pendingRequestIds(); }
