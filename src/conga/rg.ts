// The optional parts of the daemon API conga uses: rgmanager's status and requests (rg.*),
// fenced's history and fence_node (fence.*). A daemon without them answers ENOSYS: conga then
// leaves the part out of the snapshot and the page hides it.
import { ApiError, type FenceHistoryEntry, type RgReply } from '../api/index.js';
import type { DaemonLink } from './link.js';
import type { FenceHistoryRow, ServiceRow } from './model.js';
import { ActionError } from './errors.js';

export interface RgPart {
  readonly services: ServiceRow[] | null;
  readonly fenceHistory: FenceHistoryRow[] | null;
  readonly fenceState: Map<string, string>;
  readonly propagate: boolean;
}

function historyRow(e: FenceHistoryEntry): FenceHistoryRow {
  return { victim: e.victim, method: e.method, device: e.device, result: e.result, startedMs: e.startedMs, durationMs: e.durationMs, by: e.master, message: e.message };
}

export async function rgSnapshotPart(link: DaemonLink): Promise<RgPart> {
  const st = await link.optional('rg.status', {});
  if (st === undefined) return { services: null, fenceHistory: null, fenceState: new Map(), propagate: false };
  return {
    services: st.services.map((s) => ({
      id: s.id, state: s.state, owner: s.owner, lastOwner: s.lastOwner, frozen: s.frozen, partial: s.partial,
      restarts: s.restarts, lastTransitionMs: s.lastTransitionMs, pending: s.pending,
    })),
    fenceHistory: st.fenceHistory.map(historyRow),
    fenceState: new Map(st.nodes.map((n) => [n.name, n.fence])),
    propagate: false,
  };
}

function carried(err: unknown): never {
  if (err instanceof ApiError) {
    if (err.code === 'ENOSYS') throw new ActionError(501, 'this daemon does not offer that request', 'ENOSYS');
    throw new ActionError(err.code === 'EINVAL' || err.code === 'ENOENT' ? 400 : 503, err.message, err.code);
  }
  throw err;
}

/** A clusvcadm request carried by the cluster (the coordinator decides, the owner acts). */
export async function rgServiceRequest(link: DaemonLink, id: string, op: string, node: string | undefined): Promise<RgReply & { ok: boolean }> {
  let reply: RgReply;
  try {
    reply = await link.request('rg.request', {
      op: op as 'enable', service: id, ...(node !== undefined ? { target: node } : {}),
      ...(op === 'enable' && node === undefined ? { followDomain: true } : {}), timeoutMs: 60_000,
    }, 65_000);
  } catch (err) { carried(err); }
  const ok = reply.code === 'RG_ESUCCESS' || reply.code === 'RG_ERUN' || reply.code === 'RG_EWARNING';
  if (!ok) throw new ActionError(409, `${reply.message} (${reply.code})`, reply.code);
  return { ...reply, ok };
}

/** fence_node NODE, run by this node's fenced, recorded in the cluster's fence history. */
export async function rgFence(link: DaemonLink, node: string): Promise<unknown> {
  try {
    const r = await link.request('fence.node', { node, mode: 'fence', record: true }, 300_000);
    if (r.outcome !== 'success') throw new ActionError(409, `fencing ${node} ${r.outcome}: ${r.runs.map((x) => `${x.deviceName}: ${x.result}`).join('; ')}`, r.outcome);
    return r;
  } catch (err) { if (err instanceof ActionError) throw err; carried(err); }
}

