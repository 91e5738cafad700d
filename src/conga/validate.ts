// Validation of an edited cluster.conf (the config parser, errors with their lines) and its diff
// against the running one, in a worker thread: the parser and its schema stay out of the daemon's
// isolate and a large file never delays the event loop (DESIGN.md). One warm worker, ended after
// a minute without use; a bounded number of requests in flight; a time limit on each.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

export interface ValidationResult {
  readonly valid: boolean;
  readonly version: number | null;
  readonly problems: readonly { readonly severity: string; readonly line: number; readonly where: string; readonly message: string }[];
  /** Human lines of the change against the running config (when valid). */
  readonly changes: readonly string[];
  /** Set when the version is not higher than the running one (propagation would refuse it). */
  readonly versionProblem: string | null;
}

interface Req { id: number; running: string; text: string }
type Reply = { id: number; ok: true; result: ValidationResult } | { id: number; ok: false; error: string };

/** Most validations waiting at once (the page debounces; this bounds many tabs). */
export const MAX_VALIDATIONS_IN_FLIGHT = 8;
const IDLE_MS = 60_000;
const TIMEOUT_MS = 15_000;

export class ValidationBusyError extends Error {}

export class ConfigValidator {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: ValidationResult) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private idle: NodeJS.Timeout | undefined;

  validate(runningText: string, text: string): Promise<ValidationResult> {
    if (this.waiting.size >= MAX_VALIDATIONS_IN_FLIGHT) return Promise.reject(new ValidationBusyError('too many validations in progress'));
    const w = this.ensure();
    const id = this.nextId++;
    if (this.idle !== undefined) { clearTimeout(this.idle); this.idle = undefined; }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.fail(new Error(`validation took longer than ${TIMEOUT_MS} ms`)); }, TIMEOUT_MS);
      this.waiting.set(id, { resolve, reject, timer });
      w.postMessage({ id, running: runningText, text } satisfies Req);
    });
  }

  close(): void {
    this.fail(new Error('validator closed'));
  }

  private ensure(): Worker {
    if (this.worker !== undefined) return this.worker;
    const w = new Worker(new URL(import.meta.url), { workerData: 'conga-validate' });
    w.unref();
    w.on('message', (m: Reply) => {
      const p = this.waiting.get(m.id);
      if (p === undefined) return;
      this.waiting.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result); else p.reject(new Error(m.error));
      if (this.waiting.size === 0) {
        this.idle = setTimeout(() => { if (this.waiting.size === 0) this.stopWorker(); }, IDLE_MS);
        this.idle.unref();
      }
    });
    w.on('error', (err) => this.fail(err));
    w.on('exit', () => { if (this.worker === w) { this.worker = undefined; this.fail(new Error('validation worker exited')); } });
    this.worker = w;
    return w;
  }

  private stopWorker(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w !== undefined) void w.terminate();
  }

  private fail(err: Error): void {
    this.stopWorker();
    for (const [, p] of this.waiting) { clearTimeout(p.timer); p.reject(err); }
    this.waiting.clear();
  }
}

if (!isMainThread && parentPort !== null && workerData === 'conga-validate') {
  const port = parentPort;
  const { parseClusterConf, diffConfig } = await import('../config/index.js');
  let lastRunning: { text: string; config: ReturnType<typeof parseClusterConf>['config'] } | undefined;
  port.on('message', (m: Req) => {
    try {
      if (lastRunning?.text !== m.running) lastRunning = { text: m.running, config: parseClusterConf(m.running, 'cluster.conf').config };
      const running = lastRunning.config;
      const r = parseClusterConf(m.text, 'cluster.conf');
      const problems = r.problems.map((p) => ({ severity: p.severity, line: p.line, where: p.where, message: p.message }));
      let result: ValidationResult;
      if (r.config === undefined || problems.some((p) => p.severity === 'error')) {
        result = { valid: false, version: r.config?.configVersion ?? null, problems, changes: [], versionProblem: null };
      } else {
        const changes = running !== undefined ? diffConfig(running, r.config).describe() : ['(the running configuration could not be parsed again)'];
        const runningVersion = running?.configVersion ?? 0;
        const versionProblem = r.config.configVersion <= runningVersion
          ? `config_version ${r.config.configVersion} is not higher than the running ${runningVersion}` : null;
        result = { valid: true, version: r.config.configVersion, problems, changes, versionProblem };
      }
      port.postMessage({ id: m.id, ok: true, result } satisfies Reply);
    } catch (err) {
      port.postMessage({ id: m.id, ok: false, error: (err as Error).message } satisfies Reply);
    }
  });
}
