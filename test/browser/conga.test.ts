// The conga page in Debian's Chromium (headless, playwright-core) against a real 3-node cluster on
// 127.0.4.11-13: log in, see members and services, act with a preview, watch a node's death on the
// open page without reloading, the config editor's errors at their line, and a viewer who cannot
// act. Screenshots go to test-artifacts/conga/.
import { launchChromium, requireChromium } from './chromium.js';
import { expect } from 'chai';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { repoRoot } from '../support/paths.js';
import { CongaCluster, WebUser, request, waitFor } from '../cluster/conga/harness.js';

const NODES = ['127.0.4.11', '127.0.4.12', '127.0.4.13'];
const shots = path.join(repoRoot, 'test-artifacts', 'conga');

describe('conga page in Chromium (real 3-node cluster)', function () {
  this.timeout(180_000);
  const cluster = new CongaCluster({ label: 'browser', addresses: NODES, cmanPort: 8430, httpPort: 8431, pdu: { address: '127.0.4.21', port: 9930 } });
  const base = cluster.url(NODES[1]!); // served by node 2: any node shows the whole cluster
  const profiles: string[] = [];
  const contexts: BrowserContext[] = [];
  let ctx: BrowserContext;
  let page: Page;

  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
  const row = (id: string) => `#services tr[data-service="${id}"]`;
  const cell = (id: string, cls: string) => page.locator(`${row(id)} td.${cls}`).innerText();

  before(async function () {
    requireChromium(this);
    mkdirSync(shots, { recursive: true });
    await cluster.startAll();
    expect((await cluster.passwd(NODES[0]!, 'ada', 'admin', 'ada-password-1')).code).to.equal(0);
    expect((await cluster.passwd(NODES[0]!, 'vic', 'viewer', 'vic-password-1')).code).to.equal(0);
    ctx = await launch(860);
    page = ctx.pages()[0] ?? await ctx.newPage();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await cluster.cleanup();
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  });

  /** A fresh Chromium with its own --user-data-dir (a persistent context, as playwright wants it). */
  async function launch(height: number): Promise<BrowserContext> {
    const { context, profile } = await launchChromium('cs-conga-chromium-', height);
    profiles.push(profile);
    contexts.push(context);
    return context;
  }

  it('keeps the first page under 150 KB with nothing from outside', async () => {
    let total = 0;
    for (const p of ['/', '/style.css', '/js/app.js']) {
      const r = await request('GET', `${base}${p}`);
      expect(r.status, p).to.equal(200);
      total += Buffer.byteLength(r.body);
      expect(r.body).not.to.match(/https?:\/\/(?!127\.)/);
    }
    expect(total).to.be.below(150 * 1024);
  });

  it('logs in and shows members and services', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('#login-form');
    await shot('01-login');
    await page.fill('input[name=user]', 'ada');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('#login-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('login-error')?.textContent?.includes('wrong'));
    await page.fill('input[name=password]', 'ada-password-1');
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#members tbody tr');
    await page.waitForSelector(row('service:db'));
    const members = await page.locator('#members tbody tr td.status').allInnerTexts();
    expect(members).to.deep.equal(['Online', 'Online', 'Online']);
    expect(await page.locator('#quorum').innerText()).to.match(/Quorate · votes 3\/3 · quorum 2/);
    expect(await cell('service:web', 'state')).to.match(/started/);
    expect(await cell('service:web', 'owner')).to.equal(NODES[0]);
    await shot('02-overview');
    // A marker that a reload would wipe: later steps prove the page updated live.
    await page.evaluate(() => { (window as unknown as { noReload: number }).noReload = 42; });
  });

  it('shows a service\'s resource tree, failover domain with ranks, restarts and the why', async () => {
    await page.click(`${row('service:web')} a`);
    await page.waitForSelector('#detail #why li');
    const why = await page.locator('#why').innerText();
    expect(why).to.match(/service:web is started on 127\.0\.4\.11/);
    expect(await page.locator('#detail').innerText()).to.match(/script web-script/).and.to.match(/ordered: ordered, restricted/);
    expect(await page.locator('#restarts').innerText()).to.match(/restarts 0 \(no max_restarts\)/);
    await shot('03-service-detail');
    await page.click(`${row('service:db')} a`);
    await page.waitForFunction(() => document.querySelector('#detail h2')?.textContent === 'Service db');
    await page.waitForSelector('#detail #why li');
    expect(await page.locator('#restarts').innerText()).to.match(/Policy restart; restarts 0 of max_restarts 2 within 300s/);
  });

  it('freezes and unfreezes from the page after showing the plan', async () => {
    await page.click(`${row('service:web')} button[data-op=freeze]`);
    await page.waitForSelector('#plan h3');
    expect(await page.locator('#plan').innerText()).to.match(/What will happen/).and.to.match(/Frozen: yes/);
    await shot('04-freeze-preview');
    await page.click('#dialog-ok');
    await page.waitForFunction(() => document.querySelector('#services tr[data-service="service:web"] td.flags')?.textContent?.includes('frozen'));
    expect((await cluster.rgStatus(NODES[0]!))?.services.find((s) => s.id === 'service:web')?.frozen).to.equal(true);
    await page.click(`${row('service:web')} button[data-op=unfreeze]`);
    await page.waitForSelector('#plan h3');
    await page.click('#dialog-ok');
    await page.waitForFunction(() => !document.querySelector('#services tr[data-service="service:web"] td.flags')?.textContent?.includes('frozen'));
  });

  it('relocates a service from the page (preview, confirm) and shows it arrive', async () => {
    const from = await cell('service:db', 'owner');
    const target = from === NODES[2] ? NODES[1]! : NODES[2]!;
    await page.click(`${row('service:db')} button[data-op=relocate]`);
    await page.waitForSelector('#plan h3');
    await page.selectOption('#target-node', target);
    await page.waitForFunction((t) => document.querySelector('#plan')?.textContent?.includes(`start db on ${t}`), target);
    await shot('05-relocate-preview');
    await page.click('#dialog-ok');
    await page.waitForFunction((t) => {
      const r = document.querySelector('#services tr[data-service="service:db"]');
      return r?.querySelector('td.owner')?.textContent === t && r.querySelector('td.state')?.textContent === 'started';
    }, target, { timeout: 60_000 });
    expect((await cluster.rgStatus(NODES[0]!))?.services.find((s) => s.id === 'service:db')?.owner).to.equal(target);
  });

  it('disables a service, then enables it on a chosen node', async () => {
    await page.click(`${row('service:db')} button[data-op=disable]`);
    await page.waitForFunction(() => /stop db on/.test(document.querySelector('#plan')?.textContent ?? ''));
    expect(await page.locator('#cli').innerText()).to.equal('Same as: clusvcadm -d db');
    await page.click('#dialog-ok');
    await page.waitForFunction(() => document.querySelector('#services tr[data-service="service:db"] td.state')?.textContent === 'disabled', undefined, { timeout: 60_000 });
    const target = NODES[2]!;
    await page.click(`${row('service:db')} button[data-op=enable]`);
    await page.waitForSelector('#plan h3');
    await page.selectOption('#target-node', target);
    await page.waitForFunction((t) => document.querySelector('#plan')?.textContent?.includes(`start db on ${t}`), target);
    expect(await page.locator('#cli').innerText()).to.equal(`Same as: clusvcadm -e db -m ${target}`);
    await shot('05b-enable-preview');
    await page.click('#dialog-ok');
    await page.waitForFunction((t) => {
      const r = document.querySelector('#services tr[data-service="service:db"]');
      return r?.querySelector('td.owner')?.textContent === t && r.querySelector('td.state')?.textContent === 'started';
    }, target, { timeout: 60_000 });
  });

  it('shows the error of an invalid config edit at its line and propagates nothing', async () => {
    await page.goto(`${base}/#config`);
    await page.waitForSelector('#validity');
    const text = await page.inputValue('#config-text');
    const lines = text.split('\n');
    const n = lines.findIndex((l) => l.includes('<totem'));
    lines[n] = '  <totem token="soon"/>';
    await page.fill('#config-text', lines.join('\n'));
    await page.waitForSelector('#problems li.error');
    const err = await page.locator('#problems li.error').first();
    expect(await err.getAttribute('data-line')).to.equal(String(n + 1));
    expect(await page.locator(`#gutter div.bad`).first().getAttribute('data-line')).to.equal(String(n + 1));
    expect(await page.locator('#validity').innerText()).to.equal('Not valid');
    expect(await page.locator('#propagate').isDisabled()).to.equal(true);
    await shot('06-config-invalid');
    // A valid edit: validated and diffed against the running version.
    lines[n] = '  <totem token="1500"/>';
    lines[1] = lines[1]!.replace('config_version="1"', 'config_version="2"');
    await page.fill('#config-text', lines.join('\n'));
    await page.waitForFunction(() => document.getElementById('validity')?.textContent?.startsWith('Valid'));
    expect(await page.locator('#diff').innerText()).to.match(/token/);
    await shot('07-config-valid-diff');
    const u = new WebUser(base);
    await u.login('ada', 'ada-password-1');
    expect((await u.call('GET', '/api/config')).json<{ version: number }>().version).to.equal(1);
  });

  it('watches a killed owner\'s service move on the open page without reload, and the incident timeline', async () => {
    await page.goto(`${base}/#overview`);
    await page.waitForSelector(row('service:web'));
    const owner = await cell('service:web', 'owner');
    expect(owner).to.equal(NODES[0]);
    await cluster.kill(owner, 'SIGKILL');
    await page.waitForFunction((o) => document.querySelector(`#members tr[data-node="${o}"] td.status`)?.textContent === 'Offline', owner, { timeout: 30_000 });
    await page.waitForFunction((o) => {
      const r = document.querySelector('#services tr[data-service="service:web"]');
      return r?.querySelector('td.owner')?.textContent !== o && r?.querySelector('td.state')?.textContent?.startsWith('started');
    }, owner, { timeout: 60_000 });
    expect(await cell('service:web', 'owner')).to.equal(NODES[1]);
    expect(await cell('service:web', 'last-owner')).to.equal(owner);
    expect(await page.evaluate(() => (window as unknown as { noReload?: number }).noReload)).to.equal(42);
    await shot('08-after-node-death');
    await page.click('#tabs a[data-tab=timeline]');
    await page.waitForSelector(`.incident[data-node="${owner}"]`);
    const inc = await page.locator(`.incident[data-node="${owner}"]`).innerText();
    expect(inc).to.match(/node lost/).and.to.match(/fenced/).and.to.match(/service recovered/);
    await shot('09-timeline');
    await page.click('#tabs a[data-tab=fencing]');
    await page.waitForSelector('#fence-history');
    expect(await page.locator('#fence-history').innerText()).to.include(owner);
    await shot('10-fencing');
  });

  it('shows users and the audit log to an admin', async () => {
    await page.click('#tabs a[data-tab=users]');
    await page.waitForSelector('#users');
    expect(await page.locator('#users').innerText()).to.match(/ada\s+admin/).and.to.match(/vic\s+viewer/);
    await shot('11-users');
    await page.click('#tabs a[data-tab=audit]');
    await page.waitForSelector('#audit');
    expect(await page.locator('#audit').innerText()).to.match(/service/).and.to.match(/relocate/);
    await shot('12-audit');
  });

  it('gives a viewer no actions, and the API refuses the viewer\'s change', async () => {
    const vctx = await launch(700);
    const v = vctx.pages()[0] ?? await vctx.newPage();
    try {
      await v.goto(`${base}/`);
      await v.fill('input[name=user]', 'vic');
      await v.fill('input[name=password]', 'vic-password-1');
      await v.click('#login-form button[type=submit]');
      await v.waitForSelector('#services tbody tr');
      expect(await v.locator('#services button').count()).to.equal(0);
      expect(await v.locator('#tabs a[data-tab=users]').isHidden()).to.equal(true);
      const status = await v.evaluate(async () => {
        const s = await (await fetch('/api/session')).json() as { csrf: string };
        const r = await fetch('/api/services/service:web/disable', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf }, body: '{}' });
        return r.status;
      });
      expect(status).to.equal(403);
      await v.screenshot({ path: path.join(shots, '13-viewer.png'), fullPage: true });
      const web = (await waitFor('status', 5000, () => cluster.rgStatus(NODES[1]!)))!.services.find((s) => s.id === 'service:web');
      expect(web?.state).to.equal('started');
    } finally {
      await vctx.close();
    }
  });

  it('fences a node for an admin only after the node name is typed', async () => {
    const victim = NODES[2]!;
    await page.goto(`${base}/#fencing`);
    await page.waitForSelector('#fence-nodes');
    const before = (await page.locator('#fence-history tr').count());
    await page.click(`#fence-nodes tr[data-node="${victim}"] button`);
    await page.waitForSelector('#fence-confirm');
    await page.fill('#fence-confirm', NODES[1]!);
    expect(await page.locator('#dialog-ok').isDisabled()).to.equal(true);
    await page.fill('#fence-confirm', victim);
    expect(await page.locator('#dialog-ok').isDisabled()).to.equal(false);
    await shot('14-fence-confirm');
    await page.click('#dialog-ok');
    await page.waitForFunction((n) => document.querySelectorAll('#fence-history tr').length > n, before, { timeout: 60_000 });
    await page.waitForFunction((v) => Array.from(document.querySelectorAll('#fence-history tr')).some((r) => r.textContent?.includes(v) && /external|success/.test(r.textContent)), victim, { timeout: 30_000 });
    await shot('15-fenced');
  });

  it('says so when the serving node dies, with links to the other members', async () => {
    await page.goto(`${base}/#overview`);
    await page.waitForSelector(row('service:web'));
    await cluster.kill(NODES[1]!, 'SIGKILL');
    await page.waitForSelector('#lost:not([hidden])', { timeout: 30_000 });
    expect(await page.locator('#lost').innerText()).to.match(/127\.0\.4\.12 stopped answering/);
    expect(await page.locator('#lost a').first().getAttribute('href')).to.equal(`https://${NODES[2]}:8431/`);
    await shot('16-serving-node-lost');
  });
});
