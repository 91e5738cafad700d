// fence-ipmi benchmarks against the real OpenIPMI ipmi_sim (../shared/peers/ipmi-sim.sh):
//  - status as a process: our bin/fence_ipmilan vs Debian's /usr/sbin/fence_ipmilan, with
//    `node -e 0` as the process-start baseline, all measured in the same run;
//  - off and reboot in-process through fence() (the fence daemon's path), cold (login per run,
//    as fence-agents does) and with the warm session pool. Goal: IPMI off <= 25 ms in-process.
import { execFile, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Bench, BenchResult } from './harness.js';
import { quantile } from './harness.js';
import { fence } from '../src/fence-agents/index.js';
import { closeIpmiSessionPool, enableIpmiSessionPool } from '../src/fence-agents/fence_ipmilan.js';

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const sharedDir = process.env['CLUSTER_SHARED_DIR'] ?? path.resolve(repoRoot, '../shared');
const simScript = path.join(sharedDir, 'peers', 'ipmi-sim.sh');
const debianAgent = '/usr/sbin/fence_ipmilan';
const ourAgent = path.join(repoRoot, 'bin', 'fence_ipmilan');
const REPS = 25;

/** A UDP port nothing is bound to in [from, to] (ipmi_sim 9600-9649, ours 9650-9699). */
async function freeUdpPort(from: number, to: number): Promise<number> {
  const span = to - from + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = from + ((start + i) % span);
    const free = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => { s.close(); resolve(false); });
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free UDP port in ${from}-${to}`);
}

interface Sim {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

async function startSim(): Promise<Sim> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort(9600, 9649);
    try {
      const { stdout } = await execFileP(simScript, ['start', '--port', String(port)], { timeout: 60_000 });
      const dir = /IPMI_SIM_DIR=(.*)/.exec(stdout)?.[1];
      if (dir === undefined) throw new Error(`ipmi-sim.sh printed no dir: ${stdout}`);
      return { port, dir, stop: async () => { await execFileP(simScript, ['stop', '--port', String(port)], { timeout: 30_000 }); } };
    } catch (err) {
      if (attempt >= 8) throw err;
    }
  }
}

function runProcess(cmd: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore', env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${cmd} exited ${code}`));
      else resolve(performance.now() - t0);
    });
  });
}

function stats(samples: number[]): { median: number; p90: number; samples: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p90: quantile(s, 0.9), samples: s.length };
}

const fmt = (n: number) => `${n.toFixed(1)} ms`;
const statusArgs = (port: number) => ['-a', '127.0.0.1', '-u', String(port), '-l', 'admin', '-p', 'secret', '-P', '-C', '3', '-o', 'status'];
const device = (port: number) => ({ agent: 'fence_ipmilan',
  args: { ip: '127.0.0.1', ipport: String(port), username: 'admin', password: 'secret', lanplus: '1', cipher: '3', power_wait: '0' } });

/** Process-level status: ours and Debian's interleaved, plus node -e 0. */
async function statusAsProcess(): Promise<BenchResult> {
  if (!existsSync(debianAgent)) throw new Error('Debian fence-agents not installed');
  const sim = await startSim();
  try {
    const ours: number[] = [];
    const theirs: number[] = [];
    const node: number[] = [];
    for (let i = 0; i < 2; i++) {
      await runProcess(ourAgent, statusArgs(sim.port));
      await runProcess(debianAgent, statusArgs(sim.port));
    }
    for (let i = 0; i < REPS; i++) {
      process.stderr.write(`\r  status as a process: ${i + 1}/${REPS}`);
      ours.push(await runProcess(ourAgent, statusArgs(sim.port)));
      theirs.push(await runProcess(debianAgent, statusArgs(sim.port)));
      node.push(await runProcess(process.execPath, ['-e', '0']));
    }
    process.stderr.write('\n');
    const o = stats(ours);
    const t = stats(theirs);
    const n = stats(node);
    return {
      name: 'fence-ipmi: fence_ipmilan -o status as a process (ours)', unit: 'ms', ...o,
      goal: 'not slower than Debian',
      baseline: `Debian fence_ipmilan ${fmt(t.median)} (ratio ours/Debian ${(o.median / t.median).toFixed(2)}); node -e 0 ${fmt(n.median)}`,
    };
  } finally {
    await sim.stop();
  }
}

/** In-process fence() of `action`, REPS times; power set to on before each run. */
async function inProcess(action: 'off' | 'reboot', warm: boolean): Promise<BenchResult> {
  const sim = await startSim();
  if (warm) enableIpmiSessionPool({ keepAliveMs: 0 });
  try {
    const total: number[] = [];
    const offConfirmed: number[] = [];
    for (let i = 0; i < REPS + 2; i++) {
      writeFileSync(path.join(sim.dir, 'power'), '1\n');
      const t0 = performance.now();
      let offAt = Number.NaN;
      const r = await fence(device(sim.port), {}, action, { onOffConfirmed: () => { offAt = performance.now() - t0; } });
      const ms = performance.now() - t0;
      if (!r.ok) throw new Error(`fence ${action} failed: ${r.message}`);
      if (i >= 2) {
        total.push(ms);
        offConfirmed.push(offAt);
      }
    }
    const tot = stats(total);
    const off = stats(offConfirmed);
    const mode = warm ? 'WARM: session kept open by the pool' : 'COLD: new login + close per run';
    const steps = warm ? 'status, Chassis Control off, status' : 'login (5 exchanges), status, Chassis Control off, status, Close Session';
    if (action === 'off') {
      return { name: `fence-ipmi: IPMI off in-process, ${mode}`, unit: 'ms', ...tot, goal: '<= 25 ms',
        baseline: `power_wait=0; ${steps}` };
    }
    return { name: `fence-ipmi: IPMI reboot in-process, OFF confirmed, ${mode}`, unit: 'ms', ...off, goal: '<= 25 ms',
      baseline: `whole reboot (off + on confirmed) ${fmt(tot.median)}` };
  } finally {
    if (warm) await closeIpmiSessionPool();
    await sim.stop();
  }
}

/** Off in-process against our ipmi_bmc_sim (a separate process; no shell-outs per command, so
 *  this shows what the client and engine cost themselves). */
async function offAgainstOurSim(): Promise<BenchResult> {
  const port = await freeUdpPort(9650, 9699);
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'ipmi_bmc_sim'), '--port', String(port), '-q'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('ipmi_bmc_sim did not start')), 10_000);
      child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('listening')) { clearTimeout(timer); resolve(); } });
    });
    const dev = device(port);
    const samples: number[] = [];
    for (let i = 0; i < REPS + 2; i++) {
      const on = await fence(dev, {}, 'on');
      if (!on.ok) throw new Error(`on failed: ${on.message}`);
      const t0 = performance.now();
      const r = await fence(dev, {}, 'off');
      if (!r.ok) throw new Error(`off failed: ${r.message}`);
      if (i >= 2) samples.push(performance.now() - t0);
    }
    return { name: 'fence-ipmi: IPMI off in-process against ipmi_bmc_sim (cold)', unit: 'ms', ...stats(samples), goal: '<= 25 ms',
      baseline: 'our simulator as a separate process: the client + engine cost without ipmi_sim shell-outs' };
  } finally {
    child.kill('SIGTERM');
  }
}

export const benches: Bench[] = [
  { name: 'fence-ipmi: status as a process, ours vs Debian fence_ipmilan', run: statusAsProcess },
  { name: 'fence-ipmi: off in-process (cold)', run: () => inProcess('off', false) },
  { name: 'fence-ipmi: off in-process (warm)', run: () => inProcess('off', true) },
  { name: 'fence-ipmi: reboot in-process (cold)', run: () => inProcess('reboot', false) },
  { name: 'fence-ipmi: reboot in-process (warm)', run: () => inProcess('reboot', true) },
  { name: 'fence-ipmi: off in-process against ipmi_bmc_sim', run: offAgainstOurSim },
];
