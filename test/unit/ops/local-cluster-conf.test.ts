// The launcher's generated cluster.conf parses and validates cleanly, with one fence method per
// node (BMC or PDU outlet) and the ordered domains asked for.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseClusterConf, formatProblem } from '../../../src/config/index.js';
import { localClusterConf } from '../../../src/demo/local-cluster.js';
import { repoRoot } from '../../support/paths.js';

describe('ops: local-cluster configuration', () => {
  const opts = {
    nodes: 3, slot: 0, tokenMs: 1000, power: ['ipmi', 'ipmi', 'apc'] as const,
    services: [{ name: 'web', domain: [1, 2, 3] }, { name: 'db', domain: [2, 3, 1], nofailback: true }],
  };

  it('parses without problems and describes nodes, fencing, domains and services', () => {
    const text = localClusterConf('/tmp/x', opts);
    const r = parseClusterConf(text, 'generated.conf');
    expect(r.problems.filter((p) => p.severity === 'error').map(formatProblem)).to.deep.equal([]);
    const cfg = r.config!;
    expect(cfg.nodes.map((n) => n.name)).to.deep.equal(['127.0.3.1', '127.0.3.2', '127.0.3.3']);
    expect(cfg.totem.tokenMs).to.equal(1000);
    expect(cfg.nodes.map((n) => n.fenceMethods.map((m) => m.devices.map((d) => [d.name, d.args['port'] ?? '']))))
      .to.deep.equal([[[['bmc1', '']]], [[['bmc2', '']]], [[['pdu', '3']]]]);
    expect(cfg.fenceDevices.map((d) => [d.name, d.agent])).to.deep.equal([['bmc1', 'fence_ipmilan'], ['bmc2', 'fence_ipmilan'], ['pdu', 'fence_apc_snmp']]);
    expect(text).to.include('ipaddr="127.0.3.101" ipport="9801"').and.include('ipaddr="127.0.3.200" ipport="9819"');
    expect(text).to.include('<failoverdomain name="db-domain" ordered="1" restricted="0" nofailback="1">');
  });

  it('slots keep the demo, the tests and the benchmarks apart', () => {
    const text = localClusterConf('/tmp/x', { ...opts, slot: 2, nodes: 8, power: undefined });
    expect(text).to.include('<clusternode name="127.0.3.21"').and.include('<clusternode name="127.0.3.28"');
    expect(text).to.include('ipaddr="127.0.3.128" ipport="9848"');
    expect(() => localClusterConf('/tmp/x', { ...opts, slot: 5 })).to.throw(/slot/);
    expect(() => localClusterConf('/tmp/x', { ...opts, services: [{ name: 'x', domain: [4] }] })).to.throw(/node 4/);
  });

  it('ccs_config_validate accepts it', function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ops-conf-'));
    try {
      const f = path.join(dir, 'cluster.conf');
      writeFileSync(f, localClusterConf(dir, opts));
      const r = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'ccs_config_validate'), '-f', f], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).to.equal(0);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
