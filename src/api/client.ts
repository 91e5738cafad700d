// The one client of the daemon socket. cman_tool, clustat, clusvcadm and the web page use this;
// nothing else reaches into the daemon.
import net from 'node:net';
import {
  ApiError, LineSplitter, resolveRunDir, socketPath,
  type ApiEvents, type EventKind, type ParamsOf, type ReplyFrame, type RequestKind, type ResultOf,
} from './protocol.js';

export interface ConnectOptions {
  /** Run dir; default $CLUSTER_RUN_DIR or /var/run/cluster. */
  readonly runDir?: string;
  /** Connect timeout (default 5000 ms). */
  readonly timeoutMs?: number;
}

/** Could not reach the daemon. `code` is the errno of the connect (ENOENT, ECONNREFUSED, EACCES, ...). */
export class ConnectError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

type EventListener = (event: string, data: unknown) => void;

/** Most requests waiting for a reply on one connection. */
export const MAX_IN_FLIGHT = 256;

export class ApiClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Set<EventListener>();
  private closedError: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    const splitter = new LineSplitter((line) => this.onLine(line));
    socket.on('data', (chunk: string) => { if (!splitter.push(chunk)) socket.destroy(new Error('reply line too long')); });
    socket.on('close', () => this.failAll(this.closedError ?? new ConnectError('ECONNRESET', 'connection to the daemon closed')));
    socket.on('error', (err) => { this.closedError = err; });
  }

  static connect(opts: ConnectOptions = {}): Promise<ApiClient> {
    const p = socketPath(resolveRunDir(opts.runDir));
    return new Promise((resolve, reject) => {
      const socket = net.connect(p);
      const timer = setTimeout(() => { socket.destroy(); reject(new ConnectError('ETIMEDOUT', `timed out connecting to ${p}`)); },
        opts.timeoutMs ?? 5000);
      socket.once('connect', () => { clearTimeout(timer); socket.removeAllListeners('error'); resolve(new ApiClient(socket)); });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new ConnectError(err.code ?? 'EIO', `cannot connect to ${p}: ${err.message}`));
      });
    });
  }

  request<K extends RequestKind>(kind: K, params: ParamsOf<K>, timeoutMs = 10000): Promise<ResultOf<K>> {
    if (this.closedError !== undefined || this.socket.destroyed) return Promise.reject(new ConnectError('ECONNRESET', 'connection closed'));
    if (this.waiting.size >= MAX_IN_FLIGHT) return Promise.reject(new ApiError('EAGAIN', 'too many requests in flight'));
    const id = this.nextId++;
    return new Promise<ResultOf<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new ApiError('ETIMEDOUT', `no reply to ${kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(JSON.stringify({ id, kind, params }) + '\n');
    });
  }

  /** Subscribe to events (names, or prefixes ending in '.'; [] = all) and register a listener. */
  async subscribe(events: readonly EventKind[] | readonly string[], listener: <E extends EventKind>(event: E, data: ApiEvents[E]) => void): Promise<void> {
    this.listeners.add(listener as EventListener);
    await this.request('subscribe', { events: [...events] });
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private onLine(line: string): void {
    let msg: unknown;
    try { msg = JSON.parse(line); } catch { return; }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as { event?: unknown; data?: unknown };
    if (typeof m.event === 'string') {
      for (const l of this.listeners) l(m.event, m.data);
      return;
    }
    const reply = msg as ReplyFrame;
    const w = this.waiting.get(reply.id);
    if (w === undefined) return;
    this.waiting.delete(reply.id);
    clearTimeout(w.timer);
    if (reply.ok) w.resolve(reply.result);
    else w.reject(new ApiError(reply.error.code, reply.error.message));
  }

  private failAll(err: Error): void {
    for (const [, w] of this.waiting) { clearTimeout(w.timer); w.reject(err); }
    this.waiting.clear();
  }
}

/** Connect, make one request, close. */
export async function requestOnce<K extends RequestKind>(kind: K, params: ParamsOf<K>, opts: ConnectOptions = {}): Promise<ResultOf<K>> {
  const c = await ApiClient.connect(opts);
  try {
    return await c.request(kind, params);
  } finally {
    c.close();
  }
}
