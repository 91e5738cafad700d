// Our APC PDU simulator (net-snmp agent) checked against real clients so that it does not just
// agree with our own agent: net-snmp's snmpget/snmpwalk/snmpset and Debian's fence_apc_snmp.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPduSim, type PduSim } from '../../../src/fence-agents/apc/pdu-sim.js';
import { debian, debianAgent, ours, requirePrograms, run, startOurSimProcess, startSimNear, type OurSimProcess } from './peers.js';

const snmp = (tool: string, args: readonly string[]) => run(`/usr/bin/${tool}`, ['-m', '', '-Oqn', ...args]);
const rpduState = '.1.3.6.1.4.1.318.1.1.12.3.5.1.1.4';
const rpduControl = '.1.3.6.1.4.1.318.1.1.12.3.3.1.1.4';

/** Wait for a condition (hooks run asynchronously), bounded. */
async function until(cond: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('apc_pdu_sim (ours) checked with net-snmp tools and Debian fence_apc_snmp', function () {
  let proc: OurSimProcess;
  let dir: string;
  let target = '';
  before(async function () {
    requirePrograms(this, ['/usr/bin/snmpget', '/usr/bin/snmpset', '/usr/bin/snmpwalk']);
    dir = mkdtempSync(path.join(tmpdir(), 'apc-sim-test-'));
    proc = await startOurSimProcess(11650, ['--names', 'node1,node2,node3', '--outlets', '4', '--state-dir', path.join(dir, 'state'),
      '--on-power-off', `echo "off $APC_OUTLET $APC_OUTLET_NAME" >> ${dir}/hooks`, '--on-power-on', `echo "on $APC_OUTLET" >> ${dir}/hooks`,
      '--reboot-delay', '0.2']);
    target = `udp:127.0.0.1:${proc.port}`;
  });
  after(async () => {
    await proc?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  const stateFile = (n: number) => readFileSync(path.join(dir, 'state', `outlet.${n}`), 'utf8').trim();

  it('snmpget v1/v2c: sysObjectID of an rPDU and outlet states', async () => {
    const r = await snmp('snmpget', ['-v1', '-c', 'public', target, '.1.3.6.1.2.1.1.2.0', `${rpduState}.1`]);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal(`.1.3.6.1.2.1.1.2.0 .1.3.6.1.4.1.318.1.3.4.5\n${rpduState}.1 1\n`);
  });

  it('SNMPv1 exceptions as a v1 agent must give them: noSuchName for a missing outlet (like real snmpd)', async () => {
    const r = await snmp('snmpget', ['-v1', '-c', 'public', target, `${rpduState}.99`]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/noSuchName/);
    const v2 = await snmp('snmpget', ['-v2c', '-c', 'public', target, `${rpduState}.99`]);
    expect(v2.stdout).to.match(/No Such Instance/);
  });

  it('snmpwalk v2c: the outlet name table in order', async () => {
    const r = await snmp('snmpwalk', ['-v2c', '-c', 'public', target, '.1.3.6.1.4.1.318.1.1.12.3.5.1.1.2']);
    expect(r.stdout.split('\n').filter((l) => l !== '')).to.deep.equal([
      '.1.3.6.1.4.1.318.1.1.12.3.5.1.1.2.1 "node1"', '.1.3.6.1.4.1.318.1.1.12.3.5.1.1.2.2 "node2"',
      '.1.3.6.1.4.1.318.1.1.12.3.5.1.1.2.3 "node3"', '.1.3.6.1.4.1.318.1.1.12.3.5.1.1.2.4 "Outlet 4"']);
  });

  it('snmpset: rw community switches an outlet (state file, hook); ro community gets noAccess; bad value wrongValue', async () => {
    expect((await snmp('snmpset', ['-v2c', '-c', 'private', target, `${rpduControl}.4`, 'i', '2'])).code).to.equal(0);
    expect(stateFile(4)).to.equal('2');
    expect((await snmp('snmpget', ['-v2c', '-c', 'public', target, `${rpduState}.4`])).stdout).to.equal(`${rpduState}.4 2\n`);
    await until(() => existsSync(path.join(dir, 'hooks')) && readFileSync(path.join(dir, 'hooks'), 'utf8').includes('off 4 Outlet 4'), 'power-off hook');
    const ro = await snmp('snmpset', ['-v2c', '-c', 'public', target, `${rpduControl}.4`, 'i', '1']);
    expect(ro.code).to.equal(2);
    expect(ro.stderr).to.match(/noAccess/);
    const bad = await snmp('snmpset', ['-v2c', '-c', 'private', target, `${rpduControl}.4`, 'i', '77']);
    expect(bad.stderr).to.match(/wrongValue/);
    expect(stateFile(4)).to.equal('2');
    expect((await snmp('snmpset', ['-v1', '-c', 'private', target, `${rpduControl}.4`, 'i', '1'])).code).to.equal(0);
    expect(stateFile(4)).to.equal('1');
  });

  it('snmpget v3 authPriv SHA/AES; a wrong passphrase is refused', async () => {
    const v3 = ['-v3', '-u', 'fence', '-l', 'authPriv', '-a', 'SHA', '-x', 'AES', '-X', 'fencepriv'];
    expect(await snmp('snmpget', [...v3, '-A', 'fencepass', target, `${rpduState}.1`])).to.include({ code: 0, stdout: `${rpduState}.1 1\n` });
    const bad = await snmp('snmpget', [...v3, '-A', 'wrongpass', '-t', '0.5', '-r', '0', target, `${rpduState}.1`]);
    expect(bad.code).to.not.equal(0);
  });

  it('a reboot command (3) turns the outlet off, then on after --reboot-delay', async () => {
    expect((await snmp('snmpset', ['-v2c', '-c', 'private', target, `${rpduControl}.3`, 'i', '3'])).code).to.equal(0);
    expect(stateFile(3)).to.equal('2');
    await until(() => stateFile(3) === '1', 'outlet 3 back on');
  });

  describe('Debian fence_apc_snmp against our simulator', () => {
    before(function () { requirePrograms(this, [debianAgent]); });
    const a = () => ['-a', '127.0.0.1', '-u', String(proc.port)];

    it('list, status, off/on by name, reboot, v2c and v3', async () => {
      expect((await debian([...a(), '-o', 'list'])).stdout).to.equal('1,node1\n2,node2\n3,node3\n4,Outlet 4\n');
      expect(await debian([...a(), '-n', 'node2', '-o', 'status'])).to.include({ code: 0, stdout: 'Status: ON\n' });
      expect(await debian([...a(), '-n', 'node2', '-o', 'off'])).to.include({ code: 0, stdout: 'Success: Powered OFF\n' });
      expect(stateFile(2)).to.equal('2');
      expect(await debian([...a(), '-d', '2c', '-n', '2', '-o', 'status'])).to.include({ code: 2, stdout: 'Status: OFF\n' });
      expect(await debian([...a(), '-d', '3', '-l', 'fence', '-p', 'fencepass', '-b', 'SHA', '-E', 'authPriv', '-B', 'AES', '-P', 'fencepriv',
        '-n', 'node2', '-o', 'on'])).to.include({ code: 0, stdout: 'Success: Powered ON\n' });
      expect(await debian([...a(), '-n', '1', '-o', 'reboot'])).to.include({ code: 0, stdout: 'Success: Rebooted\n' });
      expect(stateFile(1)).to.equal('1');
    });

    it('stuck outlets: Debian times out waiting to power OFF, as against the real PDU', async () => {
      writeFileSync(path.join(dir, 'state', 'stuck'), '');
      try {
        const r = await debian([...a(), '-n', '1', '-o', 'off', '--power-timeout', '2']);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(/Timed out waiting to power OFF/);
        const mine = await ours([...a(), '-n', '1', '-o', 'off', '--power-timeout', '2']);
        expect(mine.code).to.equal(1);
        expect(mine.stderr).to.match(/Timed out waiting to power OFF/);
      } finally {
        rmSync(path.join(dir, 'state', 'stuck'), { force: true });
      }
    });
  });
});

describe('apc_pdu_sim in-process: models, DES, persistence', function () {
  let sims: PduSim[] = [];
  let dir: string;
  before(function () {
    requirePrograms(this, ['/usr/bin/snmpget']);
    dir = mkdtempSync(path.join(tmpdir(), 'apc-sim-inproc-'));
  });
  afterEach(async () => { for (const s of sims) await s.close(); sims = []; });
  after(() => { if (dir !== undefined) rmSync(dir, { recursive: true, force: true }); });

  it('Master Switch+ layout: Debian and ours list switch:outlet and switch the same outlet', async function () {
    requirePrograms(this, [debianAgent]);
    const sim = await startSimNear(11660, { model: 'msp', outlets: 3, names: ['a', 'b'] });
    sims.push(sim);
    const a = ['-a', '127.0.0.1', '-u', String(sim.port)];
    const theirs = await debian([...a, '-o', 'list']);
    expect(theirs.stdout).to.equal('1:1,a\n1:2,b\n1:3,Outlet 3\n');
    expect((await ours([...a, '-o', 'list'])).stdout).to.equal(theirs.stdout);
    expect(await debian([...a, '-n', 'b', '-o', 'off'])).to.include({ code: 0 });
    expect(sim.power(2)).to.equal('off');
    expect(await ours([...a, '-n', '1:2', '-o', 'status'])).to.include({ code: 2 });
    expect(await ours([...a, '-n', 'b', '-o', 'on'])).to.include({ code: 0 });
    expect(sim.power(2)).to.equal('on');
  });

  for (const [model, port] of [['ms', 11666], ['ms6', 11672], ['tripplite', 11656], ['tripplite-lx', 11690]] as const) {
    it(`${model} layout: Debian and ours agree on list, off and on`, async function () {
      requirePrograms(this, [debianAgent]);
      const sim = await startSimNear(port, { model, outlets: 3, names: ['a', 'b'] });
      sims.push(sim);
      const a = ['-a', '127.0.0.1', '-u', String(sim.port)];
      const theirs = await debian([...a, '-o', 'list']);
      expect(theirs.stdout).to.equal('1,a\n2,b\n3,Outlet 3\n');
      expect((await ours([...a, '-o', 'list'])).stdout).to.equal(theirs.stdout);
      expect(await debian([...a, '-n', 'b', '-o', 'off'])).to.include({ code: 0, stdout: 'Success: Powered OFF\n' });
      expect(sim.power(2)).to.equal('off');
      expect(await ours([...a, '-n', 'b', '-o', 'status'])).to.include({ code: 2 });
      expect(await ours([...a, '-n', '2', '-o', 'on'])).to.include({ code: 0, stdout: 'Success: Powered ON\n' });
      expect(await debian([...a, '-n', '2', '-o', 'status'])).to.include({ code: 0, stdout: 'Status: ON\n' });
    });
  }

  it('SNMPv3 with MD5/DES privacy: net-snmp snmpget and our agent (both bins run with the legacy OpenSSL provider)', async () => {
    const proc = await startOurSimProcess(11678, ['--v3-user', 'desuser', '--v3-auth-prot', 'md5', '--v3-auth-pass', 'authpass1',
      '--v3-priv-prot', 'des', '--v3-priv-pass', 'privpass1']);
    try {
      const r = await snmp('snmpget', ['-v3', '-u', 'desuser', '-l', 'authPriv', '-a', 'MD5', '-A', 'authpass1', '-x', 'DES', '-X', 'privpass1',
        `udp:127.0.0.1:${proc.port}`, `${rpduState}.1`]);
      expect(r).to.include({ code: 0, stdout: `${rpduState}.1 1\n` });
      const mine = await ours(['-a', '127.0.0.1', '-u', String(proc.port), '-d', '3', '-l', 'desuser', '-p', 'authpass1', '-b', 'MD5', '-E', 'authPriv',
        '-B', 'DES', '-P', 'privpass1', '-n', '1', '-o', 'off']);
      expect(mine).to.include({ code: 0, stdout: 'Success: Powered OFF\n' });
    } finally {
      await proc.stop();
    }
  });

  it('in a process without the legacy OpenSSL provider, DES is refused with a clear error', async function () {
    if (process.execArgv.includes('--openssl-legacy-provider')) this.skip();
    let err: Error | undefined;
    try { sims.push(await startSimNear(11684, { v3User: 'u', v3PrivProtocol: 'des', v3PrivPass: 'privpass1' })); } catch (e) { err = e as Error; }
    expect(err?.message).to.match(/DES privacy needs Node started with --openssl-legacy-provider/);
  });

  it('keeps outlet states in the state dir across restarts', async () => {
    const stateDir = path.join(dir, 'persist');
    const first = await startSimNear(11688, { outlets: 2, stateDir });
    sims.push(first);
    expect(await ours(['-a', '127.0.0.1', '-u', String(first.port), '-n', '2', '-o', 'off'])).to.include({ code: 0 });
    await first.close();
    sims = [];
    const second = await startSimNear(first.port, { outlets: 2, stateDir });
    sims.push(second);
    expect([second.power(1), second.power(2)]).to.deep.equal(['on', 'off']);
    expect(await ours(['-a', '127.0.0.1', '-u', String(second.port), '-n', '2', '-o', 'status'])).to.include({ code: 2 });
  });

  it('refuses a port that is in use with a clear error', async () => {
    const sim = await startSimNear(11694, {});
    sims.push(sim);
    let err: Error | undefined;
    try { sims.push(await startPduSim({ port: sim.port })); } catch (e) { err = e as Error; }
    expect(err?.message).to.match(new RegExp(`cannot listen on udp 127\\.0\\.0\\.1:${sim.port}: .*EADDRINUSE`));
  });
});
