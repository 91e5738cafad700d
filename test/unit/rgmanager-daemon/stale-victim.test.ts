// The coordinator moves a dead owner's service only on the fence record of the incarnation that
// died: an older settled record (a startup victim averted during post_join_delay, incarnation 0)
// is the state before fenced queued this death and must not count.
import { expect } from 'chai';
import { getLogger } from '../../../src/log/index.js';
import { Coordinator } from '../../../src/rgmanager/daemon/coordinator.js';
import type { ResultRecord } from '../../../src/rgmanager/daemon/records.js';
import { victimSafeFor, type VictimRecord } from '../../../src/fenced/daemon.js';
import type { JsonValue } from '../../../src/cman/membership/index.js';
import { FakePort, conf, settle } from './fake-port.js';

const victim = (st: VictimRecord['st'], inc: number): JsonValue =>
  ({ st, gen: 4, inc, ms: 1, master: 'n1', attempt: 0, reason: st === 'averted' ? 'joined during post_join_delay' : 'agent', safeMs: st === 'pending' ? 0 : 1 });

describe('rgmanager coordinator: a dead owner waits for the fence of the life that died', () => {
  const log = getLogger('test', { node: 'n1' });
  let c: Coordinator | undefined;
  afterEach(() => { c?.close(); c = undefined; });

  it('victimSafeFor: a settled record counts only for its own incarnation (any, when unknown)', () => {
    const r = (st: VictimRecord['st'], inc: number) => victim(st, inc) as unknown as VictimRecord;
    expect(victimSafeFor(r('averted', 0), 103)).to.equal(false);
    expect(victimSafeFor(r('fenced', 102), 103)).to.equal(false);
    expect(victimSafeFor(r('fenced', 103), 103)).to.equal(true);
    expect(victimSafeFor(r('pending', 103), 103)).to.equal(false);
    expect(victimSafeFor(r('averted', 0), 0)).to.equal(true);
    expect(victimSafeFor(undefined, 0)).to.equal(false);
  });

  it('ignores a startup victim\'s old "averted" record and starts elsewhere only after the new fence', async () => {
    const q = { quorate: true, quorum: 2, expected: 3, total: 3 };
    const port = new FakePort([1, 2, 3], q);
    port.up([1, 2, 3]);
    c = new Coordinator(conf(3, 1, undefined, [2, 3]), port, log);
    c.activate();
    await settle();
    const op = port.svc('service:s1')?.op;
    expect(op?.kind).to.equal('start');
    const owner = op!.node;
    const other = owner === 'n2' ? 'n3' : 'n2';
    const ownerId = Number(owner.slice(1));
    const started: ResultRecord = { opId: op!.id, kind: 'start', node: owner, ok: true, ms: 1, message: 'started' };
    port.put('rg/r/service:s1', started as unknown as JsonValue);
    c.onResult('service:s1', started);
    await settle();
    expect(port.svc('service:s1')?.v).to.include({ state: 'started', owner });

    // The owner joined during post_join_delay at formation: its startup record settled "averted", incarnation 0.
    port.put(`fence/v/${owner}`, victim('averted', 0));
    // It dies (SIGKILL): the view without it commits; fenced has not queued the death yet.
    port.current = port.viewOf([1, 2, 3].filter((n) => n !== ownerId), { quorate: true, quorum: 2, expected: 3, total: 2 });
    c.onView(port.current);
    c.onFenceRecord();
    await settle();
    expect(port.svc('service:s1')?.op ?? null, 'no start before the fence').to.equal(null);
    expect(port.svc('service:s1')?.v.owner).to.equal(owner);

    port.put(`fence/v/${owner}`, victim('pending', 100 + ownerId));
    c.onFenceRecord();
    await settle();
    expect(port.svc('service:s1')?.op ?? null).to.equal(null);

    port.put(`fence/v/${owner}`, victim('fenced', 100 + ownerId));
    c.onFenceRecord();
    await settle();
    expect(port.svc('service:s1')?.op).to.include({ kind: 'start', node: other });
  });
});
