// Launch a local cluster on loopback: N clusterd processes on 127.0.3.x, each node's power behind
// a simulated BMC (bin/ipmi_bmc_sim) or an outlet of a simulated APC PDU (bin/apc_pdu_sim) whose
// power-off hook SIGKILLs that node's clusterd and whose power-on hook boots it again. Used by
// `npm run demo`, the ops process tests and bench/failover.
//
// Every process is tracked by a pid file in the cluster directory, not as a child of this process:
// a power-on hook boots a node on its own, like a real machine, and `demo --keep` leaves the
// cluster running after the demo exits (`LocalCluster.attach(dir).stop()` ends it later).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../api/index.js';
import type { CmanStatus } from '../api/cman.js';
import type { RgReply, RgServiceStatus, RgStatus } from '../api/rgmanager.js';
import { CLUSTERD_ENV, clusterdNodeArgs } from '../cli/clusterd-launch.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const binPath = (cmd: string): string => path.join(repoRoot, 'bin', cmd);

export type PowerSwitch = 'ipmi' | 'apc' | 'none';

export interface LocalServiceSpec {
  readonly name: string;
  /** Ordered failover domain: node indexes (1-based), best first. */
  readonly domain: readonly number[];
  readonly recovery?: 'restart' | 'relocate' | 'disable';
  readonly autostart?: boolean;
  /** Domain without failback (default false: the service returns to a better node that joins). */
  readonly nofailback?: boolean;
  /** Seconds the demo script's start and stop take (default 0). */
  readonly startDelayS?: number;
}

export interface LocalClusterOptions {
  readonly nodes: number;
  /**
   * Address/port slot, 0..4, so the demo, the tests and the benchmarks can run side by side:
   * nodes 127.0.3.(10*slot+i), BMCs 127.0.3.(100+10*slot+i) port 9800+20*slot+i, the PDU
   * 127.0.3.(200+slot) port 9800+20*slot+19. Default 0.
   */
  readonly slot?: number;
  readonly clusterName?: string;
  readonly tokenMs?: number;
  /** UDP port of cman (default 5405; every node has its own address). */
  readonly cmanPort?: number;
  /** Power switch per node (index 0 = node 1); default: all 'ipmi'. */
  readonly power?: readonly PowerSwitch[];
  readonly services?: readonly LocalServiceSpec[];
  /**
   * power_wait of every fence device, seconds (default 0: the simulators switch at once, so the
   * status read right after the command confirms; fence_ipmilan's own default is 2).
   */
  readonly powerWaitS?: number;
  /** `<fence_daemon post_join_delay=...>` in seconds (default 3). */
  readonly postJoinDelayS?: number;
  /** Directory to use (default a new one under the OS temp dir). */
  readonly dir?: string;
  /** clusterd --log-level (default info). */
  readonly logLevel?: string;
  /** Progress lines (the demo prints them). */
  readonly onProgress?: (line: string) => void;
}

export interface LocalNode {
  readonly index: number;
  /** The clusternode name, which is its address: 127.0.3.N. */
  readonly name: string;
  readonly nodeid: number;
  readonly runDir: string;
  readonly logFile: string;
  readonly power: PowerSwitch;
}

interface Layout {
  readonly slot: number;
  readonly nodes: readonly LocalNode[];
  readonly bmcAddress: (i: number) => string;
  readonly bmcPort: (i: number) => number;
  readonly pduAddress: string;
  readonly pduPort: number;
}

const MAX_NODES = 9;

function layout(dir: string, o: Pick<LocalClusterOptions, 'nodes' | 'slot' | 'power'>): Layout {
  const slot = o.slot ?? 0;
  if (!Number.isInteger(slot) || slot < 0 || slot > 4) throw new Error(`slot ${slot} is not 0..4`);
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > MAX_NODES) throw new Error(`nodes ${o.nodes} is not 1..${MAX_NODES}`);
  const nodes: LocalNode[] = [];
  for (let i = 1; i <= o.nodes; i++) {
    const name = `127.0.3.${10 * slot + i}`;
    nodes.push({
      index: i, name, nodeid: i, runDir: path.join(dir, 'run', name), logFile: path.join(dir, `${name}.log`),
      power: o.power?.[i - 1] ?? 'ipmi',
    });
  }
  return {
    slot, nodes,
    bmcAddress: (i) => `127.0.3.${100 + 10 * slot + i}`,
    bmcPort: (i) => 9800 + 20 * slot + i,
    pduAddress: `127.0.3.${200 + slot}`,
    pduPort: 9800 + 20 * slot + 19,
  };
}

const BMC_USER = 'admin';
const BMC_PASSWORD = 'secret';
const PDU_COMMUNITY = 'private';

/** The generated cluster.conf (pure; exported for tests). */
export function localClusterConf(dir: string, o: LocalClusterOptions): string {
  const l = layout(dir, o);
  const nodeXml = l.nodes.map((n) => {
    const fence = n.power === 'ipmi'
      ? `<fence><method name="ipmi"><device name="bmc${n.index}"/></method></fence>`
      : n.power === 'apc' ? `<fence><method name="pdu"><device name="pdu" port="${n.index}"/></method></fence>` : '<fence/>';
    return `    <clusternode name="${n.name}" nodeid="${n.nodeid}" votes="1">\n      ${fence}\n    </clusternode>`;
  }).join('\n');
  const devices: string[] = [];
  for (const n of l.nodes) {
    if (n.power === 'ipmi') {
      devices.push(`    <fencedevice name="bmc${n.index}" agent="fence_ipmilan" ipaddr="${l.bmcAddress(n.index)}" ipport="${l.bmcPort(n.index)}" ` +
        `login="${BMC_USER}" passwd="${BMC_PASSWORD}" lanplus="1" power_wait="${o.powerWaitS ?? 0}"/>`);
    }
  }
  if (l.nodes.some((n) => n.power === 'apc')) {
    devices.push(`    <fencedevice name="pdu" agent="fence_apc_snmp" ipaddr="${l.pduAddress}" ipport="${l.pduPort}" community="${PDU_COMMUNITY}" power_wait="${o.powerWaitS ?? 0}"/>`);
  }
  const services = o.services ?? [];
  const domains = services.map((s) => `      <failoverdomain name="${s.name}-domain" ordered="1" restricted="0" nofailback="${s.nofailback === true ? 1 : 0}">\n` +
    s.domain.map((idx, k) => {
      const n = l.nodes[idx - 1];
      if (n === undefined) throw new Error(`service ${s.name}: domain names node ${idx}, the cluster has ${l.nodes.length}`);
      return `        <failoverdomainnode name="${n.name}" priority="${k + 1}"/>`;
    }).join('\n') + '\n      </failoverdomain>').join('\n');
  const svcXml = services.map((s) => `    <service name="${s.name}" domain="${s.name}-domain" autostart="${s.autostart === false ? 0 : 1}" ` +
    `recovery="${s.recovery ?? 'relocate'}">\n      <script name="${s.name}-app" file="${path.join(dir, `svc-${s.name}.sh`)}"/>\n    </service>`).join('\n');
  return `<?xml version="1.0"?>
<!-- Generated by cluster-suite's local-cluster launcher (src/demo/local-cluster.ts). -->
<cluster name="${o.clusterName ?? 'democluster'}" config_version="1">
  <cman port="${o.cmanPort ?? 5405}"${l.nodes.length === 2 ? ' two_node="1" expected_votes="1"' : ''}/>
  <totem token="${o.tokenMs ?? 1000}"/>
  <fence_daemon post_join_delay="${o.postJoinDelayS ?? 3}" post_fail_delay="0"/>
  <clusternodes>
${nodeXml}
  </clusternodes>
  <fencedevices>
${devices.join('\n')}
  </fencedevices>
  <rm>
    <failoverdomains>
${domains}
    </failoverdomains>
${svcXml}
  </rm>
</cluster>
`;
}

/** A service script for the `script` resource: the "application" is a file in the node's run dir. */
function serviceScript(name: string, delayS: number): string {
  return `#!/bin/sh
# Demo application "${name}": running = the file below exists in this node's run dir.
f="\${CLUSTER_RUN_DIR:?}/app-${name}.running"
case "$1" in
  start) ${delayS > 0 ? `sleep ${delayS}; ` : ''}date +%s.%N > "$f" ;;
  stop) ${delayS > 0 ? `sleep ${delayS}; ` : ''}rm -f "$f" ;;
  status) [ -f "$f" ] || exit 3 ;;
  *) exit 2 ;;
esac
exit 0
`;
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

// The power hooks of one node run under one lock (flock), because a BMC's off and on may come a
// few milliseconds apart and their shells race. Power-on kills what is left of the old clusterd
// and boots a new one; power-off kills clusterd only while the power is still off (when it runs
// after the "on" of a fast cycle, the power-on hook has already done the work).
const POWER_LOCK = (n: LocalNode): string => path.join(n.runDir, 'power.lock');

function killOldShell(pidf: string): string {
  return `if [ -s "$pidf" ]; then
  pid=$(cat "$pidf")
  if kill -0 "$pid" 2>/dev/null && grep -q clusterd "/proc/$pid/cmdline" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; fi
fi`;
}

/** Boot the node's clusterd. With --power-on (the hook): replace whatever runs; else only if none runs. */
function bootScript(n: LocalNode, conf: string, logLevel: string): string {
  const pidf = path.join(n.runDir, 'clusterd.pid');
  return `#!/bin/sh
# Power-on of node ${n.name}: boot its clusterd.
pidf=${shq(pidf)}
mkdir -p ${shq(n.runDir)}
exec 9>${shq(POWER_LOCK(n))}
flock 9
if [ "$1" = --power-on ]; then
${killOldShell('$pidf')}
elif [ -s "$pidf" ]; then
  pid=$(cat "$pidf")
  if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then exit 0; fi
fi
${Object.entries(CLUSTERD_ENV).map(([k, v]) => `${k}=${shq(v)} `).join('')}CLUSTER_RUN_DIR=${shq(n.runDir)} CLUSTER_LOG_LEVEL=${shq(logLevel)} nohup ${shq(process.execPath)} ${clusterdNodeArgs(binPath('clusterd'), []).map(shq).join(' ')} \\
  -f ${shq(conf)} --node ${shq(n.name)} --run-dir ${shq(n.runDir)} --http-plain </dev/null >>${shq(n.logFile)} 2>&1 9>&- &
echo $! > "$pidf"
`;
}

/** Power-off of a node: clusterd dies at once (if the power is still off when this runs). */
function killScript(n: LocalNode, powerFile: string, offValue: string): string {
  return `#!/bin/sh
# Power-off of node ${n.name}: the machine loses power, clusterd dies at once.
pidf=${shq(path.join(n.runDir, 'clusterd.pid'))}
exec 9>${shq(POWER_LOCK(n))}
flock 9
[ "$(cat ${shq(powerFile)} 2>/dev/null)" = ${shq(offValue)} ] || exit 0
${killOldShell('$pidf')}
exit 0
`;
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch { return undefined; }
}

/** Alive and not a zombie (a process re-parented to an init that does not reap stays a zombie). */
export function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  try {
    return !/^State:\s*Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch { return false; }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` gives a value (not undefined/false), or throw after deadlineMs. */
export async function waitUntil<T>(what: string, deadlineMs: number, check: () => Promise<T | undefined | false> | T | undefined | false,
  pollMs = 50): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    // A check that throws ends the wait at once (a process died); transient states return false.
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

export interface CommandResult { readonly code: number; readonly stdout: string; readonly stderr: string }

export class LocalCluster {
  readonly nodes: readonly LocalNode[];
  readonly confPath: string;
  private readonly layout: Layout;

  private constructor(readonly dir: string, readonly options: LocalClusterOptions) {
    this.layout = layout(dir, options);
    this.nodes = this.layout.nodes;
    this.confPath = path.join(dir, 'cluster.conf');
  }

  /** Generate the config, start the power simulators, boot every node and wait for quorum. */
  static async start(o: LocalClusterOptions): Promise<LocalCluster> {
    const dir = o.dir ?? mkdtempSync(path.join(os.tmpdir(), 'cluster-suite-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'options.json'), JSON.stringify({ ...o, onProgress: undefined, dir }, null, 2));
    const c = new LocalCluster(dir, o);
    try {
      await c.setUp();
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  /** A cluster left running by an earlier process (demo --keep): stop() ends it. */
  static attach(dir: string): LocalCluster {
    const o = JSON.parse(readFileSync(path.join(dir, 'options.json'), 'utf8')) as LocalClusterOptions;
    return new LocalCluster(dir, o);
  }

  node(nameOrIndex: string | number): LocalNode {
    const n = typeof nameOrIndex === 'number' ? this.nodes[nameOrIndex - 1] : this.nodes.find((x) => x.name === nameOrIndex);
    if (n === undefined) throw new Error(`no node ${nameOrIndex} in this cluster`);
    return n;
  }

  private progress(line: string): void { this.options.onProgress?.(line); }

  private async setUp(): Promise<void> {
    const o = this.options;
    writeFileSync(this.confPath, localClusterConf(this.dir, o));
    for (const s of o.services ?? []) {
      const f = path.join(this.dir, `svc-${s.name}.sh`);
      writeFileSync(f, serviceScript(s.name, s.startDelayS ?? 0));
      chmodSync(f, 0o755);
    }
    for (const n of this.nodes) {
      mkdirSync(n.runDir, { recursive: true });
      writeFileSync(this.bootPath(n), bootScript(n, this.confPath, o.logLevel ?? 'info'));
      const [powerFile, offValue] = n.power === 'apc' ? [path.join(this.dir, 'pdu', `outlet.${n.index}`), '2']
        : [path.join(this.dir, `bmc-${n.name}.power`), 'off'];
      writeFileSync(this.killPath(n), n.power === 'none' ? '#!/bin/sh\nexit 0\n' : killScript(n, powerFile, offValue));
      chmodSync(this.bootPath(n), 0o755);
      chmodSync(this.killPath(n), 0o755);
    }
    this.progress(`config ${this.confPath} (${this.nodes.length} nodes, token ${o.tokenMs ?? 1000} ms)`);
    await Promise.all(this.nodes.filter((n) => n.power === 'ipmi').map((n) => this.startBmc(n)));
    const apc = this.nodes.filter((n) => n.power === 'apc');
    if (apc.length > 0) await this.startPdu(apc);
    await Promise.all(this.nodes.map((n) => this.boot(n)));
    this.progress(`booted ${this.nodes.length} clusterd processes; waiting for quorum`);
    await this.waitQuorate(this.nodes.map((n) => n.name), 30_000);
  }

  private bootPath(n: LocalNode): string { return path.join(this.dir, `power-on-${n.name}.sh`); }
  private killPath(n: LocalNode): string { return path.join(this.dir, `power-off-${n.name}.sh`); }
  private simPidFile(label: string): string { return path.join(this.dir, `${label}.pid`); }

  /** Start a detached simulator with output in a file; resolve when it printed `readyText`. */
  private async startSim(label: string, cmd: string, args: string[], readyText: string): Promise<void> {
    const out = path.join(this.dir, `${label}.log`);
    const fd = openSync(out, 'a');
    const child = spawn(process.execPath, [binPath(cmd), ...args], { detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.unref();
    if (child.pid === undefined) throw new Error(`${cmd} did not start`);
    writeFileSync(this.simPidFile(label), `${child.pid}\n`);
    const pid = child.pid;
    await waitUntil(`${label} ready (${out})`, 15_000, () => {
      if (!pidAlive(pid)) throw new Error(`${cmd} exited: ${readFileSync(out, 'utf8').slice(-500)}`);
      return readFileSync(out, 'utf8').includes(readyText);
    });
  }

  private async startBmc(n: LocalNode): Promise<void> {
    const addr = this.layout.bmcAddress(n.index);
    const port = this.layout.bmcPort(n.index);
    await this.startSim(`bmc-${n.name}`, 'ipmi_bmc_sim', ['--address', addr, '--port', String(port), '--user', BMC_USER,
      '--password', BMC_PASSWORD, '--state-file', path.join(this.dir, `bmc-${n.name}.power`), '--cycle-delay-ms', '500',
      '--on-power-off', this.killPath(n), '--on-power-on', `${this.bootPath(n)} --power-on`], 'listening on');
    this.progress(`BMC of ${n.name}: ipmi_bmc_sim on ${addr}:${port}`);
  }

  private async startPdu(nodes: readonly LocalNode[]): Promise<void> {
    const stateDir = path.join(this.dir, 'pdu');
    mkdirSync(stateDir, { recursive: true });
    const args = ['--address', this.layout.pduAddress, '--port', String(this.layout.pduPort), '--rw-community', PDU_COMMUNITY,
      '--outlets', String(Math.max(8, this.nodes.length)), '--names', this.nodes.map((n) => n.name).join(','),
      '--state-dir', stateDir, '--reboot-delay', '1'];
    for (const n of nodes) args.push('--on-power-off', `${n.index}:${this.killPath(n)}`, '--on-power-on', `${n.index}:${this.bootPath(n)} --power-on`);
    await this.startSim('pdu', 'apc_pdu_sim', args, 'ready udp');
    this.progress(`PDU: apc_pdu_sim on ${this.layout.pduAddress}:${this.layout.pduPort}, outlets ${nodes.map((n) => `${n.index}=${n.name}`).join(' ')}`);
  }

  /** Power-on path: run the node's boot script and wait for its control socket. */
  async boot(nodeName: string | LocalNode): Promise<number> {
    const n = typeof nodeName === 'string' ? this.node(nodeName) : nodeName;
    await new Promise<void>((resolve, reject) => {
      // Its own session: the node outlives this process (demo --keep) and a Ctrl-C here.
      const c = spawn('/bin/sh', [this.bootPath(n)], { stdio: 'ignore', detached: true });
      c.on('error', reject);
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`boot script of ${n.name} exited ${code}`))));
    });
    const pid = this.pid(n.name);
    if (pid === undefined) throw new Error(`${n.name}: no pid after boot`);
    await waitUntil(`${n.name} control socket`, 15_000, async () => {
      if (!pidAlive(pid)) throw new Error(`clusterd of ${n.name} exited; see ${n.logFile}`);
      return (await this.cmanStatus(n.name)) !== undefined;
    });
    return pid;
  }

  pid(nodeName: string): number | undefined {
    const pid = readPid(path.join(this.node(nodeName).runDir, 'clusterd.pid'));
    return pid !== undefined && pidAlive(pid) ? pid : undefined;
  }

  running(nodeName: string): boolean { return this.pid(nodeName) !== undefined; }

  /** Crash a node (SIGKILL by default); resolves once the process is gone. */
  async kill(nodeName: string, signal: NodeJS.Signals = 'SIGKILL', deadlineMs = 10_000): Promise<void> {
    const pid = this.pid(nodeName);
    if (pid === undefined) return;
    try { process.kill(pid, signal); } catch { return; }
    await waitUntil(`${nodeName} (pid ${pid}) to exit`, deadlineMs, () => !pidAlive(pid), 10);
  }

  /** Environment for commands against one node (CLUSTER_RUN_DIR). */
  env(nodeName: string): NodeJS.ProcessEnv {
    return { ...process.env, CLUSTER_RUN_DIR: this.node(nodeName).runDir };
  }

  /** Run bin/<cmd> against a node. */
  command(nodeName: string, cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<CommandResult> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [binPath(cmd), ...args], { env: this.env(nodeName), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code, signal) => { clearTimeout(t); resolve({ code: code ?? (signal !== null ? 128 : 1), stdout, stderr }); });
    });
  }

  async client(nodeName: string, timeoutMs = 2000): Promise<ApiClient> {
    return ApiClient.connect({ runDir: this.node(nodeName).runDir, timeoutMs });
  }

  async cmanStatus(nodeName: string): Promise<CmanStatus | undefined> {
    try {
      const c = await this.client(nodeName, 1000);
      try { return await c.request('cman.status', {}, 2000); } finally { c.close(); }
    } catch { return undefined; }
  }

  async rgStatus(nodeName: string): Promise<RgStatus | undefined> {
    try {
      const c = await this.client(nodeName, 1000);
      try { return await c.request('rg.status', {}, 5000); } finally { c.close(); }
    } catch { return undefined; }
  }

  /**
   * Wait until `pred` holds for service `id` (full name) as seen by `nodeName` (default: the first
   * running node); resolves with the service's status.
   */
  async waitService(id: string, what: string, pred: (s: RgServiceStatus) => boolean, deadlineMs: number, nodeName?: string): Promise<RgServiceStatus> {
    return waitUntil(`${id} ${what}`, deadlineMs, async () => {
      const from = nodeName ?? this.nodes.find((n) => this.running(n.name))?.name;
      if (from === undefined) return false;
      const st = await this.rgStatus(from);
      const s = st?.services.find((x) => x.id === id);
      return s !== undefined && pred(s) ? s : false;
    }, 25);
  }

  /**
   * Make service `id` run on `nodeName` (tests start from a known placement: services start on
   * whichever domain member is up first while nodes boot one by one). Relocates or enables it.
   */
  async placeService(id: string, nodeName: string, deadlineMs = 30_000): Promise<void> {
    const endMs = Date.now() + deadlineMs;
    // Services start as soon as cman is quorate, so an operation may begin between "settled" and
    // the request: rgmanager then answers RG_EAGAIN ("Temporary failure; try again"), and an
    // admin tries again. Bounded by the deadline.
    for (;;) {
      const s = await this.waitService(id, 'settled', (x) => x.pending === null &&
        ['started', 'stopped', 'disabled'].includes(x.state), Math.max(1, endMs - Date.now()));
      if (s.state === 'started' && s.owner === nodeName) return;
      const c = await this.client(nodeName);
      let reply: RgReply;
      try {
        reply = await c.request('rg.request', { op: s.state === 'started' ? 'relocate' : 'enable', service: id, target: nodeName }, Math.max(1, endMs - Date.now()));
      } finally { c.close(); }
      if (reply.code === 'RG_EAGAIN' && Date.now() < endMs) continue;
      if (reply.codeNumber !== 0) throw new Error(`cannot place ${id} on ${nodeName}: ${reply.message} (${reply.reason})`);
      break;
    }
    await this.waitService(id, `started on ${nodeName}`, (x) => x.state === 'started' && x.owner === nodeName, Math.max(1, endMs - Date.now()));
  }

  /** Wait until every listed node is quorate and sees exactly `members` (names). */
  async waitQuorate(members: readonly string[], deadlineMs: number): Promise<void> {
    await waitUntil(`quorum with members ${members.join(', ')}`, deadlineMs, async () => {
      for (const m of members) {
        const s = await this.cmanStatus(m);
        if (s === undefined || !s.quorate || s.nodes !== members.length) return false;
      }
      return true;
    }, 100);
  }

  /** Stop everything: nodes by SIGTERM (clean leave) or SIGKILL, then the simulators. */
  async stop(opts: { readonly graceful?: boolean; readonly removeDir?: boolean } = {}): Promise<void> {
    const graceful = opts.graceful ?? false;
    // Simulators first, so no power-on hook boots a node while we stop it.
    const sims = ['pdu', ...this.nodes.map((n) => `bmc-${n.name}`)];
    for (const s of sims) {
      const pid = readPid(this.simPidFile(s));
      if (pid !== undefined && pidAlive(pid)) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
    }
    await Promise.all(this.nodes.map(async (n) => {
      const pid = this.pid(n.name);
      if (pid === undefined) return;
      try { process.kill(pid, graceful ? 'SIGTERM' : 'SIGKILL'); } catch { return; }
      try {
        await waitUntil(`${n.name} to stop`, graceful ? 10_000 : 5_000, () => !pidAlive(pid));
      } catch {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }));
    for (const s of sims) {
      const pid = readPid(this.simPidFile(s));
      if (pid === undefined) continue;
      try {
        await waitUntil(`${s} to stop`, 3_000, () => !pidAlive(pid));
      } catch {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    if (opts.removeDir === true && existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }
}
