// A coordinator that takes over restores the policy from the replicated records: after save ->
// JSON -> restore, a fresh engine must make exactly the decisions the original makes, for any
// sequence of events (seeded random runs).
import { expect } from 'chai';
import { PolicyEngine, type Decision, type PolicyConfig, type PolicyEvent } from '../../../src/rgmanager/policy/index.js';
import { restoreEngine, saveNodes, saveService, type SavedNodes, type SavedService } from '../../../src/rgmanager/daemon/engine-state.js';

const NODES = ['n1', 'n2', 'n3', 'n4'];

function config(): PolicyConfig {
  return {
    clusterName: 'c', twoNode: false, expectedVotes: 4, qdisk: undefined, fenceRetryS: 3,
    nodes: NODES.map((name, i) => ({ name, nodeid: i + 1, votes: 1 })),
    domains: [
      { name: 'ord', ordered: true, restricted: false, nofailback: false, members: [{ node: 'n1', priority: 1 }, { node: 'n2', priority: 2 }, { node: 'n3', priority: 3 }] },
      { name: 'res', ordered: false, restricted: true, nofailback: true, members: [{ node: 'n3', priority: 0 }, { node: 'n4', priority: 0 }] },
    ],
    services: [
      { id: 'service:a', domain: 'ord', autostart: true, exclusive: false, recovery: 'restart', depend: undefined, dependMode: 'hard', maxRestarts: 2, restartExpireTimeS: 60, migratory: false },
      { id: 'service:b', domain: 'res', autostart: true, exclusive: false, recovery: 'relocate', depend: undefined, dependMode: 'hard', maxRestarts: 0, restartExpireTimeS: 0, migratory: false },
      { id: 'service:c', domain: undefined, autostart: true, exclusive: false, recovery: 'restart-disable', depend: 'service:a', dependMode: 'soft', maxRestarts: 1, restartExpireTimeS: 0, migratory: false },
      { id: 'vm:d', domain: 'ord', autostart: false, exclusive: false, recovery: 'restart', depend: undefined, dependMode: 'hard', maxRestarts: 0, restartExpireTimeS: 0, migratory: true },
    ],
  };
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
}

/** A plausible next event for the engine's current state. */
function nextEvent(e: PolicyEngine, r: () => number, online: Set<string>, reqId: { n: number }): PolicyEvent {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const roll = r();
  const svcs = e.serviceViews();
  const pending = svcs.filter((s) => s.pending !== null);
  if (roll < 0.45 && pending.length > 0) {
    const s = pick(pending);
    const [kind, , node] = s.pending!.split(' ');
    const ok = r() < 0.8;
    if (kind === 'start') return { type: 'start-result', service: s.id, node: node!, ok };
    if (kind === 'stop') return { type: 'stop-result', service: s.id, node: node!, ok: r() < 0.95 };
    if (kind === 'convalesce') return { type: 'convalesce-result', service: s.id, node: node!, ok };
    return { type: 'migrate-result', service: s.id, node: s.owner ?? node!, outcome: pick(['ok', 'relocate', 'not-running', 'error'] as const) };
  }
  if (roll < 0.55) {
    const n = pick(NODES);
    if (online.has(n)) online.delete(n); else online.add(n);
    return { type: 'membership', online: NODES.filter((x) => online.has(x)) };
  }
  if (roll < 0.65) {
    const waiting = e.nodeViews().filter((n) => !n.online && n.fence !== 'clean');
    if (waiting.length > 0) {
      const n = pick(waiting);
      return r() < 0.7 ? { type: 'fence-result', node: n.name, ok: r() < 0.8 } : { type: 'fence-override', node: n.name };
    }
  }
  if (roll < 0.75) {
    const started = svcs.filter((s) => s.state === 'started' && s.owner !== null);
    if (started.length > 0) {
      const s = pick(started);
      return r() < 0.8 ? { type: 'status-failure', service: s.id, node: s.owner! } : { type: 'status-partial', service: s.id, node: s.owner! };
    }
  }
  if (roll < 0.95) {
    const op = pick(['enable', 'disable', 'stop', 'restart', 'relocate', 'freeze', 'unfreeze', 'migrate', 'convalesce'] as const);
    const target = r() < 0.5 ? pick(NODES) : undefined;
    return { type: 'request', requestId: ++reqId.n, op, service: pick(svcs).id, ...(target !== undefined ? { target } : {}) };
  }
  return { type: 'tick' };
}

/** Decisions without request replies (request ids are not carried over a coordinator change). */
const comparable = (ds: Decision[]) => ds.filter((d) => d.op !== 'reply');

function snapshot(e: PolicyEngine): { services: Map<number, SavedService>; nodes: SavedNodes } {
  const n = e.serviceViews().length;
  const services = new Map<number, SavedService>();
  for (let i = 0; i < n; i++) services.set(i, JSON.parse(JSON.stringify(saveService(e, i))) as SavedService);
  return { services, nodes: JSON.parse(JSON.stringify(saveNodes(e))) as SavedNodes };
}

describe('rgmanager daemon: policy state survives a coordinator change', () => {
  it('a restored engine decides exactly like the original (200 seeded runs)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const a = new PolicyEngine(config());
      const online = new Set(NODES);
      const reqId = { n: 0 };
      let now = 1_000_000;
      a.step({ type: 'membership', online: [...online] }, now);
      const cut = 5 + Math.floor(r() * 40);
      for (let i = 0; i < cut; i++) { now += Math.floor(r() * 5000); a.step(nextEvent(a, r, online, reqId), now); }
      const snap = snapshot(a);
      const b = new PolicyEngine(config());
      restoreEngine(b, snap.services, snap.nodes, now);
      expect(b.serviceViews().map((s) => ({ ...s })), `seed ${seed}: views after restore`).to.deep.equal(a.serviceViews().map((s) => ({ ...s })));
      b.verifyCounts();
      for (let i = 0; i < 40; i++) {
        now += Math.floor(r() * 5000);
        const ev = nextEvent(a, r, online, reqId);
        const da = comparable(a.step(ev, now).decisions);
        const db = comparable(b.step(ev, now).decisions);
        expect(db, `seed ${seed} step ${i} ${JSON.stringify(ev)}`).to.deep.equal(da);
      }
      expect(b.serviceViews()).to.deep.equal(a.serviceViews());
      b.verifyCounts();
    }
  });
});
