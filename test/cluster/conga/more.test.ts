// A real 3-node cluster (127.0.7.1-3, plain HTTP on loopback): per-resource last status results
// from the owner's executor (rg.resources on every node, the page's service detail), and the
// Configuration routes on top of config propagation: dry run, propagate, history, rollback — and
// every refusal (no session, no CSRF token, too low a role) changes nothing on any node.
import { expect } from 'chai';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RgResources } from '../../../src/api/rgmanager.js';
import type { CcsHistory } from '../../../src/api/ccs.js';
import { CongaCluster, WebUser, waitFor } from './harness.js';
import { checkScript, chkService, daemonRequest } from './chk.js';


const NODES = ['127.0.7.1', '127.0.7.2', '127.0.7.3'];

describe('conga: resource status and config propagation (real 3-node cluster)', function () {
  this.timeout(180_000);
  const cluster = new CongaCluster({
    label: 'more', addresses: NODES, cmanPort: 10700, httpPort: 8700, pdu: { address: '127.0.7.21', port: 10701 }, plain: true,
    rmAttrs: ' status_poll_interval="1"', extraServices: chkService,
  });
  checkScript(cluster.dir);
  const base = cluster.url(NODES[1]!);
  const versions = async () => Promise.all(NODES.map(async (n) => (await daemonRequest<CcsHistory>(cluster, n, 'ccs.history', {})).runningVersion));
  const admin = new WebUser(base);

  before(async () => {
    await cluster.startAll();
    expect((await cluster.passwd(NODES[0]!, 'ada', 'admin', 'ada-password-1')).code).to.equal(0);
    expect((await cluster.passwd(NODES[0]!, 'ole', 'operator', 'ole-password-1')).code).to.equal(0);
    expect((await cluster.passwd(NODES[0]!, 'vic', 'viewer', 'vic-password-1')).code).to.equal(0);
    expect((await admin.login('ada', 'ada-password-1')).status).to.equal(200);
  });
  after(async () => { await cluster.cleanup(); });

  it('answers rg.resources from the owner\'s executor on every node', async () => {
    const owner = (await cluster.rgStatus(NODES[0]!))!.services.find((s) => s.id === 'service:chk')!.owner!;
    for (const n of NODES) {
      const r = await waitFor(`checked resources of chk via ${n}`, 20_000, async () => {
        const x = await daemonRequest<RgResources>(cluster, n, 'rg.resources', { service: 'chk' });
        const last = x.resources.find((y) => y.id === 'script:chk-script')?.last;
        return last !== undefined && last !== null ? x : undefined;
      }, 200);
      expect(r!.owner).to.equal(owner);
      expect(r!.resources.map((x) => x.id)).to.deep.equal(['service:chk', 'script:chk-script']);
      const s = r!.resources[1]!;
      expect(s.last).to.include({ op: 'status', rc: 0, rcText: 'success', ok: true, tolerated: false, depth: 0, timedOut: false });
      expect(s.failures).to.equal(0);
      expect(r!.nowMs - s.last!.atMs).to.be.below(60_000);
    }
    let err: { code?: string } | undefined;
    try { await daemonRequest(cluster, NODES[2]!, 'rg.resources', { service: 'nope' }); } catch (e) { err = e as { code?: string }; }
    expect(err?.code).to.equal('ENOENT');
  });

  it('shows a failing check (tolerated by __max_failures) with its OCF code and count, seen from a non-owner, and in the page\'s API', async () => {
    const owner = (await cluster.rgStatus(NODES[0]!))!.services.find((s) => s.id === 'service:chk')!.owner!;
    const other = NODES.find((n) => n !== owner)!;
    writeFileSync(path.join(cluster.dir, 'chk.fail'), '');
    try {
      const r = await waitFor('a tolerated status failure', 30_000, async () => {
        const x = await daemonRequest<RgResources>(cluster, other, 'rg.resources', { service: 'service:chk' });
        const s = x.resources.find((y) => y.id === 'script:chk-script');
        return s?.last?.tolerated === true ? s : undefined;
      }, 200);
      // The script agent reports LSB status 3 (not running) as OCF 7.
      expect(r!.last).to.include({ ok: true, tolerated: true, rc: 7, rcText: 'not running' });
      expect(r!.failures).to.be.at.least(1);
      const detail = (await admin.call('GET', '/api/services/service:chk')).json<{ resources: RgResources; resourcesError: string | null }>();
      expect(detail.resourcesError).to.equal(null);
      expect(detail.resources.owner).to.equal(owner);
      expect(detail.resources.resources.find((y) => y.id === 'script:chk-script')!.failures).to.be.at.least(1);
    } finally {
      rmSync(path.join(cluster.dir, 'chk.fail'), { force: true });
    }
    // The service stayed where it was (the failures were tolerated).
    expect((await cluster.rgStatus(NODES[0]!))!.services.find((s) => s.id === 'service:chk')).to.include({ state: 'started', owner });
  });

  it('reports each node\'s fence device status (fence_node -S) to a viewer, cached; not to anonymous users', async () => {
    const vic = new WebUser(base); expect((await vic.login('vic', 'vic-password-1')).status).to.equal(200);
    const r = await vic.call('GET', '/api/fencing/status');
    expect(r.status, r.body).to.equal(200);
    const nodes = r.json<{ nodes: { node: string; outcome: string; power: string | null; atMs: number; devices: { device: string; ok: boolean }[] }[] }>().nodes;
    expect(nodes.map((n) => [n.node, n.outcome, n.power])).to.deep.equal(NODES.map((n) => [n, 'success', 'on']));
    expect(nodes[0]!.devices).to.deep.include({ method: 1, device: 'apc', agent: 'fence_apc_snmp', ok: true, result: 'success' });
    // A second look within the TTL reuses the answers (no new agent runs).
    const again = (await vic.call('GET', '/api/fencing/status')).json<{ nodes: { atMs: number }[] }>().nodes;
    expect(again.map((n) => n.atMs)).to.deep.equal(nodes.map((n) => n.atMs));
    expect((await new WebUser(base).call('GET', '/api/fencing/status')).status).to.equal(401);
  });

  it('refuses propagate, rollback and the dry run without a session, without the CSRF token, or below admin, and changes nothing', async () => {
    const text = readFileSync(cluster.nodeConf(NODES[1]!), 'utf8').replace('config_version="1"', 'config_version="2"').replace('token="1000"', 'token="1200"');
    const anon = new WebUser(base);
    const ole = new WebUser(base); expect((await ole.login('ole', 'ole-password-1')).status).to.equal(200);
    const vic = new WebUser(base); expect((await vic.login('vic', 'vic-password-1')).status).to.equal(200);
    const tries: [WebUser, { csrf?: boolean }, number][] = [[anon, {}, 401], [admin, { csrf: false }, 403], [ole, {}, 403], [vic, {}, 403]];
    for (const [u, o, status] of tries) {
      expect((await u.call('POST', '/api/config/propagate', { text }, o)).status, `propagate ${u.cookie ?? 'anon'}`).to.equal(status);
      expect((await u.call('POST', '/api/config/rollback', { version: 1 }, o)).status).to.equal(status);
      expect((await u.call('POST', '/api/config/dry-run', { text }, o)).status).to.equal(status);
    }
    expect((await admin.call('POST', '/api/config/propagate', { text }, { contentType: 'text/plain' })).status).to.equal(415);
    expect(await versions()).to.deep.equal([1, 1, 1]);
    // Viewers may read the history.
    expect((await vic.call('GET', '/api/config/history')).json<CcsHistory>().runningVersion).to.equal(1);
    const audit = (await admin.call('GET', '/api/audit?limit=50')).json<{ records: { action: string; result: string }[] }>().records;
    expect(audit.filter((a) => a.action === 'config-propagate' && a.result === 'refused').length).to.be.at.least(3);
  });

  it('propagates a valid edit to every node after a dry run; refuses an invalid or older one; rolls back', async () => {
    const v1 = readFileSync(cluster.nodeConf(NODES[1]!), 'utf8');
    const v2 = v1.replace('config_version="1"', 'config_version="2"').replace('token="1000"', 'token="1200"');
    const dry = await admin.call('POST', '/api/config/dry-run', { text: v2, baseVersion: 1 });
    expect(dry.status, dry.body).to.equal(200);
    expect(dry.json<{ dryRun: boolean; toVersion: number; changes: string[] }>()).to.include({ dryRun: true, toVersion: 2 });
    expect(dry.json<{ changes: string[] }>().changes.join('\n')).to.match(/token/);
    expect(await versions()).to.deep.equal([1, 1, 1]);
    // Invalid: refused with its line, nothing changes.
    const bad = await admin.call('POST', '/api/config/propagate', { text: v2.replace('token="1200"', 'token="soon"'), baseVersion: 1 });
    expect(bad.status).to.equal(400);
    expect(bad.json<{ error: string }>().error).to.match(/cluster\.conf \(edited\):\d+/).and.not.to.include(cluster.dir);
    // A stale base (the user looked at another version) is refused.
    expect((await admin.call('POST', '/api/config/propagate', { text: v2, baseVersion: 7 })).status).to.equal(409);
    expect(await versions()).to.deep.equal([1, 1, 1]);
    const ok = await admin.call('POST', '/api/config/propagate', { text: v2, baseVersion: 1 });
    expect(ok.status, ok.body).to.equal(200);
    expect(ok.json<{ activated: boolean; nodes: { ok: boolean }[] }>().activated).to.equal(true);
    await waitFor('version 2 on every node', 20_000, async () => (await versions()).every((v) => v === 2), 100);
    for (const n of NODES) {
      expect(readFileSync(cluster.nodeConf(n), 'utf8'), n).to.equal(v2);
      const u = new WebUser(cluster.url(n)); await u.login('ada', 'ada-password-1');
      expect((await u.call('GET', '/api/config')).json<{ version: number; text: string }>(), n).to.include({ version: 2, text: v2 });
    }
    // The same version again (not higher): refused.
    expect((await admin.call('POST', '/api/config/propagate', { text: v2, baseVersion: 2 })).status).to.equal(400);
    const hist = (await admin.call('GET', '/api/config/history')).json<CcsHistory>();
    expect(hist.entries.map((e) => e.version)).to.include.members([1, 2]);
    const rb = await admin.call('POST', '/api/config/rollback', { version: 1, baseVersion: 2 });
    expect(rb.status, rb.body).to.equal(200);
    await waitFor('version 3 (the content of 1) on every node', 20_000, async () => (await versions()).every((v) => v === 3), 100);
    for (const n of NODES) expect(readFileSync(cluster.nodeConf(n), 'utf8')).to.equal(v1.replace('config_version="1"', 'config_version="3"'));
    const audit = (await admin.call('GET', '/api/audit?limit=50')).json<{ records: { action: string; result: string; params?: Record<string, unknown> }[] }>().records;
    expect(audit.some((a) => a.action === 'config-propagate' && a.result === 'ok' && a.params?.['toVersion'] === 2)).to.equal(true);
    expect(audit.some((a) => a.action === 'config-propagate' && a.result === 'failed')).to.equal(true);
    expect(audit.some((a) => a.action === 'config-rollback' && a.result === 'ok')).to.equal(true);
  });
});
