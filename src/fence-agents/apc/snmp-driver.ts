// The fence_apc_snmp driver: one SNMP session (npm net-snmp, v1/v2c/v3) to an APC or Tripplite
// PDU. connect() reads sysObjectID to pick the model's OIDs; plugs are outlet numbers,
// `switch:outlet`, or outlet names looked up in the model's name table (exact, case-sensitive).
import type netSnmp from 'net-snmp';
import type { User, Session, Varbind, SessionOptions } from 'net-snmp';
import { createRequire } from 'node:module';
import { createCipheriv } from 'node:crypto';
import { FenceError, type FenceDriver, type PlugInfo, type PowerState } from '../agent/driver.js';
import type { FenceOptions } from '../agent/options.js';
import { type ApcModel, modelForSysObjectId, outletIdFromNameOid, outletSuffix } from './models.js';

// Loaded through require(): importing this large CommonJS file from ESM makes Node scan it for
// named exports (cjs-module-lexer), which costs ~45 ms of every agent process start.
const snmp = createRequire(import.meta.url)('net-snmp') as typeof netSnmp;

const sysObjectIdOid = '1.3.6.1.2.1.1.2.0';
/** Bound on outlets read from a name table. */
const maxOutlets = 4096;
/** OIDs per GET when list-status reads states. */
const getBatch = 16;

interface Outlet {
  readonly switchNo: string;
  readonly outlet: string;
}

export interface ApcSnmpSettings {
  readonly host: string;
  readonly port: number;
  readonly version: '1' | '2c' | '3';
  readonly community: string;
  readonly user?: User;
  readonly transport: 'udp4' | 'udp6';
  readonly switchNo: string;
  /** Whole budget per request (retransmitted every ≤1 s). */
  readonly requestBudgetMs: number;
  readonly log: (message: string) => void;
}

/** Settings from validated fence_apc_snmp options. */
export function settingsFromOptions(o: FenceOptions, log: (message: string) => void = () => undefined): ApcSnmpSettings {
  const version = (o.get('snmp_version') ?? '1') as '1' | '2c' | '3';
  const budget = o.ms('login_timeout') + o.ms('shell_timeout');
  const host = o.str('ip');
  const v6 = o.flag('inet6_only') || (host.includes(':') && !o.flag('inet4_only'));
  let user: User | undefined;
  if (version === '3') {
    const password = o.get('password');
    const priv = o.get('snmp_priv_passwd');
    const levelName = o.get('snmp_sec_level')
      ?? (password !== undefined && priv !== undefined ? 'authPriv' : password !== undefined ? 'authNoPriv' : 'noAuthNoPriv');
    const level = snmp.SecurityLevel[levelName as keyof typeof snmp.SecurityLevel];
    user = { name: o.str('username'), level };
    if (levelName !== 'noAuthNoPriv') {
      user.authProtocol = (o.get('snmp_auth_prot') ?? 'MD5') === 'SHA' ? snmp.AuthProtocols.sha : snmp.AuthProtocols.md5;
      user.authKey = password ?? '';
    }
    if (levelName === 'authPriv') {
      user.privProtocol = (o.get('snmp_priv_prot') ?? 'DES') === 'AES' ? snmp.PrivProtocols.aes : snmp.PrivProtocols.des;
      user.privKey = priv ?? '';
    }
  }
  return {
    host, port: o.int('ipport', 161), version, community: o.get('community') ?? 'private',
    ...(user !== undefined ? { user } : {}),
    transport: v6 ? 'udp6' : 'udp4', switchNo: o.get('switch') ?? '1',
    requestBudgetMs: budget > 0 ? budget : 6000, log,
  };
}

function errorStatusName(status: number): string {
  const n = snmp.ErrorStatus[status];
  return typeof n === 'string' ? n.charAt(0).toLowerCase() + n.slice(1) : `error ${status}`;
}

export class ApcSnmpDriver implements FenceDriver {
  private readonly s: ApcSnmpSettings;
  private session: Session | undefined;
  private model: ApcModel | undefined;
  private names: Map<string, Outlet> | undefined;
  private socketError: Error | undefined;

  constructor(settings: ApcSnmpSettings) {
    this.s = settings;
  }

  /** The model picked by connect(). */
  get detectedModel(): ApcModel | undefined {
    return this.model;
  }

  private where(): string {
    return `${this.s.host}:${this.s.port}`;
  }

  /** Translate net-snmp failures into fence-agents' failures with a useful explanation. */
  private fail(err: unknown, what: string, set: boolean): FenceError {
    if (err instanceof FenceError) return err;
    const e = err as Error & { status?: number; name?: string };
    if (e.name === 'RequestTimedOutError') {
      const cred = this.s.version === '3' ? `user '${this.s.user?.name ?? ''}'` : `community '${this.s.community}'`;
      return new FenceError('timeout', `no SNMP v${this.s.version} answer from ${this.where()} to ${what} within ` +
        `${this.s.requestBudgetMs} ms (device unreachable, or ${cred} not accepted)`);
    }
    if (e.name === 'RequestFailedError' && typeof e.status === 'number') {
      const name = errorStatusName(e.status);
      if (set && ['noAccess', 'noSuchName', 'notWritable', 'readOnly', 'authorizationError', 'noCreation'].includes(name)) {
        return new FenceError('privileges', `SNMP SET for ${what} refused by ${this.where()}: ${name} ` +
          `(read-only community or user? outlet exists?)`);
      }
      if (name === 'authorizationError') {
        return new FenceError('login', `SNMP v${this.s.version} access to ${what} denied by ${this.where()}: ${name} (security level or view?)`);
      }
      if (name === 'noSuchName') return new FenceError('status', `${what}: no such outlet/OID on ${this.where()} (noSuchName)`);
      return new FenceError('generic', `${what}: the device answered ${name}`);
    }
    const msg = e.message ?? String(err);
    if (e.name === 'ResponseInvalidError' && /digest|authentic|unknown user|security level|decrypt|engine|not in time/i.test(msg)) {
      return new FenceError('login', `SNMPv3 user '${this.s.user?.name ?? ''}' rejected by ${this.where()}: ${msg}`);
    }
    if (this.socketError !== undefined) return new FenceError('connection-lost', `${this.where()}: ${this.socketError.message}`);
    return new FenceError('generic', `${what}: ${msg}`);
  }

  private req<T>(what: string, set: boolean, run: (s: Session, cb: (e: Error | null, v: T) => void) => void): Promise<T> {
    const session = this.session;
    if (session === undefined) return Promise.reject(new FenceError('connection-lost', 'not connected'));
    return new Promise<T>((resolve, reject) => {
      try {
        run(session, (e, v) => (e !== null ? reject(this.fail(e, what, set)) : resolve(v)));
      } catch (e) {
        reject(this.fail(e, what, set));
      }
    });
  }

  private get(oids: string[], what: string): Promise<Varbind[]> {
    return this.req<Varbind[]>(what, false, (s, cb) => s.get(oids, cb));
  }

  private walk(oid: string, what: string): Promise<Varbind[]> {
    const rows: Varbind[] = [];
    return this.req<Varbind[]>(what, false, (s, cb) => s.subtree(oid, 20, (vbs) => {
      for (const vb of vbs) if (!snmp.isVarbindError(vb)) rows.push(vb);
      return rows.length >= maxOutlets;
    }, (e) => cb(e, rows)));
  }

  async connect(): Promise<void> {
    if (this.s.user?.privProtocol === snmp.PrivProtocols.des) {
      try {
        createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
      } catch {
        throw new FenceError('generic', 'SNMPv3 DES privacy needs Node started with --openssl-legacy-provider ' +
          '(bin/fence_apc_snmp does so; for in-process use start the daemon with it or use AES)');
      }
    }
    const retryMs = Math.min(1000, this.s.requestBudgetMs);
    const opts: SessionOptions = {
      port: this.s.port, transport: this.s.transport, timeout: retryMs,
      retries: Math.max(0, Math.floor(this.s.requestBudgetMs / retryMs) - 1),
      version: this.s.version === '1' ? snmp.Version1 : this.s.version === '2c' ? snmp.Version2c : snmp.Version3,
    };
    this.session = this.s.user !== undefined
      ? snmp.createV3Session(this.s.host, this.s.user, opts)
      : snmp.createSession(this.s.host, this.s.community, opts);
    this.session.on('error', (e) => { this.socketError = e; });
    const vbs = await this.get([sysObjectIdOid], 'sysObjectID');
    const vb = vbs[0];
    const id = vb !== undefined && !snmp.isVarbindError(vb) ? String(vb.value) : '';
    this.model = modelForSysObjectId(id);
    this.s.log(`sysObjectID ${id || '(none)'}: Trying ${this.model.label}`);
  }

  private requireModel(): ApcModel {
    if (this.model === undefined) throw new FenceError('connection-lost', 'not connected');
    return this.model;
  }

  /** Names table: outlet name → outlet, and the list in table order. */
  private async nameTable(): Promise<{ byName: Map<string, Outlet>; list: { id: string; name: string; outlet: Outlet }[] }> {
    const model = this.requireModel();
    const rows = await this.walk(model.namesOid, 'outlet name table');
    const list: { id: string; name: string; outlet: Outlet }[] = [];
    const byName = new Map<string, Outlet>();
    for (const vb of rows) {
      const id = outletIdFromNameOid(model, vb.oid);
      if (id === undefined) continue;
      const name = (Buffer.isBuffer(vb.value) ? vb.value.toString('utf8') : String(vb.value)).replace(/"/g, '');
      const [a, b] = id.split(':');
      const outlet: Outlet = b !== undefined ? { switchNo: a ?? '1', outlet: b } : { switchNo: this.s.switchNo, outlet: id };
      list.push({ id, name, outlet });
      if (!byName.has(name)) byName.set(name, outlet);
    }
    this.names = byName;
    return { byName, list };
  }

  /** `3`, `1:3` or a name → outlet. Numbers are used as given (the device says if they exist). */
  private async resolve(plug: string): Promise<Outlet> {
    const m = /^(\d+):(\d+)$/.exec(plug);
    if (m !== null) return { switchNo: m[1] ?? '1', outlet: m[2] ?? '' };
    if (/^\d+$/.test(plug)) return { switchNo: this.s.switchNo, outlet: plug };
    const byName = this.names ?? (await this.nameTable()).byName;
    const hit = byName.get(plug);
    if (hit === undefined) {
      throw new FenceError('plug-not-found', undefined, `Failed: Can't find port with name ${plug}!`);
    }
    return hit;
  }

  private stateOf(vb: Varbind | undefined, plug: string, model: ApcModel): PowerState {
    if (vb === undefined || snmp.isVarbindError(vb)) {
      throw new FenceError('status', `outlet ${plug} does not exist on ${this.where()} (${vb !== undefined ? snmp.varbindError(vb) : 'no value'})`);
    }
    return Number(vb.value) === model.stateOn ? 'on' : 'off';
  }

  async getPower(plug: string): Promise<PowerState> {
    const model = this.requireModel();
    const o = await this.resolve(plug);
    const oid = `${model.statusOid}.${outletSuffix(model, o.switchNo, o.outlet)}`;
    const vbs = await this.get([oid], `status of outlet ${plug}`);
    return this.stateOf(vbs[0], plug, model);
  }

  async setPower(plug: string, state: PowerState): Promise<void> {
    const model = this.requireModel();
    const o = await this.resolve(plug);
    const oid = `${model.controlOid}.${outletSuffix(model, o.switchNo, o.outlet)}`;
    const value = state === 'on' ? model.turnOn : model.turnOff;
    this.s.log(`SET ${oid} = ${value} (${state})`);
    await this.req<Varbind[]>(`power ${state} of outlet ${plug}`, true,
      (s, cb) => s.set([{ oid, type: snmp.ObjectType.Integer ?? 2, value }], cb));
  }

  async listPlugs(): Promise<PlugInfo[]> {
    const model = this.requireModel();
    const { list } = await this.nameTable();
    const states = new Map<string, PowerState>();
    for (let i = 0; i < list.length; i += getBatch) {
      const part = list.slice(i, i + getBatch);
      try {
        const vbs = await this.get(part.map((p) => `${model.statusOid}.${outletSuffix(model, p.outlet.switchNo, p.outlet.outlet)}`), 'outlet states');
        part.forEach((p, j) => {
          const vb = vbs[j];
          if (vb !== undefined && !snmp.isVarbindError(vb)) states.set(p.id, Number(vb.value) === model.stateOn ? 'on' : 'off');
        });
      } catch {
        break; // states stay UNKNOWN; list itself succeeded
      }
    }
    return list.map((p) => {
      const st = states.get(p.id);
      return st !== undefined ? { id: p.id, name: p.name, status: st } : { id: p.id, name: p.name };
    });
  }

  async monitor(): Promise<void> {
    await this.walk(this.requireModel().namesOid, 'outlet name table');
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s !== undefined) {
      try { s.close(); } catch { /* already closed */ }
    }
  }
}
