// Parse cluster.conf in a worker thread: schema compilation costs ~50 MB that the main isolate
// would keep for the daemon's whole life; a worker's heap goes away with the worker (DESIGN.md:
// config parsing is moved off the event loop). The result is plain data (structured clone).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { ParseResult } from '../config/types.js';

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
  }
  return v;
}

/** loadClusterConf(path) in a worker thread; rejects when the file cannot be read. */
export function loadClusterConfInWorker(path: string, timeoutMs = 60_000): Promise<ParseResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: path });
    const timer = setTimeout(() => { void w.terminate(); reject(new Error(`parsing ${path} took longer than ${timeoutMs} ms`)); }, timeoutMs);
    w.once('message', (m: { ok: true; result: ParseResult } | { ok: false; error: string }) => {
      clearTimeout(timer);
      void w.terminate();
      if (m.ok) resolve(deepFreeze(m.result));
      else reject(new Error(m.error));
    });
    w.once('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

if (!isMainThread && parentPort !== null && typeof workerData === 'string') {
  const port = parentPort;
  const { loadClusterConf } = await import('../config/index.js');
  try {
    port.postMessage({ ok: true, result: await loadClusterConf(workerData) });
  } catch (err) {
    port.postMessage({ ok: false, error: (err as Error).message });
  }
}
