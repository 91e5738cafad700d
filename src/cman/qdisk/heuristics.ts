// qdisk heuristics (cman.md §3.3): programs run with `sh -c` every interval; exit 0 = success.
// A heuristic is UP after its first success and DOWN after tko consecutive failures; one still
// running after absmax seconds counts as failed at once. score = Σ scores of UP heuristics.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Heuristic } from '../../config/types.js';

export interface HeuristicState {
  up: boolean;
  consecutiveFailures: number;
  runs: number;
}

/** Pure: fold one result into a heuristic's state; returns true when UP/DOWN changed. */
export function heuristicResult(st: HeuristicState, success: boolean, tko: number): boolean {
  st.runs += 1;
  const was = st.up;
  if (success) {
    st.consecutiveFailures = 0;
    st.up = true;
  } else {
    st.consecutiveFailures += 1;
    if (st.consecutiveFailures >= tko) st.up = false;
  }
  return was !== st.up;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

export interface Score { readonly score: number; readonly scoreMax: number }

/** Most bytes of a heuristic's output kept (the rest is discarded). */
const MAX_OUTPUT_BYTES = 4096;

export class HeuristicRunner {
  private readonly states: HeuristicState[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly children = new Set<ChildProcess>();
  private stopped = false;

  /** absmaxS: a run still going after this many seconds counts as failed and is killed. */
  constructor(private readonly heuristics: readonly Heuristic[], private readonly absmaxS: number,
    private readonly log: (msg: string) => void) {
    this.states = heuristics.map(() => ({ up: false, consecutiveFailures: 0, runs: 0 }));
  }

  start(): void {
    this.heuristics.forEach((h, i) => {
      const loop = () => {
        if (this.stopped) return;
        this.runOnce(i).then(() => {
          if (!this.stopped) this.timers[i] = setTimeout(loop, h.intervalS * 1000);
        }, () => undefined);
      };
      loop();
    });
  }

  score(): Score {
    if (this.heuristics.length === 0) return { score: 1, scoreMax: 1 };
    let score = 0;
    let scoreMax = 0;
    this.heuristics.forEach((h, i) => {
      scoreMax += h.score;
      if (this.states[i]!.up) score += h.score;
    });
    return { score, scoreMax };
  }

  /** True once every heuristic has run at least once (the initial score is meaningful). */
  settled(): boolean {
    return this.states.every((s) => s.runs > 0);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.children) killGroup(c);
    this.children.clear();
  }

  private runOnce(i: number): Promise<void> {
    const h = this.heuristics[i]!;
    return new Promise((resolve) => {
      let done = false;
      // Own process group, so a timed-out heuristic is killed with everything it started.
      const child = spawn('sh', ['-c', h.program], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      this.children.add(child);
      let out = 0;
      const sink = (b: Buffer) => { out += b.length; if (out > MAX_OUTPUT_BYTES) child.stdout?.removeAllListeners('data'); };
      child.stdout?.on('data', sink);
      child.stderr?.on('data', sink);
      const finish = (success: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.children.delete(child);
        const st = this.states[i]!;
        if (heuristicResult(st, success, h.tko)) {
          this.log(`Heuristic: '${h.program}' ${st.up ? 'UP' : 'DOWN'} (${st.consecutiveFailures}/${h.tko})`);
        }
        resolve();
      };
      const timer = setTimeout(() => { killGroup(child); finish(false); }, Math.max(1, this.absmaxS) * 1000);
      child.on('error', () => finish(false));
      child.on('exit', (code, signal) => finish(code === 0 && signal === null));
    });
  }
}
