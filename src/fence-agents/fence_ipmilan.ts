// fence_ipmilan and the names fence-agents ships for it (fence_ipmilanplus, fence_idrac,
// fence_ilo3, fence_ilo4, fence_ilo5, fence_imm), on the shared agent layer, speaking IPMI
// itself (src/fence-agents/ipmi) instead of running ipmitool. Options, defaults, texts and exit
// codes follow fence-agents 4.x (../shared/peer/fence-agents/metadata/fence_ipmilan.xml).
import { createHash } from 'node:crypto';
import { type AgentDefinition, type DriverLog, type OptionSpec, commonOptions, methodOption, portAsIpOption } from './agent/spec.js';
import { FenceError, fenceErrorTexts, type FenceDriver, type PowerState } from './agent/driver.js';
import type { FenceOptions } from './agent/options.js';
import { IpmiLanClient, type IpmiLanClientOptions } from './ipmi/client.js';
import type { LanAuthType, PrivilegeLevel } from './ipmi/codec.js';
import { AuthenticationError, IpmiError, ProtocolError, TimeoutError } from './ipmi/errors.js';

const ipmiOptions: readonly OptionSpec[] = [
  { name: 'auth', short: 'A', type: 'select', choices: ['md5', 'password', 'none'], argName: 'auth',
    shortdesc: 'IPMI Lan Auth type.', order: 1 },
  { name: 'cipher', short: 'C', type: 'string', argName: 'cipher',
    shortdesc: 'Ciphersuite to use (same as ipmitool -C parameter)', order: 1 },
  { name: 'hexadecimal_kg', type: 'string', argName: 'key',
    shortdesc: 'Hexadecimal-encoded Kg key for IPMIv2 authentication', order: 1 },
  { name: 'lanplus', short: 'P', type: 'boolean', default: '0',
    shortdesc: 'Use Lanplus to improve security of connection', order: 1 },
  methodOption,
  { name: 'privlvl', short: 'L', type: 'select', choices: ['callback', 'user', 'operator', 'administrator'],
    default: 'administrator', argName: 'level', shortdesc: 'Privilege level on IPMI device', order: 1 },
  { name: 'target', type: 'string', argName: 'targetaddress',
    shortdesc: 'Bridge IPMI requests to the remote target address', order: 1 },
  { name: 'ipmitool_path', type: 'string', argName: 'path', noContent: true,
    shortdesc: 'Path to ipmitool binary (accepted for compatibility; this agent speaks IPMI itself)', order: 200 },
  portAsIpOption,
  { name: 'ipmitool_timeout', type: 'string', default: '2', argName: 'timeout',
    shortdesc: 'Timeout (sec) for IPMI operation', order: 206 },
  { name: 'use_sudo', type: 'boolean', long: 'use-sudo', deprecatedNames: ['sudo'],
    shortdesc: 'Use sudo (without password) when calling 3rd party software', order: 208 },
  { name: 'sudo_path', type: 'string', argName: 'path', noContent: true, shortdesc: 'Path to sudo binary', order: 208 },
];

function ipmilanOptions(): OptionSpec[] {
  return [...commonOptions({
    plugs: true, ipportDefault: '623', defaults: { power_wait: '2' },
    overrides: {
      // upstream metadata: ip required="0" (--port-as-ip can give it), but a run needs one
      ip: { required: false, enforceRequired: true },
      plug: { required: false, argName: 'ip', shortdesc: 'IP address or hostname of fencing device (together with --port-as-ip)' },
    },
  }), ...ipmiOptions];
}

// ---------------------------------------------------------------- settings

export interface IpmiSettings {
  readonly client: Omit<IpmiLanClientOptions, 'onDrop'>;
  readonly target: string | undefined;
}

function fail(message: string): never {
  throw new FenceError('usage', undefined, `Failed: ${message}`);
}

/** Client settings from validated options. Throws FenceError for values we cannot honour. */
export function ipmiSettings(o: FenceOptions): IpmiSettings {
  const lanplus = o.flag('lanplus');
  const cipherText = o.get('cipher');
  let cipherSuite = 3;
  if (cipherText !== undefined && cipherText !== '') {
    if (!/^\d+$/.test(cipherText)) fail(`cipher suite "${cipherText}" is not a number`);
    cipherSuite = Number(cipherText);
    if (lanplus && ![1, 2, 3].includes(cipherSuite)) {
      fail(`cipher suite ${cipherSuite} is not supported (supported: 1, 2, 3; suite 0 has no authentication)`);
    }
  }
  const kgHex = o.get('hexadecimal_kg');
  let kg: Buffer | undefined;
  if (kgHex !== undefined && kgHex !== '') {
    if (!/^([0-9a-fA-F]{2}){1,20}$/.test(kgHex)) fail('--hexadecimal-kg must be up to 20 bytes of hexadecimal');
    kg = Buffer.from(kgHex, 'hex');
  }
  const toolTimeoutS = Number.parseFloat(o.get('ipmitool_timeout') ?? '2');
  if (!(toolTimeoutS > 0)) fail('--ipmitool-timeout must be a positive number of seconds');
  // Retransmit after at most 1 s (a lost UDP datagram should not cost ipmitool's 2 s), and try
  // for login_timeout in all, so an unreachable BMC fails within login_timeout.
  const tryMs = Math.min(1000, Math.round(toolTimeoutS * 1000));
  const loginMs = o.ms('login_timeout') > 0 ? o.ms('login_timeout') : 5000;
  const tries = Math.max(1, Math.min(20, Math.floor(loginMs / tryMs)));
  const host = o.flag('port_as_ip') && (o.get('plug') ?? '') !== '' ? o.str('plug') : o.str('ip');
  const auth = o.get('auth');
  return {
    client: {
      host, port: o.int('ipport', 623), username: o.str('username'), password: o.str('password'),
      interface: lanplus ? 'lanplus' : 'lan', cipherSuite,
      privilegeLevel: (o.get('privlvl') ?? 'administrator') as PrivilegeLevel,
      ...(auth !== undefined ? { authType: auth as LanAuthType } : {}),
      ...(kg !== undefined ? { kg } : {}),
      timeoutMs: tryMs, retries: tries - 1,
    },
    target: o.get('target'),
  };
}

// ---------------------------------------------------------------- session pool (keep-warm)

interface PoolEntry {
  client: IpmiLanClient;
  lastUseMs: number;
  /** Fence runs using the session now (the idle sweeper leaves it alone meanwhile). */
  users: number;
}

const pool = new Map<string, PoolEntry>();
let poolSettings: { keepAliveMs: number; idleCloseMs: number; maxSessions: number } | undefined;
let poolSweeper: NodeJS.Timeout | undefined;
/** enableIpmiSessionPool() calls not yet matched by closeIpmiSessionPool() (several daemons in one process). */
let poolUsers = 0;

/**
 * Keep one IPMI session per BMC open between in-process fence runs (the fence daemon calls this
 * at start). Sessions get a keep-alive every keepAliveMs and are closed after idleCloseMs unused.
 * Without it every run logs in and out, as fence-agents does. Calls are counted: the pool stays
 * until as many closeIpmiSessionPool() calls came.
 *
 * Why a kept session cannot give a wrong answer: every power state the engine acts on is a fresh
 * Get Chassis Status read in that run (nothing is cached between runs); a reply is accepted only
 * for the request in flight (same rqSeq, netFn and command) with a session sequence number not
 * seen before and at most 16 behind the newest, so a late reply to an earlier read is dropped; a
 * kept session that stops answering is replaced by a new login and the command repeated there
 * (off/on are idempotent, and OFF is still confirmed by a status read afterwards).
 */
export function enableIpmiSessionPool(opts: { keepAliveMs?: number; idleCloseMs?: number; maxSessions?: number } = {}): void {
  poolUsers++;
  poolSettings = { keepAliveMs: opts.keepAliveMs ?? 20_000, idleCloseMs: opts.idleCloseMs ?? 600_000, maxSessions: opts.maxSessions ?? 256 };
  if (poolSweeper === undefined) {
    poolSweeper = setInterval(() => {
      const now = performance.now();
      for (const [key, e] of pool) {
        if (poolSettings !== undefined && e.users === 0 && now - e.lastUseMs > poolSettings.idleCloseMs) {
          pool.delete(key);
          void e.client.close();
        }
      }
    }, 10_000);
    poolSweeper.unref();
  }
}

/** Close every pooled session and stop pooling (once every enable has its close). */
export async function closeIpmiSessionPool(): Promise<void> {
  poolUsers = Math.max(0, poolUsers - 1);
  if (poolUsers > 0) return;
  poolSettings = undefined;
  if (poolSweeper !== undefined) clearInterval(poolSweeper);
  poolSweeper = undefined;
  const all = [...pool.values()];
  pool.clear();
  await Promise.all(all.map((e) => e.client.close()));
}

/** Counters over the pooled sessions (for diagnostics and tests). */
export function ipmiSessionPoolStats(): { enabled: boolean; sessions: number; sessionsOpened: number; relogins: number; dropped: number } {
  let sessionsOpened = 0;
  let relogins = 0;
  let dropped = 0;
  for (const e of pool.values()) {
    sessionsOpened += e.client.stats.sessionsOpened;
    relogins += e.client.stats.relogins;
    dropped += e.client.stats.dropped;
  }
  return { enabled: poolSettings !== undefined, sessions: pool.size, sessionsOpened, relogins, dropped };
}

function poolKey(c: IpmiSettings['client']): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([c.host, c.port, c.username, c.password, c.interface, c.cipherSuite, c.privilegeLevel,
    c.authType ?? '', c.kg?.toString('hex') ?? '', c.timeoutMs, c.retries]));
  return h.digest('hex');
}

// ---------------------------------------------------------------- driver

function detailOf(err: unknown, what: string): string {
  if (err instanceof FenceError) return err.detail ?? err.message;
  if (err instanceof AuthenticationError || err instanceof TimeoutError) return err.message;
  return `${what}: ${(err as Error).message}`;
}

function asFenceError(err: unknown, what: string): FenceError {
  if (err instanceof FenceError) return err;
  // Debian's fence_ipmilan says this for a wrong password or user (its status read fails first)
  if (err instanceof AuthenticationError) return new FenceError('login', err.message, fenceErrorTexts.status);
  if (err instanceof TimeoutError) return new FenceError('timeout', err.message);
  if (err instanceof ProtocolError) {
    if (err.completionCode === 0xd4) return new FenceError('privileges', err.message);
    return new FenceError('generic', `${what}: ${err.message}`);
  }
  if (err instanceof IpmiError) return new FenceError('generic', `${what}: ${err.message}`);
  return new FenceError('generic', `${what}: ${(err as Error).message}`);
}

export class IpmiFenceDriver implements FenceDriver {
  private client: IpmiLanClient | undefined;
  /** The pool entry this run borrowed its session from, if any. */
  private pooled: PoolEntry | undefined;

  constructor(private readonly s: IpmiSettings, private readonly log: DriverLog) {}

  async connect(): Promise<void> {
    if (this.s.target !== undefined && this.s.target !== '') {
      throw new FenceError('usage', undefined, 'Failed: --target (IPMI bridging) is not supported by this agent');
    }
    const c = this.s.client;
    this.log('debug', `IPMI ${c.interface === 'lanplus' ? `v2.0 lanplus cipher suite ${c.cipherSuite}` : `v1.5 lan auth ${c.authType ?? 'best offered'}`}` +
      ` to ${c.host}:${c.port} as "${c.username}" privilege ${c.privilegeLevel}, ${(c.retries ?? 0) + 1} tries of ${c.timeoutMs ?? 0} ms`);
    if (poolSettings !== undefined) {
      const key = poolKey(c);
      let entry = pool.get(key);
      if (entry === undefined && pool.size < poolSettings.maxSessions) {
        entry = { client: new IpmiLanClient({ ...c, keepAliveMs: poolSettings.keepAliveMs }), lastUseMs: performance.now(), users: 0 };
        pool.set(key, entry);
      }
      if (entry !== undefined) {
        entry.lastUseMs = performance.now();
        entry.users++;
        this.client = entry.client;
        this.pooled = entry;
      }
    }
    this.client ??= new IpmiLanClient({ ...c, onDrop: (reason) => this.log('debug', `dropped a datagram: ${reason}`) });
    try {
      const wasOpen = this.client.isSessionOpen;
      await this.client.connect();
      this.log('debug', wasOpen ? 'reusing the open IPMI session' : 'IPMI session established');
    } catch (err) {
      // Debian's agent over IPMI 1.5 (lan): ipmitool gives up on a silent BMC before the agent's
      // own timeout, so it prints the status text; over lanplus its retries outlast that timeout
      // and it prints "Connection timed out" (as asFenceError does).
      if (err instanceof TimeoutError && c.interface === 'lan') throw new FenceError('timeout', err.message, fenceErrorTexts.status);
      throw asFenceError(err, 'login');
    }
  }

  private get c(): IpmiLanClient {
    if (this.client === undefined) throw new FenceError('generic', 'not connected');
    return this.client;
  }

  async getPower(): Promise<PowerState> {
    try {
      const s = await this.c.getPowerState();
      this.log('debug', `Chassis Power is ${s}`);
      return s;
    } catch (err) {
      throw asFenceError(err, 'Get Chassis Status');
    }
  }

  async setPower(_plug: string, state: PowerState): Promise<void> {
    try {
      if (state === 'on') await this.c.powerOn();
      else await this.c.powerOff();
      this.log('debug', `Chassis Power Control: ${state === 'on' ? 'Up/On' : 'Down/Off'}`);
    } catch (err) {
      throw asFenceError(err, `Chassis Control power ${state}`);
    }
  }

  async cycle(): Promise<void> {
    try {
      await this.c.powerCycle();
      this.log('debug', 'Chassis Power Control: Cycle');
    } catch (err) {
      // fence-agents: a failed cycle is "Connection timed out" (EC_TIMED_OUT)
      throw new FenceError('timeout', detailOf(err, 'power cycle'));
    }
  }

  async monitor(): Promise<void> {
    await this.getPower();
  }

  async extraAction(action: string): Promise<string[]> {
    if (action !== 'diag') throw new FenceError('usage', undefined, `Failed: Unrecognised action '${action}'`);
    try {
      await this.c.pulseDiagnosticInterrupt();
      this.log('debug', 'Chassis Power Control: Diag');
      return ['Success: Rebooted'];
    } catch (err) {
      throw new FenceError('timeout', detailOf(err, 'pulse diagnostic interrupt'));
    }
  }

  async close(): Promise<void> {
    if (this.pooled !== undefined) {
      this.pooled.users--;
      this.pooled.lastUseMs = performance.now();
    } else if (this.client !== undefined) {
      await this.client.close().catch(() => undefined);
    }
    this.pooled = undefined;
    this.client = undefined;
  }
}

// ---------------------------------------------------------------- definition

export const fenceIpmilan: AgentDefinition = {
  name: 'fence_ipmilan',
  symlinks: [
    { name: 'fence_ilo3', shortdesc: 'Fence agent for HP iLO3', defaults: { lanplus: '1', power_wait: '4' } },
    { name: 'fence_ilo4', shortdesc: 'Fence agent for HP iLO4', defaults: { lanplus: '1' } },
    { name: 'fence_ilo5', shortdesc: 'Fence agent for HP iLO5', defaults: { lanplus: '1' } },
    { name: 'fence_ipmilanplus', shortdesc: 'Fence agent for IPMIv2 lanplus', defaults: { lanplus: '1' } },
    { name: 'fence_imm', shortdesc: 'Fence agent for IBM Integrated Management Module' },
    { name: 'fence_idrac', shortdesc: 'Fence agent for Dell iDRAC' },
  ],
  shortdesc: 'Fence agent for IPMI',
  longdesc: 'fence_ipmilan is a Power Fencing agent which can be used with machines controlled by IPMI. ' +
    'This implementation speaks IPMI v1.5 (lan: MD5, password) and IPMI v2.0 RMCP+ (lanplus: cipher suites 1, 2, 3) itself ' +
    'instead of calling ipmitool.\n\nWARNING! This fence agent might report success before the node is powered off. ' +
    'You should use -m/method onoff if your fence device works correctly with that option.',
  vendorUrl: '',
  options: ipmilanOptions(),
  actions: ['on', 'off', 'reboot', 'status', 'monitor', 'metadata', 'manpage', 'validate-all', 'diag'],
  hasPlugs: false,
  version: '4.12.1 (cluster-suite)',
  createDriver(options, log) {
    return new IpmiFenceDriver(ipmiSettings(options), log);
  },
};
