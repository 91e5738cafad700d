// Runs a third-party fence agent (Debian's /usr/sbin/fence_*, or any executable following the
// fence-agents stdin protocol) as a child process: options as `name=value` lines on stdin, no
// arguments, result from the exit code (0 ok / status ON, 2 status OFF, 1 failure) and stdout.
// Bounded: a timeout (SIGTERM, then SIGKILL after a grace period) and an output limit.
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

export interface ExternalRunOptions {
  /** Kill the agent after this long (default 60 s: upstream power_timeout 20 s plus logins). */
  readonly timeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL (default 2 s). */
  readonly killGraceMs?: number;
  /** Bytes kept of stdout and of stderr each (default 64 KiB); the rest is dropped and counted. */
  readonly maxOutputBytes?: number;
  /** Extra environment (PYTHONWARNINGS=ignore is always set: Debian's agents warn about `pipes`). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ExternalRunResult {
  readonly exitCode: number;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly droppedBytes: number;
  readonly durationMs: number;
}

/** Directories searched for an agent given by name (fence-agents installs into /usr/sbin). */
export const defaultAgentDirs: readonly string[] = ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/bin'];

/** Absolute path of an agent: as given if it has a slash, else searched in `dirs` then PATH. */
export async function findAgent(agent: string, dirs: readonly string[] = defaultAgentDirs): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_./-]+$/.test(agent) || agent.includes('..')) return undefined;
  const candidates = agent.includes('/') ? [agent]
    : [...dirs, ...(process.env['PATH'] ?? '').split(':').filter((d) => d !== '')].map((d) => path.join(d, agent));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return c;
    } catch { /* next */ }
  }
  return undefined;
}

/** Serialise options for the stdin protocol; newlines in values are refused (they would inject keys). */
export function stdinLines(args: Readonly<Record<string, string>>): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(args)) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v) || k.includes('=')) throw new Error(`option ${JSON.stringify(k)} contains a newline or '='`);
    lines.push(`${k}=${v}`);
  }
  return lines.join('\n') + '\n';
}

/** Run `agentPath` with `args` on stdin. Never throws for agent failures; rejects only if it cannot start. */
export function runExternalAgent(agentPath: string, args: Readonly<Record<string, string>>,
    opts: ExternalRunOptions = {}): Promise<ExternalRunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const graceMs = opts.killGraceMs ?? 2000;
  const limit = opts.maxOutputBytes ?? 64 * 1024;
  const input = stdinLines(args);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(agentPath, [], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONWARNINGS: 'ignore', ...opts.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let dropped = 0;
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const keep = (into: Buffer[], size: number, chunk: Buffer): number => {
      const room = limit - size;
      if (room <= 0) { dropped += chunk.length; return size; }
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      dropped += chunk.length - part.length;
      into.push(part);
      return size + part.length;
    };
    child.stdout.on('data', (c: Buffer) => { outBytes = keep(out, outBytes, c); });
    child.stderr.on('data', (c: Buffer) => { errBytes = keep(err, errBytes, c); });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({
        exitCode: code ?? 1,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        droppedBytes: dropped,
        durationMs: Math.round(performance.now() - t0),
      });
    });
    child.stdin.on('error', () => { /* agent exited without reading stdin */ });
    child.stdin.end(input);
  });
}
