// ccs_config_validate beside the real thing: xmllint with the RHEL6 cluster.rng.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseClusterConf, formatProblem } from '../../../src/config/index.js';
import { repoRoot, sharedDir, inCi } from '../../support/paths.js';
import { baseConf } from '../../unit/config/fixtures.js';

const rng = path.join(sharedDir, 'peer/cluster-rng/cluster.rng.generated-rhel6.rng');
const samplesDir = path.join(sharedDir, 'peer/cluster-conf');
const cli = path.join(repoRoot, 'bin/ccs_config_validate');

function xmllintAvailable(): boolean {
  const r = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

function xmllintAccepts(file: string): { ok: boolean; output: string } {
  const r = spawnSync('xmllint', ['--noout', '--relaxng', rng, file], { encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Make a man-page fragment a whole document: drop the "..." placeholders, give nodes a nodeid,
 * put <clusternode>s into <clusternodes>, and define the fence devices the nodes reference.
 */
function wrapFragment(fragment: string): string {
  let t = fragment.replace(/\s+\.\.\.\s*\/>/g, '/>').replace(/ agent="\.\.\."/g, ' agent="fence_apc"').replace(/ \w+="\.\.\."/g, '');
  let id = 0;
  t = t.replace(/<clusternode ([^>]*?)(\/?)>/g, (m: string, attrs: string, close: string) =>
    (/nodeid=/.test(attrs) ? m : `<clusternode ${attrs.trim()} nodeid="${++id}"${close === '/' ? '/' : ''}>`));
  if (!/<clusternodes>/.test(t)) {
    const nodes = t.match(/<clusternode\b[^>]*\/>|<clusternode\b[^>]*[^/]>[\s\S]*?<\/clusternode>/g) ?? [];
    for (const n of nodes) t = t.replace(n, '');
    t = `<clusternodes>\n${nodes.join('\n')}\n</clusternodes>\n${t}`;
  }
  const defined = new Set([...t.matchAll(/<fencedevice name="([^"]+)"/g)].map((m) => m[1]));
  const used = new Set([...t.matchAll(/<device name="([^"]+)"/g)].map((m) => m[1] as string));
  const missing = [...used].filter((d) => !defined.has(d));
  if (missing.length > 0) {
    t += `\n<fencedevices>\n${missing.map((d) => `  <fencedevice name="${d}" agent="fence_apc" ipaddr="127.0.0.1"/>`).join('\n')}\n</fencedevices>`;
  }
  return `<?xml version="1.0"?>\n<cluster name="frag" config_version="1">\n${t}\n</cluster>\n`;
}

describe('config interop: xmllint --relaxng (RHEL6 cluster.rng) beside ccs_config_validate', function () {
  before(function () {
    if (!xmllintAvailable()) {
      if (inCi) throw new Error('xmllint (libxml2-utils) is required in CI');
      this.skip();
    }
  });

  let fragmentsXmllintAccepted = 0;
  const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.cluster.conf') || f.endsWith('.fragment.xml')).sort();
  it('has the sample configs', () => {
    expect(samples.filter((f) => f.endsWith('.cluster.conf')).length).to.be.greaterThan(3);
  });
  for (const f of samples) {
    const file = path.join(samplesDir, f);
    if (f.endsWith('.fragment.xml')) {
      it(`${f} (wrapped into a whole cluster.conf): accepted by ours whenever xmllint accepts it`, function () {
        const wrapped = wrapFragment(readFileSync(file, 'utf8'));
        const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-frag-'));
        try {
          const w = path.join(dir, f.replace('.fragment.xml', '.cluster.conf'));
          writeFileSync(w, wrapped);
          const lint = xmllintAccepts(w);
          const ours = parseClusterConf(wrapped, w);
          if (lint.ok) fragmentsXmllintAccepted++;
          if (lint.ok) expect(ours.config, `${ours.problems.map(formatProblem).join('\n')}\n${wrapped}`).to.not.equal(undefined);
          else for (const p of ours.problems) expect(p.line, formatProblem(p)).to.be.greaterThan(0);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
      continue;
    }
    it(`${f}: accepted by ours whenever xmllint accepts it`, function () {
      const lint = xmllintAccepts(file);
      const ours = parseClusterConf(readFileSync(file, 'utf8'), f);
      if (lint.ok) {
        expect(ours.config, ours.problems.map(formatProblem).join('\n')).to.not.equal(undefined);
        const cli1 = runCli(['-f', file]);
        expect(cli1.status).to.equal(0);
        expect(cli1.stdout).to.match(/Configuration validates\n$/);
      } else {
        // Not required to agree, but every problem must name a line.
        for (const p of ours.problems) expect(p.line, formatProblem(p)).to.be.greaterThan(0);
      }
    });
  }

  it('most wrapped fragments are valid RHEL6 documents (the comparison above is not vacuous)', () => {
    // fenced8-multiple-methods and fence_node8-unfence use the man page's made-up attributes foo=/bar=.
    expect(fragmentsXmllintAccepted).to.be.at.least(5);
  });

  it('cluster.conf.example passes xmllint and ours', () => {
    const file = path.join(repoRoot, 'cluster.conf.example');
    const lint = xmllintAccepts(file);
    expect(lint.ok, lint.output).to.equal(true);
    const r = runCli(['-f', file]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal('Configuration validates\n');
  });

  it('the unit-test base fixture passes xmllint too (our fixtures are real RHEL6 configs)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-lint-'));
    try {
      const f = path.join(dir, 'cluster.conf');
      writeFileSync(f, baseConf);
      const lint = xmllintAccepts(f);
      expect(lint.ok, lint.output).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('structural faults xmllint rejects are rejected by ours as well', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-lint-'));
    try {
      const variants: Record<string, string> = {
        'nodeid-missing': baseConf.replace(' nodeid="3"', ''),
        'nodeid-zero': baseConf.replace('nodeid="3"', 'nodeid="0"'),
        'bad-transport': baseConf.replace('<cman/>', '<cman transport="tcp"/>'),
        'dangling-device': baseConf.replace('<device name="ipmi2"/>', '<device name="ipmi9"/>'),
        'two-cman': baseConf.replace('<cman/>', '<cman/><cman/>'),
        'fs-without-mountpoint': baseConf.replace(' mountpoint="/data"', ''),
      };
      for (const [name, text] of Object.entries(variants)) {
        const f = path.join(dir, `${name}.conf`);
        writeFileSync(f, text);
        expect(xmllintAccepts(f).ok, `xmllint on ${name}`).to.equal(false);
        expect(parseClusterConf(text, f).config, `ours on ${name}`).to.equal(undefined);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('config interop: bin/ccs_config_validate as a child process', () => {
  let dir = '';
  before(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'ccs-cli-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('valid file: exit 0, "Configuration validates"', () => {
    const f = path.join(dir, 'ok.conf');
    writeFileSync(f, baseConf);
    const r = runCli(['-f', f]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.equal('Configuration validates\n');
    expect(r.stderr).to.equal('');
  });

  it('broken file: exit 1, one FILE:LINE: WHERE: WHAT line per problem, no stack trace', () => {
    const f = path.join(dir, 'bad.conf');
    writeFileSync(f, baseConf.replace('<device name="ipmi2"/>', '<device name="ipmi9"/>').replace('domain="pref"', 'domain="nope"'));
    const r = runCli(['-f', f]);
    expect(r.status).to.equal(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).to.equal('Configuration fails to validate');
    const problems = lines.slice(0, -1);
    expect(problems).to.have.length(2);
    for (const l of problems) expect(l).to.match(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: \\S+: .+$`));
    expect(problems[0]).to.match(/:15: device\[name=ipmi9\]\/@name: no <fencedevice name="ipmi9">/);
    expect(problems[1]).to.match(/service\[name=web\]\/@domain: no <failoverdomain name="nope">/);
    expect(r.stderr).to.equal('');
    expect(r.stdout).to.not.match(/at .*\.js:\d+/);
  });

  it('malformed XML: exit 1 with the line', () => {
    const f = path.join(dir, 'malformed.conf');
    writeFileSync(f, '<?xml version="1.0"?>\n<cluster name="a" config_version="1">\n  <clusternodes>\n</cluster>\n');
    const r = runCli(['-f', f]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: xml: malformed XML: `));
    expect(r.stderr).to.equal('');
  });

  it('warnings are printed but the exit status stays 0', () => {
    const f = path.join(dir, 'warn.conf');
    writeFileSync(f, baseConf.replace('nodeid="3"', 'nodeid="3" vots="1"'));
    const r = runCli(['-f', f]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(/clusternode\[name=n3\]\/@vots: warning: unknown attribute; did you mean 'votes'\?/);
    expect(r.stdout).to.match(/Configuration validates\n$/);
  });

  it('--json prints {valid, problems}', () => {
    const f = path.join(dir, 'bad.json.conf');
    writeFileSync(f, baseConf.replace('priority="2"', 'priority="200"'));
    const r = runCli(['-f', f, '--json']);
    expect(r.status).to.equal(1);
    const doc = JSON.parse(r.stdout) as { valid: boolean; problems: { severity: string; line: number; where: string; message: string }[] };
    expect(doc.valid).to.equal(false);
    expect(doc.problems.find((p) => p.severity === 'error')).to.include({ where: 'failoverdomainnode[name=n2]/@priority' });
    const ok = runCli(['-f', path.join(repoRoot, 'cluster.conf.example'), '--json']);
    expect(ok.status).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.deep.include({ valid: true, configVersion: 1, problems: [] });
  });

  it('default file: $CLUSTER_CONF, then /etc/cluster/cluster.conf', () => {
    const r = runCli([], { CLUSTER_CONF: path.join(repoRoot, 'cluster.conf.example') });
    expect(r.status).to.equal(0);
    const env = { ...process.env };
    delete env['CLUSTER_CONF'];
    const r2 = spawnSync(process.execPath, [cli], { encoding: 'utf8', env });
    expect(r2.stdout).to.match(/^\/etc\/cluster\/cluster\.conf:0: cluster: |Configuration validates/);
  });

  it('-R: exit 254 when config_version is not newer than the running version', () => {
    const ex = path.join(repoRoot, 'cluster.conf.example');
    expect(runCli(['-f', ex, '-R', '0']).status).to.equal(0);
    expect(runCli(['-f', ex, '-R', '1']).status).to.equal(254);
  });

  it('-h prints usage and exits 0; a bad option exits 255', () => {
    const h = runCli(['-h']);
    expect(h.status).to.equal(0);
    expect(h.stdout).to.match(/^Usage: ccs_config_validate/);
    const bad = runCli(['--bogus']);
    expect(bad.status).to.equal(255);
    expect(bad.stderr).to.match(/unknown option: --bogus/);
  });

  it('-q prints nothing', () => {
    const f = path.join(dir, 'q.conf');
    writeFileSync(f, baseConf.replace('nodeid="3"', 'nodeid="2"'));
    const r = runCli(['-q', '-f', f]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal('');
  });
});

describe('config interop: well-formedness verdicts equal xmllint on seeded mutations', function () {
  before(function () {
    if (!xmllintAvailable()) {
      if (inCi) throw new Error('xmllint (libxml2-utils) is required in CI');
      this.skip();
    }
  });

  it('300 mutations of a valid config (delete, insert markup characters, truncate): same verdict', async () => {
    const { readXml } = await import('../../../src/config/xml.js');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-wf-'));
    try {
      let seed = 12345;
      const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
      const start = baseConf.indexOf('?>') + 2;
      const inserts = ['<', '>', '&', '"', "'", '/', '=', ' ', 'x', '</a>', '<!--', '-->', '&amp;', '&#60;', '<?pi?>', ']]>', '<![CDATA[x]]>', '\u0001', '&bogus;'];
      const disagreements: string[] = [];
      for (let k = 0; k < 300; k++) {
        const pos = start + rnd(baseConf.length - start);
        const op = rnd(3);
        const text = op === 0 ? baseConf.slice(0, pos) + baseConf.slice(pos + 1)
          : op === 1 ? baseConf.slice(0, pos) + (inserts[rnd(inserts.length)] ?? '') + baseConf.slice(pos)
            : baseConf.slice(0, pos);
        const f = path.join(dir, 'm.xml');
        writeFileSync(f, text);
        const lint = spawnSync('xmllint', ['--noout', f], { encoding: 'utf8' });
        const ours = readXml(text);
        const oursWellFormed = ours.ok || ours.finding.where !== 'xml';
        if ((lint.status === 0) !== oursWellFormed) {
          disagreements.push(`mutation ${k}: xmllint ${lint.status === 0 ? 'ok' : 'error'}, ours ${oursWellFormed ? 'ok' : ours.ok ? '' : ours.finding.message}: ${JSON.stringify(text.slice(Math.max(0, pos - 20), pos + 20))}`);
        }
      }
      expect(disagreements).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
