// The daemon side of the socket: a registry of typed request handlers and an event publisher.
import { chmod, mkdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import {
  ApiError, LineSplitter, MAX_CLIENTS, MAX_PENDING_OUTPUT_BYTES, socketPath,
  type ApiEvents, type EventKind, type ParamsOf, type RequestKind, type ResultOf,
} from './protocol.js';

export type Handler<K extends RequestKind> = (params: ParamsOf<K>) => ResultOf<K> | Promise<ResultOf<K>>;

interface Client {
  readonly socket: net.Socket;
  /** Subscribed event names / prefixes; undefined = not subscribed. */
  events: string[] | undefined;
}

export class ApiServer {
  private readonly handlers = new Map<string, Handler<RequestKind>>();
  private readonly clients = new Set<Client>();
  private server: net.Server | undefined;
  private readonly path: string;

  constructor(readonly runDir: string, private readonly version: string) {
    this.path = socketPath(runDir);
    this.handle('ping', () => ({ pid: process.pid, version: this.version }));
  }

  /** Number of connected clients (cman_tool status "Active subsystems"). */
  get clientCount(): number {
    return this.clients.size;
  }

  handle<K extends RequestKind>(kind: K, handler: Handler<K>): void {
    this.handlers.set(kind, handler as unknown as Handler<RequestKind>);
  }

  async listen(): Promise<void> {
    await mkdir(this.runDir, { recursive: true, mode: 0o755 });
    await this.removeStaleSocket();
    const server = net.createServer((s) => this.accept(s));
    server.maxConnections = MAX_CLIENTS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => { server.off('error', reject); resolve(); });
    });
    await chmod(this.path, 0o660);
    this.server = server;
  }

  publish<E extends EventKind>(event: E, data: ApiEvents[E]): void {
    let line: string | undefined;
    for (const c of this.clients) {
      if (c.events === undefined) continue;
      if (c.events.length > 0 && !c.events.some((e) => e === event || (e.endsWith('.') && event.startsWith(e)))) continue;
      line ??= JSON.stringify({ event, data }) + '\n';
      this.write(c, line);
    }
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.socket.destroy();
    this.clients.clear();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((r) => server.close(() => r()));
    await unlink(this.path).catch(() => undefined);
  }

  private async removeStaleSocket(): Promise<void> {
    // A socket file left by a dead daemon is removed; a live daemon on it is an error.
    const alive = await new Promise<boolean>((resolve) => {
      const s = net.connect(this.path);
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (alive) throw new Error(`another daemon is listening on ${this.path}`);
    await unlink(this.path).catch(() => undefined);
  }

  private accept(socket: net.Socket): void {
    const client: Client = { socket, events: undefined };
    this.clients.add(client);
    socket.setEncoding('utf8');
    const splitter = new LineSplitter((line) => void this.dispatch(client, line));
    socket.on('data', (chunk: string) => { if (!splitter.push(chunk)) socket.destroy(); });
    socket.on('close', () => this.clients.delete(client));
    socket.on('error', () => this.clients.delete(client));
  }

  private write(c: Client, line: string): void {
    if (c.socket.destroyed) return;
    if (c.socket.writableLength > MAX_PENDING_OUTPUT_BYTES) {
      c.socket.destroy();
      this.clients.delete(c);
      return;
    }
    c.socket.write(line);
  }

  private async dispatch(c: Client, line: string): Promise<void> {
    let id = 0;
    try {
      const req = JSON.parse(line) as unknown;
      if (typeof req !== 'object' || req === null) throw new ApiError('EPROTO', 'request is not an object');
      const r = req as { id?: unknown; kind?: unknown; params?: unknown };
      if (typeof r.id !== 'number' || !Number.isSafeInteger(r.id)) throw new ApiError('EPROTO', 'request id missing');
      id = r.id;
      if (typeof r.kind !== 'string') throw new ApiError('EPROTO', 'request kind missing');
      const params = (typeof r.params === 'object' && r.params !== null ? r.params : {}) as never;
      let result: unknown;
      if (r.kind === 'subscribe') {
        const ev = (params as { events?: unknown }).events;
        c.events = Array.isArray(ev) ? ev.filter((e): e is string => typeof e === 'string').slice(0, 64) : [];
        result = { subscribed: c.events };
      } else {
        const h = this.handlers.get(r.kind);
        if (h === undefined) throw new ApiError('ENOSYS', `unknown request kind ${r.kind}`);
        result = await h(params);
      }
      this.write(c, JSON.stringify({ id, ok: true, result }) + '\n');
    } catch (err) {
      const code = err instanceof ApiError ? err.code : err instanceof SyntaxError ? 'EPROTO' : 'EIO';
      const message = err instanceof Error ? err.message : String(err);
      this.write(c, JSON.stringify({ id, ok: false, error: { code, message } }) + '\n');
    }
  }
}
