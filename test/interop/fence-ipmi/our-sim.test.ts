// Our simulated BMC checked by a client we did not write (ipmitool), and our client over real
// UDP against it: retransmits through a lossy relay, session re-establishment, power hooks.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BmcSimulator } from '../../../src/fence-agents/ipmi/bmc-sim.js';
import type { BmcSimOptions } from '../../../src/fence-agents/ipmi/bmc-sim.js';
import { IpmiLanClient } from '../../../src/fence-agents/ipmi/client.js';
import type { IpmiLanClientOptions } from '../../../src/fence-agents/ipmi/client.js';
import { fence } from '../../../src/fence-agents/index.js';
import { closeIpmiSessionPool, enableIpmiSessionPool } from '../../../src/fence-agents/fence_ipmilan.js';
import { execFileP, freeUdpPort, ourPorts, requirePeers, startLossyRelay, startOurSim, waitFor } from './peers.js';
import { repoRoot } from '../../support/paths.js';
import type { OurSim } from './peers.js';


async function ipmitool(port: number, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await execFileP('ipmitool', ['-H', '127.0.0.1', '-p', String(port), '-N', '1', '-R', '2', ...args], { timeout: 30_000 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('fence-ipmi interop: real ipmitool against our ipmi_bmc_sim', function () {
  this.timeout(60_000);
  let sim: OurSim;
  let dir: string;
  const state = () => readFileSync(path.join(dir, 'power'), 'utf8').trim();
  const hooks = () => {
    try {
      return readFileSync(path.join(dir, 'hooks'), 'utf8').trim().split('\n').filter((l) => l !== '');
    } catch {
      return [];
    }
  };

  before(async function () {
    requirePeers(this, ['ipmitool']);
    dir = mkdtempSync(path.join(tmpdir(), 'fence-ipmi-oursim-'));
    sim = await startOurSim(['--state-file', path.join(dir, 'power'), '--cycle-delay-ms', '300',
      '--on-power-off', `echo off >> ${dir}/hooks`, '--on-power-on', `echo on >> ${dir}/hooks`]);
  });
  after(async () => {
    await sim?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string[]]> = [
    ['-I lanplus -C 3', ['-I', 'lanplus', '-C', '3']],
    ['-I lanplus -C 2', ['-I', 'lanplus', '-C', '2']],
    ['-I lanplus -C 1', ['-I', 'lanplus', '-C', '1']],
    ['-I lan -A MD5', ['-I', 'lan', '-A', 'MD5']],
    ['-I lan -A PASSWORD', ['-I', 'lan', '-A', 'PASSWORD']],
  ];
  for (const [name, iface] of cases) {
    it(`ipmitool ${name}: power status / off / on, state file and hooks follow`, async () => {
      const auth = ['-U', 'admin', '-P', 'secret', ...iface];
      expect((await ipmitool(sim.port, [...auth, 'chassis', 'power', 'status'])).out).to.match(/Chassis Power is on/);
      const before = hooks().length;
      const off = await ipmitool(sim.port, [...auth, 'chassis', 'power', 'off']);
      expect(off.code, off.out).to.equal(0);
      expect(off.out).to.match(/Chassis Power Control: Down\/Off/);
      expect(state()).to.equal('off');
      expect((await ipmitool(sim.port, [...auth, 'chassis', 'power', 'status'])).out).to.match(/Chassis Power is off/);
      const on = await ipmitool(sim.port, [...auth, 'chassis', 'power', 'on']);
      expect(on.out).to.match(/Chassis Power Control: Up\/On/);
      expect(state()).to.equal('on');
      await waitFor('both hooks ran', () => hooks().length === before + 2);
      expect(hooks().slice(before)).to.deep.equal(['off', 'on']);
    });
  }

  it('ipmitool power cycle: off, then on again after the cycle delay', async () => {
    const before = hooks().length;
    const r = await ipmitool(sim.port, ['-U', 'admin', '-P', 'secret', '-I', 'lanplus', '-C', '3', 'chassis', 'power', 'cycle']);
    expect(r.out).to.match(/Chassis Power Control: Cycle/);
    await waitFor('cycle hooks', () => hooks().length === before + 2);
    expect(hooks().slice(before)).to.deep.equal(['off', 'on']);
    expect(state()).to.equal('on');
  });

  it('ipmitool chassis status and lanplus without -C (cipher suite list) work', async () => {
    expect((await ipmitool(sim.port, ['-U', 'admin', '-P', 'secret', '-I', 'lanplus', 'chassis', 'status'])).out).to.match(/System Power\s*: on/);
  });

  it('ipmitool with a wrong password or user cannot log in', async () => {
    for (const iface of [['-I', 'lanplus', '-C', '3'], ['-I', 'lan', '-A', 'MD5'], ['-I', 'lan', '-A', 'PASSWORD']]) {
      const r = await ipmitool(sim.port, ['-U', 'admin', '-P', 'wrong', ...iface, 'chassis', 'power', 'off']);
      expect(r.code, iface.join(' ')).to.not.equal(0);
      expect(r.out).to.match(/nable to establish|Activate Session command failed/);
    }
    const r = await ipmitool(sim.port, ['-U', 'eve', '-P', 'secret', '-I', 'lanplus', '-C', '3', 'chassis', 'power', 'off']);
    expect(r.code).to.not.equal(0);
    expect(state()).to.equal('on');
  });

  it('ipmitool sees an external power change written to the state file', async () => {
    writeFileSync(path.join(dir, 'power'), 'off\n');
    expect((await ipmitool(sim.port, ['-U', 'admin', '-P', 'secret', '-I', 'lanplus', '-C', '3', 'chassis', 'power', 'status'])).out).to.match(/is off/);
    writeFileSync(path.join(dir, 'power'), 'on\n');
  });
});

describe('fence-ipmi interop: BMC key Kg (ipmitool -y) against ipmi_bmc_sim --kg', function () {
  this.timeout(60_000);
  let sim: OurSim;
  before(async function () {
    requirePeers(this, ['ipmitool']);
    sim = await startOurSim(['--kg', '0102030405']);
  });
  after(async () => {
    await sim?.stop();
  });
  const base = () => ['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(sim.port), '-U', 'admin', '-P', 'secret', '-N', '1', '-R', '1'];

  it('ipmitool with the right Kg logs in, with a wrong one it cannot', async () => {
    const ok = await execFileP('ipmitool', [...base(), '-y', '0102030405', 'chassis', 'power', 'status']);
    expect(ok.stdout).to.match(/Chassis Power is on/);
    const bad = await execFileP('ipmitool', [...base(), '-y', '0102030406', 'chassis', 'power', 'status']).then(
      (r) => r.stdout + r.stderr, (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`);
    expect(bad).to.match(/Unable to establish/);
  });

  it('fence_ipmilan --hexadecimal-kg: right key works, wrong key is a login failure', async () => {
    const args = ['-a', '127.0.0.1', '-u', String(sim.port), '-l', 'admin', '-p', 'secret', '-P', '-o', 'status'];
    const ok = await execFileP(path.join(repoRoot, 'bin', 'fence_ipmilan'), [...args, '--hexadecimal-kg', '0102030405']);
    expect(ok.stdout.trim()).to.equal('Status: ON');
    const bad = await execFileP(path.join(repoRoot, 'bin', 'fence_ipmilan'), [...args, '--hexadecimal-kg', '0102030406'])
      .then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(bad?.code).to.equal(1);
    // the upstream text first (as Debian's agent prints it), our reason on the next line
    expect(bad?.stderr).to.match(/ERROR: Failed: Unable to obtain correct plug status or plug is not available\n.* ERROR: RAKP 4 integrity check value does not match \(wrong BMC key Kg\?\)/);
  });
});

describe('fence-ipmi interop: our client against our simulator over UDP', function () {
  this.timeout(30_000);
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  /** An in-process simulator on a free port of our range. */
  async function newSim(extra: Partial<BmcSimOptions> = {}): Promise<BmcSimulator> {
    for (let attempt = 1; ; attempt++) {
      const s = new BmcSimulator({ address: '127.0.0.1', port: await freeUdpPort(ourPorts), user: 'admin', password: 'secret',
        powerOn: true, cycleDelayMs: 100, ...extra });
      try {
        await s.start();
      } catch (err) {
        if (attempt >= 8) throw err;
        continue;
      }
      closers.push(() => s.stop());
      return s;
    }
  }

  function newClient(port: number, o: Partial<IpmiLanClientOptions> = {}): IpmiLanClient {
    const c = new IpmiLanClient({ host: '127.0.0.1', port, username: 'admin', password: 'secret', interface: 'lanplus', timeoutMs: 200, retries: 2, ...o });
    closers.push(() => c.close());
    return c;
  }

  it('lost replies are retransmitted within the bound, and the command still lands once', async () => {
    const sim = await newSim();
    const relay = await startLossyRelay(sim.port, (n) => n <= 3);
    closers.push(() => relay.close());
    for (const iface of ['lanplus', 'lan'] as const) {
      const c = newClient(relay.port, { interface: iface, retries: 4 });
      expect(await c.getPowerState()).to.equal('on');
      await c.powerOff();
      expect(sim.powerOn).to.equal(false);
      await c.powerOn();
      if (iface === 'lanplus') expect(c.stats.retransmits).to.be.at.least(3);
    }
  });

  it('a lost reply to a command: the retransmission gets the remembered reply, the command runs once', async () => {
    const sim = await newSim();
    // replies: auth caps, open, RAKP 2, RAKP 4, set privilege, status, off <- lost
    const relay = await startLossyRelay(sim.port, (n) => n === 7);
    closers.push(() => relay.close());
    const c = newClient(relay.port, { retries: 3 });
    expect(await c.getPowerState()).to.equal('on');
    const commandsBefore = sim.core.stats.commands;
    await c.powerOff();
    expect(sim.powerOn).to.equal(false);
    expect(c.stats.retransmits).to.equal(1);
    expect(sim.core.stats.duplicates).to.equal(1);
    expect(sim.core.stats.commands - commandsBefore).to.equal(1);
  });

  it('a kept-open session dropped by the BMC is re-established transparently', async () => {
    const sim = await newSim();
    const c = newClient(sim.port);
    expect(await c.getPowerState()).to.equal('on');
    sim.core.dropSessions();
    await c.powerOff();
    expect(sim.powerOn).to.equal(false);
    expect(c.stats.sessionsOpened).to.equal(2);
    expect(c.stats.relogins).to.equal(1);
    await c.close();
    expect(sim.core.sessionCount).to.equal(0);
  });

  it('close() ends a command that is still waiting for an answer (ClosedError), at once', async () => {
    const dead = await freeUdpPort(ourPorts);
    for (const when of ['before the first send', 'after a retransmit'] as const) {
      const c = new IpmiLanClient({ host: '127.0.0.1', port: dead, username: 'admin', password: 'secret', interface: 'lanplus', timeoutMs: 100, retries: 20 });
      const pending = c.getPowerState().then(() => undefined, (e: unknown) => e);
      if (when === 'after a retransmit') await waitFor('a retransmit', () => c.stats.retransmits > 0);
      await c.close();
      expect((await pending as Error).name, when).to.equal('ClosedError');
      expect(await c.getPowerState().then(() => undefined, (e: unknown) => (e as Error).name)).to.equal('ClosedError');
    }
  });

  it('in-process fence() with the session pool logs in once per BMC and reuses the session', async () => {
    const sim = await newSim();
    const device = { agent: 'fence_ipmilan', args: { ip: '127.0.0.1', ipport: String(sim.port), username: 'admin', password: 'secret', lanplus: '1', power_wait: '0' } };
    enableIpmiSessionPool({ keepAliveMs: 0 });
    try {
      expect((await fence(device, {}, 'status')).exitCode).to.equal(0);
      const off = await fence(device, {}, 'off');
      expect(off).to.include({ ok: true, exitCode: 0, power: 'off', inProcess: true });
      expect(sim.powerOn).to.equal(false);
      expect((await fence(device, {}, 'status')).exitCode).to.equal(2);
      expect(sim.core.stats.sessionsOpened).to.equal(1);
      expect(sim.core.sessionCount).to.equal(1);
    } finally {
      await closeIpmiSessionPool();
    }
    expect(sim.core.sessionCount).to.equal(0);
    // without the pool every run logs in and out, as fence-agents does
    expect((await fence(device, {}, 'on')).exitCode).to.equal(0);
    expect(sim.core.stats.sessionsOpened).to.equal(2);
    expect(sim.core.sessionCount).to.equal(0);
  });

  it('keep-alive keeps a session open past the BMC session timeout', async () => {
    const sim = await newSim({ sessionTimeoutMs: 400 });
    const c = newClient(sim.port, { keepAliveMs: 150 });
    await c.connect();
    const commandsBefore = sim.core.stats.commands;
    await waitFor('three keep-alives', () => sim.core.stats.commands >= commandsBefore + 3, 5000);
    expect(await c.getPowerState()).to.equal('on');
    expect(c.stats.sessionsOpened).to.equal(1);
  });
});

describe('fence-ipmi: command-line faces', function () {
  this.timeout(30_000);
  const node = process.execPath;
  const bin = (name: string) => path.join(repoRoot, 'bin', name);

  it('ipmi_bmc_sim --help, and a clear error for a bad option', async () => {
    const help = await execFileP(node, [bin('ipmi_bmc_sim'), '--help']);
    expect(help.stdout).to.match(/--on-power-off CMD/);
    const bad = await execFileP(node, [bin('ipmi_bmc_sim'), '--power', 'maybe']).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(bad?.code).to.equal(1);
    expect(bad?.stderr).to.match(/--power must be on or off/);
  });

  it('fence_ipmilan and every alias answer --help, -V and -o metadata under their own name', async () => {
    for (const name of ['fence_ipmilan', 'fence_ipmilanplus', 'fence_idrac', 'fence_ilo3', 'fence_ilo4', 'fence_ilo5', 'fence_imm']) {
      const meta = await execFileP(bin(name), ['-o', 'metadata']);
      expect(meta.stdout).to.contain(`<resource-agent name="${name}"`);
      expect((await execFileP(bin(name), ['--help'])).stdout).to.match(/--lanplus/);
      expect((await execFileP(bin(name), ['-V'])).stdout).to.match(/^4\.12\.1/);
    }
    const ilo3 = await execFileP(bin('fence_ilo3'), ['-o', 'metadata']);
    expect(ilo3.stdout).to.match(/name="power_wait"[\s\S]*?default="4"/);
  });
});
