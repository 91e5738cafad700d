// Parse cluster.conf in a worker thread: the parser (ajv, the generated schema validator, the XML
// reader) would stay resident in the main isolate for the daemon's whole life once loaded; a
// worker's heap goes away with the worker (DESIGN.md: config parsing is moved off the event loop).
// The result is plain data (structured clone), deep-frozen as the parser's own result is.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ParseResult } from '../config/types.js';

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
  }
  return v;
}

/** What the worker is asked: loadClusterConf(path) or parseClusterConf(text, label). */
type ParseJob = { kind: 'load'; path: string } | { kind: 'parse'; text: string; label: string };
type ParseReply = { id: number; ok: true; result: ParseResult } | { id: number; ok: false; error: string };

export interface ConfigParserOptions {
  /** The worker exits this long after its last answer (0: right away). */
  readonly idleMs: number;
  /** One parse may take this long; then the worker is ended and every waiting parse fails. */
  readonly timeoutMs: number;
  /** Parses waiting at once; more are refused. */
  readonly maxPending: number;
}

const WORKER_MARK = 'cluster-suite config parser';

interface Pending { resolve(r: ParseResult): void; reject(e: Error): void; timer: NodeJS.Timeout; what: string }

/**
 * One worker thread that parses configs, started on demand and ended `idleMs` after its last
 * answer: a burst of parses (a config update: fetch, validate, stage on every member) pays the
 * worker start once, and an idle daemon holds no parser at all.
 */
export class ConfigParserWorker {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: ConfigParserOptions) {}

  /** parseClusterConf(text, label) in the worker. */
  parse(text: string, label: string): Promise<ParseResult> {
    return this.run({ kind: 'parse', text, label }, label);
  }

  /** loadClusterConf(path) in the worker; rejects when the file cannot be read. */
  load(path: string): Promise<ParseResult> {
    return this.run({ kind: 'load', path }, path);
  }

  /** Whether a worker thread is running now (tests, diagnostics). */
  get running(): boolean { return this.worker !== undefined; }

  /** End the worker; waiting parses fail; later ones are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.end(new Error('config parser closed'));
  }

  private run(job: ParseJob, what: string): Promise<ParseResult> {
    if (this.closed) return Promise.reject(new Error('config parser closed'));
    if (this.pending.size >= this.opts.maxPending) return Promise.reject(new Error(`${this.opts.maxPending} config parses already waiting`));
    if (this.idleTimer !== undefined) { clearTimeout(this.idleTimer); this.idleTimer = undefined; }
    const w = this.worker ?? this.startWorker();
    w.ref();
    const id = this.nextId++;
    return new Promise<ParseResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        void this.end(new Error(`parsing ${what} took longer than ${this.opts.timeoutMs} ms`));
      }, this.opts.timeoutMs);
      this.pending.set(id, { resolve, reject, timer, what });
      w.postMessage({ id, job });
    });
  }

  private startWorker(): Worker {
    const w = new Worker(new URL(import.meta.url), { workerData: WORKER_MARK });
    this.worker = w;
    w.on('message', (m: ParseReply) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(deepFreeze(m.result));
      else p.reject(new Error(m.error));
      if (this.pending.size === 0 && this.worker === w) this.idle(w);
    });
    w.on('error', (err) => { if (this.worker === w) void this.end(err); });
    w.on('exit', (code) => { if (this.worker === w) void this.end(new Error(`config parser worker exited with code ${code}`)); });
    return w;
  }

  private idle(w: Worker): void {
    w.unref();
    if (this.opts.idleMs <= 0) { void this.end(undefined); return; }
    this.idleTimer = setTimeout(() => { this.idleTimer = undefined; if (this.pending.size === 0) void this.end(undefined); }, this.opts.idleMs);
    this.idleTimer.unref();
  }

  /** Stop the worker (if any) and fail what waits on it with `err`. */
  private async end(err: Error | undefined): Promise<void> {
    if (this.idleTimer !== undefined) { clearTimeout(this.idleTimer); this.idleTimer = undefined; }
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(err ?? new Error(`parsing ${p.what} was abandoned`)); }
    this.pending.clear();
    if (w !== undefined) await w.terminate();
  }
}

/** loadClusterConf(path) in a worker thread that ends with the answer; rejects when the file cannot be read. */
export async function loadClusterConfInWorker(path: string, timeoutMs = 60_000): Promise<ParseResult> {
  const parser = new ConfigParserWorker({ idleMs: 0, timeoutMs, maxPending: 1 });
  return parser.load(path);
}

if (!isMainThread && parentPort !== null && workerData === WORKER_MARK) {
  const port = parentPort;
  const { loadClusterConf, parseClusterConf } = await import('../config/index.js');
  port.on('message', ({ id, job }: { id: number; job: ParseJob }) => {
    void (async () => {
      try {
        const result = job.kind === 'load' ? await loadClusterConf(job.path) : parseClusterConf(job.text, job.label);
        port.postMessage({ id, ok: true, result } satisfies ParseReply);
      } catch (err) {
        port.postMessage({ id, ok: false, error: (err as Error).message } satisfies ParseReply);
      }
    })();
  });
}
