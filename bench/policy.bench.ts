// Placement policy benchmarks: 10,000 services over 32 nodes and 200 failover domains.
//   1. place every service from scratch (engine built + quorum formation), goal < 100 ms;
//   2. one node-down decision on the settled cluster (node leaves -> fence decision; fence
//      succeeds -> its ~310 services are placed), goal < 5 ms.
// The config is built in memory (objects, not XML). Baselines in the same run: building the
// engine alone, and one no-change evaluation (a clock tick) of the settled cluster.
import { performance } from 'node:perf_hooks';
import type { Bench, BenchResult } from './harness.js';
import { quantile, timeMs } from './harness.js';
import { PolicyEngine } from '../src/rgmanager/policy/engine.js';
import type { PolicyConfig, PolicyDomainConfig, PolicyServiceConfig } from '../src/rgmanager/policy/types.js';

const NODES = 32;
const DOMAINS = 200;
const SERVICES = 10_000;

export function generatedConfig(): PolicyConfig {
  const nodes = Array.from({ length: NODES }, (_, i) => ({ name: `node${String(i + 1).padStart(2, '0')}`, nodeid: i + 1, votes: 1 }));
  const domains: PolicyDomainConfig[] = Array.from({ length: DOMAINS }, (_, d) => ({
    name: `dom${d}`, ordered: d % 4 !== 3, restricted: d % 2 === 0, nofailback: d % 5 === 0,
    // 4 members each, round-robin over the nodes, priorities 1..4
    members: [0, 1, 2, 3].map((k) => ({ node: nodes[(d * 3 + k * 7) % NODES]!.name, priority: k + 1 })),
  }));
  const services: PolicyServiceConfig[] = Array.from({ length: SERVICES }, (_, s) => ({
    id: `service:s${s}`, domain: s % 50 === 49 ? undefined : `dom${s % DOMAINS}`, autostart: true, exclusive: false,
    recovery: 'restart', depend: undefined, dependMode: 'hard', maxRestarts: 0, restartExpireTimeS: 0, migratory: false,
  }));
  return { clusterName: 'bench', nodes, twoNode: false, expectedVotes: NODES, qdisk: undefined, fenceRetryS: 3, domains, services };
}

function formed(config: PolicyConfig): PolicyEngine {
  const e = new PolicyEngine(config);
  const { decisions } = e.step({ type: 'membership', online: config.nodes.map((n) => n.name) }, 1000);
  if (decisions.length !== SERVICES) throw new Error(`expected ${SERVICES} starts, got ${decisions.length}`);
  return e;
}

function settled(config: PolicyConfig): PolicyEngine {
  const e = new PolicyEngine(config);
  const { decisions } = e.step({ type: 'membership', online: config.nodes.map((n) => n.name) }, 1000);
  for (const d of decisions) {
    if (d.op === 'start') e.step({ type: 'start-result', service: d.service, node: d.node, ok: true }, 1000);
  }
  return e;
}

const placeFromScratch: Bench = {
  name: 'policy: place 10000 services / 32 nodes / 200 domains',
  async run(): Promise<BenchResult> {
    const config = generatedConfig();
    const t = await timeMs(() => formed(config), 15, 3);
    const base = await timeMs(() => new PolicyEngine(config), 15, 3);
    return { name: this.name, unit: 'ms', median: t.median, p90: t.p90, samples: t.samples, goal: '< 100 ms',
      baseline: `engine construction alone: ${base.median.toFixed(2)} ms (${(t.median / base.median).toFixed(1)}x)` };
  },
};

const nodeDown: Bench = {
  name: 'policy: node-down decision (fence + recover) on 10000 services',
  async run(): Promise<BenchResult> {
    const config = generatedConfig();
    const base = settled(config);
    const victim = config.nodes[4]!.name;
    const samples: number[] = [];
    const tick: number[] = [];
    let moved = 0;
    for (let i = 0; i < 25; i++) {
      const e = base.clone();
      const t0 = performance.now();
      const down = e.step({ type: 'node-down', node: victim }, 2000);
      const fenced = e.step({ type: 'fence-result', node: victim, ok: true }, 2000);
      samples.push(performance.now() - t0);
      if (down.decisions[0]?.op !== 'fence') throw new Error('node-down did not fence first');
      moved = fenced.decisions.filter((d) => d.op === 'start').length;
      const t1 = performance.now();
      e.step({ type: 'tick' }, 3000);
      tick.push(performance.now() - t1);
    }
    samples.sort((a, b) => a - b);
    tick.sort((a, b) => a - b);
    const med = quantile(samples, 0.5);
    const tickMed = quantile(tick, 0.5);
    return { name: this.name, unit: 'ms', median: med, p90: quantile(samples, 0.9), samples: samples.length, goal: '< 5 ms',
      baseline: `${moved} services moved; a no-change evaluation: ${tickMed.toFixed(2)} ms (${(med / tickMed).toFixed(1)}x)` };
  },
};

export const benches: Bench[] = [placeFromScratch, nodeDown];
