// bin/rg_simulate as a real child process.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../support/paths.js';

const bin = path.join(repoRoot, 'bin', 'rg_simulate');
const conf = (n: string): string => path.join(repoRoot, 'test/placement/configs', n);
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('rg_simulate', () => {
  it('--json has the documented shape', () => {
    const r = run('-f', conf('ordered.conf'), '--event', 'node-down:node1', '--json');
    expect(r.status, r.stderr).to.equal(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).to.have.keys('quorate', 'members', 'services', 'actions');
    expect(doc['quorate']).to.equal(true);
    expect(doc['members']).to.deep.equal(['node2', 'node3']);
    expect((doc['services'] as Record<string, unknown>)['service:web']).to.deep.equal(
      { state: 'started', owner: 'node2', last_owner: 'node1', restarts: 0, flags: [] });
    const actions = doc['actions'] as { step: number; node: string | null; op: string; target: string; reason: string }[];
    expect(actions.find((a) => a.op === 'fence')).to.deep.include({ step: 1, node: 'node2', target: 'node1' });
    const fenceAt = actions.findIndex((a) => a.op === 'fence');
    const startAt = actions.findIndex((a) => a.step === 1 && a.op === 'start' && a.target === 'service:web');
    expect(fenceAt).to.be.lessThan(startAt);
  });

  it('text output: clustat layout, then the actions', () => {
    const r = run('-f', conf('ordered.conf'), '--online', 'node1,node2', '--start-time', '1385561045');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Cluster Status for ordered @ /);
    expect(r.stdout).to.include(' node3                                       3 Offline\n');
    expect(r.stdout).to.match(/ service:web {20}node1 {26}started {7}\n/);
    expect(r.stdout).to.match(/Actions:\n.*\n +0 +node1 +start +service:web/);
  });

  it('--why explains in plain words', () => {
    const r = run('-f', conf('exclusive.conf'), '-e', 'node-down:node1', '--why', 'ex');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('Why service:ex:');
    expect(r.stdout).to.include('Exclusive: yes');
    expect(r.stdout).to.include('not empty: excluded for an exclusive service');
  });

  for (const [args, msg] of [
    [['-e', 'explode:node1'], /unknown kind 'explode'/],
    [['-e', 'node-down:node9'], /no node 'node9'/],
    [['-e', 'fail:nosuch'], /no service 'service:nosuch'/],
    [['-e', 'migrate:web'], /expected migrate:SVC@NODE/],
    [['-e', 'wait:soon'], /wait needs a number/],
    [['--online', 'node1,nodeX'], /--online: no node 'nodeX'/],
    [['--why', 'nosuch'], /--why: no service 'service:nosuch'/],
  ] as const) {
    it(`bad input ${args.join(' ')} -> exit 1 with a clear error`, () => {
      const r = run('-f', conf('ordered.conf'), ...args);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.match(msg);
      expect(r.stdout).to.equal('');
    });
  }

  it('a missing or invalid config -> exit 1 naming the file', () => {
    const r = run('-f', '/nonexistent/cluster.conf');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('/nonexistent/cluster.conf');
    expect(run().status).to.equal(1);
  });

  it('--help', () => {
    const r = run('--help');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.include('Usage: rg_simulate -f CONF');
  });
});
