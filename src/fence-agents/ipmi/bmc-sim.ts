// ipmi_bmc_sim: our simulated BMC on UDP (the server side of our IPMI codec), for the demo and
// for tests that need a BMC per node. Power is a state file; power-off/on can run a command so
// that a simulated node really dies. Checked against real ipmitool (test/interop/fence-ipmi).
import dgram from 'node:dgram';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { BmcCore } from './bmc-core.js';
import type { BmcOutput, PowerEffect } from './bmc-core.js';
import type { LanAuthType, PrivilegeLevel } from './codec.js';

export interface BmcSimOptions {
  address: string;
  port: number;
  user: string;
  password: string;
  privilege?: PrivilegeLevel;
  powerOn: boolean;
  /** File holding "on" or "off"; read before each datagram (external changes), written on change. */
  stateFile?: string;
  /** Shell command run after the power goes off (off, soft, cycle, reset). */
  onPowerOff?: string;
  /** Shell command run after the power comes on (on, cycle, reset). */
  onPowerOn?: string;
  /** Off time of a power cycle / hard reset. Default 1000 ms. */
  cycleDelayMs?: number;
  lanAuthTypes?: LanAuthType[];
  cipherSuites?: number[];
  sessionTimeoutMs?: number;
  guid?: Buffer;
  /** BMC key Kg (binary). */
  kg?: Buffer;
  /** Called for power changes and hook results (the CLI logs them). */
  log?: (line: string) => void;
}

export class BmcSimulator {
  readonly core: BmcCore;
  private socket: dgram.Socket | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly children = new Set<ReturnType<typeof spawn>>();
  private boundPort = 0;

  constructor(private readonly o: BmcSimOptions) {
    this.core = new BmcCore({
      users: [{ name: o.user, password: o.password, privilege: o.privilege ?? 'administrator' }],
      guid: o.guid ?? Buffer.from('a123456789abcdefa123456789abcdef', 'hex'),
      random: (n) => randomBytes(n),
      powerOn: o.powerOn,
      ...(o.lanAuthTypes !== undefined ? { lanAuthTypes: o.lanAuthTypes } : {}),
      ...(o.cipherSuites !== undefined ? { cipherSuites: o.cipherSuites } : {}),
      ...(o.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: o.sessionTimeoutMs } : {}),
      ...(o.kg !== undefined ? { kg: o.kg } : {}),
    });
    if (o.stateFile !== undefined) {
      const fromFile = this.readStateFile();
      if (fromFile === undefined) this.writeStateFile();
    }
  }

  get port(): number {
    return this.boundPort;
  }
  get powerOn(): boolean {
    this.syncFromStateFile();
    return this.core.powerOn;
  }

  start(): Promise<number> {
    const sock = dgram.createSocket(this.o.address.includes(':') ? 'udp6' : 'udp4');
    this.socket = sock;
    sock.on('message', (msg, rinfo) => {
      this.syncFromStateFile();
      const out: BmcOutput = this.core.receive(msg, performance.now());
      if (out.dropped !== undefined) {
        // counted always; logged for the first 20 and then every 100th, so a flood cannot fill a disk
        const n = this.core.stats.dropped;
        if (n <= 20 || n % 100 === 0) this.o.log?.(`dropped datagram #${n} from ${rinfo.address}:${rinfo.port}: ${out.dropped}`);
      }
      // Apply power effects (state file) before answering, so a reader after the reply sees them.
      for (const e of out.effects) this.applyEffect(e);
      for (const r of out.replies) sock.send(r, rinfo.port, rinfo.address);
    });
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(this.o.port, this.o.address, () => {
        sock.off('error', reject);
        sock.on('error', (err) => this.o.log?.(`socket error: ${err.message}`));
        this.boundPort = sock.address().port;
        resolve(this.boundPort);
      });
    });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.children) c.kill('SIGTERM');
    const sock = this.socket;
    this.socket = undefined;
    if (sock !== undefined) await new Promise<void>((resolve) => sock.close(() => resolve()));
  }

  private readStateFile(): boolean | undefined {
    if (this.o.stateFile === undefined) return undefined;
    try {
      const v = readFileSync(this.o.stateFile, 'utf8').trim().toLowerCase();
      if (v === 'on' || v === '1') return true;
      if (v === 'off' || v === '0') return false;
    } catch {
      // missing: keep the in-memory state
    }
    return undefined;
  }

  private syncFromStateFile(): void {
    const v = this.readStateFile();
    if (v !== undefined) this.core.setPower(v);
  }

  private writeStateFile(): void {
    if (this.o.stateFile === undefined) return;
    const tmp = `${this.o.stateFile}.tmp${process.pid}`;
    writeFileSync(tmp, this.core.powerOn ? 'on\n' : 'off\n');
    renameSync(tmp, this.o.stateFile);
  }

  private applyEffect(e: PowerEffect): void {
    this.o.log?.(`chassis control: ${e}`);
    const cycleMs = this.o.cycleDelayMs ?? 1000;
    if (e === 'off' || e === 'soft') {
      this.writeStateFile();
      this.hook('off', this.o.onPowerOff);
    } else if (e === 'on') {
      this.writeStateFile();
      this.hook('on', this.o.onPowerOn);
    } else {
      // cycle (the core set power off) or reset (power stays on, but the node restarts)
      if (e === 'cycle') this.writeStateFile();
      this.hook('off', this.o.onPowerOff);
      const t = setTimeout(() => {
        this.timers.delete(t);
        this.core.setPower(true);
        this.writeStateFile();
        this.hook('on', this.o.onPowerOn);
      }, cycleMs);
      this.timers.add(t);
    }
  }

  private hook(power: 'on' | 'off', cmd: string | undefined): void {
    if (cmd === undefined || cmd === '') return;
    const child = spawn('/bin/sh', ['-c', cmd], { stdio: 'ignore', env: { ...process.env, IPMI_BMC_POWER: power } });
    this.children.add(child);
    child.on('error', (err) => this.o.log?.(`power-${power} command failed to start: ${err.message}`));
    child.on('exit', (code, signal) => {
      this.children.delete(child);
      this.o.log?.(`power-${power} command exited ${signal ?? code}`);
    });
  }
}

// ---------------------------------------------------------------- CLI

const usage = `Usage: ipmi_bmc_sim [options]
A simulated IPMI BMC on UDP: IPMI 1.5 (MD5, password) and IPMI 2.0 RMCP+ cipher
suites 1, 2, 3; Get Chassis Status and Chassis Control (on, off, cycle, reset, soft).

  --address ADDR         listen address (default 127.0.0.1)
  --port N               UDP port (default 623)
  --user NAME            IPMI user (default admin)
  --password PW          its password (default secret)
  --privilege LEVEL      user's privilege: callback|user|operator|administrator (default administrator)
  --power on|off         initial power state (default on; the state file wins if it exists)
  --state-file F         file holding on|off; written on every change, read before every request
  --on-power-off CMD     shell command run when the power goes off (off, soft, cycle, reset)
  --on-power-on CMD      shell command run when the power comes on (on, cycle, reset)
  --cycle-delay-ms N     off time of power cycle / hard reset (default 1000)
  --auth-types LIST      IPMI 1.5 auth types offered, comma separated (default md5,password)
  --cipher-suites LIST   RMCP+ cipher suites offered (default 1,2,3)
  --session-timeout-ms N drop idle sessions after N ms (default 60000)
  --kg HEX               BMC key Kg for RMCP+ (ipmitool -y, fence_ipmilan --hexadecimal-kg)
  -q, --quiet            no log lines
  -h, --help             this text
Prints "ipmi_bmc_sim: listening on ADDR:PORT" on stdout when ready; stops on SIGTERM/SIGINT.`;

export async function main(argv: string[]): Promise<number> {
  const opt: BmcSimOptions = { address: '127.0.0.1', port: 623, user: 'admin', password: 'secret', powerOn: true };
  let quiet = false;
  const err = (m: string) => {
    process.stderr.write(`ipmi_bmc_sim: ${m}\n`);
    return 1;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = val();
      if (!/^\d+$/.test(v)) throw new Error(`${a}: "${v}" is not a number`);
      return Number(v);
    };
    try {
      switch (a) {
        case '-h': case '--help': process.stdout.write(`${usage}\n`); return 0;
        case '-q': case '--quiet': quiet = true; break;
        case '--address': opt.address = val(); break;
        case '--port': opt.port = int(); break;
        case '--user': opt.user = val(); break;
        case '--password': opt.password = val(); break;
        case '--privilege': {
          const p = val().toLowerCase();
          if (!['callback', 'user', 'operator', 'administrator'].includes(p)) throw new Error(`--privilege: unknown level "${p}"`);
          opt.privilege = p as PrivilegeLevel;
          break;
        }
        case '--power': {
          const p = val();
          if (p !== 'on' && p !== 'off') throw new Error('--power must be on or off');
          opt.powerOn = p === 'on';
          break;
        }
        case '--state-file': opt.stateFile = val(); break;
        case '--on-power-off': opt.onPowerOff = val(); break;
        case '--on-power-on': opt.onPowerOn = val(); break;
        case '--cycle-delay-ms': opt.cycleDelayMs = int(); break;
        case '--session-timeout-ms': opt.sessionTimeoutMs = int(); break;
        case '--kg': {
          const v = val();
          if (!/^([0-9a-fA-F]{2}){1,20}$/.test(v)) throw new Error('--kg must be 1 to 20 bytes of hexadecimal');
          opt.kg = Buffer.from(v, 'hex');
          break;
        }
        case '--auth-types': {
          const list = val().split(',').map((s) => s.trim().toLowerCase());
          for (const t of list) if (t !== 'md5' && t !== 'password' && t !== 'none') throw new Error(`--auth-types: unknown "${t}"`);
          opt.lanAuthTypes = list as LanAuthType[];
          break;
        }
        case '--cipher-suites': {
          const list = val().split(',').map((s) => Number(s.trim()));
          for (const n of list) if (n !== 1 && n !== 2 && n !== 3) throw new Error(`--cipher-suites: only 1, 2, 3 are supported`);
          opt.cipherSuites = list;
          break;
        }
        default: throw new Error(`unknown option "${a}" (try --help)`);
      }
    } catch (e) {
      return err((e as Error).message);
    }
  }
  if (opt.port > 65535) return err('--port must be 0..65535');
  if (Buffer.byteLength(opt.user) > 16) return err('--user is at most 16 bytes');
  if (Buffer.byteLength(opt.password) > 20) return err('--password is at most 20 bytes');
  if (!quiet) opt.log = (line) => process.stderr.write(`${new Date().toISOString()} ipmi_bmc_sim[${process.pid}]: ${line}\n`);
  const sim = new BmcSimulator(opt);
  try {
    await sim.start();
  } catch (e) {
    return err(`cannot listen on ${opt.address}:${opt.port}: ${(e as Error).message}`);
  }
  process.stdout.write(`ipmi_bmc_sim: listening on ${opt.address}:${sim.port} power=${sim.powerOn ? 'on' : 'off'}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await sim.stop();
  return 0;
}
