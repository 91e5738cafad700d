// conga's HTTP(S) server: the page, a JSON API and server-sent events, in every clusterd.
// Every route names the least role it needs; every change (POST/DELETE) needs a session, the
// session's CSRF token in X-CSRF-Token, a JSON body, and is written to the audit log.
import http from 'node:http';
import https from 'node:https';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import type { CcsUpdateResult } from '../api/ccs.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { ClusterConfig } from '../config/index.js';
import { ApiError } from '../api/index.js';
import { getLogger } from '../log/index.js';
import { AuditLog, type AuditRecord } from './audit.js';
import { LoginLimiter, SessionTable, csrfMatches, type RateLimits, type Session, type SessionLimits } from './auth.js';
import type { DaemonLink } from './link.js';
import { SnapshotSource } from './snapshot.js';
import type { TlsMaterial } from './tls.js';
import { UserError, UserStore, isRole, roleAtLeast, verifyPassword, type Role } from './users.js';
import { fenceLayout, serviceDetail } from './views.js';
import { ConfigValidator, ValidationBusyError } from './validate.js';
import { PAGE_HTML, PAGE_CSS } from './page-html.js';
import { CongaActions, ActionError } from './actions.js';
import { FENCE_STATUS_TTL_MS, FenceStatusCache } from './fence-status.js';

export interface CongaServerOptions {
  readonly nodeName: string;
  readonly address: string;
  readonly port: number;
  /** undefined = plain HTTP (only allowed on loopback; checked by the caller). */
  readonly tls: TlsMaterial | undefined;
  readonly stateDir: string;
  readonly users: UserStore;
  readonly link: DaemonLink;
  /** The running configuration. */
  readonly config: () => ClusterConfig;
  readonly rateLimits?: RateLimits;
  readonly sessionLimits?: SessionLimits;
}

/** Largest request body accepted (a cluster.conf fits). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Most open event streams per node. */
export const MAX_EVENT_STREAMS = 64;
const SESSION_COOKIE = 'conga_session';
/** A propagation waits for every member's prepare (and a slow parse). */
const PROPAGATE_TIMEOUT_MS = 60_000;
const SSE_HEARTBEAT_MS = 15_000;

const pageDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page');

type Handler = (ctx: Ctx) => Promise<unknown>;
interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly pattern: RegExp;
  /** undefined = no session needed. */
  readonly role: Role | undefined;
  /** Audit action name for changes. */
  readonly action?: string;
  /** A POST that changes nothing (validation): still needs session and CSRF token, not audited. */
  readonly readOnly?: boolean;
  readonly handler: Handler;
}

interface Ctx {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly url: URL;
  readonly match: RegExpExecArray;
  readonly session: Session | undefined;
  /** Current role of the session's user. */
  readonly role: Role | undefined;
  readonly body: Record<string, unknown>;
  readonly ip: string;
  /** Set by a handler: the audit record's target and params. */
  audit: { target?: string; params?: Record<string, unknown>; user?: string; role?: string };
}

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly code = '') { super(message); }
}

export class CongaServer {
  private readonly log;
  private server: http.Server | https.Server | undefined;
  private readonly sessions: SessionTable;
  private readonly limiter: LoginLimiter;
  readonly audit: AuditLog;
  readonly snapshots: SnapshotSource;
  private readonly actions: CongaActions;
  private readonly streams = new Set<http.ServerResponse>();
  private readonly routes: Route[];
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly assets = new Map<string, Buffer>();
  private readonly validator = new ConfigValidator();
  private readonly fenceStatus: FenceStatusCache;

  constructor(private readonly opts: CongaServerOptions) {
    this.log = getLogger('conga', { node: opts.nodeName });
    this.sessions = new SessionTable(opts.sessionLimits);
    this.limiter = new LoginLimiter(opts.rateLimits);
    this.audit = new AuditLog(opts.stateDir);
    this.snapshots = new SnapshotSource(opts.link, opts.nodeName, opts.config().quorumd !== undefined, () => this.streams.size > 0);
    this.actions = new CongaActions(opts.link, this.snapshots, opts.config);
    this.fenceStatus = new FenceStatusCache(opts.link);
    this.routes = this.makeRoutes();
  }

  get secure(): boolean { return this.opts.tls !== undefined; }

  /** The page's URL on this node. */
  url(): string {
    const a = this.server?.address() as AddressInfo | null | undefined;
    const port = a?.port ?? this.opts.port;
    const host = this.opts.address.includes(':') ? `[${this.opts.address}]` : this.opts.address;
    return `${this.secure ? 'https' : 'http'}://${host}:${port}/`;
  }

  async listen(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => void this.handle(req, res);
    const server = this.opts.tls !== undefined
      ? https.createServer({ cert: this.opts.tls.cert, key: this.opts.tls.key, minVersion: 'TLSv1.2' }, handler)
      : http.createServer(handler);
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.maxHeadersCount = 100;
    server.maxConnections = 512;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.address, () => { server.off('error', reject); resolve(); });
    });
    this.server = server;
    this.snapshots.onSnapshot((s) => this.broadcast('snapshot', s));
    this.snapshots.start();
    this.heartbeat = setInterval(() => { for (const r of this.streams) r.write(': keepalive\n\n'); }, SSE_HEARTBEAT_MS);
    this.heartbeat.unref();
    this.log.notice(`conga listening on ${this.url()}${this.opts.tls !== undefined ? ` (certificate SHA-256 ${this.opts.tls.fingerprint})` : ' (plain HTTP, loopback only)'}`);
  }

  async close(): Promise<void> {
    this.snapshots.stop();
    this.validator.close();
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    for (const r of this.streams) r.end();
    this.streams.clear();
    const s = this.server;
    this.server = undefined;
    if (s !== undefined) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  // ------------------------------------------------------------------------------------------

  private broadcast(event: string, data: unknown): void {
    if (this.streams.size === 0) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const r of this.streams) {
      if (r.writableLength > 4 * 1024 * 1024) { r.destroy(); this.streams.delete(r); continue; }
      r.write(frame);
    }
  }

  private securityHeaders(res: http.ServerResponse): void {
    res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (this.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.securityHeaders(res);
    let url: URL;
    try { url = new URL(req.url ?? '/', 'http://x'); } catch { return this.send(res, 400, { error: 'bad URL' }); }
    if (!url.pathname.startsWith('/api/')) return this.serveStatic(req, res, url.pathname);
    res.setHeader('Cache-Control', 'no-store');
    const method = req.method ?? 'GET';
    const route = this.routes.find((r) => r.method === method && r.pattern.test(url.pathname));
    if (route === undefined) {
      const other = this.routes.some((r) => r.pattern.test(url.pathname));
      return this.send(res, other ? 405 : 404, { error: other ? `method ${method} not allowed` : 'no such API path' });
    }
    const match = route.pattern.exec(url.pathname)!;
    const ip = req.socket.remoteAddress ?? '?';
    const session = this.sessions.get(readCookie(req, SESSION_COOKIE), Date.now());
    const user = session !== undefined ? this.opts.users.get(session.user) : undefined;
    const role = user?.role;
    const isChange = method !== 'GET';
    const ctx: Ctx = { req, res, url, match, session: user !== undefined ? session : undefined, role, body: {}, ip, audit: {} };
    const auditRec = (result: AuditRecord['result'], status: number, message?: string): void => {
      if (!isChange || route.readOnly === true) return;
      void this.audit.write({
        time: new Date().toISOString(), node: this.opts.nodeName, user: ctx.audit.user ?? session?.user ?? '-', role: ctx.audit.role ?? role ?? '-', ip,
        action: route.action ?? `${method} ${url.pathname}`, target: ctx.audit.target ?? decodeURIComponent(url.pathname),
        ...(ctx.audit.params !== undefined ? { params: ctx.audit.params } : {}), result, status, ...(message !== undefined ? { message } : {}),
      });
    };
    try {
      if (isChange) {
        // A change always carries JSON (a cross-site form cannot send application/json).
        const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (ct !== 'application/json') throw new HttpError(415, 'changes must be sent as application/json');
        (ctx as { body: Record<string, unknown> }).body = await readJson(req);
      }
      if (route.role !== undefined) {
        if (ctx.session === undefined || role === undefined) throw new HttpError(401, 'log in first');
        if (isChange && !csrfMatches(ctx.session, headerOf(req, 'x-csrf-token'))) throw new HttpError(403, 'missing or wrong CSRF token (reload the page)');
        if (!roleAtLeast(role, route.role)) throw new HttpError(403, `this needs the ${route.role} role; ${ctx.session.user} is ${role}`);
      }
      const result = await route.handler(ctx);
      if (res.headersSent) return; // streams answer themselves
      auditRec('ok', 200);
      this.send(res, 200, result ?? { ok: true });
    } catch (err) {
      let status = 500; let message = (err as Error).message; let code = '';
      if (err instanceof HttpError) { status = err.status; code = err.code; }
      else if (err instanceof UserError) { status = err.code === 'ENOENT' ? 404 : err.code === 'EAGAIN' ? 503 : 400; code = err.code; }
      else if (err instanceof ActionError) { status = err.status; code = err.code; }
      else if (err instanceof ApiError) { status = err.code === 'ENOSYS' ? 501 : err.code === 'ENOENT' ? 404 : err.code === 'EINVAL' ? 400 : 409; code = err.code; }
      else this.log.error(`API ${method} ${url.pathname} failed: ${message}`);
      auditRec(status === 401 || status === 403 || status === 429 || status === 415 ? 'refused' : status >= 500 ? 'error' : 'failed', status, message);
      if (status === 429 && err instanceof HttpError) res.setHeader('Retry-After', err.code);
      if (!req.readableEnded) res.setHeader('Connection', 'close'); // an unread body must not be taken for the next request
      if (!res.headersSent) this.send(res, status, { error: message, ...(code !== '' ? { code } : {}) });
    }
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async serveStatic(req: http.IncomingMessage, res: http.ServerResponse, p: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405); res.end(); return; }
    let body: Buffer | undefined; let type = 'text/html; charset=utf-8';
    if (p === '/' || p === '/index.html') body = Buffer.from(PAGE_HTML);
    else if (p === '/style.css') { body = Buffer.from(PAGE_CSS); type = 'text/css; charset=utf-8'; }
    else if (/^\/js\/[a-z0-9-]+\.js(\.map)?$/.test(p)) {
      type = p.endsWith('.map') ? 'application/json; charset=utf-8' : 'text/javascript; charset=utf-8';
      body = this.assets.get(p);
      if (body === undefined) {
        body = await readFile(path.join(pageDir, path.basename(p))).catch(() => undefined);
        if (body !== undefined) this.assets.set(p, body);
      }
    }
    if (body === undefined) { res.writeHead(404, { 'Content-Type': 'text/plain' }); res.end('not found\n'); return; }
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private cookie(value: string, maxAgeS: number): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${this.secure ? '; Secure' : ''}`;
  }

  // ------------------------------------------------------------------------------------------

  private makeRoutes(): Route[] {
    const r = (method: Route['method'], pattern: RegExp, role: Role | undefined, handler: Handler, action?: string, readOnly?: boolean): Route =>
      ({ method, pattern, role, handler, ...(action !== undefined ? { action } : {}), ...(readOnly === true ? { readOnly } : {}) });
    const str = (ctx: Ctx, k: string): string | undefined => (typeof ctx.body[k] === 'string' ? ctx.body[k] as string : undefined);
    return [
      r('POST', /^\/api\/login$/, undefined, (ctx) => this.login(ctx), 'login'),
      r('POST', /^\/api\/logout$/, 'viewer', async (ctx) => {
        this.sessions.delete(ctx.session!.id);
        ctx.res.setHeader('Set-Cookie', this.cookie('', 0));
        return { ok: true };
      }, 'logout'),
      r('GET', /^\/api\/session$/, 'viewer', async (ctx) => ({
        user: ctx.session!.user, role: ctx.role, csrf: ctx.session!.csrf, node: this.opts.nodeName, secure: this.secure,
      })),
      r('GET', /^\/api\/status$/, 'viewer', () => this.snapshots.fresh()),
      r('GET', /^\/api\/events$/, 'viewer', async (ctx) => { this.openStream(ctx); return undefined; }),
      r('GET', /^\/api\/timeline$/, 'viewer', async () => ({ incidents: this.snapshots.incidents.list() })),
      r('GET', /^\/api\/services\/([^/]+)$/, 'viewer', async (ctx) => {
        const id = decodeURIComponent(ctx.match[1]!);
        const detail = serviceDetail(this.opts.config(), id);
        if (detail === undefined) throw new HttpError(404, `no service ${id}`);
        // The owner's last status result per resource (asked through this node's daemon).
        const status = await this.opts.link.request('rg.resources', { service: id }, 5000)
          .then((r) => ({ resources: r, resourcesError: null }), (err: Error) => ({ resources: null, resourcesError: err.message }));
        return { ...detail, ...(await this.actions.explain(id)), ...status };
      }),
      r('GET', /^\/api\/services\/([^/]+)\/plan$/, 'viewer', async (ctx) => {
        const id = decodeURIComponent(ctx.match[1]!);
        return this.actions.plan(id, ctx.url.searchParams.get('op') ?? '', ctx.url.searchParams.get('node') ?? undefined);
      }),
      r('POST', /^\/api\/services\/([^/]+)\/(enable|disable|relocate|restart|freeze|unfreeze)$/, 'operator', async (ctx) => {
        const id = decodeURIComponent(ctx.match[1]!);
        const op = ctx.match[2]!;
        const node = str(ctx, 'node');
        ctx.audit = { target: id, params: { op, ...(node !== undefined ? { node } : {}) } };
        return this.actions.serviceAction(id, op, node);
      }, 'service'),
      r('GET', /^\/api\/fencing$/, 'viewer', async () => ({ ...fenceLayout(this.opts.config()), history: (await this.snapshots.fresh()).fenceHistory })),
      r('GET', /^\/api\/fencing\/status$/, 'viewer', async () => ({
        nodes: await this.fenceStatus.all(this.opts.config().nodes.map((n) => n.name)), ttlMs: FENCE_STATUS_TTL_MS,
      })),
      r('POST', /^\/api\/fencing\/([^/]+)$/, 'admin', async (ctx) => {
        const node = decodeURIComponent(ctx.match[1]!);
        ctx.audit = { target: node, params: { confirm: str(ctx, 'confirm') ?? '' } };
        if (str(ctx, 'confirm') !== node) throw new HttpError(400, `type the node name (${node}) to confirm fencing`);
        return this.actions.fence(node);
      }, 'fence'),
      r('GET', /^\/api\/config$/, 'viewer', async () => {
        const c = this.opts.config();
        const history = await this.opts.link.request('ccs.history', {}).catch(() => undefined);
        return { version: c.configVersion, file: c.file, text: c.text, propagate: history !== undefined };
      }),
      r('GET', /^\/api\/config\/history$/, 'viewer', async () => this.opts.link.request('ccs.history', {})),
      // The dry run: the daemon's own update code with dryRun (cman_tool version -r --dry-run); changes nothing.
      r('POST', /^\/api\/config\/dry-run$/, 'admin', async (ctx) => {
        const version = ctx.body['version'];
        if (typeof version === 'number') return this.opts.link.request('ccs.rollback', { version, dryRun: true }, PROPAGATE_TIMEOUT_MS);
        return this.propagateText(ctx, true);
      }, undefined, true),
      r('POST', /^\/api\/config\/propagate$/, 'admin', async (ctx) => this.propagateText(ctx, false), 'config-propagate'),
      r('POST', /^\/api\/config\/rollback$/, 'admin', async (ctx) => {
        const version = ctx.body['version'];
        ctx.audit = { target: 'cluster.conf', params: { version } };
        if (typeof version !== 'number' || !Number.isInteger(version)) throw new HttpError(400, 'version must be an integer');
        this.checkBase(ctx);
        const r = await this.opts.link.request('ccs.rollback', { version }, PROPAGATE_TIMEOUT_MS);
        if (!r.activated) throw new HttpError(409, r.message);
        return r;
      }, 'config-rollback'),
      r('POST', /^\/api\/config\/validate$/, 'viewer', async (ctx) => {
        const text = str(ctx, 'text');
        if (text === undefined) throw new HttpError(400, 'text missing');
        try {
          return await this.validator.validate(this.opts.config().text, text);
        } catch (err) {
          if (err instanceof ValidationBusyError) throw new HttpError(503, err.message);
          throw err;
        }
      }, undefined, true),
      r('GET', /^\/api\/users$/, 'admin', async () => ({
        users: [...this.opts.users.all().values()].map((u) => ({ name: u.name, role: u.role, changedMs: u.changedMs })),
      })),
      r('POST', /^\/api\/users$/, 'admin', async (ctx) => {
        const name = str(ctx, 'name') ?? ''; const role = ctx.body['role']; const password = str(ctx, 'password');
        ctx.audit = { target: name, params: { role } };
        if (!isRole(role)) throw new HttpError(400, 'role must be viewer, operator or admin');
        if (password === undefined || password === '') await this.opts.users.setRole(name, role);
        else await this.opts.users.set(name, role, password);
        this.sessions.dropUser(name);
        return { ok: true };
      }, 'user-set'),
      r('DELETE', /^\/api\/users\/([^/]+)$/, 'admin', async (ctx) => {
        const name = decodeURIComponent(ctx.match[1]!);
        ctx.audit = { target: name };
        if (name === ctx.session!.user) throw new HttpError(400, 'you cannot delete yourself');
        await this.opts.users.remove(name);
        this.sessions.dropUser(name);
        return { ok: true };
      }, 'user-delete'),
      r('GET', /^\/api\/audit$/, 'admin', async (ctx) => {
        const limit = Math.max(1, Math.min(1000, Number(ctx.url.searchParams.get('limit') ?? 200) || 200));
        const text = await readFile(this.audit.file, 'utf8').catch(() => '');
        const lines = text.split('\n').filter((l) => l !== '').slice(-limit);
        return { records: lines.map((l) => { try { return JSON.parse(l) as unknown; } catch { return null; } }).filter((x) => x !== null).reverse() };
      }),
    ];
  }

  /** The running version the user saw must still run (what the dry run showed is what propagates). */
  private checkBase(ctx: Ctx): void {
    const base = ctx.body['baseVersion'];
    const running = this.opts.config().configVersion;
    if (base !== undefined && base !== running) throw new HttpError(409, `the running config is now version ${running}, not ${String(base)}: reload and check the diff again`);
  }

  /** ccs.update of an edited text: written to a private file in the state dir for the daemon to read, removed after. */
  private async propagateText(ctx: Ctx, dryRun: boolean): Promise<CcsUpdateResult> {
    const text = ctx.body['text'];
    if (typeof text !== 'string') throw new HttpError(400, 'text missing');
    if (!dryRun) ctx.audit = { target: 'cluster.conf', params: { bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex').slice(0, 16) } };
    this.checkBase(ctx);
    const dir = path.join(this.opts.stateDir, 'edits');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `cluster.conf.${randomBytes(6).toString('hex')}`);
    await writeFile(file, text, { mode: 0o600 });
    try {
      const r = await this.opts.link.request('ccs.update', { file, dryRun }, PROPAGATE_TIMEOUT_MS);
      if (!dryRun && !r.activated) throw new HttpError(409, r.message);
      if (!dryRun) ctx.audit.params = { ...ctx.audit.params, fromVersion: r.fromVersion, toVersion: r.toVersion };
      return r;
    } catch (err) {
      // Problems name the edited text, not the private file.
      if (err instanceof Error) err.message = err.message.split(file).join('cluster.conf (edited)');
      throw err;
    } finally {
      await rm(file, { force: true });
    }
  }

  private async login(ctx: Ctx): Promise<unknown> {
    const user = typeof ctx.body['user'] === 'string' ? ctx.body['user'] : '';
    const password = typeof ctx.body['password'] === 'string' ? ctx.body['password'] : '';
    ctx.audit = { user: user.slice(0, 64) || '-' };
    const now = Date.now();
    const keys = [`ip:${ctx.ip}`, `user:${user.slice(0, 64)}`];
    const wait = Math.max(...keys.map((k) => this.limiter.retryAfterMs(k, now)));
    if (wait > 0) throw new HttpError(429, `too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, String(Math.ceil(wait / 1000)));
    const rec = this.opts.users.get(user);
    const ok = await verifyPassword(password, rec?.hash);
    if (!ok || rec === undefined) {
      for (const k of keys) this.limiter.failure(k, now);
      throw new HttpError(401, 'wrong user name or password');
    }
    for (const k of keys) this.limiter.success(k);
    ctx.audit.role = rec.role;
    const s = this.sessions.create(rec.name, rec.role, now);
    ctx.res.setHeader('Set-Cookie', this.cookie(s.id, 12 * 3600));
    return { user: rec.name, role: rec.role, csrf: s.csrf, node: this.opts.nodeName };
  }

  private openStream(ctx: Ctx): void {
    const { res, req } = ctx;
    if (this.streams.size >= MAX_EVENT_STREAMS) throw new HttpError(503, 'too many open event streams on this node');
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 1000\n\n');
    this.streams.add(res);
    const s = this.snapshots.latest();
    if (s !== undefined) res.write(`event: snapshot\ndata: ${JSON.stringify(s)}\n\n`);
    else this.snapshots.refresh();
    req.on('close', () => this.streams.delete(res));
  }
}

function readCookie(req: http.IncomingMessage, name: string): string | undefined {
  const h = req.headers.cookie;
  if (h === undefined) return undefined;
  for (const part of h.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function headerOf(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) { reject(new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`)); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size === 0) { resolve({}); return; }
      try {
        const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch { reject(new HttpError(400, 'body is not a JSON object')); }
    });
    req.on('error', reject);
  });
}
