// Process-test harness: real clusterd processes on 127.0.1.N, real UDP, cman_tool via its binary.
// Every wait polls a condition with a deadline; every child is killed in after() hooks.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, createWriteStream, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../support/paths.js';
import { ApiClient } from '../../../src/api/index.js';
import { CLUSTERD_ENV, clusterdNodeArgs } from '../../../src/cli/clusterd-launch.js';
import type { CmanStatus, CmanDiag } from '../../../src/api/cman.js';

export interface NodeDef { name: string; nodeid: number; votes?: number }

export interface ConfOptions {
  clusterName?: string;
  nodes: NodeDef[];
  port?: number;
  tokenMs?: number;
  expectedVotes?: number;
  twoNode?: boolean;
  keyfile?: string;
  secauth?: boolean;
  quorumd?: string;
  quorumDevPollMs?: number;
}

export function clusterConf(o: ConfOptions): string {
  const cmanAttrs = [`port="${o.port ?? 5405}"`];
  if (o.expectedVotes !== undefined) cmanAttrs.push(`expected_votes="${o.expectedVotes}"`);
  if (o.twoNode) cmanAttrs.push('two_node="1"');
  if (o.keyfile !== undefined) cmanAttrs.push(`keyfile="${o.keyfile}"`);
  if (o.quorumDevPollMs !== undefined) cmanAttrs.push(`quorum_dev_poll="${o.quorumDevPollMs}"`);
  const totem = [`token="${o.tokenMs ?? 1000}"`];
  if (o.secauth === false) totem.push('secauth="off"');
  return `<?xml version="1.0"?>
<cluster name="${o.clusterName ?? 'cstest'}" config_version="1">
  <cman ${cmanAttrs.join(' ')}/>
  <totem ${totem.join(' ')}/>
${o.quorumd ?? ''}
  <clusternodes>
${o.nodes.map((n) => `    <clusternode name="${n.name}" nodeid="${n.nodeid}" votes="${n.votes ?? 1}"/>`).join('\n')}
  </clusternodes>
</cluster>
`;
}

export const bin = (cmd: string) => path.join(repoRoot, 'bin', cmd);

export class TestCluster {
  readonly dir: string;
  readonly procs = new Map<string, ChildProcess>();
  private readonly logs: WriteStream[] = [];

  constructor(label: string) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `cs-${label}-`));
  }

  writeConf(name: string, text: string): string {
    const p = path.join(this.dir, name);
    writeFileSync(p, text);
    return p;
  }

  runDir(node: string): string {
    return path.join(this.dir, 'run', node);
  }

  /** Start clusterd for `node` (optionally inside a network namespace). */
  start(node: string, conf: string, netns?: string): ChildProcess {
    const runDir = this.runDir(node);
    mkdirSync(runDir, { recursive: true });
    const args = clusterdNodeArgs(bin('clusterd'), ['-f', conf, '--node', node, '--run-dir', runDir]);
    const cmd = netns !== undefined ? 'ip' : process.execPath;
    const argv = netns !== undefined ? ['netns', 'exec', netns, process.execPath, ...args] : args;
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...CLUSTERD_ENV, CLUSTER_LOG_LEVEL: 'info' } });
    const log = createWriteStream(path.join(this.dir, `${node}.log`), { flags: 'a' });
    this.logs.push(log);
    child.stderr?.pipe(log);
    this.procs.set(node, child);
    return child;
  }

  kill(node: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.procs.get(node);
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => { c.once('exit', () => resolve()); c.kill(signal); });
  }

  /** Wait for a child to exit; returns its exit code (null when killed by a signal). */
  exited(node: string, deadlineMs: number): Promise<number | null> {
    const c = this.procs.get(node)!;
    if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${node} did not exit within ${deadlineMs} ms`)), deadlineMs);
      c.once('exit', (code) => { clearTimeout(t); resolve(code); });
    });
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((n) => this.kill(n)));
    for (const l of this.logs) l.end();
    if (process.env['KEEP_TEST_DIRS'] === undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  async status(node: string): Promise<CmanStatus | undefined> {
    try {
      const c = await ApiClient.connect({ runDir: this.runDir(node), timeoutMs: 1000 });
      try { return await c.request('cman.status', {}, 2000); } finally { c.close(); }
    } catch { return undefined; }
  }

  async diag(node: string): Promise<CmanDiag> {
    const c = await ApiClient.connect({ runDir: this.runDir(node), timeoutMs: 1000 });
    try { return await c.request('cman.diag', {}, 5000); } finally { c.close(); }
  }

  cmanTool(node: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [bin('cman_tool'), ...args], { env: { ...process.env, CLUSTER_RUN_DIR: this.runDir(node) }, timeout: 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    });
  }
}

/** Poll `check` until it returns a value other than undefined/false, or fail after deadlineMs. */
export async function waitFor<T>(what: string, deadlineMs: number, check: () => Promise<T | undefined | false>, pollMs = 100): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) { last = err; }
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Run a command; resolves with its exit code and output. */
export function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }));
  });
}

/** A private network namespace with lo up; firewall rules inside it partition the nodes. */
export class NetNs {
  constructor(readonly name: string) {}
  static async create(name: string): Promise<NetNs> {
    await run('ip', ['netns', 'del', name]); // a leftover from a crashed run
    const a = await run('ip', ['netns', 'add', name]);
    if (a.code !== 0) throw new Error(`ip netns add ${name}: ${a.out}`);
    const b = await run('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
    if (b.code !== 0) throw new Error(`lo up in ${name}: ${b.out}`);
    return new NetNs(name);
  }
  /** Drop all traffic between the two groups of addresses (both directions), with nftables. */
  async partition(a: readonly string[], b: readonly string[]): Promise<void> {
    const set = (xs: readonly string[]) => `{ ${xs.join(', ')} }`;
    const script = [
      'table inet cs_partition {',
      '  chain input {',
      '    type filter hook input priority 0; policy accept;',
      `    ip saddr ${set(a)} ip daddr ${set(b)} drop`,
      `    ip saddr ${set(b)} ip daddr ${set(a)} drop`,
      '  }',
      '}',
    ].join('\n');
    const r = await runInput('ip', ['netns', 'exec', this.name, 'nft', '-f', '-'], script);
    if (r.code !== 0) throw new Error(`nft in ${this.name}: ${r.out}`);
  }
  async heal(): Promise<void> {
    await run('ip', ['netns', 'exec', this.name, 'nft', 'delete', 'table', 'inet', 'cs_partition']);
  }
  async destroy(): Promise<void> {
    await run('ip', ['netns', 'del', this.name]);
  }
}

export function runInput(cmd: string, args: string[], input: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr }));
    child.stdin?.end(input);
  });
}

/** Root and the tools needed for namespace tests; in CI their absence is a failure. */
export async function canUseNetns(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and nftables)';
  const ip = await run('ip', ['-V']);
  if (ip.code !== 0) return 'iproute2 (ip) is not installed';
  const nft = await run('nft', ['--version']);
  if (nft.code !== 0) return 'nftables (nft) is not installed';
  return undefined;
}
