// conga's API refuses every change without a session (401), without or with a wrong CSRF token,
// with a too-low role, or as a cross-site form (403/415), and such a refusal changes nothing: the
// services, the users and the fence history stay as they were. Wrong passwords are rate-limited.
// Against a real one-node cluster (clusterd with cman, fenced, rgmanager) on 127.0.4.1 over HTTPS.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CongaCluster, WebUser, congaClusterConf, request, waitFor } from './harness.js';
import type { RgStatus } from '../../../src/api/rgmanager.js';
import { createDemoLogin } from '../../../src/conga/demo.js';

const NODE = '127.0.4.1';
const SEC = { label: 'sec', addresses: [NODE], cmanPort: 8420, httpPort: 8421, pdu: { address: '127.0.4.20', port: 9920 } };

interface Change { method: string; path: string; body: Record<string, unknown>; need: 'viewer' | 'operator' | 'admin' }

const CHANGES: Change[] = [
  ...['enable', 'disable', 'relocate', 'restart', 'freeze', 'unfreeze'].map((op) => ({ method: 'POST', path: `/api/services/service:web/${op}`, body: {}, need: 'operator' as const })),
  { method: 'POST', path: `/api/services/service:db/relocate`, body: { node: NODE }, need: 'operator' },
  { method: 'POST', path: `/api/fencing/${NODE}`, body: { confirm: NODE }, need: 'admin' },
  { method: 'POST', path: '/api/users', body: { name: 'mallory', role: 'admin', password: 'mallory-pass-1' }, need: 'admin' },
  { method: 'POST', path: '/api/users', body: { name: 'viewer1', role: 'admin' }, need: 'admin' },
  { method: 'DELETE', path: '/api/users/operator1', body: {}, need: 'admin' },
  { method: 'POST', path: '/api/logout', body: {}, need: 'viewer' },
  // A valid next version of the node's own file: only the checks stand between it and the cluster.
  { method: 'POST', path: '/api/config/propagate', body: { text: congaClusterConf(SEC, 2) }, need: 'admin' },
  { method: 'POST', path: '/api/config/rollback', body: { version: 1 }, need: 'admin' },
];

const RANK = { viewer: 1, operator: 2, admin: 3 };

describe('conga security (real one-node cluster, HTTPS)', function () {
  this.timeout(120_000);
  const cluster = new CongaCluster(SEC);
  const base = cluster.url(NODE);
  const users = { admin1: 'admin-pass-1', operator1: 'operator-pass-1', viewer1: 'viewer-pass-1' };

  const state = async (): Promise<string> => {
    const s = (await cluster.rgStatus(NODE)) as RgStatus;
    const svc = s.services.map((v) => `${v.id}:${v.state}:${v.owner}:${v.flags}:${v.lastTransitionMs}`).join(',');
    const u = new WebUser(base);
    await u.login('admin1', users.admin1);
    const list = (await u.call('GET', '/api/users')).json<{ users: { name: string; role: string; changedMs: number }[] }>();
    const conf = (await u.call('GET', '/api/config')).json<{ version: number }>().version;
    await u.call('POST', '/api/logout');
    return `${svc} | ${list.users.map((x) => `${x.name}:${x.role}:${x.changedMs}`).join(',')} | fence ${s.fenceHistory.length} | config ${conf} ${readFileSync(cluster.nodeConf(NODE), 'utf8')}`;
  };

  before(async () => {
    await cluster.startAll();
    for (const [name, pw] of Object.entries(users)) {
      const r = await cluster.passwd(NODE, name, name.replace(/\d$/, ''), pw);
      expect(r.code, r.out).to.equal(0);
    }
  });
  after(async () => { await cluster.cleanup(); });

  it('makes a demo login through the daemon socket (createDemoLogin) that works on the page', async () => {
    const d = await createDemoLogin(cluster.runDir(NODE), 'demo', 'viewer');
    expect(d.url).to.equal(`${base}/`);
    const u = new WebUser(base);
    expect((await u.login(d.user, d.password)).status).to.equal(200);
    expect((await u.call('GET', '/api/session')).json<{ role: string }>().role).to.equal('viewer');
  });

  it('serves the page without a session, but no data', async () => {
    const page = await request('GET', `${base}/`);
    expect(page.status).to.equal(200);
    expect(page.headers['content-security-policy']).to.match(/default-src 'self'/);
    expect(page.headers['strict-transport-security']).to.match(/max-age/);
    for (const p of ['/api/status', '/api/session', '/api/config', '/api/users', '/api/audit', '/api/events', '/api/fencing', '/api/timeline']) {
      const r = await request('GET', `${base}${p}`);
      expect(r.status, p).to.equal(401);
    }
  });

  it('sets the session cookie HttpOnly, Secure and SameSite=Strict', async () => {
    const u = new WebUser(base);
    const r = await u.login('viewer1', users.viewer1);
    expect(r.status).to.equal(200);
    const cookie = r.headers['set-cookie']?.[0] ?? '';
    expect(cookie).to.match(/HttpOnly/).and.to.match(/; Secure/).and.to.match(/SameSite=Strict/);
    expect((await u.call('GET', '/api/status')).status).to.equal(200);
  });

  it('refuses every change without a session (401) and changes nothing', async () => {
    const before = await state();
    const anon = new WebUser(base);
    for (const c of CHANGES) {
      const r = await anon.call(c.method, c.path, c.body);
      expect(r.status, `${c.method} ${c.path}`).to.equal(401);
    }
    expect(await state()).to.equal(before);
  });

  it('refuses every change without the CSRF token, with a wrong one, or with another session\'s (403), and changes nothing', async () => {
    const before = await state();
    const admin = new WebUser(base);
    await admin.login('admin1', users.admin1);
    const other = new WebUser(base);
    await other.login('operator1', users.operator1);
    for (const c of CHANGES) {
      const none = await admin.call(c.method, c.path, c.body, { csrf: false });
      expect(none.status, `no token: ${c.method} ${c.path}`).to.equal(403);
      const saved = admin.csrf;
      admin.csrf = 'A'.repeat(43);
      const wrong = await admin.call(c.method, c.path, c.body);
      admin.csrf = other.csrf;
      const foreign = await admin.call(c.method, c.path, c.body);
      admin.csrf = saved;
      expect(wrong.status, `wrong token: ${c.method} ${c.path}`).to.equal(403);
      expect(foreign.status, `other session's token: ${c.method} ${c.path}`).to.equal(403);
    }
    expect(await state()).to.equal(before);
  });

  it('refuses a cross-site form post (not JSON) even with session and token (415), and changes nothing', async () => {
    const before = await state();
    const admin = new WebUser(base);
    await admin.login('admin1', users.admin1);
    for (const c of CHANGES) {
      const r = await admin.call(c.method, c.path, c.body, { contentType: 'application/x-www-form-urlencoded' });
      expect(r.status, `${c.method} ${c.path}`).to.equal(415);
    }
    expect(await state()).to.equal(before);
  });

  it('refuses changes above the role (403) and changes nothing', async () => {
    const before = await state();
    for (const role of ['viewer', 'operator'] as const) {
      const u = new WebUser(base);
      await u.login(`${role}1`, users[`${role}1`]);
      for (const c of CHANGES.filter((x) => RANK[x.need] > RANK[role])) {
        const r = await u.call(c.method, c.path, c.body);
        expect(r.status, `${role}: ${c.method} ${c.path}`).to.equal(403);
        expect(r.json<{ error: string }>().error).to.match(new RegExp(`needs the ${c.need} role`));
      }
    }
    expect(await state()).to.equal(before);
  });

  it('writes every refusal to the audit log as JSON lines (who, what, when, result)', async () => {
    const file = path.join(cluster.runDir(NODE), 'conga', 'audit.log');
    const recs = await waitFor('audit records', 5000, async () => {
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      return lines.length > 20 ? lines : undefined;
    });
    const refused = recs.filter((r) => r['result'] === 'refused');
    expect(refused.some((r) => r['user'] === 'viewer1' && r['action'] === 'service' && r['status'] === 403)).to.equal(true);
    expect(refused.some((r) => r['user'] === '-' && r['status'] === 401)).to.equal(true);
    for (const r of recs) expect(r).to.include.keys('time', 'user', 'action', 'result', 'status', 'node', 'ip');
  });

  it('lets the right role act (control: the same request does change the state)', async () => {
    const op = new WebUser(base);
    await op.login('operator1', users.operator1);
    const r = await op.call('POST', '/api/services/service:web/freeze', {});
    expect(r.status, r.body).to.equal(200);
    await waitFor('web frozen', 10_000, async () => (await cluster.rgStatus(NODE))?.services.find((s) => s.id === 'service:web')?.frozen === true);
    const u = await op.call('POST', '/api/services/service:web/unfreeze', {});
    expect(u.status, u.body).to.equal(200);
    await waitFor('web unfrozen', 10_000, async () => (await cluster.rgStatus(NODE))?.services.find((s) => s.id === 'service:web')?.frozen === false);
  });

  it('rate-limits wrong passwords: after 5 failures even the right password is refused (429, Retry-After)', async () => {
    const u = new WebUser(base);
    for (let i = 0; i < 5; i++) expect((await u.login('operator1', `wrong-${i}`)).status).to.equal(401);
    const locked = await u.login('operator1', users.operator1);
    expect(locked.status).to.equal(429);
    expect(Number(locked.headers['retry-after'])).to.be.greaterThan(0);
    // The lock is per address too: another user from the same address waits as well.
    expect((await new WebUser(base).login('viewer1', users.viewer1)).status).to.equal(429);
    expect(u.cookie).to.equal(undefined);
  });
});

describe('conga plain HTTP on loopback (real one-node cluster, --http-plain)', function () {
  this.timeout(120_000);
  const node = '127.0.4.2';
  const cluster = new CongaCluster({ label: 'plain', addresses: [node], cmanPort: 8422, httpPort: 8423, pdu: { address: '127.0.4.20', port: 9921 }, plain: true });
  before(async () => {
    await cluster.startAll();
    expect((await cluster.passwd(node, 'pat', 'operator', 'pat-password-1')).code).to.equal(0);
  });
  after(async () => { await cluster.cleanup(); });

  it('serves over http:// with a cookie that is HttpOnly and SameSite=Strict but not Secure, and still checks CSRF', async () => {
    const u = new WebUser(cluster.url(node));
    expect(cluster.url(node)).to.match(/^http:/);
    const r = await u.login('pat', 'pat-password-1');
    expect(r.status).to.equal(200);
    const cookie = r.headers['set-cookie']?.[0] ?? '';
    expect(cookie).to.match(/HttpOnly/).and.to.match(/SameSite=Strict/);
    expect(cookie).not.to.match(/Secure/);
    expect(r.headers['strict-transport-security']).to.equal(undefined);
    expect((await u.call('POST', '/api/services/service:web/freeze', {}, { csrf: false })).status).to.equal(403);
  });
});
