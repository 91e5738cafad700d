// rgmanager's own rg_test regression fixtures (peer/rgmanager-tests): every test dump, every
// noop start/stop order and every delta, produced by our agents' metadata and tree builder.
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sharedDir } from '../../support/paths.js';
import { agentDirs, builtinAgentDir, loadResourceRules } from '../../../src/rgmanager/rules.js';
import type { RuleSet } from '../../../src/rgmanager/rules.js';
import { forestFromText } from '../../../src/rgmanager/load.js';
import type { InheritanceMode, ResourceForest, TreeOp } from '../../../src/rgmanager/tree.js';
import { findRoot, operationOrder } from '../../../src/rgmanager/tree.js';
import { formatTestDump } from '../../../src/rgmanager/format.js';
import { diffForests, formatDelta } from '../../../src/rgmanager/delta.js';
import { readXml } from '../../../src/config/xml.js';

const fixtureDir = path.join(sharedDir, 'peer', 'rgmanager-tests');

/** Compare as upstream's runtests.sh does (`diff -w`): whitespace inside lines does not count. */
function diffW(actual: string, expected: string): string[] {
  const norm = (s: string): string[] => s.split('\n').map((l) => l.replace(/\s+/g, ''));
  const a = norm(actual);
  const e = norm(expected);
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) out.push(`line ${i + 1}: got "${a[i] ?? '<none>'}", expected "${e[i] ?? '<none>'}"`);
  }
  return out;
}

/** rg_test noop output for every <service> of a config, as runtests.sh builds .start/.stop.expected. */
function noopRun(forest: ResourceForest, conf: string, op: TreeOp): string {
  const xml = readXml(conf);
  if (!xml.ok) throw new Error(xml.finding.message);
  const rm = xml.root.children.find((c) => c.tag === 'rm')!;
  let out = '';
  const [begin, end, tag] = op === 'start' ? ['Starting', 'Start of', 'start'] : ['Stopping', 'Stop of', 'stop'];
  for (const svc of rm.children.filter((c) => c.tag === 'service')) {
    const name = Object.values(svc.attrs)[0]!;
    for (const w of forest.buildWarnings) out += `${w}\n`;
    const root = findRoot(forest, 'service', name);
    expect(root, `service ${name}`).to.not.equal(undefined);
    out += `${begin} ${name}...\n`;
    for (const n of operationOrder(root!, op)) out += `[${tag}] ${n.resource.id}\n`;
    out += `${end} ${name} complete\n`;
  }
  return out;
}

describe('rgtree: rgmanager rg_test fixtures (peer/rgmanager-tests)', function () {
  let rules: RuleSet;
  const confs = existsSync(fixtureDir) ? readdirSync(fixtureDir).filter((f) => /^test\d{3}\.conf$/.test(f)).sort() : [];
  const read = (f: string): string => readFileSync(path.join(fixtureDir, f), 'utf8');
  const forestOf = (conf: string, mode: InheritanceMode): ResourceForest => {
    const { forest, problems } = forestFromText(read(conf), conf, rules, { inheritance: mode });
    expect(problems.filter((p) => p.severity === 'error'), conf).to.deep.equal([]);
    return forest!;
  };

  before(async function () {
    expect(confs.length, `fixtures in ${fixtureDir}`).to.equal(18);
    const loaded = await loadResourceRules(agentDirs(builtinAgentDir, {}));
    expect(loaded.problems).to.deep.equal([]);
    rules = loaded.rules;
  });

  it('our agents provide every standard rgmanager type', function () {
    const types = rules.sorted.map((r) => r.type);
    for (const t of ['service', 'vm', 'ip', 'fs', 'clusterfs', 'netfs', 'nfsserver', 'nfsexport', 'nfsclient', 'lvm', 'script', 'smb',
      'samba', 'apache', 'mysql', 'postgres-8', 'tomcat-6', 'openldap', 'named', 'bind-mount']) {
      expect(types, t).to.include(t);
    }
  });

  for (let i = 1; i <= 18; i++) {
    const id = `test${String(i).padStart(3, '0')}`;
    if (existsSync(path.join(fixtureDir, `${id}.expected`))) {
      it(`${id}.expected: resource list and tree (2007 inheritance rule)`, function () {
        const dump = formatTestDump(forestOf(`${id}.conf`, 'parent'));
        const expected = read(`${id}.expected`);
        expect(diffW(dump, expected)).to.deep.equal([]);
        expect(dump).to.equal(expected); // byte-exact, including rgmanager's indentation quirk
      });
    }
    for (const op of ['start', 'stop'] as const) {
      it(`${id}.${op}.expected: ${op} order of every service`, function () {
        const conf = read(`${id}.conf`);
        const out = noopRun(forestOf(`${id}.conf`, 'ancestor'), conf, op);
        expect(diffW(out, read(`${id}.${op}.expected`))).to.deep.equal([]);
      });
    }
  }

  for (let i = 1; i <= 16; i++) {
    const a = `test${String(i).padStart(3, '0')}`;
    const b = `test${String(i + 1).padStart(3, '0')}`;
    it(`delta-${a}-${b}.expected: NEEDSTOP/NEEDSTART flags`, function () {
      const out = formatDelta(diffForests(forestOf(`${a}.conf`, 'parent'), forestOf(`${b}.conf`, 'parent')));
      const expected = read(`delta-${a}-${b}.expected`);
      expect(diffW(out, expected)).to.deep.equal([]);
      // The flag lines alone, so a failure names the resource whose flags differ.
      const flags = (s: string): string[] => s.split('\n').filter((l) => /NEEDST(ART|OP)/.test(l));
      expect(flags(out)).to.deep.equal(flags(expected));
    });
  }

  it('test017 with the current (post-2007) inheritance rule differs only in script2 service_name', function () {
    const modern = formatTestDump(forestOf('test017.conf', 'ancestor'));
    const diffs = diffW(modern, read('test017.expected'));
    expect(diffs).to.have.length.greaterThan(0);
    expect(modern).to.contain('    script {\n      name = "script2";\n      file = "/etc/init.d/script2";\n      service_name = "test2";\n    }\n');
    // Restoring the 2007 rendering of that one node gives the fixture back byte for byte.
    const as2007 = modern.replace('      file = "/etc/init.d/script2";\n      service_name = "test2";\n    }',
      '      file = "/etc/init.d/script2";\n          }');
    expect(as2007).to.equal(read('test017.expected'));
  });
});
