// A real cluster for conga's tests: clusterd processes on 127.0.4.N (real UDP, real fenced and
// rgmanager, script services), our simulated APC PDU as every node's fence device, users made with
// bin/conga_passwd, and an HTTPS client that keeps cookies. Every wait polls with a deadline.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../support/paths.js';
import { ApiClient } from '../../../src/api/index.js';
import { CLUSTERD_ENV, clusterdNodeArgs } from '../../../src/cli/clusterd-launch.js';
import type { RgStatus } from '../../../src/api/rgmanager.js';
import { waitFor } from '../cman/harness.js';

export { waitFor };

export const bin = (cmd: string) => path.join(repoRoot, 'bin', cmd);

export interface CongaClusterOptions {
  readonly label: string;
  /** Node addresses, e.g. ['127.0.4.1', '127.0.4.2', '127.0.4.3']. */
  readonly addresses: readonly string[];
  readonly cmanPort: number;
  readonly httpPort: number;
  readonly pdu: { readonly address: string; readonly port: number };
  /** Plain HTTP instead of HTTPS (loopback). */
  readonly plain?: boolean;
  readonly tokenMs?: number;
  /** Extra attributes of <rm> (e.g. ` status_poll_interval="1"`). */
  readonly rmAttrs?: string;
  /** Extra services after web and db, given the test directory. */
  readonly extraServices?: (dir: string) => string;
}

export function congaClusterConf(o: CongaClusterOptions, version = 1, extraServices = ''): string {
  const nodes = o.addresses.map((a, i) => `    <clusternode name="${a}" nodeid="${i + 1}" votes="1">
      <fence><method name="pdu"><device name="apc" port="${i + 1}"/></method></fence>
    </clusternode>`).join('\n');
  const dom = o.addresses.map((a, i) => `<failoverdomainnode name="${a}" priority="${i + 1}"/>`).join('');
  return `<?xml version="1.0"?>
<cluster name="cgtest" config_version="${version}">
  <cman port="${o.cmanPort}"${o.addresses.length === 1 ? ' expected_votes="1"' : ''}/>
  <totem token="${o.tokenMs ?? 1000}"/>
  <fence_daemon post_fail_delay="0" post_join_delay="1"/>
  <clusternodes>
${nodes}
  </clusternodes>
  <fencedevices>
    <fencedevice name="apc" agent="fence_apc_snmp" ipaddr="${o.pdu.address}" ipport="${o.pdu.port}" community="private" power_wait="0"/>
  </fencedevices>
  <rm${o.rmAttrs ?? ''}>
    <failoverdomains>
      <failoverdomain name="ordered" ordered="1" restricted="1">${dom}</failoverdomain>
    </failoverdomains>
    <service name="web" domain="ordered" recovery="relocate"><script name="web-script" file="/bin/true"/></service>
    <service name="db" recovery="restart" max_restarts="2" restart_expire_time="300"><script name="db-script" file="/usr/bin/true"/></service>${extraServices}
  </rm>
</cluster>
`;
}

export class CongaCluster {
  readonly dir: string;
  readonly confPath: string;
  readonly procs = new Map<string, ChildProcess>();
  private pdu: ChildProcess | undefined;
  private readonly logs: WriteStream[] = [];

  constructor(readonly o: CongaClusterOptions) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `cs-conga-${o.label}-`));
    this.confPath = path.join(this.dir, 'cluster.conf');
    writeFileSync(this.confPath, congaClusterConf(o, 1, o.extraServices?.(this.dir) ?? ''));
  }

  runDir(node: string): string { return path.join(this.dir, 'run', node); }
  nodeConf(node: string): string { return path.join(this.runDir(node), 'cluster.conf'); }
  url(node: string): string { return `${this.o.plain ? 'http' : 'https'}://${node}:${this.o.httpPort}`; }

  async startPdu(): Promise<void> {
    const child = spawn(process.execPath, [bin('apc_pdu_sim'), '--address', this.o.pdu.address, '--port', String(this.o.pdu.port),
      '--outlets', String(this.o.addresses.length), '--reboot-delay', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.pdu = child;
    const log = createWriteStream(path.join(this.dir, 'pdu.log'));
    this.logs.push(log);
    child.stderr?.pipe(log);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('apc_pdu_sim did not get ready within 20 s')), 20_000);
      let out = '';
      child.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready')) { clearTimeout(t); resolve(); } });
      child.once('exit', (c) => { clearTimeout(t); reject(new Error(`apc_pdu_sim exited ${c}`)); });
    });
  }

  start(node: string): ChildProcess {
    const runDir = this.runDir(node);
    mkdirSync(runDir, { recursive: true });
    // Each node its own cluster.conf (propagation writes every node's file), copied at its first start.
    const conf = this.nodeConf(node);
    if (!existsSync(conf)) copyFileSync(this.confPath, conf);
    const args = clusterdNodeArgs(bin('clusterd'), ['-f', conf, '--node', node, '--run-dir', runDir, '--http-port', String(this.o.httpPort)]);
    if (this.o.plain) args.push('--http-plain');
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...CLUSTERD_ENV, CLUSTER_LOG_LEVEL: 'info' } });
    const log = createWriteStream(path.join(this.dir, `${node}.log`), { flags: 'a' });
    this.logs.push(log);
    child.stderr?.pipe(log);
    this.procs.set(node, child);
    return child;
  }

  async startAll(): Promise<void> {
    await this.startPdu();
    for (const a of this.o.addresses) this.start(a);
    const first = this.o.addresses[0]!;
    await waitFor('a quorate cluster with every service started', 90_000, async () => {
      const s = await this.rgStatus(first);
      return s !== undefined && s.quorate && s.nodes.every((n) => n.online) && s.services.every((v) => v.state === 'started' && v.pending === null);
    }, 200);
    // Tests start from a known placement: web (ordered domain) on its best node, the first one.
    const web = (await this.rgStatus(first))?.services.find((v) => v.id === 'service:web');
    if (web?.owner !== first) {
      const c = await ApiClient.connect({ runDir: this.runDir(first), timeoutMs: 2000 });
      try { await c.request('rg.request', { op: 'relocate', service: 'service:web', target: first }, 60_000); } catch { /* waited for below */ } finally { c.close(); }
      await waitFor('service:web on the first node', 60_000, async () =>
        (await this.rgStatus(first))?.services.find((v) => v.id === 'service:web')?.owner === first, 200);
    }
    await waitFor('the web page on every node', 20_000, async () => {
      for (const a of this.o.addresses) {
        const r = await request('GET', `${this.url(a)}/`).catch(() => undefined);
        if (r?.status !== 200) return false;
      }
      return true;
    });
  }

  kill(node: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.procs.get(node);
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => { c.once('exit', () => resolve()); c.kill(signal); });
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((n) => this.kill(n)));
    if (this.pdu !== undefined && this.pdu.exitCode === null && this.pdu.signalCode === null) {
      const p = this.pdu;
      await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill('SIGKILL'); });
    }
    for (const l of this.logs) l.end();
    if (process.env['KEEP_TEST_DIRS'] === undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  async rgStatus(node: string): Promise<RgStatus | undefined> {
    try {
      const c = await ApiClient.connect({ runDir: this.runDir(node), timeoutMs: 1000 });
      try { return await c.request('rg.status', {}, 3000); } finally { c.close(); }
    } catch { return undefined; }
  }

  /** bin/conga_passwd NAME --role ROLE with the password on stdin. */
  passwd(node: string, name: string, role: string, password: string): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
      const child = execFile(process.execPath, [bin('conga_passwd'), '--run-dir', this.runDir(node), name, '--role', role], { timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }));
      child.stdin?.end(password + '\n');
    });
  }
}

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
}

export function request(method: string, url: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<HttpReply> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers = { ...(opts.headers ?? {}), ...(opts.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}) };
    const req = mod.request(u, { method, headers, rejectUnauthorized: false, timeout: 70_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T });
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** A logged-in (or anonymous) user of the JSON API on one node. */
export class WebUser {
  cookie: string | undefined;
  csrf: string | undefined;
  constructor(readonly base: string) {}

  async login(user: string, password: string): Promise<HttpReply> {
    const r = await request('POST', `${this.base}/api/login`, { body: JSON.stringify({ user, password }), headers: { 'Content-Type': 'application/json' } });
    if (r.status === 200) {
      const set = r.headers['set-cookie']?.[0] ?? '';
      this.cookie = set.split(';')[0];
      this.csrf = r.json<{ csrf: string }>().csrf;
    }
    return r;
  }

  call(method: string, p: string, body?: unknown, o: { csrf?: boolean; contentType?: string } = {}): Promise<HttpReply> {
    const headers: Record<string, string> = {};
    if (this.cookie !== undefined) headers['Cookie'] = this.cookie;
    if (method !== 'GET') {
      headers['Content-Type'] = o.contentType ?? 'application/json';
      if (o.csrf !== false && this.csrf !== undefined) headers['X-CSRF-Token'] = this.csrf;
    }
    return request(method, `${this.base}${p}`, { headers, ...(method !== 'GET' ? { body: JSON.stringify(body ?? {}) } : {}) });
  }
}
