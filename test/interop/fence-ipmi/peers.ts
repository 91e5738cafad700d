// Starting the real peers (OpenIPMI ipmi_sim via ../shared/peers/ipmi-sim.sh) and our own
// ipmi_bmc_sim as a child process, for the fence-ipmi interop tests. Ports: ipmi_sim 9600-9649,
// ours 9650-9699, all on 127.0.0.1.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { inCi, repoRoot, sharedDir } from '../../support/paths.js';

export const execFileP = promisify(execFile);
export const ipmiSimScript = path.join(sharedDir, 'peers', 'ipmi-sim.sh');

/** Whether a command is on PATH. */
export function have(cmd: string): boolean {
  return (process.env['PATH'] ?? '').split(':').some((d) => d !== '' && existsSync(path.join(d, cmd)));
}

/** Skip (locally) or fail (CI) when a Debian peer is missing. */
export function requirePeers(ctx: Mocha.Context, cmds: string[]): void {
  const missing = cmds.filter((c) => !have(c));
  if (missing.length === 0) return;
  const msg = `missing Debian peer command(s): ${missing.join(', ')} (packages openipmi, ipmitool, fence-agents)`;
  if (inCi) throw new Error(msg);
  console.log(`    skipped: ${msg}`);
  ctx.skip();
}

/** Port ranges of this room: ipmi_sim 9600-9649, our simulators, relays and dead ports 9650-9699. */
export const ipmiSimPorts: readonly [number, number] = [9600, 9649];
export const ourPorts: readonly [number, number] = [9650, 9699];

/**
 * A UDP port in [from, to] that nothing is bound to on 127.0.0.1 right now (random start, so
 * parallel worktrees running these tests rarely pick the same one; starters retry if they lose
 * the race). Also serves as an "unreachable" port: the kernel answers it with ICMP unreachable.
 */
export async function freeUdpPort([from, to]: readonly [number, number], avoid: readonly number[] = []): Promise<number> {
  const dgram = await import('node:dgram');
  const span = to - from + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = from + ((start + i) % span);
    if (avoid.includes(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => { s.close(); resolve(false); });
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free UDP port in ${from}-${to}`);
}

export interface IpmiSim {
  port: number;
  dir: string;
  power(): 'on' | 'off';
  setStuck(stuck: boolean): void;
  stop(): Promise<void>;
}

/** Start ipmi_sim on a free port of its range (retrying when another test run takes it first). */
export async function startIpmiSim(extra: string[] = []): Promise<IpmiSim> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort(ipmiSimPorts);
    try {
      return await startIpmiSimAt(port, extra);
    } catch (err) {
      if (attempt >= 8 || !/already runs|busy|exited at start|did not answer/.test((err as Error).message)) throw err;
    }
  }
}

/** Start ipmi_sim on exactly this port (a restart of one that was stopped). */
export async function startIpmiSimAt(port: number, extra: string[] = []): Promise<IpmiSim> {
  const { stdout } = await execFileP(ipmiSimScript, ['start', '--port', String(port), ...extra], { timeout: 60_000 });
  const vars = Object.fromEntries(stdout.trim().split('\n').map((l) => l.split('=') as [string, string]));
  const dir = vars['IPMI_SIM_DIR'];
  if (dir === undefined) throw new Error(`ipmi-sim.sh start printed no IPMI_SIM_DIR: ${stdout}`);
  return {
    port,
    dir,
    power: () => (readFileSync(path.join(dir, 'power'), 'utf8').trim() === '1' ? 'on' : 'off'),
    setStuck: (stuck) => {
      if (stuck) writeFileSync(path.join(dir, 'stuck'), '');
      else rmSync(path.join(dir, 'stuck'), { force: true });
    },
    stop: async () => {
      await execFileP(ipmiSimScript, ['stop', '--port', String(port)], { timeout: 30_000 });
    },
  };
}

export interface OurSim {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Start bin/ipmi_bmc_sim as a process on a free port of our range. */
export async function startOurSim(args: string[] = []): Promise<OurSim> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort(ourPorts);
    try {
      return await startOurSimAt(port, args);
    } catch (err) {
      if (attempt >= 8 || !/cannot listen/.test((err as Error).message)) throw err;
    }
  }
}

/** Start bin/ipmi_bmc_sim as a process; resolves once it prints its "listening" line. */
function startOurSimAt(port: number, args: string[]): Promise<OurSim> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'ipmi_bmc_sim'), '--port', String(port), '-q', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ipmi_bmc_sim did not start within 10 s: ${stderr}`));
    }, 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening on')) {
        clearTimeout(timer);
        resolve({ port, child, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ipmi_bmc_sim exited ${code}: ${stderr}`));
    });
  });
}

/** Wait for a condition with a deadline (no sleeps as synchronisation). */
export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A UDP relay on `listenPort` to a BMC on `bmcPort` that drops the BMC replies `drop(n)` says
 *  (n counts replies from 1). One client at a time. */
export async function startLossyRelay(bmcPort: number, drop: (n: number) => boolean): Promise<{ port: number; close(): Promise<void> }> {
  const dgram = await import('node:dgram');
  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort(ourPorts);
    try {
      return await relayAt(dgram.default, port, bmcPort, drop);
    } catch (err) {
      if (attempt >= 8) throw err;
    }
  }
}

async function relayAt(dgram: typeof import('node:dgram'), listenPort: number, bmcPort: number, drop: (n: number) => boolean): Promise<{ port: number; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  let client: { port: number; address: string } | undefined;
  let replies = 0;
  sock.on('message', (msg, rinfo) => {
    if (rinfo.port === bmcPort) {
      replies++;
      if (!drop(replies) && client !== undefined) sock.send(msg, client.port, client.address);
    } else {
      client = { port: rinfo.port, address: rinfo.address };
      sock.send(msg, bmcPort, '127.0.0.1');
    }
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(listenPort, '127.0.0.1', () => { sock.off('error', reject); resolve(); });
  });
  return { port: listenPort, close: () => new Promise<void>((resolve) => sock.close(() => resolve())) };
}
