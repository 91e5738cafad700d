// conga's connection to its own daemon's socket: the same typed client the commands use (conga
// never reaches into the daemon's modules). Reconnects with back-off; fans events out.
import { ApiClient, ApiError, type ParamsOf, type RequestKind, type ResultOf } from '../api/index.js';

export type DaemonEventListener = (event: string, data: unknown) => void;

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 2000;

export class DaemonLink {
  private client: ApiClient | undefined;
  private connecting: Promise<ApiClient> | undefined;
  private readonly listeners = new Set<DaemonEventListener>();
  private closed = false;
  private backoffMs = RECONNECT_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Request kinds the daemon answered ENOSYS to (not built yet). */
  private readonly missing = new Set<string>();

  constructor(private readonly runDir: string) {}

  /** Connect now and keep the event subscription alive. */
  start(): void { void this.ensure().catch(() => this.scheduleReconnect()); }

  onEvent(fn: DaemonEventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async request<K extends RequestKind>(kind: K, params: ParamsOf<K>, timeoutMs = 10_000): Promise<ResultOf<K>> {
    const c = await this.ensure();
    try {
      return await c.request(kind, params, timeoutMs);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'ENOSYS') this.missing.add(kind);
      throw err;
    }
  }

  /** request(), or undefined when the daemon does not know the kind. */
  async optional<K extends RequestKind>(kind: K, params: ParamsOf<K>): Promise<ResultOf<K> | undefined> {
    if (this.missing.has(kind)) return undefined;
    try {
      return await this.request(kind, params);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'ENOSYS') return undefined;
      throw err;
    }
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.client?.close();
    this.client = undefined;
  }

  private ensure(): Promise<ApiClient> {
    if (this.closed) return Promise.reject(new ApiError('ENOTCONN', 'conga is stopping'));
    if (this.client !== undefined) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      try {
        const c = await ApiClient.connect({ runDir: this.runDir, timeoutMs: 2000 });
        await c.subscribe([], (event, data) => { for (const l of this.listeners) l(event, data); });
        // The client has no close event of its own: a failed request tells us; poll cheaply too.
        this.client = c;
        this.backoffMs = RECONNECT_MIN_MS;
        this.watch(c);
        for (const l of this.listeners) l('conga.linked', {});
        return c;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  private watch(c: ApiClient): void {
    const t = setInterval(() => {
      if (this.client !== c) { clearInterval(t); return; }
      c.request('ping', {}, 3000).catch(() => {
        clearInterval(t);
        if (this.client === c) { this.client = undefined; c.close(); this.scheduleReconnect(); }
      });
    }, 2000);
    t.unref();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.ensure().catch(() => this.scheduleReconnect());
    }, this.backoffMs);
    this.retryTimer.unref();
    this.backoffMs = Math.min(RECONNECT_MAX_MS, this.backoffMs * 2);
  }
}
