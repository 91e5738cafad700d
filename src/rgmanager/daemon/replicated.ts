// The replicated key/value state of the membership core as fenced and rgmanager use it: read the
// committed copy, watch committed changes, and write with retries (a put is proposed to the
// leader's log; it is applied on every member in log order, or not at all).
import type { AppCommand, JsonValue, KvEntry, ViewInfo } from '../../cman/membership/index.js';
import type { CmanEvents, TypedEmitter } from '../../cman/daemon.js';

/** What fenced and rgmanager need from cman (CmanDaemon implements it; tests may fake it). */
export interface ClusterPort {
  readonly events: TypedEmitter<CmanEvents>;
  view(): ViewInfo;
  kv(): ReadonlyMap<string, KvEntry>;
  propose(command: AppCommand): Promise<void>;
}

/** Most keys with a write in flight or waiting at once. */
const MAX_PENDING_WRITES = 1024;
const RETRY_MS = 250;

/**
 * Coalescing writer: `set(key, value)` makes `value` the desired content of `key`; at most one
 * proposal per key is in flight, the newest desired value wins, failures are retried while
 * `active()` holds (e.g. "I am still the coordinator").
 */
export class KvWriter {
  private readonly desired = new Map<string, { value: JsonValue | undefined; gen: number }>();
  private readonly inFlight = new Set<string>();
  private gen = 0;
  private closed = false;
  private idleWaiters: { prefix: string; resolve: () => void }[] = [];

  /**
   * With `compareAndSet`, each write is a `cas` on the version this node last saw: a writer whose
   * copy is stale (a coordinator that lost its role behind a partition) cannot overwrite newer
   * records; such a write is dropped, not retried.
   */
  constructor(private readonly port: ClusterPort, private readonly active: () => boolean,
    private readonly onError: (key: string, err: Error) => void = () => undefined, private readonly compareAndSet = false) {}

  /** Desire `key` = value (undefined = delete). Skips a write when the committed value is equal. */
  set(key: string, value: JsonValue | undefined): void {
    if (this.closed) return;
    const committed = this.port.kv().get(key);
    const same = value === undefined ? committed === undefined : committed !== undefined && JSON.stringify(committed.value) === JSON.stringify(value);
    const pending = this.desired.get(key);
    if (same && pending === undefined) return;
    if (this.desired.size >= MAX_PENDING_WRITES && pending === undefined) {
      this.onError(key, new Error(`more than ${MAX_PENDING_WRITES} replicated writes waiting; dropped`));
      return;
    }
    this.desired.set(key, { value, gen: ++this.gen });
    this.kick(key);
  }

  /** Whether set(key, ...) would be taken now (not dropped for the limit on waiting writes). */
  hasRoom(key: string): boolean { return this.desired.has(key) || this.desired.size < MAX_PENDING_WRITES; }

  /** The value waiting to be written for `key` (null = a delete), or undefined when none waits. */
  peek(key: string): JsonValue | null | undefined {
    const d = this.desired.get(key);
    return d === undefined ? undefined : d.value ?? null;
  }

  /** Resolves once no write of a key under `prefix` is waiting or in flight. */
  idle(prefix: string): Promise<void> {
    if (!this.busyUnder(prefix)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push({ prefix, resolve }));
  }

  private busyUnder(prefix: string): boolean {
    for (const k of this.desired.keys()) if (k.startsWith(prefix)) return true;
    for (const k of this.inFlight) if (k.startsWith(prefix)) return true;
    return false;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0) return;
    const still: { prefix: string; resolve: () => void }[] = [];
    for (const w of this.idleWaiters) if (this.busyUnder(w.prefix) && !this.closed) still.push(w); else w.resolve();
    this.idleWaiters = still;
  }

  /** Forget everything not yet written (e.g. lost the coordinator role). */
  clear(): void { this.desired.clear(); this.checkIdle(); }
  close(): void { this.closed = true; this.desired.clear(); this.checkIdle(); }
  get pendingCount(): number { return this.desired.size; }

  private kick(key: string): void {
    if (this.inFlight.has(key) || this.closed) return;
    const d = this.desired.get(key);
    if (d === undefined) return;
    if (!this.active()) { this.desired.delete(key); this.checkIdle(); return; }
    this.inFlight.add(key);
    const cmd: AppCommand = this.compareAndSet ? { op: 'cas', key, ifVersion: this.port.kv().get(key)?.version ?? 0, value: d.value }
      : d.value === undefined ? { op: 'delete', key } : { op: 'put', key, value: d.value };
    this.port.propose(cmd).then(() => {
      this.inFlight.delete(key);
      const now = this.desired.get(key);
      if (now !== undefined && now.gen === d.gen) this.desired.delete(key);
      this.kick(key);
      this.checkIdle();
    }, (err: Error) => {
      this.inFlight.delete(key);
      this.onError(key, err);
      if (this.compareAndSet && /condition failed/.test(err.message)) {
        const now = this.desired.get(key);
        if (now !== undefined && now.gen === d.gen) this.desired.delete(key);
        this.checkIdle();
        return;
      }
      const t = setTimeout(() => this.kick(key), RETRY_MS);
      t.unref();
    });
  }
}

export function kvValue<T>(port: ClusterPort, key: string): T | undefined {
  return port.kv().get(key)?.value as T | undefined;
}

/** Entries whose key starts with prefix. */
export function kvPrefix<T>(port: ClusterPort, prefix: string): [string, T][] {
  const out: [string, T][] = [];
  for (const [k, e] of port.kv()) if (k.startsWith(prefix)) out.push([k, e.value as T]);
  return out;
}

/** Calls `fn(key, value)` for every committed put/delete (value undefined) and once per key after a snapshot. */
export function watchKv(port: ClusterPort, prefix: string, fn: (key: string, value: JsonValue | undefined) => void): () => void {
  const offCommit = port.events.on('committed', ({ command, applied }) => {
    if (!applied || !command.key.startsWith(prefix)) return;
    fn(command.key, command.op === 'delete' ? undefined : port.kv().get(command.key)?.value);
  });
  const offSnap = port.events.on('snapshotInstalled', () => {
    for (const [k, e] of port.kv()) if (k.startsWith(prefix)) fn(k, e.value);
  });
  return () => { offCommit(); offSnap(); };
}
