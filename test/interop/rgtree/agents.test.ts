// Every agent in agents/: parseable rgmanager metadata named after its file, OCF answers for an
// unknown op, a safe stop of something that is not running, and status of it.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinAgentDir, loadAgentRule } from '../../../src/rgmanager/rules.js';

const agents = readdirSync(builtinAgentDir).filter((f) => f.endsWith('.sh')).sort();

describe('rgtree: our agents answer as OCF agents', function () {
  this.timeout(60_000);
  let dir: string;
  before(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cs-rg-agents-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const sample: Record<string, string> = {
    name: 'cs-rg-sample', mountpoint: '/nonexistent/cs-rg-mnt', device: '/nonexistent/cs-rg-dev', file: '/nonexistent/cs-rg-init',
    address: '127.0.0.123', target: '*', host: 'cs-rg-host', export: '/e', vg_name: 'cs_rg_no_vg', source: '/nonexistent/src',
  };

  for (const file of agents) {
    it(`${file}: metadata, unknown op (3), stop when not running (0), status`, async function () {
      const p = path.join(builtinAgentDir, file);
      const rule = await loadAgentRule(p);
      expect(rule.type).to.equal(file.replace(/\.sh$/, ''));
      expect(rule.syntheticPrimary).to.equal(false);
      const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', CLUSTER_RUN_DIR: dir, OCF_RESOURCE_INSTANCE: `${rule.type}:x` };
      for (const prm of rule.params) {
        if (prm.required || prm.primary) env[`OCF_RESKEY_${prm.name}`] = sample[prm.name] ?? 'x';
      }
      const run = (op: string): number | null => spawnSync(p, [op], { env, encoding: 'utf8', timeout: 30_000 }).status;
      expect(run('frobnicate')).to.equal(3);
      expect(run('stop')).to.equal(0);
      const st = run('status');
      if (rule.type === 'service' || rule.type === 'nfsexport') expect(st).to.equal(0);
      else expect(st, 'status of a resource that is not running').to.not.equal(0);
    });
  }
});
