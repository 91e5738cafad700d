// The generic action engine over a scripted in-memory driver: exit codes, texts, polling,
// retry_on, reboot (off confirmed before on), several plugs, cycle, list, CLI I/O.
// (Against real devices: test/interop/fence-apc.)
import { expect } from 'chai';
import { runAction } from '../../../src/fence-agents/agent/engine.js';
import { runAgentCli } from '../../../src/fence-agents/agent/cli.js';
import { parseArgv, resolveOptions } from '../../../src/fence-agents/agent/options.js';
import { commonOptions, type AgentDefinition } from '../../../src/fence-agents/agent/spec.js';
import { FenceError, type FenceDriver, type PowerState } from '../../../src/fence-agents/agent/driver.js';

/** A box of outlets; `stuck` outlets ignore commands, `lagPolls` delays the visible change. */
class Box {
  power = new Map<string, PowerState>();
  stuck = new Set<string>();
  events: string[] = [];
  setCalls = 0;
  cycles = 0;
  failConnect: FenceError | undefined;
  failOnAfterOff = false;
  constructor(plugs: Record<string, PowerState>) {
    for (const [k, v] of Object.entries(plugs)) this.power.set(k, v);
  }
  driver(): FenceDriver {
    return {
      connect: async () => { this.events.push('connect'); if (this.failConnect) throw this.failConnect; },
      getPower: async (p) => {
        const s = this.power.get(p);
        if (s === undefined) throw new FenceError('status', `no plug ${p}`);
        return s;
      },
      setPower: async (p, s) => {
        this.setCalls++;
        this.events.push(`set ${p} ${s}`);
        if (s === 'on' && this.failOnAfterOff) return;
        if (!this.stuck.has(p)) this.power.set(p, s);
      },
      cycle: async (p) => { this.cycles++; this.events.push(`cycle ${p}`); },
      listPlugs: async () => [...this.power].map(([id, st]) => ({ id, name: `node${id}`, status: st })),
      close: async () => { this.events.push('close'); },
    };
  }
}

function agentFor(box: Box): AgentDefinition {
  return {
    name: 'fence_test', shortdesc: 'test', longdesc: 'test agent', vendorUrl: 'http://example.invalid',
    options: [...commonOptions({ plugs: true, ipportDefault: '1' }),
      { name: 'method', short: 'm', type: 'select', choices: ['onoff', 'cycle'], default: 'onoff', shortdesc: 'Method', order: 1 },
      { name: 'separator', short: 'C', type: 'string', default: ',', shortdesc: 'sep', order: 101 }],
    actions: ['on', 'off', 'reboot', 'status', 'list', 'list-status', 'monitor', 'metadata', 'validate-all'],
    hasPlugs: true, version: 't',
    createDriver: () => box.driver(),
  };
}

const fast = ['--power-timeout', '0.2', '--stonith-status-sleep', '0.01', '-a', 'dev'];
const run = (box: Box, argv: string[], hooks = {}) => {
  const def = agentFor(box);
  return runAction(def, resolveOptions(def, parseArgv(def.options, [...fast, ...argv]).raw, { env: {} }), hooks);
};

describe('fence-agent engine', () => {
  it('status: 0 "Status: ON", 2 "Status: OFF"; ON if any plug is on', async () => {
    const box = new Box({ 1: 'on', 2: 'off' });
    expect(await run(box, ['-n', '1', '-o', 'status'])).to.include({ exitCode: 0, power: 'on' });
    const off = await run(box, ['-n', '2', '-o', 'status']);
    expect([off.exitCode, off.stdout]).to.deep.equal([2, ['Status: OFF']]);
    expect((await run(box, ['-n', '1,2', '-o', 'status'])).stdout).to.deep.equal(['Status: ON']);
    expect(box.events.filter((e) => e === 'close')).to.have.length(3);
  });

  it('on/off: "Success: Powered ON/OFF", "Already ON/OFF", and switch every plug given', async () => {
    const box = new Box({ 1: 'on', 2: 'on', 3: 'off' });
    const off = await run(box, ['-n', '1,2', '-o', 'off']);
    expect([off.exitCode, off.stdout, off.power]).to.deep.equal([0, ['Success: Powered OFF'], 'off']);
    expect([box.power.get('1'), box.power.get('2')]).to.deep.equal(['off', 'off']);
    expect((await run(box, ['-n', '1,2', '-o', 'off'])).stdout).to.deep.equal(['Success: Already OFF']);
    expect((await run(box, ['-n', '1,3', '-o', 'on'])).stdout).to.deep.equal(['Success: Powered ON']);
    expect([box.power.get('1'), box.power.get('3')]).to.deep.equal(['on', 'on']);
    expect((await run(box, ['-n', '3', '-o', 'on'])).stdout).to.deep.equal(['Success: Already ON']);
  });

  it('a stuck plug: "Failed: Timed out waiting to power OFF", exit 1; on is tried 1+retry_on times', async () => {
    const box = new Box({ 1: 'on', 2: 'off' });
    box.stuck.add('1').add('2');
    const off = await run(box, ['-n', '1', '-o', 'off']);
    expect([off.exitCode, off.errors]).to.deep.equal([1, ['Failed: Timed out waiting to power OFF']]);
    box.setCalls = 0;
    const on = await run(box, ['-n', '2', '-o', 'on', '--retry-on', '2']);
    expect([on.exitCode, on.errors, box.setCalls]).to.deep.equal([1, ['Failed: Timed out waiting to power ON'], 3]);
  });

  it('reboot: off confirmed (callback) before the on command; "Success: Rebooted"', async () => {
    const box = new Box({ 1: 'on' });
    const seen: string[] = [];
    const r = await run(box, ['-n', '1', '-o', 'reboot'], {
      onOffConfirmed: (i: { plugs: readonly string[] }) => { seen.push(`off-confirmed ${i.plugs.join(',')} after ${box.events.filter((e) => e.startsWith('set')).join('|')}`); },
    });
    expect([r.exitCode, r.stdout, r.onConfirmed]).to.deep.equal([0, ['Success: Rebooted'], true]);
    expect(seen).to.deep.equal(['off-confirmed 1 after set 1 off']);
    expect(box.events).to.deep.equal(['connect', 'set 1 off', 'set 1 on', 'close']);
    expect(r.offConfirmedMs).to.be.a('number');
  });

  it('reboot whose ON half fails still prints "Success: Rebooted", exit 0 (upstream), but says onConfirmed=false', async () => {
    const box = new Box({ 1: 'on' });
    box.failOnAfterOff = true;
    const r = await run(box, ['-n', '1', '-o', 'reboot']);
    expect([r.exitCode, r.stdout, r.onConfirmed, r.errors]).to.deep.equal(
      [0, ['Success: Rebooted'], false, ['Failed: Timed out waiting to power ON']]);
  });

  it('reboot of a plug already off skips the off command', async () => {
    const box = new Box({ 1: 'off' });
    const r = await run(box, ['-n', '1', '-o', 'reboot']);
    expect(r.exitCode).to.equal(0);
    expect(box.events).to.deep.equal(['connect', 'set 1 on', 'close']);
  });

  it('reboot with method cycle uses one cycle command per plug', async () => {
    const box = new Box({ 1: 'on', 2: 'on' });
    const r = await run(box, ['-n', '1,2', '-o', 'reboot', '-m', 'cycle']);
    expect([r.exitCode, r.stdout, box.cycles]).to.deep.equal([0, ['Success: Rebooted'], 2]);
  });

  it('list / list-status print id<sep>name[<sep>STATUS]; monitor prints nothing', async () => {
    const box = new Box({ 1: 'on', 2: 'off' });
    expect((await run(box, ['-o', 'list'])).stdout).to.deep.equal(['1,node1', '2,node2']);
    expect((await run(box, ['-o', 'list-status', '-C', ';'])).stdout).to.deep.equal(['1;node1;ON', '2;node2;OFF']);
    const m = await run(box, ['-o', 'monitor']);
    expect([m.exitCode, m.stdout]).to.deep.equal([0, []]);
  });

  it('driver failures keep their fence-agents text and our detail; close() still runs', async () => {
    const box = new Box({ 1: 'on' });
    box.failConnect = new FenceError('login', 'bad password');
    const r = await run(box, ['-n', '1', '-o', 'status']);
    expect([r.exitCode, r.errors]).to.deep.equal([1, ['Unable to connect/login to fencing device: bad password']]);
    expect(box.events).to.deep.equal(['connect', 'close']);
    const unknown = await run(new Box({ 1: 'on' }), ['-n', '9', '-o', 'status']);
    expect(unknown.errors[0]).to.match(/^Failed: Unable to obtain correct plug status or plug is not available/);
  });

  it('polls right after the command, then backs off from 25 ms towards stonith_status_sleep', async function () {
    // With fencing.py's fixed stonith_status_sleep (5 s here) the three reads that still show ON
    // would cost 15 s and this test would hit its mocha timeout; the back-off costs 25+50+100 ms.
    this.timeout(4000);
    const box = new Box({ 1: 'on' });
    const d = box.driver();
    const readAtMs: number[] = [];
    let readsAfterSet = -1;
    const lagging: FenceDriver = {
      ...d,
      getPower: async (p) => {
        if (readsAfterSet >= 0) {
          readAtMs.push(performance.now());
          readsAfterSet++;
          return readsAfterSet >= 4 ? 'off' : 'on';   // the device shows OFF from the 4th read on
        }
        return d.getPower(p);
      },
      setPower: async () => { readsAfterSet = 0; },
    };
    const def: AgentDefinition = { ...agentFor(box), createDriver: () => lagging };
    const options = resolveOptions(def, parseArgv(def.options,
      ['-a', 'dev', '-n', '1', '-o', 'off', '--power-wait', '0', '--power-timeout', '30', '--stonith-status-sleep', '5']).raw, { env: {} });
    const r = await runAction(def, options);
    expect([r.exitCode, r.stdout]).to.deep.equal([0, ['Success: Powered OFF']]);
    expect(readAtMs).to.have.length(4);
    const gaps = readAtMs.slice(1).map((t, i) => t - (readAtMs[i] ?? t));
    gaps.forEach((g, i) => expect(g, `pause ${i + 1}`).to.be.at.least([25, 50, 100][i]! - 2));
  });

  it('delay waits before off/reboot only, before logging in', async () => {
    const box = new Box({ 1: 'on' });
    const logs: string[] = [];
    const hooks = { log: (_l: string, m: string) => { logs.push(m); box.events.push(m.startsWith('Delay') ? 'delay' : 'log'); } };
    await run(box, ['-n', '1', '-o', 'status', '--delay', '0.05'], hooks);
    expect(box.events).to.not.include('delay');
    box.events = [];
    await run(box, ['-n', '1', '-o', 'off', '--delay', '0.05'], hooks);
    expect(box.events.filter((e) => e !== 'log').slice(0, 2)).to.deep.equal(['delay', 'connect']);
    expect(logs).to.include('Delay 0.05 second(s) before logging in to the fence device');
  });

  it('a device call that hangs is cut off (Connection timed out) and its late failure is harmless', async () => {
    let lateFired!: () => void;
    const late = new Promise<void>((r) => { lateFired = r; });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => { unhandled.push(e); };
    process.on('unhandledRejection', onUnhandled);
    try {
      const def: AgentDefinition = { ...agentFor(new Box({})), createDriver: () => ({
        connect: async () => undefined,
        getPower: () => new Promise<PowerState>((_, reject) => setTimeout(() => { reject(new Error('late')); setImmediate(lateFired); }, 2300)),
        setPower: async () => undefined,
        close: async () => undefined,
      }) };
      const o = resolveOptions(def, parseArgv(def.options, ['-a', 'x', '-n', '1', '-o', 'status', '--login-timeout', '0.1', '--shell-timeout', '0.1']).raw, { env: {} });
      const r = await runAction(def, o);
      expect([r.exitCode, r.errors]).to.deep.equal([1, ['Connection timed out: status read took longer than 2200 ms']]);
      await late;
      await new Promise((r2) => setImmediate(r2));
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a driver that cannot be created fails the run (exit 1), never throws', async () => {
    const def: AgentDefinition = { ...agentFor(new Box({})), createDriver: () => { throw new Error('bad settings'); } };
    const o = resolveOptions(def, parseArgv(def.options, ['-a', 'x', '-n', '1', '-o', 'status']).raw, { env: {} });
    expect(await runAction(def, o)).to.include({ exitCode: 1 });
  });

  it('validate-all and metadata do not touch the device', async () => {
    const box = new Box({ 1: 'on' });
    expect((await run(box, ['-n', '1', '-o', 'validate-all'])).exitCode).to.equal(0);
    expect((await run(box, ['-o', 'metadata'])).stdout[0]).to.match(/^<\?xml/);
    expect(box.events).to.deep.equal([]);
  });
});

describe('fence-agent CLI', () => {
  const cli = async (box: Box, argv: string[], stdin = '') => {
    let out = '';
    let err = '';
    const code = await runAgentCli(agentFor(box), argv, {
      stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, readStdin: async () => stdin, invokedAs: 'fence_test', env: {},
    });
    return { code, out, err };
  };

  it('reads stdin only when there is no argument', async () => {
    const box = new Box({ 1: 'off' });
    const r = await cli(box, [], 'ipaddr=dev\nport=1\noption=status\n');
    expect([r.code, r.out]).to.deep.equal([2, 'Status: OFF\n']);
    const v = await cli(box, ['-v'], 'ipaddr=dev\nport=1\noption=status\n');
    expect(v.code).to.equal(1);
    expect(v.err).to.match(/ERROR: Failed: You have to enter fence address\n.*ERROR: Please use '-h' for usage\n$/);
  });

  it('prints errors as "<date> <time>,<ms> ERROR: ..." on stderr; -q silences them', async () => {
    const box = new Box({ 1: 'on' });
    box.stuck.add('1');
    const r = await cli(box, [...fast, '-n', '1', '-o', 'off']);
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ERROR: Failed: Timed out waiting to power OFF$/m);
    const q = await cli(box, [...fast, '-q', '-n', '1', '-o', 'off']);
    expect([q.code, q.err]).to.deep.equal([1, '']);
  });


  it('prints the upstream text alone on the first ERROR line and our detail on the next', async () => {
    const box = new Box({ 1: 'on' });
    box.failConnect = new FenceError('login', 'wrong password for user "admin"', 'Failed: Unable to obtain correct plug status or plug is not available');
    const r = await cli(box, ['-a', 'dev', '-n', '1', '-o', 'status']);
    expect(r.code).to.equal(1);
    const lines = r.err.trimEnd().split('\n').map((l) => l.replace(/^.*? ERROR: /, ''));
    expect(lines).to.deep.equal(['Failed: Unable to obtain correct plug status or plug is not available', 'wrong password for user "admin"']);
  });
  it('--help and -V exit 0', async () => {
    const box = new Box({});
    expect((await cli(box, ['-h'])).out).to.match(/^fence_test - test/);
    expect(await cli(box, ['-V'])).to.deep.equal({ code: 0, out: 't\n', err: '' });
  });
});
