// Seeded random event sequences through the scenario driver: the executor model must never see a
// service on two nodes, a started service must run exactly on its owner, counts must stay exact,
// and the core must never throw. Every run is replayable from its seed.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseClusterConf } from '../../../src/config/index.js';
import { Scenario, parseSimEvent, policyConfigFromCluster } from '../../../src/rgmanager/policy/index.js';
import { repoRoot } from '../../support/paths.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

const CONFIGS = ['depend.conf', 'exclusive.conf', 'recovery.conf', 'twonode.conf', 'qdisk.conf', 'vm.conf', 'nofailback.conf'];

describe('policy fuzz (seeded)', () => {
  for (const conf of CONFIGS) {
    it(`${conf}: 100 seeds x 50 random events keep the safety invariants`, () => {
      const file = path.join(repoRoot, 'test/placement/configs', conf);
      const cfg = policyConfigFromCluster(parseClusterConf(readFileSync(file, 'utf8'), file).config!);
      const nodes = cfg.nodes.map((n) => n.name);
      const svcs = cfg.services.map((s) => s.id);
      const kinds = ['node-down', 'node-up', 'fence-fail', 'fence-ack', 'qdisk-fail', 'qdisk-ok', 'fail', 'partial', 'start-fail',
        'start-ok', 'stop-fail', 'stop-ok', 'enable', 'disable', 'stop', 'restart', 'relocate', 'freeze', 'unfreeze', 'migrate',
        'convalesce', 'wait'];
      for (let seed = 1; seed <= 100; seed++) {
        const r = rng(seed * 7919);
        const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
        const sc = new Scenario(cfg, 0);
        sc.form(undefined);
        const trail: string[] = [];
        for (let i = 0; i < 50; i++) {
          const k = pick(kinds);
          const n = pick(nodes);
          const s = pick(svcs);
          const ev = ['node-down', 'node-up', 'fence-fail', 'fence-ack', 'qdisk-fail', 'qdisk-ok'].includes(k) ? `${k}:${n}`
            : ['start-fail', 'start-ok', 'stop-fail', 'stop-ok', 'migrate'].includes(k) ? `${k}:${s}@${n}`
            : k === 'wait' ? `wait:${Math.floor(r() * 100)}`
            : (k === 'enable' || k === 'relocate') && r() < 0.5 ? `${k}:${s}@${n}` : `${k}:${s}`;
          trail.push(ev);
          const where = `seed ${seed}: ${trail.join(' ')}`;
          try {
            sc.apply(parseSimEvent(ev, sc.engine));
            sc.engine.verifyCounts();
          } catch (err) {
            throw new Error(`${where}: ${(err as Error).message}`);
          }
          for (const v of sc.engine.serviceViews()) {
            const on = sc.runningOn(v.id);
            if (v.state === 'started') expect(on, `${where}: ${v.id}`).to.deep.equal([v.owner]);
            if (v.state === 'stopped' || v.state === 'disabled') expect(on, `${where}: ${v.id}`).to.deep.equal([]);
            expect(on.length, `${where}: ${v.id} on ${on}`).to.be.at.most(1);
            expect(v.pending, `${where}: ${v.id} left in flight after settling`).to.equal(null);
          }
          // evaluation is complete after settling: re-evaluating everything decides nothing new
          const again = sc.engine.clone().step({ type: 'tick' }, sc.nowMs).decisions.filter((d) => d.op !== 'fence' && d.op !== 'mark');
          expect(again, `${where}: a full re-evaluation still decides`).to.deep.equal([]);
          // every request answered exactly once, in the step it was made (the executor settles)
          const ids = sc.replies.map((x) => x.requestId).sort((a, b) => a - b);
          expect(ids, `${where}: replies`).to.deep.equal(Array.from({ length: sc.requestCount }, (_, k) => k + 1));
        }
      }
    });
  }
});
