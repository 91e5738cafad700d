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
