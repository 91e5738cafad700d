// Failover and relocation with real processes (src/demo/local-cluster.ts: clusterd on 127.0.3.2x,
// power behind ipmi_bmc_sim, fence_ipmilan in the daemon):
//   - failover: SIGKILL of the owner -> service started on another node (fencing included), token
//     1000 ms, 3 and 8 nodes (goal <= 1.5 s median); the baseline is cman's own detection time.
//   - relocate: `rg.request relocate` (what `clusvcadm -r` sends) minus the agents' own stop+start
//     run directly (goal < 150 ms); `clusvcadm -r` as a process is in the note.
// Every run waits for the fenced node to reboot and rejoin before the next one.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LocalCluster, repoRoot, waitUntil } from '../src/demo/local-cluster.js';
import type { RgServiceEvent } from '../src/api/rgmanager.js';
import type { CmanStatus } from '../src/api/cman.js';
import { quantile, type Bench, type BenchResult } from './harness.js';

const TOKEN_MS = 1000;
const SLOT = 2;
const SERVICE = 'service:web';

const median = (xs: number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);
const p90 = (xs: number[]): number => quantile([...xs].sort((a, b) => a - b), 0.9);
const progress = (line: string): void => { process.stderr.write(`  ${line}\n`); };

async function startCluster(nodes: number): Promise<LocalCluster> {
  return LocalCluster.start({
    nodes, slot: SLOT, tokenMs: TOKEN_MS, clusterName: 'benchcluster', logLevel: 'notice',
    services: [{ name: 'web', domain: [...Array(nodes).keys()].map((i) => i + 1), nofailback: true }],
  });
}

async function failover(nodes: number, runs: number): Promise<BenchResult> {
  const name = `failover: SIGKILL owner -> ${SERVICE} started elsewhere, fencing included (${nodes} nodes, token ${TOKEN_MS} ms)`;
  const c = await startCluster(nodes);
  const total: number[] = [];
  const detect: number[] = [];
  let ok = false;
  try {
    const all = c.nodes.map((n) => n.name);
    for (let run = 0; run < runs; run++) {
      const svc = await c.waitService(SERVICE, 'started', (s) => s.state === 'started' && s.owner !== null, 60_000);
      const victim = svc.owner!;
      const observer = all.find((n) => n !== victim)!;
      const client = await c.client(observer);
      let killedAt = 0;
      let detectedAt = 0;
      let startedAt = 0;
      await client.subscribe(['cman.membership', 'rg.service'], (event, data) => {
        if (killedAt === 0) return;
        const now = performance.now();
        if (event === 'cman.membership' && detectedAt === 0 && (data as CmanStatus).nodes < nodes) detectedAt = now;
        if (event === 'rg.service') {
          const s = (data as RgServiceEvent).service;
          if (s.id === SERVICE && s.state === 'started' && s.owner !== victim && startedAt === 0) startedAt = now;
        }
      });
      killedAt = performance.now();
      await c.kill(victim, 'SIGKILL');
      await waitUntil(`${SERVICE} to start away from ${victim}`, 60_000, () => startedAt > 0, 5);
      client.close();
      total.push(startedAt - killedAt);
      if (detectedAt > 0) detect.push(detectedAt - killedAt);
      progress(`run ${run + 1}/${runs}: ${victim} killed, ${SERVICE} started elsewhere after ${(startedAt - killedAt).toFixed(0)} ms` +
        ` (membership change after ${detectedAt > 0 ? (detectedAt - killedAt).toFixed(0) : '?'} ms)`);
      // The fence rebooted the victim; wait for it to rejoin before the next run.
      await waitUntil(`${victim} to reboot`, 30_000, () => c.running(victim), 50);
      await c.waitQuorate(all, 60_000);
    }
    ok = true;
  } finally {
    // Keep the logs of a failed run.
    await c.stop({ removeDir: ok });
    if (!ok) progress(`logs kept in ${c.dir}`);
  }
  return {
    name, unit: 'ms', median: median(total), p90: p90(total), samples: total.length, goal: '<= 1500 ms',
    baseline: `cman detection alone (SIGKILL -> membership change): median ${median(detect).toFixed(0)} ms`,
  };
}

/** Run the script agent's stop and start directly, as the executor would (median of `runs`). */
async function agentStopStartMs(c: LocalCluster, runs: number): Promise<number> {
  const node = c.nodes[0]!;
  const agent = path.join(repoRoot, 'agents', 'script.sh');
  const env = { ...c.env(node.name), OCF_RESKEY_name: 'web-app', OCF_RESKEY_file: path.join(c.dir, 'svc-web.sh'),
    OCF_RESKEY_service_name: 'web', CLUSTER_RUN_DIR: path.join(c.dir, 'agent-bench') };
  const once = (op: string): Promise<void> => new Promise((resolve, reject) => {
    const p = spawn(agent, [op], { env, stdio: 'ignore' });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`script ${op} exited ${code}`))));
  });
  mkdirSync(env.CLUSTER_RUN_DIR, { recursive: true });
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    await once('start');
    const t = performance.now();
    await once('stop');
    await once('start');
    xs.push(performance.now() - t);
    await once('stop');
  }
  return median(xs);
}

async function relocate(runs: number): Promise<BenchResult> {
  const name = `relocate: rg.request relocate (clusvcadm -r) beyond the agents' stop+start (3 nodes)`;
  const c = await startCluster(3);
  const api: number[] = [];
  const proc: number[] = [];
  let ok = false;
  try {
    const agentMs = await agentStopStartMs(c, 7);
    const n1 = c.nodes[0]!.name;
    for (let run = 0; run < runs; run++) {
      const svc = await c.waitService(SERVICE, 'started', (s) => s.state === 'started' && s.owner !== null, 30_000);
      const target = c.nodes.find((n) => n.name !== svc.owner)!.name;
      const client = await c.client(n1);
      const t = performance.now();
      const reply = await client.request('rg.request', { op: 'relocate', service: SERVICE, target }, 60_000);
      const dt = performance.now() - t;
      client.close();
      if (reply.codeNumber !== 0) throw new Error(`relocate to ${target} answered ${reply.message} (${reply.reason})`);
      api.push(dt);
      // The same through the command, for the note.
      const back = c.nodes.find((n) => n.name !== target)!.name;
      const t2 = performance.now();
      const r = await c.command(n1, 'clusvcadm', ['-r', 'web', '-m', back]);
      proc.push(performance.now() - t2);
      if (r.code !== 0) throw new Error(`clusvcadm -r: ${r.stdout}${r.stderr}`);
    }
    ok = true;
    const overhead = api.map((x) => x - agentMs);
    return {
      name, unit: 'ms', median: median(overhead), p90: p90(overhead), samples: overhead.length, goal: '< 150 ms',
      baseline: `agents' stop+start run directly: ${agentMs.toFixed(0)} ms; whole request ${median(api).toFixed(0)} ms; ` +
        `clusvcadm -r as a process ${median(proc).toFixed(0)} ms`,
    };
  } finally {
    await c.stop({ removeDir: ok });
    if (!ok) progress(`logs kept in ${c.dir}`);
  }
}

export const benches: Bench[] = [
  { name: 'failover 3 nodes', run: () => failover(3, Number(process.env['FAILOVER_RUNS'] ?? 5)) },
  { name: 'failover 8 nodes', run: () => failover(8, Number(process.env['FAILOVER_RUNS'] ?? 3)) },
  { name: 'relocate overhead', run: () => relocate(Number(process.env['RELOCATE_RUNS'] ?? 5)) },
];
