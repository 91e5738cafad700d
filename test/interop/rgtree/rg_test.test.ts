// bin/rg_test as a command: modes, exit codes, stdout/stderr split, bad input.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, sharedDir } from '../../support/paths.js';

const fixtures = path.join(sharedDir, 'peer', 'rgmanager-tests');
const rgTest = (args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'rg_test'), ...args], {
    encoding: 'utf8', env: { ...process.env, CLUSTER_AGENT_PATH: '', LANG: 'C', ...env }, timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('rgtree: bin/rg_test', function () {
  this.timeout(60_000);
  let dir: string;
  before(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cs-rg-cli-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('test CONF prints the fixture dump on stdout, banner lines on stderr', function () {
    const r = rgTest(['test', path.join(fixtures, 'test016.conf'), '--inheritance=parent']);
    expect(r.code).to.equal(0);
    expect(r.out).to.equal(readFileSync(path.join(fixtures, 'test016.expected'), 'utf8'));
    expect(r.err).to.match(/^Running in test mode\.\nLoaded 20 resource rules\n/);
  });

  it('AGENTDIR first argument, noop start order, delta', function () {
    const noop = rgTest([path.join(repoRoot, 'agents'), 'noop', path.join(fixtures, 'test011.conf'), 'stop', 'service', 'test1']);
    expect(noop.code).to.equal(0);
    expect(noop.out).to.equal(readFileSync(path.join(fixtures, 'test011.stop.expected'), 'utf8'));
    const delta = rgTest(['delta', path.join(fixtures, 'test012.conf'), path.join(fixtures, 'test013.conf')]);
    expect(delta.code).to.equal(0);
    expect(delta.out).to.equal(readFileSync(path.join(fixtures, 'delta-test012-test013.expected'), 'utf8'));
  });

  it('--json gives the resources and trees', function () {
    const r = rgTest(['test', path.join(fixtures, 'test010.conf'), '--json']);
    expect(r.code).to.equal(0);
    const j = JSON.parse(r.out) as { trees: { id: string; children: { id: string; attributes: Record<string, string> }[] }[] };
    expect(j.trees[0]!.id).to.equal('service:test1');
    expect(j.trees[0]!.children.map((c) => c.id)).to.deep.equal(['fs:mount1', 'ip:192.168.1.3', 'script:initscript']);
  });

  it('test CONF start|stop|status really runs the agents', function () {
    const state = path.join(dir, 'state');
    const script = path.join(dir, 'app.init');
    writeFileSync(script, `#!/bin/sh\ncase "$1" in start) touch ${state};; stop) rm -f ${state};; status) [ -e ${state} ] || exit 3;; esac\nexit 0\n`, { mode: 0o755 });
    const conf = path.join(dir, 'app.conf');
    writeFileSync(conf, `<cluster name="c" config_version="1"><rm><service name="app"><script name="s" file="${script}"/></service></rm></cluster>\n`);
    const start = rgTest(['test', conf, 'start', 'service', 'app']);
    expect(start.out).to.equal('Starting app...\n[start] service:app\n[start] script:s\nStart of app complete\n');
    expect(start.code).to.equal(0);
    expect(rgTest(['test', conf, 'status', 'service', 'app']).code).to.equal(0);
    const stop = rgTest(['test', conf, 'stop', 'service', 'app']);
    expect(stop.out).to.equal('Stopping app...\n[stop] script:s\n[stop] service:app\nStop of app complete\n');
    const status = rgTest(['test', conf, 'status', 'service', 'app'], { CLUSTER_LOG_LEVEL: 'error' });
    expect(status.code).to.equal(1);
    expect(status.out).to.contain('Status check of app failed');
  });

  it('bad input: usage errors exit 2; config errors name file:line and exit 1', function () {
    expect(rgTest(['--help']).code).to.equal(0);
    expect(rgTest(['frobnicate']).code).to.equal(2);
    expect(rgTest(['delta', 'one.conf']).code).to.equal(2);
    const conf = path.join(dir, 'bad.conf');
    writeFileSync(conf, '<cluster name="c" config_version="1">\n<rm>\n<service name="s">\n  <scirpt name="x" file="/bin/true"/>\n  <ip ref="10.0.0.1"/>\n</service>\n</rm>\n</cluster>\n');
    const r = rgTest(['test', conf]);
    expect(r.code).to.equal(1);
    expect(r.err).to.contain(`Error: ${conf}:4: service:s/scirpt:x: unknown resource type "scirpt"`);
    expect(r.err).to.contain(`Error: ${conf}:5: service:s/ip:10.0.0.1: reference to nonexistent resource "10.0.0.1" (type ip)`);
    expect(r.out).to.contain('=== Resource Tree ===\nservice {\n  name = "s";\n}\n');
    const missing = rgTest(['noop', conf, 'start', 'service', 'nope']);
    expect(missing.code).to.equal(1);
    expect(missing.err).to.contain('No resource nope of type service found');
    const unreadable = rgTest(['test', path.join(dir, 'absent.conf')]);
    expect(unreadable.code).to.equal(1);
    expect(unreadable.err).to.match(/absent\.conf:0: cluster: cannot read/);
  });
});
