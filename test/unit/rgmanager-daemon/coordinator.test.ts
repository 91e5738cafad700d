// The coordinator on a fake ClusterPort (an in-memory key/value map whose proposals commit at
// once, in order): quorum as cman's committed view has it, only changed service records written,
// and one rg.service-worthy record per visible transition.
import { expect } from 'chai';
import { getLogger } from '../../../src/log/index.js';
import { Coordinator } from '../../../src/rgmanager/daemon/coordinator.js';
import { FakePort, conf, settle } from './fake-port.js';

describe('rgmanager coordinator: quorum from cman\'s committed view', () => {
  const log = getLogger('test', { node: 'n1' });
  let c: Coordinator | undefined;
  afterEach(() => { c?.close(); c = undefined; });

  it('acts when cman is quorate although only this node\'s rgmanager runs yet', async () => {
    const port = new FakePort([1, 2, 3], { quorate: true, quorum: 2, expected: 3, total: 3 });
    port.up([1]); // n2, n3: cman members, rgmanager still loading
    c = new Coordinator(conf(3, 2), port, log);
    c.activate();
    await settle();
    expect(port.svc('service:s1')?.op).to.include({ kind: 'start', node: 'n1' });
    expect(port.svc('service:s2')?.op).to.include({ kind: 'start', node: 'n1' });
  });

  it('a lone survivor revived by cman_tool expected -e acts', async () => {
    const port = new FakePort([1], { quorate: true, quorum: 1, expected: 1, total: 1 });
    port.up([1]);
    c = new Coordinator(conf(3, 1), port, log);
    c.activate();
    await settle();
    expect(port.svc('service:s1')?.op).to.include({ kind: 'start', node: 'n1' });
  });

  it('stops everything when cman says inquorate, even with qdisk votes configured', async () => {
    // 4 nodes + qdisk (3 votes, expected 7): the partition without the qdisk master has T = 2 < Q.
    const port = new FakePort([1, 2, 3, 4], { quorate: true, quorum: 4, expected: 7, total: 7, qdisk: 3 });
    port.up([1, 2, 3, 4]);
    c = new Coordinator(conf(4, 2, { votes: 3, expected: 7 }), port, log);
    c.activate();
    await settle();
    for (const id of ['service:s1', 'service:s2']) {
      const op = port.svc(id)!.op!;
      port.put(`rg/r/${id}`, { opId: op.id, kind: 'start', node: op.node, ok: true, ms: 0, message: '' });
      c.onResult(id, { opId: op.id, kind: 'start', node: op.node, ok: true, ms: 0, message: '' });
    }
    await settle();
    expect(port.svc('service:s1')?.v.state).to.equal('started');
    // The 2+2 split, seen from the side without the qdisk master: cman is inquorate (T = 2), the
    // members of its last committed view are unchanged.
    port.current = port.viewOf([1, 2, 3, 4], { quorate: false, quorum: 4, expected: 7, total: 4 });
    c.onView(port.current);
    await settle();
    for (const id of ['service:s1', 'service:s2']) {
      expect(port.svc(id)?.v.state, id).to.equal('stopping');
      expect(port.svc(id)?.op, id).to.include({ kind: 'stop', mode: 'emergency' });
    }
  });
});

describe('rgmanager coordinator: records written per step', () => {
  const log = getLogger('test', { node: 'n1' });
  let c: Coordinator | undefined;
  afterEach(() => { c?.close(); c = undefined; });

  it('with 2000 services, one start result reads and writes only that service\'s record', async () => {
    const port = new FakePort([1, 2, 3], { quorate: true, quorum: 2, expected: 3, total: 3 });
    port.up([1, 2, 3]);
    c = new Coordinator(conf(3, 2000), port, log);
    c.activate();
    // More records than the writer lets wait at once: the rest follow as the first ones commit.
    const end = Date.now() + 20_000;
    while ([...port.kv().keys()].filter((k) => k.startsWith('rg/s/')).length < 2000 && Date.now() < end) await settle();
    for (let i = 1; i <= 2000; i++) expect(port.svc(`service:s${i}`)?.op?.kind, `s${i}`).to.equal('start');
    const op = port.svc('service:s1000')!.op!;
    expect(op.kind).to.equal('start');
    const reads = port.kvReads;
    const writes = port.log.length;
    const r = { opId: op.id, kind: 'start' as const, node: op.node, ok: true, ms: 0, message: '' };
    port.put('rg/r/service:s1000', r);
    c.onResult('service:s1000', r);
    await settle();
    expect(port.svc('service:s1000')?.v.state).to.equal('started');
    expect(port.log.slice(writes + 1).map((x) => x.key)).to.deep.equal(['rg/s/service:s1000']);
    expect(port.kvReads - reads, 'record reads for one result').to.be.below(50);
  });
});
