// The policy engine's public snapshot()/restore(): a JSON round trip into a fresh engine gives the
// same views and the same later decisions; a snapshot naming unknown nodes is refused.
import { expect } from 'chai';
import { PolicyEngine, PolicyInvariantError, type EngineSnapshot, type PolicyConfig } from '../../../src/rgmanager/policy/index.js';

const NODES = ['n1', 'n2', 'n3'];

function config(): PolicyConfig {
  return {
    clusterName: 'c', twoNode: false, expectedVotes: 3, qdisk: undefined, fenceRetryS: 3,
    nodes: NODES.map((name, i) => ({ name, nodeid: i + 1, votes: 1 })),
    domains: [{ name: 'ord', ordered: true, restricted: false, nofailback: false, members: NODES.map((node, i) => ({ node, priority: i + 1 })) }],
    services: ['a', 'b', 'c'].map((n) => ({ id: `service:${n}`, domain: 'ord', autostart: true, exclusive: false, recovery: 'restart', depend: undefined,
      dependMode: 'hard' as const, maxRestarts: 2, restartExpireTimeS: 60, migratory: false })),
  };
}

describe('policy engine: snapshot() / restore()', () => {
  it('a JSON round trip continues exactly like the original', () => {
    const a = new PolicyEngine(config());
    let now = 1000;
    a.step({ type: 'membership', online: NODES, quorum: { quorate: true, totalVotes: 3, expectedVotes: 3, quorum: 2, qdiskHeld: false } }, now);
    for (const s of a.serviceViews()) a.step({ type: 'start-result', service: s.id, node: s.owner!, ok: true }, now += 10);
    a.step({ type: 'status-failure', service: 'service:a', node: 'n1' }, now += 10); // restart in place: stop in flight
    a.step({ type: 'membership', online: ['n1', 'n3'], quorum: { quorate: true, totalVotes: 2, expectedVotes: 3, quorum: 2, qdiskHeld: false } }, now += 10);
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as EngineSnapshot;
    const b = new PolicyEngine(config());
    b.restore(snap, now);
    expect(b.serviceViews()).to.deep.equal(a.serviceViews());
    expect(b.nodeViews()).to.deep.equal(a.nodeViews());
    expect(b.quorumView()).to.deep.equal(a.quorumView());
    b.verifyCounts();
    expect(b.operation(0)).to.deep.equal(a.operation(0));
    const evs = [
      { type: 'stop-result', service: 'service:a', node: 'n1', ok: true },
      { type: 'fence-result', node: 'n2', ok: true },
      { type: 'membership', online: ['n1'], quorum: { quorate: false, totalVotes: 1, expectedVotes: 3, quorum: 2, qdiskHeld: false } },
    ] as const;
    for (const ev of evs) {
      now += 100;
      expect(b.step(ev, now).decisions, ev.type).to.deep.equal(a.step(ev, now).decisions);
    }
    expect(b.snapshot()).to.deep.equal(a.snapshot());
  });

  it('refuses a snapshot that names a node the config does not have', () => {
    const a = new PolicyEngine(config());
    a.step({ type: 'membership', online: NODES }, 1000);
    const snap = a.snapshot();
    const bad = { ...snap, services: snap.services.map((s, i) => (i === 0 && s !== null ? { ...s, ow: 7, st: 'started' as const } : s)) };
    expect(() => new PolicyEngine(config()).restore(bad, 1000)).to.throw(PolicyInvariantError, /bad node index 7/);
  });
});
