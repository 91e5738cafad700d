// The warm IPMI session pool (what the fence daemon enables) against the real OpenIPMI ipmi_sim:
// one login reused by every in-process fence run, power always read fresh, a new login when the
// BMC lost the session (ipmi_sim restarted on the same port), a failure (never a made-up OFF)
// when the BMC is gone.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fence } from '../../../src/fence-agents/index.js';
import { closeIpmiSessionPool, enableIpmiSessionPool, ipmiSessionPoolStats } from '../../../src/fence-agents/fence_ipmilan.js';
import { requirePeers, startIpmiSim, startIpmiSimAt, type IpmiSim } from './peers.js';

describe('fence-ipmi interop: warm session pool against ipmi_sim', function () {
  this.timeout(120_000);
  let sim: IpmiSim | undefined;
  let pooled = false;
  const device = () => ({
    agent: 'fence_ipmilan',
    args: { ip: '127.0.0.1', ipport: String(sim?.port), username: 'admin', password: 'secret', lanplus: '1', cipher: '3',
      power_wait: '0', power_timeout: '5', login_timeout: '2' },
  });
  const setPower = (on: boolean) => writeFileSync(path.join(sim?.dir ?? '/nonexistent', 'power'), on ? '1\n' : '0\n');

  before(async function () {
    requirePeers(this, ['ipmi_sim']);
    sim = await startIpmiSim();
    enableIpmiSessionPool({ keepAliveMs: 0 });
    pooled = true;
  });
  after(async () => {
    if (pooled) await closeIpmiSessionPool();
    await sim?.stop();
  });

  it('reuses one logged-in session for every run (status, off, on, reboot)', async () => {
    setPower(true);
    const before = ipmiSessionPoolStats();
    expect((await fence(device(), {}, 'status')).message).to.equal('Status: ON');
    const off = await fence(device(), {}, 'off');
    expect([off.ok, off.message, sim?.power()]).to.deep.equal([true, 'Success: Powered OFF', 'off']);
    const on = await fence(device(), {}, 'on');
    expect([on.ok, on.message, sim?.power()]).to.deep.equal([true, 'Success: Powered ON', 'on']);
    const reboot = await fence(device(), {}, 'reboot');
    expect([reboot.ok, reboot.onConfirmed, sim?.power()]).to.deep.equal([true, true, 'on']);
    const after = ipmiSessionPoolStats();
    expect(after.enabled).to.equal(true);
    expect(after.sessions).to.equal(1);
    expect(after.sessionsOpened - before.sessionsOpened, 'logins for four runs').to.equal(1);
  });

  it('reads the power state fresh in every run: an outside change is seen, OFF is never assumed', async () => {
    setPower(true);
    expect((await fence(device(), {}, 'off')).message).to.equal('Success: Powered OFF');
    setPower(true);   // someone powered the node on behind our back; the session stays warm
    expect((await fence(device(), {}, 'status')).message).to.equal('Status: ON');
    const off = await fence(device(), {}, 'off');
    expect([off.ok, off.message, sim?.power()]).to.deep.equal([true, 'Success: Powered OFF', 'off']);
    setPower(false);
    expect((await fence(device(), {}, 'off')).message).to.equal('Success: Already OFF');
  });

  it('logs in again when the BMC lost the session (ipmi_sim restarted on the same port)', async () => {
    setPower(true);
    expect((await fence(device(), {}, 'status')).message).to.equal('Status: ON');
    const opened = ipmiSessionPoolStats().sessionsOpened;
    const port = sim?.port ?? 0;
    await sim?.stop();
    sim = await startIpmiSimAt(port, ['--power', 'on']);
    const off = await fence(device(), {}, 'off');
    expect([off.ok, off.message, sim.power()]).to.deep.equal([true, 'Success: Powered OFF', 'off']);
    expect(ipmiSessionPoolStats().sessionsOpened, 'a new login').to.equal(opened + 1);
  });

  it('a BMC that stopped answering fails the run (exit 1), it never reports OFF', async () => {
    setPower(true);
    expect((await fence(device(), {}, 'status')).message).to.equal('Status: ON');
    const port = sim?.port ?? 0;
    await sim?.stop();
    sim = undefined;
    for (const action of ['off', 'status', 'reboot'] as const) {
      const r = await fence({ agent: 'fence_ipmilan', args: { ...device().args, ipport: String(port) } }, {}, action);
      expect([r.ok, r.exitCode, r.offConfirmedMs], action).to.deep.equal([false, 1, undefined]);
      expect(r.power, action).to.equal(undefined);
    }
    sim = await startIpmiSimAt(port, ['--power', 'off']);
    const status = await fence(device(), {}, 'status');
    expect([status.exitCode, status.message]).to.deep.equal([2, 'Status: OFF']);
  });
});
