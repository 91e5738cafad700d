// Helpers for the fence_apc_snmp interop tests: the real net-snmp APC PDU (../shared/peers/
// apc-pdu-sim.sh, UDP 11600-11649), our simulator (bin/apc_pdu_sim, UDP 11650-11699), and
// running our bin/fence_apc_snmp and Debian's /usr/sbin/fence_apc_snmp as processes.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, sharedDir, inCi } from '../../support/paths.js';
import { startPduSim, type PduSim, type PduSimOptions } from '../../../src/fence-agents/apc/pdu-sim.js';

export const apcPeerScript = path.join(sharedDir, 'peers/apc-pdu-sim.sh');
export const debianAgent = '/usr/sbin/fence_apc_snmp';
export const ourAgent = path.join(repoRoot, 'bin/fence_apc_snmp');
export const ourSimBin = path.join(repoRoot, 'bin/apc_pdu_sim');

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], stdin?: string, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, [...args], { timeout: timeoutMs, env: { ...process.env, PYTHONWARNINGS: 'ignore' }, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
        if (code === -1) { reject(err ?? new Error('no exit code')); return; }
        resolve({ code, stdout, stderr });
      });
    if (stdin !== undefined) child.stdin?.end(stdin); else child.stdin?.end();
  });
}

export const ours = (args: readonly string[], stdin?: string) => run(ourAgent, args, stdin);
export const debian = (args: readonly string[], stdin?: string) => run(debianAgent, args, stdin);

/** Skip (locally) or fail (CI) when a peer program is missing. */
export function requirePrograms(ctx: Mocha.Context, programs: readonly string[]): void {
  const missing = programs.filter((p) => !existsSync(p));
  if (missing.length === 0) return;
  if (inCi) throw new Error(`missing peer programs in CI: ${missing.join(', ')}`);
  console.warn(`      skipped: missing ${missing.join(', ')} (install snmpd snmp fence-agents)`);
  ctx.skip();
}

export interface RealPdu {
  readonly port: number;
  readonly dir: string;
  outlet(n: number): 'on' | 'off';
  setOutlet(n: number, s: 'on' | 'off'): void;
  stuck(on: boolean): void;
  stop(): Promise<void>;
}

/** Tries a port and, if it is busy (another worktree running the same tests), the next ones. */
const portTries = 6;

/** Start net-snmp snmpd as an APC PDU (apc-pdu-sim.sh) on `port` or one of the next free ones
 *  (11600-11648; 11649 stays free as "unreachable"); waits until it answers SNMP. */
export async function startRealPdu(firstPort: number, extra: readonly string[] = []): Promise<RealPdu> {
  let r: RunResult | undefined;
  let port = firstPort;
  for (let i = 0; i < portTries; i++, port++) {
    if (port < 11600 || port > 11648) throw new Error(`real snmpd ports are 11600-11648, not ${port}`);
    r = await run(apcPeerScript, ['start', '--port', String(port), ...extra]);
    if (r.code === 0 || !/busy|already runs|Address already in use/i.test(r.stderr)) break;
  }
  if (r === undefined || r.code !== 0) throw new Error(`apc-pdu-sim.sh start failed: ${r?.stderr ?? ''}`);
  const dir = /APC_SIM_DIR=(.*)/.exec(r.stdout)?.[1]?.trim();
  if (dir === undefined) throw new Error(`no APC_SIM_DIR in: ${r.stdout}`);
  return {
    port, dir,
    outlet: (n) => (readFileSync(path.join(dir, 'state', `outlet.${n}`), 'utf8').trim() === '1' ? 'on' : 'off'),
    setOutlet: (n, s) => writeFileSync(path.join(dir, 'state', `outlet.${n}`), s === 'on' ? '1\n' : '2\n'),
    stuck: (on) => { if (on) writeFileSync(path.join(dir, 'stuck'), ''); else rmSync(path.join(dir, 'stuck'), { force: true }); },
    stop: async () => { await run(apcPeerScript, ['stop', '--port', String(port)]); },
  };
}

export interface OurSimProcess {
  readonly port: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Start bin/apc_pdu_sim on `port` or one of the next free ones; resolves once it is ready. */
export async function startOurSimProcess(firstPort: number, extra: readonly string[] = []): Promise<OurSimProcess> {
  for (let i = 0; ; i++) {
    try {
      return await startOurSimProcessOn(firstPort + i, extra);
    } catch (err) {
      if (i + 1 >= portTries || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

/** startPduSim() on `port` or one of the next free ones (in-process simulator). */
export async function startSimNear(firstPort: number, opts: Omit<PduSimOptions, 'port'>): Promise<PduSim> {
  for (let i = 0; ; i++) {
    try {
      return await startPduSim({ ...opts, port: firstPort + i });
    } catch (err) {
      if (i + 1 >= portTries || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

function startOurSimProcessOn(port: number, extra: readonly string[]): Promise<OurSimProcess> {
  if (port < 11650 || port > 11699) throw new Error(`our simulator ports are 11650-11699, not ${port}`);
  return new Promise((resolve, reject) => {
    const child = spawn(ourSimBin, ['--port', String(port), ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`apc_pdu_sim not ready within 10 s: ${err}`)); }, 10_000);
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('apc_pdu_sim: ready')) {
        clearTimeout(timer);
        resolve({
          port, child,
          stop: () => new Promise<void>((res) => {
            if (child.exitCode !== null) { res(); return; }
            child.once('exit', () => res());
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`apc_pdu_sim exited ${code}: ${err}`)); });
  });
}

/** The first status-like line of an agent's stdout. */
export const firstLine = (r: RunResult) => r.stdout.split('\n')[0] ?? '';
