// A small local cluster for the propagation tests and bench: N clusterd processes on 127.0.5.x,
// each with ITS OWN cluster.conf, run dir and state dir (config propagation writes each node's
// file), no fencing hardware. Uses local-cluster.ts's helpers (waitUntil, pidAlive, binPath).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../../../src/api/index.js';
import type { CmanStatus } from '../../../src/api/cman.js';
import type { RgStatus } from '../../../src/api/rgmanager.js';
import { binPath, pidAlive, waitUntil } from '../../../src/demo/local-cluster.js';
import { CLUSTERD_ENV, clusterdNodeArgs } from '../../../src/cli/clusterd-launch.js';

export { waitUntil };

export interface ScriptResource { readonly name: string; readonly script: string }
export interface ServiceSpec {
  readonly name: string;
  readonly resources: readonly ScriptResource[];
  readonly autostart?: boolean;
  readonly recovery?: string;
  /** A restricted, ordered failover domain of these node indexes (1-based). */
  readonly domain?: readonly number[];
}

export interface PropagateClusterOptions {
  readonly nodes: number;
  /** First address: 127.0.5.<base+1> ... (default 0). */
  readonly addressBase?: number;
  /** cman UDP port (every node has its own address). */
  readonly port: number;
  readonly tokenMs?: number;
}

export interface PNode { readonly index: number; readonly name: string; readonly nodeid: number; readonly dir: string; readonly confPath: string; readonly runDir: string; readonly logFile: string }

export class PropagateCluster {
  readonly dir: string;
  readonly nodes: PNode[] = [];
  readonly agentLog: string;
  private readonly children = new Map<string, ChildProcess>();
  /** Extra environment per node name (e.g. CLUSTER_AGENT_PATH on one node only). */
  readonly nodeEnv = new Map<string, Record<string, string>>();

  constructor(readonly opts: PropagateClusterOptions) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'cs-propagate-'));
    this.agentLog = path.join(this.dir, 'agents.log');
    writeFileSync(this.agentLog, '');
    for (let i = 1; i <= opts.nodes; i++) {
      const name = `127.0.5.${(opts.addressBase ?? 0) + i}`;
      const dir = path.join(this.dir, `node${i}`);
      mkdirSync(path.join(dir, 'run'), { recursive: true });
      this.nodes.push({ index: i, name, nodeid: i, dir, confPath: path.join(dir, 'cluster.conf'), runDir: path.join(dir, 'run'), logFile: path.join(dir, 'clusterd.log') });
    }
  }

  /** An LSB-style script that appends "<script> <op> <node>" to the shared agent log; "running" = a file in the node's run dir. */
  script(name: string): string {
    const f = path.join(this.dir, `${name}.sh`);
    writeFileSync(f, `#!/bin/sh
echo "${name} $1 \${CLUSTER_NODE_NAME:-?}" >> ${JSON.stringify(this.agentLog)}
st="\${CLUSTER_RUN_DIR:-/tmp}/${name}.running"
case "$1" in
  start) touch "$st" ;;
  stop) rm -f "$st" ;;
  status) [ -f "$st" ] || exit 3 ;;
esac
exit 0
`);
    chmodSync(f, 0o755);
    return f;
  }

  /** A plain OCF agent of type `type` in its own directory (for CLUSTER_AGENT_PATH); returns the directory. */
  agentDir(type: string): string {
    const dir = path.join(this.dir, `agents-${type}`);
    mkdirSync(dir, { recursive: true });
    const f = path.join(dir, type);
    writeFileSync(f, `#!/bin/sh
case "$1" in
  meta-data) cat <<'XML'
<?xml version="1.0"?>
<resource-agent name="${type}" version="1.0">
  <version>1.0</version>
  <longdesc lang="en">test agent</longdesc>
  <shortdesc lang="en">test agent</shortdesc>
  <parameters>
    <parameter name="name" primary="1" unique="1" required="1"><longdesc lang="en">n</longdesc><shortdesc lang="en">n</shortdesc><content type="string"/></parameter>
  </parameters>
  <actions><action name="start" timeout="10"/><action name="stop" timeout="10"/><action name="monitor" timeout="10" interval="10"/><action name="meta-data" timeout="5"/></actions>
</resource-agent>
XML
  exit 0 ;;
esac
exit 0
`);
    chmodSync(f, 0o755);
    return dir;
  }

  conf(version: number, services: readonly ServiceSpec[], extra = ''): string {
    const nodes = this.nodes.map((n) => `    <clusternode name="${n.name}" nodeid="${n.nodeid}" votes="1"><fence/></clusternode>`).join('\n');
    const domains = services.filter((s) => s.domain !== undefined).map((s) => `      <failoverdomain name="${s.name}-dom" ordered="1" restricted="1">\n` +
      s.domain!.map((i, k) => `        <failoverdomainnode name="${this.nodes[i - 1]!.name}" priority="${k + 1}"/>`).join('\n') + '\n      </failoverdomain>');
    const svcs = services.map((s) => `    <service name="${s.name}"${s.domain !== undefined ? ` domain="${s.name}-dom"` : ''} autostart="${s.autostart === false ? 0 : 1}" recovery="${s.recovery ?? 'relocate'}">\n` +
      s.resources.map((r) => `      <script name="${r.name}" file="${r.script}"/>`).join('\n') + '\n    </service>').join('\n');
    return `<?xml version="1.0"?>
<cluster name="proptest" config_version="${version}">
  <cman port="${this.opts.port}"/>
  <totem token="${this.opts.tokenMs ?? 1000}"/>
  <fence_daemon post_join_delay="0" post_fail_delay="0"/>
  <clusternodes>
${nodes}
  </clusternodes>
  <fencedevices/>
  <rm status_poll_interval="1">${domains.length > 0 ? `\n    <failoverdomains>\n${domains.join('\n')}\n    </failoverdomains>` : ''}
${svcs}
  </rm>${extra}
</cluster>
`;
  }

  writeConf(node: PNode, text: string): void { writeFileSync(node.confPath, text); }
  readConf(node: PNode): Buffer { return readFileSync(node.confPath); }

  start(node: PNode): void {
    const fd = openSync(node.logFile, 'a');
    const child = spawn(process.execPath, clusterdNodeArgs(binPath('clusterd'), ['-f', node.confPath, '--node', node.name, '--run-dir', node.runDir]), {
      stdio: ['ignore', fd, fd], env: { ...process.env, ...CLUSTERD_ENV, CLUSTER_RUN_DIR: node.runDir, CLUSTER_LOG_LEVEL: process.env['PROPAGATE_LOG_LEVEL'] ?? 'info', CLUSTER_STATE_DIR: '', ...this.nodeEnv.get(node.name) },
    });
    closeSync(fd);
    this.children.set(node.name, child);
  }

  async startAll(deadlineMs = 30_000): Promise<void> {
    for (const n of this.nodes) this.start(n);
    await this.waitQuorate(deadlineMs);
  }

  async waitQuorate(deadlineMs: number): Promise<void> {
    try {
      await this.waitQuorateOnce(deadlineMs);
    } catch (err) {
      // Say what each node saw, so a failure here can be understood from the test output.
      const lines: string[] = [];
      for (const n of this.nodes) {
        const s = await this.cmanStatus(n);
        lines.push(`${n.name}: ${s === undefined ? 'no answer' : `${s.membershipState}, ${s.nodes} node(s), quorate ${s.quorate}`}; log tail:\n` +
          readFileSync(n.logFile, 'utf8').split('\n').slice(-8).join('\n'));
      }
      throw new Error(`${(err as Error).message}\n${lines.join('\n')}`);
    }
  }

  private async waitQuorateOnce(deadlineMs: number): Promise<void> {
    await waitUntil(`quorum of ${this.nodes.length} nodes`, deadlineMs, async () => {
      for (const n of this.nodes) {
        const c = this.children.get(n.name);
        if (c?.pid === undefined || !pidAlive(c.pid)) throw new Error(`clusterd of ${n.name} exited; see ${n.logFile}:\n${readFileSync(n.logFile, 'utf8').slice(-1500)}`);
        const s = await this.cmanStatus(n);
        if (s === undefined || !s.quorate || s.nodes !== this.nodes.length) return false;
      }
      return true;
    }, 100);
  }

  env(node: PNode): NodeJS.ProcessEnv { return { ...process.env, CLUSTER_RUN_DIR: node.runDir }; }

  command(node: PNode, cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [binPath(cmd), ...args], { env: this.env(node), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code) => { clearTimeout(t); resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - t0 }); });
    });
  }

  async request<T>(node: PNode, fn: (c: ApiClient) => Promise<T>): Promise<T | undefined> {
    try {
      const c = await ApiClient.connect({ runDir: node.runDir, timeoutMs: 1000 });
      try { return await fn(c); } finally { c.close(); }
    } catch { return undefined; }
  }

  cmanStatus(node: PNode): Promise<CmanStatus | undefined> { return this.request(node, (c) => c.request('cman.status', {}, 2000)); }
  rgStatus(node: PNode): Promise<RgStatus | undefined> { return this.request(node, (c) => c.request('rg.status', {}, 5000)); }

  /** Wait until every node reports config version v. */
  async waitVersion(v: number, deadlineMs: number): Promise<void> {
    await waitUntil(`every node at config version ${v}`, deadlineMs, async () => {
      for (const n of this.nodes) if ((await this.cmanStatus(n))?.configVersion !== v) return false;
      return true;
    }, 20);
  }

  async waitService(id: string, pred: (state: string, owner: string | null) => boolean, what: string, deadlineMs: number): Promise<{ state: string; owner: string | null }> {
    return waitUntil(`${id} ${what}`, deadlineMs, async () => {
      const st = await this.rgStatus(this.nodes[0]!);
      const s = st?.services.find((x) => x.id === id);
      return s !== undefined && pred(s.state, s.owner) ? { state: s.state, owner: s.owner } : false;
    }, 50);
  }

  running(node: PNode): boolean {
    const c = this.children.get(node.name);
    return c?.pid !== undefined && pidAlive(c.pid);
  }

  /** Stop one node (SIGTERM = clean leave) and wait until its process is gone. */
  async stopNode(node: PNode, signal: NodeJS.Signals = 'SIGTERM', deadlineMs = 15_000): Promise<void> {
    const c = this.children.get(node.name);
    if (c?.pid === undefined || !pidAlive(c.pid)) return;
    const pid = c.pid;
    c.kill(signal);
    await waitUntil(`${node.name} to exit`, deadlineMs, () => !pidAlive(pid), 20);
  }

  agentLines(): string[] { return readFileSync(this.agentLog, 'utf8').split('\n').filter((l) => l !== ''); }

  /** SIGKILL every clusterd this harness started; wait until they are gone. */
  async stop(removeDir = true): Promise<void> {
    const pids: number[] = [];
    for (const c of this.children.values()) {
      if (c.pid !== undefined && pidAlive(c.pid)) { try { c.kill('SIGKILL'); pids.push(c.pid); } catch { /* gone */ } }
    }
    for (const pid of pids) await waitUntil(`pid ${pid} to exit`, 5000, () => !pidAlive(pid), 20).catch(() => undefined);
    this.children.clear();
    if (removeDir && process.env['KEEP_PROPAGATE_DIR'] === undefined) rmSync(this.dir, { recursive: true, force: true });
  }
}
