import { expect } from 'chai';
import { PolicyEngine, clusvcadmExitStatus, type Decision, type PolicyConfig } from '../../../src/rgmanager/policy/index.js';

function config(extra: Partial<PolicyConfig> = {}): PolicyConfig {
  return {
    clusterName: 'c', twoNode: false, expectedVotes: 3, qdisk: undefined, fenceRetryS: 3,
    nodes: [1, 2, 3].map((i) => ({ name: `n${i}`, nodeid: i, votes: 1 })),
    domains: [{ name: 'd', ordered: true, restricted: true, nofailback: false,
      members: [{ node: 'n1', priority: 1 }, { node: 'n2', priority: 2 }] }],
    services: [{ id: 'service:web', domain: 'd', autostart: true, exclusive: false, recovery: 'restart', depend: undefined,
      dependMode: 'hard', maxRestarts: 0, restartExpireTimeS: 0, migratory: false }],
    ...extra,
  };
}

const ops = (ds: Decision[]): string[] => ds.map((d) => `${d.op} ${'service' in d ? d.service : ''}@${'node' in d ? d.node : ''}`);

describe('policy engine (async operations)', () => {
  it('formation decides a start but the service is only "starting" until the result arrives', () => {
    const e = new PolicyEngine(config());
    const r = e.step({ type: 'membership', online: ['n1', 'n2', 'n3'] }, 0);
    expect(ops(r.decisions)).to.deep.equal(['start service:web@n1']);
    expect(e.service('service:web')).to.include({ state: 'starting', owner: 'n1', pending: 'start on n1' });
    // a status failure for a service still starting is ignored; a result from another node is stale
    expect(e.step({ type: 'status-failure', service: 'service:web', node: 'n1' }, 1).decisions).to.deep.equal([]);
    e.step({ type: 'start-result', service: 'service:web', node: 'n2', ok: true }, 2);
    expect(e.service('service:web')!.state).to.equal('starting');
    e.step({ type: 'start-result', service: 'service:web', node: 'n1', ok: true }, 3);
    expect(e.service('service:web')).to.include({ state: 'started', owner: 'n1', pending: null });
  });

  it('node down: fence first, nothing starts until the fence succeeds; failures retry on the clock', () => {
    const e = new PolicyEngine(config());
    e.step({ type: 'membership', online: ['n1', 'n2', 'n3'] }, 0);
    e.step({ type: 'start-result', service: 'service:web', node: 'n1', ok: true }, 0);
    expect(ops(e.step({ type: 'node-down', node: 'n1' }, 1000).decisions)).to.deep.equal(['fence @n1']);
    expect(e.service('service:web')).to.include({ state: 'started', owner: 'n1' });
    expect(e.step({ type: 'fence-result', node: 'n1', ok: false }, 1000).decisions).to.deep.equal([]);
    expect(e.step({ type: 'tick' }, 2000).decisions).to.deep.equal([]);
    expect(ops(e.step({ type: 'tick' }, 4000).decisions)).to.deep.equal(['fence @n1']);
    const r = e.step({ type: 'fence-result', node: 'n1', ok: true }, 4100);
    expect(ops(r.decisions)).to.deep.equal(['mark service:web@', 'start service:web@n2']);
    expect(e.service('service:web')).to.include({ state: 'starting', owner: 'n2', lastOwner: 'n1' });
  });

  it('relocation stops on the owner before starting elsewhere', () => {
    const e = new PolicyEngine(config());
    e.step({ type: 'membership', online: ['n1', 'n2', 'n3'] }, 0);
    e.step({ type: 'start-result', service: 'service:web', node: 'n1', ok: true }, 0);
    const r = e.step({ type: 'request', requestId: 7, op: 'relocate', service: 'service:web', target: 'n2' }, 1);
    expect(ops(r.decisions)).to.deep.equal(['stop service:web@n1']);
    // a second request while the first is in flight
    const again = e.step({ type: 'request', requestId: 8, op: 'disable', service: 'service:web' }, 2);
    expect(again.decisions[0]).to.include({ op: 'reply', requestId: 8, code: 'RG_EAGAIN' });
    expect(ops(e.step({ type: 'stop-result', service: 'service:web', node: 'n1', ok: true }, 3).decisions))
      .to.deep.equal(['start service:web@n2']);
    const done = e.step({ type: 'start-result', service: 'service:web', node: 'n2', ok: true }, 4);
    expect(done.decisions[0]).to.include({ op: 'reply', requestId: 7, code: 'RG_ESUCCESS', owner: 'n2' });
  });

  it('answers requests with rgmanager codes', () => {
    const e = new PolicyEngine(config());
    const code = (op: 'enable' | 'freeze', service: string, target?: string): string => {
      const d = e.step({ type: 'request', requestId: 1, op, service, ...(target ? { target } : {}) }, 0).decisions
        .find((x) => x.op === 'reply');
      return d?.op === 'reply' ? d.code : 'none';
    };
    expect(code('enable', 'service:web')).to.equal('RG_EQUORUM');
    e.step({ type: 'membership', online: ['n1', 'n2', 'n3'] }, 0);
    expect(code('enable', 'service:nope')).to.equal('RG_ENOSERVICE');
    expect(code('enable', 'service:web')).to.equal('RG_EAGAIN');
    e.step({ type: 'start-result', service: 'service:web', node: 'n1', ok: true }, 0);
    expect(code('enable', 'service:web')).to.equal('RG_ERUN');
    expect(code('enable', 'service:web', 'n9')).to.equal('RG_ENODE');
    expect(code('freeze', 'service:web')).to.equal('RG_ESUCCESS');
    expect(code('enable', 'service:web')).to.equal('RG_EFROZEN');
  });

  it('quorum loss stops every running service; nothing starts while inquorate', () => {
    const e = new PolicyEngine(config());
    e.step({ type: 'membership', online: ['n1', 'n2', 'n3'] }, 0);
    e.step({ type: 'start-result', service: 'service:web', node: 'n1', ok: true }, 0);
    const r = e.step({ type: 'membership', online: ['n1'] }, 10);
    expect(ops(r.decisions)).to.deep.equal(['stop service:web@n1']);
    expect(e.quorumView().quorate).to.equal(false);
    expect(e.step({ type: 'stop-result', service: 'service:web', node: 'n1', ok: true }, 11).decisions).to.deep.equal([]);
    expect(e.service('service:web')).to.include({ state: 'stopped', owner: null, lastOwner: 'n1' });
  });

  it('a start result arriving after quorum loss is stopped at once', () => {
    const e = new PolicyEngine(config());
    e.step({ type: 'membership', online: ['n1', 'n2', 'n3'] }, 0);
    e.step({ type: 'membership', online: ['n1'] }, 1);
    const r = e.step({ type: 'start-result', service: 'service:web', node: 'n1', ok: true }, 2);
    expect(ops(r.decisions)).to.deep.equal(['stop service:web@n1']);
  });

  it('clone() branches the state', () => {
    const e = new PolicyEngine(config());
    e.step({ type: 'membership', online: ['n1', 'n2', 'n3'] }, 0);
    const c = e.clone();
    c.step({ type: 'start-result', service: 'service:web', node: 'n1', ok: true }, 0);
    expect(c.service('service:web')!.state).to.equal('started');
    expect(e.service('service:web')!.state).to.equal('starting');
  });

  it('unknown names in events are errors, not silent', () => {
    const e = new PolicyEngine(config());
    expect(() => e.step({ type: 'node-up', node: 'zz' }, 0)).to.throw(/unknown node 'zz'/);
  });

  it('clusvcadm exit statuses', () => {
    expect(clusvcadmExitStatus('RG_ESUCCESS')).to.equal(0);
    expect(clusvcadmExitStatus('RG_ERUN')).to.equal(0);
    expect(clusvcadmExitStatus('RG_EFAIL')).to.equal(255);
    expect(clusvcadmExitStatus('RG_EFROZEN')).to.equal(245);
    expect(clusvcadmExitStatus('RG_EWARNING')).to.equal(237);
  });
});
