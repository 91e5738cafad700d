// Our IPMI LAN client against the real OpenIPMI ipmi_sim (../shared/peers/ipmi-sim.sh).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IpmiLanClient } from '../../../src/fence-agents/ipmi/client.js';
import type { IpmiLanClientOptions } from '../../../src/fence-agents/ipmi/client.js';
import { AuthenticationError, TimeoutError, UnreachableError } from '../../../src/fence-agents/ipmi/errors.js';
import { freeUdpPort, ourPorts, requirePeers, startIpmiSim, startIpmiSimAt, startLossyRelay, waitFor } from './peers.js';
import type { IpmiSim } from './peers.js';


const variants: Array<[string, Partial<IpmiLanClientOptions>]> = [
  ['lanplus cipher suite 1', { interface: 'lanplus', cipherSuite: 1 }],
  ['lanplus cipher suite 2', { interface: 'lanplus', cipherSuite: 2 }],
  ['lanplus cipher suite 3', { interface: 'lanplus', cipherSuite: 3 }],
  ['lan (IPMI 1.5) MD5', { interface: 'lan', authType: 'md5' }],
  ['lan (IPMI 1.5) password', { interface: 'lan', authType: 'password' }],
];

describe('fence-ipmi interop: our client against OpenIPMI ipmi_sim', function () {
  this.timeout(60_000);
  let sim: IpmiSim;
  const clients: IpmiLanClient[] = [];
  const client = (o: Partial<IpmiLanClientOptions>, port = sim.port) => {
    const c = new IpmiLanClient({ host: '127.0.0.1', port, username: 'admin', password: 'secret', interface: 'lanplus',
      timeoutMs: 500, retries: 2, ...o });
    clients.push(c);
    return c;
  };

  before(async function () {
    requirePeers(this, ['ipmi_sim', 'ipmitool']);
    sim = await startIpmiSim();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    sim?.setStuck(false);
  });
  after(async () => {
    await sim?.stop();
  });

  for (const [name, o] of variants) {
    it(`${name}: status, off, on, cycle in one kept-open session`, async () => {
      const c = client(o);
      expect(await c.getPowerState()).to.equal(sim.power());
      await c.powerOff();
      expect(sim.power()).to.equal('off');
      expect(await c.getPowerState()).to.equal('off');
      await c.powerOn();
      expect(sim.power()).to.equal('on');
      expect(await c.getPowerState()).to.equal('on');
      const logBefore = readFileSync(path.join(sim.dir, 'chassis.log'), 'utf8').length;
      await c.powerCycle();
      // ipmi_sim: cycle = power 0 now, power 1 about a second later
      await waitFor('power off then on again after the cycle', () => {
        const log = readFileSync(path.join(sim.dir, 'chassis.log'), 'utf8').slice(logBefore);
        return /set power 0/.test(log) && /set power 1/.test(log) && sim.power() === 'on';
      });
      expect(await c.getPowerState()).to.equal('on');
      expect(c.stats.sessionsOpened).to.equal(1);
      expect(c.stats.dropped).to.equal(0);
    });

    it(`${name}: wrong password is an AuthenticationError with a clear message`, async () => {
      const c = client({ ...o, password: 'not-the-password' });
      const err = await c.getPowerState().then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(AuthenticationError);
      expect((err as Error).message).to.match(/wrong password for IPMI user "admin"/);
    });
  }

  it('hard reset, soft (ACPI) shutdown and the refused diagnostic interrupt', async () => {
    const c = client({ interface: 'lanplus', cipherSuite: 3 });
    const log = () => readFileSync(path.join(sim.dir, 'chassis.log'), 'utf8');
    const before = log().length;
    await c.hardReset();
    expect(log().slice(before)).to.match(/set reset 1/);
    expect(sim.power()).to.equal('on');
    await c.softShutdown();
    expect(log().slice(before)).to.match(/set shutdown 1/);
    await waitFor('soft-off to take effect', () => sim.power() === 'off');
    expect(await c.getPowerState()).to.equal('off');
    const diag = await c.pulseDiagnosticInterrupt().then(() => undefined, (e: unknown) => e);
    expect((diag as { completionCode?: number }).completionCode).to.equal(0xcc);
    await c.powerOn();
    expect(sim.power()).to.equal('on');
  });

  it('unknown user is an AuthenticationError naming the user (lanplus and lan)', async () => {
    for (const o of [{ interface: 'lanplus' as const }, { interface: 'lan' as const }]) {
      const err = await client({ ...o, username: 'mallory' }).getPowerState().then(() => undefined, (e: unknown) => e);
      expect(err, o.interface).to.be.instanceOf(AuthenticationError);
      expect((err as Error).message).to.match(/mallory/);
    }
  });

  it('unreachable port fails within timeout x tries, as UnreachableError', async () => {
    for (const iface of ['lanplus', 'lan'] as const) {
      const dead = await freeUdpPort(ourPorts);
      const c = client({ interface: iface, timeoutMs: 300, retries: 2 }, dead);
      const t0 = performance.now();
      const err = await c.getPowerState().then(() => undefined, (e: unknown) => e);
      const wallMs = performance.now() - t0;
      // the whole call, not just one exchange: no second login attempt against a silent BMC
      expect(wallMs, `${iface}: whole call`).to.be.at.most(c.requestBoundMs + 1000);
      expect(err, iface).to.be.instanceOf(TimeoutError);
      expect(err).to.be.instanceOf(UnreachableError);
      expect((err as TimeoutError).elapsedMs).to.be.at.most(c.requestBoundMs + 1000);
      expect((err as Error).message).to.contain(`127.0.0.1:${dead}`);
    }
  });

  it('stuck device: power off is accepted but the status stays on', async () => {
    const c = client({ interface: 'lanplus', cipherSuite: 3 });
    expect(await c.getPowerState()).to.equal('on');
    sim.setStuck(true);
    await c.powerOff();
    expect(await c.getPowerState()).to.equal('on');
    expect(sim.power()).to.equal('on');
  });

  it('privilege levels: callback and user may read status but not switch (0xD4); operator and administrator may', async () => {
    for (const iface of ['lanplus', 'lan'] as const) {
      for (const level of ['callback', 'user', 'operator', 'administrator'] as const) {
        const c = client({ interface: iface, privilegeLevel: level });
        expect(await c.getPowerState(), `${iface} ${level}`).to.equal('on');
        const err = await c.powerOn().then(() => undefined, (e: unknown) => e);
        if (level === 'callback' || level === 'user') {
          expect((err as { completionCode?: number }).completionCode, `${iface} ${level}`).to.equal(0xd4);
          expect((err as Error).message).to.match(/insufficient privilege/);
        } else {
          expect(err, `${iface} ${level}`).to.equal(undefined);
        }
      }
    }
    expect(sim.power()).to.equal('on');
  });

  it('IPMI 1.5 auth type NONE, when the BMC offers it (ipmi_sim --auths "none md5 straight")', async () => {
    const open = await startIpmiSim(['--auths', 'none md5 straight']);
    try {
      const c = client({ interface: 'lan', authType: 'none' }, open.port);
      expect(await c.getPowerState()).to.equal('on');
      await c.powerOff();
      expect(open.power()).to.equal('off');
      await c.close();
      // and a BMC that does not offer it is refused before any login attempt
      const refused = await client({ interface: 'lan', authType: 'none' }).getPowerState().then(() => undefined, (e: unknown) => e);
      expect(refused).to.be.instanceOf(AuthenticationError);
      expect((refused as Error).message).to.match(/does not offer IPMI 1.5 auth type NONE/);
    } finally {
      await open.stop();
    }
  });

  it('a lost reply at any step (handshake or command) is recovered by retransmission or a fresh login', async () => {
    for (const iface of ['lanplus', 'lan'] as const) {
      for (let lost = 1; lost <= 7; lost++) {
        const relay = await startLossyRelay(sim.port, (n) => n === lost);
        try {
          const c = client({ interface: iface, timeoutMs: 200, retries: 3 }, relay.port);
          expect(await c.getPowerState(), `${iface}, reply ${lost} lost`).to.equal('on');
          await c.powerOff();
          expect(sim.power(), `${iface}, reply ${lost} lost`).to.equal('off');
          await c.powerOn();
          expect(await c.getPowerState()).to.equal('on');
          expect(c.stats.retransmits + c.stats.handshakeRestarts + c.stats.relogins, `${iface}, reply ${lost} lost`).to.be.at.least(1);
          await c.close();
        } finally {
          await relay.close();
        }
      }
    }
  });

  it('keep-warm: a kept session survives a BMC restart by logging in again', async () => {
    const c = client({ interface: 'lanplus', cipherSuite: 3, timeoutMs: 300 });
    expect(await c.getPowerState()).to.equal('on');
    await sim.stop();
    sim = await startIpmiSimAt(sim.port);
    expect(await c.getPowerState()).to.equal('on');
    expect(c.stats.sessionsOpened).to.equal(2);
    await c.powerOff();
    expect(sim.power()).to.equal('off');
    await c.powerOn();
  });
});
