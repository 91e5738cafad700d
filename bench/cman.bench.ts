// cman benchmarks with real clusterd processes on 127.0.1.N:
//   detection time after SIGKILL at token 1000 ms (goal <= token + 200 ms),
//   time for 16 nodes to form, idle CPU and RSS per node (goal < 1 %, < 80 MB; measured over
//   CMAN_IDLE_WINDOW_MS from CMAN_IDLE_SETTLE_MS after the cluster formed and its log went idle),
//   a soak of 32 nodes without a false eviction (CMAN_SOAK_S seconds, default 60; the issue's
//   5-minute run is CMAN_SOAK_S=300; token CMAN_SOAK_TOKEN_MS, default 5000).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ApiClient } from '../src/api/index.js';
import type { CmanStatus } from '../src/api/cman.js';
import { TestCluster, clusterConf, waitFor } from '../test/cluster/cman/harness.js';
import { quantile, type Bench, type BenchResult } from './harness.js';

const ip = (n: number) => `127.0.1.${n}`;
const TOKEN_MS = 1000;

async function formCluster(label: string, count: number, tokenMs = TOKEN_MS): Promise<{ c: TestCluster; conf: string; formMs: number; upMs: number }> {
  const c = new TestCluster(label);
  const conf = c.writeConf('cluster.conf', clusterConf({ clusterName: 'bench', tokenMs, nodes: [...Array(count).keys()].map((i) => ({ name: ip(i + 1), nodeid: i + 1 })) }));
  try {
    return await startAndForm(c, conf, count);
  } catch (err) {
    await c.cleanup();
    throw err;
  }
}

async function startAndForm(c: TestCluster, conf: string, count: number): Promise<{ c: TestCluster; conf: string; formMs: number; upMs: number }> {
  const t0 = performance.now();
  for (let i = 1; i <= count; i++) c.start(ip(i), conf);
  for (let i = 1; i <= count; i++) await waitFor(`node ${i} answering`, 120_000, () => c.status(ip(i)), 20);
  const upMs = performance.now() - t0;
  for (let i = 1; i <= count; i++) {
    await waitFor(`node ${i} quorate with ${count}`, 120_000, async () => {
      const s = await c.status(ip(i));
      return s !== undefined && s.quorate && s.nodes === count;
    }, 20);
  }
  return { c, conf, formMs: performance.now() - t0, upMs };
}

/**
 * Wait until the cluster is idle: no entry in flight on any node for three polls in a row (a node that
 * just rejoined still receives the log and its daemons write their records; replies then come more
 * often than heartbeats, which would measure detection from a later last reply than an idle cluster has).
 */
async function settle(c: TestCluster, nodes: number[]): Promise<void> {
  let quiet = 0;
  let last = '';
  await waitFor('cluster idle', 60_000, async () => {
    const ds = await Promise.all(nodes.map((n) => c.diag(ip(n))));
    const sig = ds.map((d) => `${d.membership.commitIndex}/${d.membership.lastIndex}`).join(' ');
    const idle = ds.every((d) => d.membership.commitIndex === d.membership.lastIndex && d.membership.commitIndex === ds[0]!.membership.commitIndex);
    quiet = idle && sig === last ? quiet + 1 : 0;
    last = sig;
    return quiet >= 3;
  }, 200);
}

/** Milliseconds to start `node -e 0` (the floor under any process start), median of 5. */
function nodeStartMs(): number {
  const xs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    xs.push(performance.now() - t);
  }
  xs.sort((a, b) => a - b);
  return quantile(xs, 0.5);
}

const detection: Bench = {
  name: 'cman: failure detection after SIGKILL (token 1000 ms)',
  async run(): Promise<BenchResult> {
    const reps = Number(process.env['CMAN_DETECT_REPS'] ?? 5);
    const { c, conf } = await formCluster('bdetect', 3);
    const samples: number[] = [];
    try {
      for (let r = 0; r < reps; r++) {
        await settle(c, [1, 2, 3]);
        // The kill falls at a uniformly random moment of the heartbeat period (token/10), as a crash does.
        await new Promise((res) => setTimeout(res, Math.random() * TOKEN_MS / 10)); // phase, not synchronisation
        const client = await ApiClient.connect({ runDir: c.runDir(ip(1)) });
        let seenAt = 0;
        const done = new Promise<void>((resolve) => {
          void client.subscribe(['cman.membership'], (_e, data) => {
            if ((data as CmanStatus).nodes === 2 && seenAt === 0) { seenAt = performance.now(); resolve(); }
          });
        });
        await client.request('ping', {});
        const t0 = performance.now();
        await c.kill(ip(3));
        await Promise.race([done, new Promise((_, j) => setTimeout(() => j(new Error('no view change within 30 s')), 30_000))]);
        samples.push(seenAt - t0);
        client.close();
        process.stderr.write(`  detection ${r + 1}/${reps}: ${(seenAt - t0).toFixed(0)} ms\n`);
        c.start(ip(3), conf);
        await waitFor('node 3 back', 60_000, async () => {
          const s = await c.status(ip(1));
          return s !== undefined && s.nodes === 3 && s.quorate;
        }, 20);
      }
    } finally {
      await c.cleanup();
    }
    samples.sort((a, b) => a - b);
    return { name: this.name, unit: 'ms', median: quantile(samples, 0.5), p90: quantile(samples, 0.9), samples: samples.length,
      goal: `<= ${TOKEN_MS + 200} ms`, baseline: `token ${TOKEN_MS} ms` };
  },
};

let sixteen: { c: TestCluster; formMs: number; upMs: number } | undefined;

const form16: Bench = {
  name: 'cman: 16 nodes form a quorate cluster',
  async run(): Promise<BenchResult> {
    const base = nodeStartMs();
    sixteen = await formCluster('bform', 16);
    return { name: this.name, unit: 'ms', median: sixteen.formMs, samples: 1, baseline: `all 16 processes answering after ${sixteen.upMs.toFixed(0)} ms, formed ${(sixteen.formMs - sixteen.upMs).toFixed(0)} ms later; node -e 0 start: ${base.toFixed(0)} ms` };
  },
};

/** CPU ms (user + system) a process has used, from /proc (clock ticks of 10 ms). */
function procCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function idleMeasure(): Promise<{ cpuPct: number[]; rssMb: number[]; leaderPct: number; floorPct: number }> {
  if (sixteen === undefined) sixteen = await formCluster('bform', 16);
  const c = sixteen.c;
  // Idle: after the daemons' first writes (fenced, rgmanager) have committed everywhere, and after
  // the start-up tail (CPU of the first ~20 s after forming decays: compiling, collecting).
  await settle(c, [...Array(16).keys()].map((i) => i + 1));
  await new Promise((r) => setTimeout(r, Number(process.env['CMAN_IDLE_SETTLE_MS'] ?? 20_000))); // settling, not synchronising
  const windowMs = Number(process.env['CMAN_IDLE_WINDOW_MS'] ?? 10_000);
  // Baseline in the same window: a bare node process waking every 100 ms (a leader's heartbeat rate).
  const floor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 100)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500)); // let the baseline process finish starting
  const floorBefore = procCpuMs(floor.pid!);
  const before = await Promise.all([...Array(16).keys()].map((i) => c.diag(ip(i + 1))));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowMs)); // measuring an idle interval, not synchronising
  const after = await Promise.all([...Array(16).keys()].map((i) => c.diag(ip(i + 1))));
  const dt = performance.now() - t0;
  const floorPct = (100 * (procCpuMs(floor.pid!) - floorBefore)) / dt;
  floor.kill();
  const pct = after.map((a, i) => (100 * (a.cpuUserMs + a.cpuSystemMs - before[i]!.cpuUserMs - before[i]!.cpuSystemMs)) / dt);
  const leader = after.findIndex((a) => a.membership.role === 'leader');
  const cpuPct = [...pct].sort((x, y) => x - y);
  const rssMb = after.map((a) => a.rssBytes / 1048576).sort((x, y) => x - y);
  return { cpuPct, rssMb, leaderPct: leader >= 0 ? pct[leader]! : Number.NaN, floorPct };
}

let idle: { cpuPct: number[]; rssMb: number[]; leaderPct: number; floorPct: number } | undefined;

const idleCpu: Bench = {
  name: 'cman: idle CPU per node (16 nodes)',
  async run(): Promise<BenchResult> {
    idle ??= await idleMeasure();
    return { name: this.name, unit: '%', median: quantile(idle.cpuPct, 0.5), p90: quantile(idle.cpuPct, 0.9), samples: 16, goal: '< 1 %',
      baseline: `leader ${idle.leaderPct.toFixed(2)} %; a bare node process with a 100 ms timer: ${idle.floorPct.toFixed(2)} %` };
  },
};

const idleRss: Bench = {
  name: 'cman: RSS per node (16 nodes)',
  async run(): Promise<BenchResult> {
    idle ??= await idleMeasure();
    const r = { name: this.name, unit: 'MB', median: quantile(idle.rssMb, 0.5), p90: quantile(idle.rssMb, 0.9), samples: 16, goal: '< 80 MB' };
    await sixteen?.c.cleanup();
    sixteen = undefined;
    return r;
  },
};

const soak: Bench = {
  name: 'cman: 32-node soak, false evictions',
  async run(): Promise<BenchResult> {
    const soakS = Number(process.env['CMAN_SOAK_S'] ?? 60);
    // 32 processes share this machine's 2 cores with everything else: a token of 5000 ms (the
    // lowest Red Hat supports) rather than the 1000 ms of the detection bench.
    const tokenMs = Number(process.env['CMAN_SOAK_TOKEN_MS'] ?? 5000);
    const { c } = await formCluster('bsoak', 32, tokenMs);
    let evictions = 0;
    let maxP99 = 0;
    const exited = () => [...c.procs.values()].filter((p) => p.exitCode !== null || p.signalCode !== null).length;
    try {
      const client = await ApiClient.connect({ runDir: c.runDir(ip(1)) });
      await client.subscribe(['cman.membership'], (_e, data) => { if ((data as CmanStatus).nodes < 32) evictions += 1; });
      const end = Date.now() + soakS * 1000;
      while (Date.now() < end) {
        await new Promise((r) => setTimeout(r, Math.min(10_000, Math.max(0, end - Date.now())))); // soak time, not synchronisation
        for (const i of [1, 16, 32]) {
          try { maxP99 = Math.max(maxP99, (await c.diag(ip(i))).loopDelay.p99Ms); } catch { /* counted below as an exit */ }
        }
        process.stderr.write(`  soak: ${Math.round((soakS * 1000 - (end - Date.now())) / 1000)}/${soakS} s, view drops seen by node 1: ${evictions}, nodes exited: ${exited()}\n`);
      }
      client.close();
      evictions = Math.max(evictions, exited());
    } finally {
      await c.cleanup();
    }
    return { name: this.name, unit: 'evictions', median: evictions, samples: 1, goal: '0',
      baseline: `${soakS} s soak (CMAN_SOAK_S), token ${tokenMs} ms (CMAN_SOAK_TOKEN_MS); loop-delay p99 max ${maxP99.toFixed(1)} ms` };
  },
};

export const benches: Bench[] = [detection, form16, idleCpu, idleRss, soak];
