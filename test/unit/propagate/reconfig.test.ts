// The rg_test delta fixtures through the daemon's reconfiguration entry point: the NEEDSTOP /
// NEEDSTART decisions the daemon applies (and the dry run prints) are the fixtures' decisions,
// because both come from computeReconfig (src/rgmanager/daemon/reconfig.ts).
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '../../support/paths.js';
import { agentDirs, builtinAgentDir, loadResourceRules, type RuleSet } from '../../../src/rgmanager/rules.js';
import { forestFromText } from '../../../src/rgmanager/load.js';
import type { ResourceForest, TreeNode } from '../../../src/rgmanager/tree.js';
import { formatDelta } from '../../../src/rgmanager/delta.js';
import { computeReconfig, formatServicePlans } from '../../../src/rgmanager/daemon/reconfig.js';

const fixtureDir = path.join(sharedDir, 'peer', 'rgmanager-tests');

describe('propagate: rgmanager reconfiguration = the rg_test delta fixtures', function () {
  let rules: RuleSet;
  const read = (f: string): string => readFileSync(path.join(fixtureDir, f), 'utf8');
  const forestOf = (conf: string): ResourceForest => {
    const { forest } = forestFromText(read(conf), conf, rules, { inheritance: 'parent' });
    return forest!;
  };
  const norm = (s: string): string[] => s.split('\n').map((l) => l.replace(/\s+/g, ''));

  before(async function () {
    expect(existsSync(fixtureDir), fixtureDir).to.equal(true);
    rules = (await loadResourceRules(agentDirs(builtinAgentDir, {}))).rules;
  });

  for (let i = 1; i <= 16; i++) {
    const a = `test${String(i).padStart(3, '0')}`;
    const b = `test${String(i + 1).padStart(3, '0')}`;
    it(`delta-${a}-${b}: the daemon's computeReconfig gives the fixture's flags, and its plan stops/starts exactly the flagged subtrees`, function () {
      const oldF = forestOf(`${a}.conf`);
      const newF = forestOf(`${b}.conf`);
      const comp = computeReconfig(oldF, newF);
      expect(norm(formatDelta(comp.delta))).to.deep.equal(norm(read(`delta-${a}-${b}.expected`)));
      // Per service: something stops iff a node of its old tree is flagged NEEDSTOP (and the root
      // still exists), something starts iff a node of its new tree is flagged NEEDSTART.
      const flagged = (roots: readonly TreeNode[], flag: 'NEEDSTOP' | 'NEEDSTART'): Set<string> => {
        const out = new Set<string>();
        const walk = (n: TreeNode, root: string): void => {
          if (comp.delta.nodeFlags.get(n)?.includes(flag)) out.add(root);
          for (const ch of n.children) walk(ch, root);
        };
        for (const r of roots) walk(r, r.resource.id);
        return out;
      };
      const stops = flagged(oldF.roots, 'NEEDSTOP');
      const starts = flagged(newF.roots, 'NEEDSTART');
      for (const s of comp.services) {
        if (s.change === 'added') { expect(starts.has(s.id), s.id).to.equal(true); continue; }
        if (s.change === 'removed') { expect(s.keepsRunning === true || stops.has(s.id), s.id).to.equal(true); continue; }
        expect(s.stop.length > 0, `${s.id} stop`).to.equal(stops.has(s.id));
        expect(s.start.length > 0, `${s.id} start`).to.equal(starts.has(s.id));
        expect(s.change === 'unchanged', `${s.id} unchanged`).to.equal(s.stop.length + s.start.length + s.reconfig.length === 0);
      }
    });
  }

  it('a reconfig="1" change (service recovery) reconfigures without stop/start; the dry-run line says so', function () {
    const conf = (recovery: string) => `<cluster name="c" config_version="1"><rm>
  <service name="s1" recovery="${recovery}"><script name="x" file="/bin/true"/></service>
  <service name="s2"><script name="y" file="/bin/true"/></service>
</rm></cluster>`;
    const f = (t: string) => forestFromText(t, 'c.conf', rules).forest!;
    const comp = computeReconfig(f(conf('restart')), f(conf('relocate')));
    const s1 = comp.services.find((s) => s.id === 'service:s1')!;
    expect(s1).to.deep.include({ change: 'changed', stop: [], start: [], reconfig: ['service:s1'] });
    expect(comp.services.find((s) => s.id === 'service:s2')!.change).to.equal('unchanged');
    expect(formatServicePlans(comp.services, new Map([['service:s1', 'n1']]))).to.deep.equal(['  service service:s1 (running on n1): reconfigure service:s1']);
  });
});
