// The third-party agent runner (stdin protocol, timeout, output limit) and fence()'s routing,
// with small shell-script agents as real child processes.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync, chmodSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runExternalAgent, stdinLines, findAgent } from '../../../src/fence-agents/agent/runner.js';
import { fence, mergeFenceArgs, inProcessAgents } from '../../../src/fence-agents/index.js';

describe('fence-agent runner and fence() API', () => {
  let dir = '';
  const script = (name: string, body: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  };
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'fence-runner-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('passes options as name=value lines on stdin and returns exit code and output', async () => {
    const p = script('fence_echo', `cat > "${dir}/got"; echo "Status: OFF"; exit 2`);
    const r = await runExternalAgent(p, { action: 'status', ipaddr: '10.0.0.1', port: '3' });
    expect([r.exitCode, r.stdout, r.timedOut]).to.deep.equal([2, 'Status: OFF\n', false]);
    expect(readFileSync(path.join(dir, 'got'), 'utf8')).to.equal('action=status\nipaddr=10.0.0.1\nport=3\n');
  });

  it('kills an agent that overruns its timeout', async () => {
    const p = script('fence_hang', 'exec sleep 30');
    const r = await runExternalAgent(p, { action: 'off' }, { timeoutMs: 200, killGraceMs: 200 });
    expect(r.timedOut).to.equal(true);
    expect(r.signal).to.equal('SIGTERM');
  });

  it('keeps at most maxOutputBytes of output and counts the rest', async () => {
    const p = script('fence_chatty', 'head -c 100000 /dev/zero | tr "\\0" x; exit 0');
    const r = await runExternalAgent(p, {}, { maxOutputBytes: 1000 });
    expect(r.stdout.length).to.equal(1000);
    expect(r.droppedBytes).to.equal(99_000);
  });

  it('refuses values that would inject stdin lines', () => {
    expect(() => stdinLines({ passwd: 'x\naction=on' })).to.throw(/newline/);
  });

  it('finds agents by name in the given directories', async () => {
    script('fence_found', 'exit 0');
    expect(await findAgent('fence_found', [dir])).to.equal(path.join(dir, 'fence_found'));
    expect(await findAgent('../etc/passwd', [dir])).to.equal(undefined);
  });

  it('merges device and node args (node wins), action from the call, else option=/action=, else reboot', () => {
    expect(mergeFenceArgs({ ipaddr: 'a', port: '1' }, { port: '2' }, 'off')).to.deep.equal({ ipaddr: 'a', port: '2', action: 'off' });
    expect(mergeFenceArgs({ ipaddr: 'a', option: 'on' }, {}, undefined)).to.deep.equal({ ipaddr: 'a', action: 'on' });
    expect(mergeFenceArgs({ ipaddr: 'a' }, {}, undefined)['action']).to.equal('reboot');
  });

  it('runs unknown agents as child processes with nodename and reports their result', async () => {
    script('fence_thirdparty', `cat > "${dir}/tp"; echo "Success: Powered OFF"; exit 0`);
    let offSeen = false;
    const r = await fence({ agent: 'fence_thirdparty', args: { ipaddr: 'x' } }, { port: '4' }, 'off',
      { agentDirs: [dir], nodename: 'node4', onOffConfirmed: () => { offSeen = true; } });
    expect(r).to.include({ ok: true, exitCode: 0, inProcess: false, message: 'Success: Powered OFF' });
    expect(offSeen).to.equal(true);
    expect(readFileSync(path.join(dir, 'tp'), 'utf8')).to.equal('ipaddr=x\nport=4\naction=off\nnodename=node4\n');
    const missing = await fence({ agent: 'fence_nowhere', args: {} }, {}, 'status', { agentDirs: [dir] });
    expect(missing).to.include({ ok: false, exitCode: 1 });
    expect(missing.message).to.match(/not found/);
  });

  it('runs our own agents in-process and validates their options', async () => {
    expect(inProcessAgents()).to.include.members(['fence_apc_snmp', 'fence_tripplite_snmp']);
    const r = await fence({ agent: 'fence_apc_snmp', args: { community: 'x' } }, { port: '1' }, 'status');
    expect(r).to.include({ ok: false, exitCode: 1, inProcess: true });
    expect(r.message).to.match(/You have to enter fence address/);
    const meta = await fence({ agent: 'fence_tripplite_snmp', args: {} }, {}, 'metadata');
    expect(meta.stdout).to.match(/<resource-agent name="fence_tripplite_snmp"/);
  });
});
