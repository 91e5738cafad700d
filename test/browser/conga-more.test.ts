// The conga page in Debian's Chromium against a real 3-node cluster on 127.0.7.11-13: each
// resource's last status result in the service detail, the Configuration tab's dry run and
// propagation (every node then runs the new version), an invalid edit that propagates nothing,
// the version list with rollback, and fence device status. Screenshots in test-artifacts/conga-more/.
import { launchChromium, requireChromium } from './chromium.js';
import { expect } from 'chai';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { repoRoot } from '../support/paths.js';
import type { CcsHistory } from '../../src/api/ccs.js';
import { CongaCluster, waitFor } from '../cluster/conga/harness.js';
import { checkScript, chkService, daemonRequest } from '../cluster/conga/chk.js';

const NODES = ['127.0.7.11', '127.0.7.12', '127.0.7.13'];
const shots = path.join(repoRoot, 'test-artifacts', 'conga-more');

describe('conga page: resource status, propagation, rollback (Chromium, real 3-node cluster)', function () {
  this.timeout(180_000);
  const cluster = new CongaCluster({
    label: 'browser-more', addresses: NODES, cmanPort: 10710, httpPort: 8710, pdu: { address: '127.0.7.22', port: 10711 },
    rmAttrs: ' status_poll_interval="1"', extraServices: chkService,
  });
  checkScript(cluster.dir);
  const base = cluster.url(NODES[1]!);
  const profiles: string[] = [];
  let ctx: BrowserContext | undefined;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  const versions = async () => Promise.all(NODES.map(async (n) => (await daemonRequest<CcsHistory>(cluster, n, 'ccs.history', {})).runningVersion));

  async function launch(): Promise<BrowserContext> {
    const { context, profile } = await launchChromium('cs-conga-more-chromium-', 900);
    profiles.push(profile);
    return context;
  }

  before(async function () {
    requireChromium(this);
    mkdirSync(shots, { recursive: true });
    await cluster.startAll();
    expect((await cluster.passwd(NODES[0]!, 'ada', 'admin', 'ada-password-1')).code).to.equal(0);
    expect((await cluster.passwd(NODES[0]!, 'vic', 'viewer', 'vic-password-1')).code).to.equal(0);
    ctx = await launch();
    page = ctx.pages()[0] ?? await ctx.newPage();
    await page.goto(`${base}/`);
    await page.fill('input[name=user]', 'ada');
    await page.fill('input[name=password]', 'ada-password-1');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#services tr[data-service="service:chk"]');
  });

  after(async () => {
    await ctx?.close().catch(() => undefined);
    await cluster.cleanup();
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  });

  it('shows each resource of the tree with its last status result on the owner', async () => {
    const owner = (await cluster.rgStatus(NODES[0]!))!.services.find((s) => s.id === 'service:chk')!.owner!;
    await page.click('#services tr[data-service="service:chk"] a');
    await page.waitForSelector('#resource-tree');
    // The first status check may not have run yet when the detail opens: it refreshes itself.
    await page.waitForSelector('#resource-tree [data-resource="script:chk-script"] .rs[data-status="ok"]', { timeout: 30_000 });
    const line = await page.locator('#resource-tree [data-resource="script:chk-script"]').innerText();
    expect(line).to.match(/OK rc 0 \(success\), status depth 0/);
    expect(await page.locator('#resource-status-note').innerText()).to.include(`Last status checks on ${owner}`);
    await shot('01-resource-status');
  });

  it('an invalid edit shows its error at its line and propagates nothing', async () => {
    await page.click('#tabs a[data-tab=config]');
    await page.waitForSelector('#validity');
    const lines = (await page.inputValue('#config-text')).split('\n');
    const n = lines.findIndex((l) => l.includes('<totem'));
    lines[1] = lines[1]!.replace('config_version="1"', 'config_version="2"');
    lines[n] = '  <totem token="soon"/>';
    await page.fill('#config-text', lines.join('\n'));
    await page.waitForSelector('#problems li.error');
    expect(await page.locator('#problems li.error').first().getAttribute('data-line')).to.equal(String(n + 1));
    expect(await page.locator('#propagate').isDisabled()).to.equal(true);
    expect(await page.locator('#dry-run').count()).to.equal(0);
    await shot('02-config-invalid');
    expect(await versions()).to.deep.equal([1, 1, 1]);
  });

  it('a valid edit shows the diff and the dry run, then propagates after confirmation: every node runs it', async () => {
    const lines = (await page.inputValue('#config-text')).split('\n');
    const n = lines.findIndex((l) => l.includes('<totem'));
    lines[n] = '  <totem token="1300"/>';
    const text = lines.join('\n');
    await page.fill('#config-text', text);
    await page.waitForFunction(() => document.getElementById('validity')?.textContent?.startsWith('Valid'));
    await page.waitForSelector('#dry-run li');
    expect(await page.locator('#diff').innerText()).to.match(/token/);
    expect(await page.locator('#dry-run').innerText()).to.match(/Version 1 → 2/).and.to.match(/token/);
    expect(await page.locator('#propagate').isDisabled()).to.equal(false);
    await shot('03-config-dry-run');
    await page.click('#propagate');
    await page.waitForSelector('#propagate-plan');
    await shot('04-propagate-confirm');
    await page.click('#dialog-ok');
    await page.waitForFunction(() => document.querySelector('#view h2')?.textContent === 'cluster.conf (running version 2)', undefined, { timeout: 60_000 });
    await waitFor('version 2 on every node', 20_000, async () => (await versions()).every((v) => v === 2), 100);
    for (const node of NODES) expect(readFileSync(cluster.nodeConf(node), 'utf8'), node).to.equal(text);
    await page.waitForSelector('#versions tr[data-version="1"] button');
    await shot('05-propagated-versions');
  });

  it('rolls back to an older version from the list (dry run, confirm)', async () => {
    await page.click('#versions tr[data-version="1"] button');
    await page.waitForSelector('#rollback-plan');
    expect(await page.locator('#rollback-plan').innerText()).to.match(/Version 2 → 3/).and.to.match(/token/);
    await shot('06-rollback-confirm');
    await page.click('#dialog-ok');
    await page.waitForFunction(() => document.querySelector('#view h2')?.textContent === 'cluster.conf (running version 3)', undefined, { timeout: 60_000 });
    await waitFor('version 3 on every node', 20_000, async () => (await versions()).every((v) => v === 3), 100);
    expect(readFileSync(cluster.nodeConf(NODES[2]!), 'utf8')).to.match(/token="1000"/).and.to.match(/config_version="3"/);
  });

  it('checks fence device status per node on the Fencing tab', async () => {
    await page.click('#tabs a[data-tab=fencing]');
    await page.waitForSelector('#check-fence-status');
    await page.click('#check-fence-status');
    for (const n of NODES) await page.waitForSelector(`td.fence-status[data-node="${n}"][data-outcome="success"]`, { timeout: 60_000 });
    expect(await page.locator(`td.fence-status[data-node="${NODES[0]}"]`).innerText()).to.match(/devices answer; power on/).and.to.match(/1\.apc \(fence_apc_snmp\): success/);
    await shot('07-fence-status');
  });

  it('gives a viewer neither propagate nor rollback', async () => {
    const vctx = await launch();
    try {
      const v = vctx.pages()[0] ?? await vctx.newPage();
      await v.goto(`${base}/`);
      await v.fill('input[name=user]', 'vic');
      await v.fill('input[name=password]', 'vic-password-1');
      await v.click('#login-form button[type=submit]');
      await v.waitForSelector('#services tbody tr');
      await v.click('#tabs a[data-tab=config]');
      await v.waitForSelector('#versions tr[data-version="1"]');
      expect(await v.locator('#propagate').count()).to.equal(0);
      expect(await v.locator('#versions button').count()).to.equal(0);
      expect(await v.locator('#config-text').getAttribute('readonly')).to.not.equal(null);
      await v.screenshot({ path: path.join(shots, '08-viewer-config.png'), fullPage: true });
    } finally {
      await vctx.close();
    }
  });
});
