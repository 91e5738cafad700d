// Membership core benchmarks, in-process on the simulator (virtual clock, 1 ms network, no faults).
// Real-process numbers (detection after SIGKILL over UDP, RSS, CPU) belong to clusterd's benches.
import { performance } from 'node:perf_hooks';
import type { Bench, BenchResult } from './harness.js';
import { quantile } from './harness.js';
import { Sim } from '../test/sim/membership/harness.js';

const TOKEN_MS = 1000;

function quiet(nodes: number, seed: number): Sim {
  const sim = new Sim(seed, { nodes, tokenMs: TOKEN_MS, tickMs: 5 });
  sim.checkSafety = false;
  sim.faults = { lossRate: 0, dupRate: 0, minDelayMs: 1, maxDelayMs: 1 };
  return sim;
}

function summary(name: string, unit: string, samples: number[], extra: Partial<BenchResult>): BenchResult {
  samples.sort((a, b) => a - b);
  return { name, unit, median: quantile(samples, 0.5), p90: quantile(samples, 0.9), samples: samples.length, ...extra };
}

export const benches: Bench[] = [
  {
    name: 'membership: core steps/s (9 nodes, steady state, virtual clock)',
    async run() {
      const samples: number[] = [];
      for (let rep = 0; rep < 5; rep++) {
        const sim = quiet(9, 100 + rep);
        sim.startAll();
        sim.runUntil(() => sim.converged(), 10 * TOKEN_MS);
        const steps0 = sim.coreSteps;
        const t0 = performance.now();
        sim.run(20 * TOKEN_MS);
        const s = (performance.now() - t0) / 1000;
        samples.push((sim.coreSteps - steps0) / s);
      }
      return summary(this.name, 'steps/s', samples, { baseline: 'includes the simulator (message queue, safety checks off)' });
    },
  },
  {
    name: 'membership: 16 nodes form a quorate view (token 1000, virtual ms)',
    async run() {
      const samples: number[] = [];
      for (let rep = 0; rep < 5; rep++) {
        const sim = quiet(16, 200 + rep);
        sim.startAll();
        const t = sim.runUntil(() => sim.converged(), 20 * TOKEN_MS);
        if (t === null) throw new Error('16 nodes did not form within 20 tokens');
        samples.push(sim.nowMs);
      }
      return summary(this.name, 'ms', samples, { baseline: `token ${TOKEN_MS} ms: nodes vote after token + grace (token/5) from start` });
    },
  },
  {
    name: 'membership: view without a crashed follower (5 nodes, token 1000, virtual ms after crash)',
    async run() {
      const samples: number[] = [];
      for (let rep = 0; rep < 9; rep++) {
        const sim = quiet(5, 300 + rep);
        sim.startAll();
        sim.runUntil(() => sim.converged(), 10 * TOKEN_MS);
        sim.run(1000 + rep * 37); // crash at different points of the heartbeat cycle
        const leader = sim.view(1)!.leader!;
        const victim = leader === 5 ? 4 : 5;
        sim.crash(victim);
        const t = sim.runUntil(() => sim.converged(), 10 * TOKEN_MS);
        if (t === null) throw new Error('no view change');
        samples.push(t);
      }
      return summary(this.name, 'ms', samples, { goal: '<= token + 200 ms', baseline: 'cman 3+ nodes: token + consensus' });
    },
  },
  {
    name: 'membership: new leader and view after the leader crashes (5 nodes, token 1000, virtual ms)',
    async run() {
      const samples: number[] = [];
      for (let rep = 0; rep < 9; rep++) {
        const sim = quiet(5, 400 + rep);
        sim.startAll();
        sim.runUntil(() => sim.converged(), 10 * TOKEN_MS);
        sim.run(1000 + rep * 37);
        sim.crash(sim.view(1)!.leader!);
        const t = sim.runUntil(() => sim.converged(), 10 * TOKEN_MS);
        if (t === null) throw new Error('no new leader');
        samples.push(t);
      }
      return summary(this.name, 'ms', samples, { baseline: 'survivors stay quorate through the change (lease grace token/5)' });
    },
  },
];
