// `cman_tool version -r` to 16 clusterd processes: from the request on node 1 until every node
// reports the new config version (goal < 500 ms). Baseline in the same run: one round of
// `cman.status` to all 16 nodes (what the "until all run it" check itself costs).
import { performance } from 'node:perf_hooks';
import type { Bench, BenchResult } from './harness.js';
import { quantile } from './harness.js';
import { PropagateCluster } from '../test/cluster/propagate/harness.js';

const NODES = 16;
const ROUNDS = 10;

async function run(): Promise<BenchResult> {
  const c = new PropagateCluster({ nodes: NODES, addressBase: 20, port: 10402, tokenMs: 2000 });
  try {
    const app = c.script('app');
    const svc = [{ name: 'app', resources: [{ name: 'app', script: app }] }];
    for (const n of c.nodes) c.writeConf(n, c.conf(1, svc));
    await c.startAll(90_000);
    await c.waitService('service:app', (st) => st === 'started', 'started', 60_000);
    const n1 = c.nodes[0]!;
    const statusRound = async (): Promise<number> => {
      const t0 = performance.now();
      await Promise.all(c.nodes.map((n) => c.cmanStatus(n)));
      return performance.now() - t0;
    };
    const base: number[] = [];
    const cli: number[] = [];
    const samples: number[] = [];
    let first = 0;
    for (let v = 2; v < 3 + ROUNDS; v++) {
      base.push(await statusRound());
      c.writeConf(n1, c.conf(v, svc, `\n  <!-- round ${v} -->`));
      const t0 = performance.now();
      const r = await c.command(n1, 'cman_tool', ['version', '-r']);
      if (r.code !== 0) throw new Error(`version -r failed: ${r.stderr}`);
      cli.push(r.ms);
      // Until every node runs it (polled in parallel).
      for (;;) {
        const vs = await Promise.all(c.nodes.map(async (n) => (await c.cmanStatus(n))?.configVersion));
        if (vs.every((x) => x === v)) break;
        if (performance.now() - t0 > 30_000) throw new Error(`not every node reached version ${v}: ${vs.join(',')}`);
      }
      // The first update after start is reported apart (lazy loading and JIT in 16 fresh processes).
      if (v === 2) first = performance.now() - t0;
      else samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    base.sort((a, b) => a - b);
    cli.sort((a, b) => a - b);
    return {
      name: `propagate: cman_tool version -r to ${NODES} nodes until all run it`, unit: 'ms',
      median: Math.round(quantile(samples, 0.5)), p90: Math.round(quantile(samples, 0.9)), samples: samples.length, goal: '< 500 ms',
      baseline: `first update after start: ${Math.round(first)} ms; cman_tool version -r alone (process start included): ${Math.round(quantile(cli, 0.5))} ms; one cman.status round to ${NODES} nodes: ${quantile(base, 0.5).toFixed(1)} ms`,
    };
  } catch (err) {
    return { name: `propagate: version -r to ${NODES} nodes`, unit: 'ms', median: Number.NaN, error: (err as Error).message };
  } finally {
    await c.stop();
  }
}

export const benches: Bench[] = [{ name: 'propagate: version -r to 16 nodes', run }];
