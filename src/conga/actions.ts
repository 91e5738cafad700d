// Service and fence actions, their previews ("what will happen, and why" from the policy core, as
// rg_simulate computes it, replayed from the current snapshot) and the plain-words explanation.
import type { ClusterConfig } from '../config/index.js';
import { Scenario, explainService, policyConfigFromCluster, type SimAction, type SimEvent } from '../rgmanager/policy/index.js';
import type { DaemonLink } from './link.js';
import type { ClusterSnapshot } from './model.js';
import type { SnapshotSource } from './snapshot.js';
import { rgFence, rgServiceRequest } from './rg.js';
import { ActionError } from './errors.js';

export { ActionError };

export const SERVICE_OPS = ['enable', 'disable', 'relocate', 'restart', 'freeze', 'unfreeze'] as const;
export type ServiceOp = (typeof SERVICE_OPS)[number];
const isServiceOp = (x: string): x is ServiceOp => (SERVICE_OPS as readonly string[]).includes(x);

export interface Plan {
  readonly service: string;
  readonly op: ServiceOp;
  readonly node: string | null;
  /** What the cluster would do, in order (rg_simulate's actions for this request). */
  readonly actions: readonly { readonly node: string | null; readonly op: string; readonly target: string; readonly reason: string }[];
  /** The request's answer as clusvcadm would print it. */
  readonly reply: string | null;
  /** Where the service would end up. */
  readonly after: { readonly state: string; readonly owner: string | null } | null;
  /** Plain-words explanation after the change. */
  readonly why: readonly string[];
  /** Set when the snapshot could not be replayed exactly (the preview is then approximate). */
  readonly caveat: string | null;
}

/**
 * A policy scenario that reproduces the snapshot: the online members form the cluster, then each
 * service is put where the snapshot has it (enable on its owner, or disabled/stopped, frozen).
 */
function replay(config: ClusterConfig, snap: ClusterSnapshot): { sc: Scenario; caveat: string | null } {
  const sc = new Scenario(policyConfigFromCluster(config), snap.timeMs);
  const online = snap.members.filter((m) => m.online && sc.engine.hasNode(m.name)).map((m) => m.name);
  sc.form(online);
  const caveats: string[] = [];
  for (const s of snap.services ?? []) {
    if (!sc.engine.hasService(s.id)) continue;
    const cur = sc.engine.service(s.id);
    const evs: SimEvent[] = [];
    if ((s.state === 'started' || s.state === 'starting') && s.owner !== null && sc.engine.hasNode(s.owner)) {
      if (cur?.owner !== s.owner || cur.state !== 'started') evs.push(cur?.state === 'started' ? { kind: 'relocate', service: s.id, node: s.owner } : { kind: 'enable', service: s.id, node: s.owner });
    } else if (s.state === 'disabled') {
      if (cur?.state !== 'disabled') evs.push({ kind: 'disable', service: s.id });
    } else if (s.state === 'stopped') {
      if (cur?.state !== 'stopped') evs.push({ kind: 'stop', service: s.id });
    } else if (s.state !== cur?.state) {
      caveats.push(`${s.id} is ${s.state}`);
    }
    if (s.frozen) evs.push({ kind: 'freeze', service: s.id });
    for (const ev of evs) sc.apply(ev);
    const after = sc.engine.service(s.id);
    if (after !== undefined && (after.owner ?? null) !== (s.state === 'started' ? s.owner : after.owner)) caveats.push(`${s.id} could not be placed on ${s.owner ?? '-'} in the model`);
  }
  return { sc, caveat: caveats.length > 0 ? `approximate: ${caveats.join('; ')}` : null };
}

export class CongaActions {
  constructor(private readonly link: DaemonLink, private readonly snapshots: SnapshotSource, private readonly config: () => ClusterConfig) {}

  async explain(id: string): Promise<{ why: string[]; restarts: number | null }> {
    const snap = await this.snapshots.fresh();
    if (snap.services === null) return { why: ['No service manager runs in this daemon: there is no live state to explain.'], restarts: null };
    const { sc, caveat } = replay(this.config(), snap);
    if (!sc.engine.hasService(id)) return { why: [], restarts: null };
    const live = snap.services.find((s) => s.id === id);
    const why = explainService(sc.engine, id);
    if (caveat !== null) why.push(`(${caveat})`);
    return { why, restarts: live?.restarts ?? null };
  }

  async plan(id: string, op: string, node: string | undefined): Promise<Plan> {
    if (!isServiceOp(op)) throw new ActionError(400, `unknown service action '${op}'`);
    const config = this.config();
    const snap = await this.snapshots.fresh();
    const { sc, caveat } = replay(config, snap);
    if (!sc.engine.hasService(id)) throw new ActionError(404, `no service ${id}`);
    if (node !== undefined && !sc.engine.hasNode(node)) throw new ActionError(400, `no node ${node} in the cluster`);
    const before = sc.actions.length;
    const beforeReplies = sc.replies.length;
    const ev: SimEvent = op === 'enable' || op === 'relocate' ? { kind: op, service: id, node } : { kind: op, service: id };
    sc.apply(ev);
    const actions = sc.actions.slice(before).filter((a: SimAction) => a.op !== 'reply')
      .map((a: SimAction) => ({ node: a.node, op: a.op, target: a.target, reason: a.reason }));
    const reply = sc.replies.slice(beforeReplies).find((r) => r.service === id);
    const after = sc.engine.service(id);
    return {
      service: id, op, node: node ?? null, actions, reply: reply !== undefined ? `${reply.code}: ${reply.message}` : null,
      after: after !== undefined ? { state: after.state, owner: after.owner } : null,
      why: explainService(sc.engine, id), caveat,
    };
  }

  async serviceAction(id: string, op: string, node: string | undefined): Promise<unknown> {
    if (!isServiceOp(op)) throw new ActionError(400, `unknown service action '${op}'`);
    return rgServiceRequest(this.link, id, op, node);
  }

  fence(node: string): Promise<unknown> { return rgFence(this.link, node); }

}
