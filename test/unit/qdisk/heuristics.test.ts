import { expect } from 'chai';
import { HeuristicRunner, heuristicResult, type HeuristicState } from '../../../src/cman/qdisk/heuristics.js';

describe('qdisk heuristics', () => {
  it('UP after the first success, DOWN after tko consecutive failures', () => {
    const st: HeuristicState = { up: false, consecutiveFailures: 0, runs: 0 };
    expect(heuristicResult(st, false, 3)).to.equal(false);
    expect(heuristicResult(st, true, 3)).to.equal(true);
    expect(st.up).to.equal(true);
    expect(heuristicResult(st, false, 3)).to.equal(false);
    expect(heuristicResult(st, false, 3)).to.equal(false);
    expect(heuristicResult(st, true, 3)).to.equal(false);
    heuristicResult(st, false, 3); heuristicResult(st, false, 3);
    expect(heuristicResult(st, false, 3)).to.equal(true);
    expect(st.up).to.equal(false);
  });

  it('runs real programs and sums the scores of those that succeed', async () => {
    const logs: string[] = [];
    const r = new HeuristicRunner([
      { program: 'true', score: 2, intervalS: 1, tko: 1, line: 1 },
      { program: 'exit 3', score: 1, intervalS: 1, tko: 1, line: 2 },
      { program: 'sleep 30', score: 4, intervalS: 1, tko: 1, line: 3 },
    ], 1, (m) => logs.push(m));
    r.start();
    try {
      const deadline = Date.now() + 10_000;
      while (!r.settled() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      expect(r.settled()).to.equal(true);
      expect(r.score()).to.deep.equal({ score: 2, scoreMax: 7 });
      expect(logs).to.include("Heuristic: 'true' UP (0/1)");
    } finally {
      r.stop();
    }
  });

  it('without heuristics the score is 1/1', () => {
    expect(new HeuristicRunner([], 1, () => undefined).score()).to.deep.equal({ score: 1, scoreMax: 1 });
  });
});
