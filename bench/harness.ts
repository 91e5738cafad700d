// Shared shape of a benchmark and helpers to time a function over many repetitions.
import { performance } from 'node:perf_hooks';

export interface BenchResult {
  name: string;
  unit: string;
  median: number;
  p90?: number;
  samples?: number;
  goal?: string;
  /** A baseline measured in the same run, e.g. "node -e 0: 98 ms" or "Debian fence_ipmilan: 109 ms". */
  baseline?: string;
  error?: string;
}

export interface Bench {
  name: string;
  run(): Promise<BenchResult>;
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[idx] ?? Number.NaN;
}

/** Time `fn` `repetitions` times (after `warmup` untimed runs); milliseconds per run. */
export async function timeMs(fn: () => unknown | Promise<unknown>, repetitions: number, warmup = 2):
    Promise<{ median: number; p90: number; samples: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { median: quantile(samples, 0.5), p90: quantile(samples, 0.9), samples: samples.length };
}
