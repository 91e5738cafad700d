// conga's pure parts: the login limiter, the session table, password hashing and the incident
// timeline derived from snapshots.
import { expect } from 'chai';
import { LoginLimiter, SessionTable, csrfMatches } from '../../../src/conga/auth.js';
import { IncidentTracker } from '../../../src/conga/timeline.js';
import { hashPassword, verifyPassword, checkUserName, roleAtLeast } from '../../../src/conga/users.js';
import type { ClusterSnapshot, MemberRow, ServiceRow } from '../../../src/conga/model.js';

describe('conga login limiter', () => {
  const limits = { freeFailures: 3, windowMs: 60_000, lockMs: 1000, maxLockMs: 8000, maxEntries: 4 };
  it('locks a key after the free failures, doubling up to the cap, and a success clears it', () => {
    const l = new LoginLimiter(limits);
    l.failure('ip:a', 0); l.failure('ip:a', 1);
    expect(l.retryAfterMs('ip:a', 2)).to.equal(0);
    l.failure('ip:a', 2);
    expect(l.retryAfterMs('ip:a', 2)).to.equal(1000);
    l.failure('ip:a', 1002);
    expect(l.retryAfterMs('ip:a', 1002)).to.equal(2000);
    for (let i = 0; i < 10; i++) l.failure('ip:a', 5000);
    expect(l.retryAfterMs('ip:a', 5000)).to.equal(8000);
    l.success('ip:a');
    expect(l.retryAfterMs('ip:a', 5000)).to.equal(0);
  });
  it('keeps at most maxEntries keys', () => {
    const l = new LoginLimiter(limits);
    for (let i = 0; i < 100; i++) l.failure(`ip:${i}`, i);
    expect(l.size).to.equal(4);
  });
});

describe('conga sessions', () => {
  it('expire when idle, are bounded, and check the CSRF token exactly', () => {
    const t = new SessionTable({ maxSessions: 2, idleMs: 1000, absoluteMs: 10_000 });
    const a = t.create('a', 'admin', 0);
    expect(t.get(a.id, 500)?.user).to.equal('a');
    expect(t.get(a.id, 1600)).to.equal(undefined);
    const b = t.create('b', 'viewer', 2000);
    t.create('c', 'viewer', 2001);
    t.create('d', 'viewer', 2002);
    expect(t.size).to.equal(2);
    expect(t.get(b.id, 2003)).to.equal(undefined);
    const e = t.create('e', 'operator', 3000);
    expect(csrfMatches(e, e.csrf)).to.equal(true);
    expect(csrfMatches(e, e.csrf.slice(1))).to.equal(false);
    expect(csrfMatches(e, undefined)).to.equal(false);
    t.dropUser('e');
    expect(t.get(e.id, 3001)).to.equal(undefined);
  });
});

describe('conga passwords and roles', () => {
  it('hashes with scrypt and verifies only the right password', async () => {
    const h = await hashPassword('correct horse');
    expect(h).to.match(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('correct horse', h)).to.equal(true);
    expect(await verifyPassword('correct hors', h)).to.equal(false);
    expect(await verifyPassword('anything', undefined)).to.equal(false);
  });
  it('orders roles and checks names', () => {
    expect(roleAtLeast('admin', 'operator')).to.equal(true);
    expect(roleAtLeast('viewer', 'operator')).to.equal(false);
    expect(checkUserName('ok.user@x')).to.equal(undefined);
    expect(checkUserName('bad name')).to.match(/not valid/);
  });
});

function snap(timeMs: number, online: Record<string, boolean>, services: Partial<ServiceRow>[], fence: Record<string, string> = {}, history: ClusterSnapshot['fenceHistory'] = []): ClusterSnapshot {
  const members: MemberRow[] = Object.entries(online).map(([name, on], i) => ({ name, nodeid: i + 1, online: on, local: i === 0, votes: 1, joinedMs: 0, fence: fence[name] ?? 'clean' }));
  return {
    servedBy: 'n1', timeMs, clusterName: 'c', configVersion: 1, generation: 1,
    quorum: { quorate: true, totalVotes: 3, expectedVotes: 3, quorum: 2, qdiskVotes: null, qdiskConfigured: false },
    members,
    services: services.map((s) => ({ id: s.id!, state: s.state ?? 'started', owner: s.owner ?? null, lastOwner: null, frozen: false, partial: false, restarts: 0, lastTransitionMs: 0, pending: null })),
    fenceHistory: history, features: { services: true, fencing: true, propagate: false },
  };
}

describe('conga incident timeline', () => {
  it('node lost -> fencing -> fenced -> service recovered, with durations from the loss', () => {
    const t = new IncidentTracker();
    const all = { n1: true, n2: true, n3: true };
    t.observe(snap(1000, all, [{ id: 'service:web', owner: 'n1' }, { id: 'service:db', owner: 'n2' }]));
    t.observe(snap(1100, { ...all, n1: false }, [{ id: 'service:web', owner: 'n1' }, { id: 'service:db', owner: 'n2' }], { n1: 'fencing' }));
    t.observe(snap(1250, { ...all, n1: false }, [{ id: 'service:web', owner: 'n1', state: 'stopped' }, { id: 'service:db', owner: 'n2' }], { n1: 'clean' },
      [{ victim: 'n1', method: 'pdu', device: 'apc', result: 'success', startedMs: 1120, durationMs: 80, by: 'n2', message: 'Success: Powered OFF' }]));
    expect(t.list()[0]!.open).to.equal(true);
    t.observe(snap(1400, { ...all, n1: false }, [{ id: 'service:web', owner: 'n2' }, { id: 'service:db', owner: 'n2' }]));
    const [inc] = t.list();
    expect(inc!.node).to.equal('n1');
    expect(inc!.affected).to.deep.equal(['service:web']);
    expect(inc!.open).to.equal(false);
    expect(inc!.totalMs).to.equal(300);
    expect(inc!.phases.map((p) => `${p.name}@${p.sinceStartMs}`)).to.deep.equal(
      ['node lost@0', 'fencing@0', 'fenced@100', 'service recovered@300']);
  });
  it('keeps at most 50 incidents', () => {
    const t = new IncidentTracker();
    for (let i = 0; i < 60; i++) {
      t.observe(snap(i * 10, { n1: true, n2: true }, []));
      t.observe(snap(i * 10 + 5, { n1: true, n2: false }, []));
    }
    expect(t.list()).to.have.length(50);
  });
});
