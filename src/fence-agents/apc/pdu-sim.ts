// Our APC switched PDU simulator on npm net-snmp's agent: SNMP v1/v2c (read-only and read-write
// communities) and v3 (one user, auth MD5/SHA, priv DES/AES). It serves, over one shared outlet
// state, the PowerNet-MIB tables fence_apc_snmp uses for every APC model (research/fence.md §2.3):
//   rPDU   status .1.3.6.1.4.1.318.1.1.12.3.5.1.1.{2 name,4 state}.<n>, control .12.3.3.1.1.4.<n>
//   MS     sPDUOutletCtl .1.3.6.1.4.1.318.1.1.4.4.2.1.3.<n> (get and set), name .4.4.2.1.4.<n>
//   MSP    status .1.3.6.1.4.1.318.1.1.6.7.1.1.{4 name,5 state}.1.1.<n>, control .6.5.1.1.5.1.1.<n>
//   Tripplite    .1.3.6.1.4.1.850.10.2.3.5.1.{2 state,4 command,5 name}.1.<n>   (2 on, 1 off)
//   Tripplite LX .1.3.6.1.4.1.850.1.1.3.2.3.3.1.1.{2 name,4 state,6 command}.1.<n>
// sysObjectID (model) decides which one a client picks. Each outlet can run a command when it
// powers off or on (so a simulated node really dies), outlet states persist in a state dir, and
// a `stuck` file there (or setStuck()) makes commands succeed but change nothing.
import type netSnmp from 'net-snmp';
import type { Agent, MibRequest } from 'net-snmp';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';

// Loaded through require(): importing this large CommonJS file from ESM makes Node scan it for
// named exports (cjs-module-lexer), which costs ~45 ms of every agent process start.
const snmp = createRequire(import.meta.url)('net-snmp') as typeof netSnmp;

export type PduModel = 'rpdu' | 'ms' | 'ms6' | 'msp' | 'tripplite' | 'tripplite-lx';

export const pduModelSysObjectIds: Readonly<Record<PduModel, string>> = {
  rpdu: '1.3.6.1.4.1.318.1.3.4.5',
  msp: '1.3.6.1.4.1.318.1.3.4.4',
  ms6: '1.3.6.1.4.1.318.1.3.4.6',
  ms: '1.3.6.1.4.1.318.1.3.4.2',
  tripplite: '1.3.6.1.4.1.850.1',
  'tripplite-lx': '1.3.6.1.4.1.850.1.1.1',
};

export interface PduSimOptions {
  readonly address?: string;
  readonly port: number;
  readonly outlets?: number;
  /** Names of the first outlets; the rest are "Outlet <n>". */
  readonly names?: readonly string[];
  readonly model?: PduModel;
  readonly roCommunity?: string;
  readonly rwCommunity?: string;
  /** SNMPv3 user (read-write). Omit name to have none. */
  readonly v3User?: string;
  readonly v3AuthProtocol?: 'md5' | 'sha';
  readonly v3AuthPass?: string;
  readonly v3PrivProtocol?: 'des' | 'aes';
  /** Empty/undefined → the user is authNoPriv. */
  readonly v3PrivPass?: string;
  /** Outlet states live in `<stateDir>/outlet.<n>` (1 on / 2 off); `<stateDir>/stuck` freezes them. */
  readonly stateDir?: string;
  /** Shell commands run on a transition, with APC_OUTLET, APC_OUTLET_NAME, APC_POWER in the environment. */
  readonly onPowerOff?: string;
  readonly onPowerOn?: string;
  /** Per-outlet commands (outlet number → command) override the above. */
  readonly onPowerOffByOutlet?: Readonly<Record<number, string>>;
  readonly onPowerOnByOutlet?: Readonly<Record<number, string>>;
  /** Off-to-on delay of a reboot command (default 1000 ms). */
  readonly rebootDelayMs?: number;
  /** Initial state of outlets without a state file (default on). */
  readonly initialPower?: 'on' | 'off';
  readonly log?: (message: string) => void;
}

export interface PduSim {
  readonly port: number;
  readonly address: string;
  readonly outlets: number;
  power(outlet: number): 'on' | 'off';
  /** Change an outlet as if from outside (runs the transition command). */
  setPower(outlet: number, state: 'on' | 'off'): void;
  setStuck(stuck: boolean): void;
  /** SETs that changed or tried to change an outlet, for tests. */
  readonly commandsReceived: number;
  close(): Promise<void>;
}

const base = '1.3.6.1.4.1.318.1.1';
const ON = 1;
const OFF = 2;
const maxOutlets = 1024;

interface ResponseVarbind { oid: string; type: number; value: unknown; previousOid?: string }
interface ResponsePdu { errorStatus?: number; errorIndex?: number; varbinds: ResponseVarbind[] }
type SendResponse = (socket: unknown, rinfo: unknown, request: { version: number }, pdu: ResponsePdu) => void;

/**
 * SNMPv1 has no exception values (noSuchObject, noSuchInstance, endOfMibView): an agent must answer
 * a v1 request that hits one with error noSuchName and the index of that varbind (RFC 3584
 * §4.2.1). net-snmp 3.29's agent sends the v2 exception inside a v1 response, which v1 managers
 * misread (snmpwalk prints "No more variables left..." as a value). Fix it on this agent instance.
 */
function patchV1Exceptions(agent: Agent): void {
  const target = agent as unknown as { sendResponse: SendResponse };
  const original = target.sendResponse.bind(agent);
  target.sendResponse = (socket, rinfo, request, pdu) => {
    if (request.version === snmp.Version1 && (pdu.errorStatus ?? 0) === 0) {
      const i = pdu.varbinds.findIndex((vb) => vb.type === 128 || vb.type === 129 || vb.type === 130);
      if (i >= 0) {
        pdu.errorStatus = snmp.ErrorStatus['NoSuchName'] ?? 2;
        pdu.errorIndex = i + 1;
        pdu.varbinds = pdu.varbinds.map((vb) => ({ oid: vb.previousOid ?? vb.oid, type: snmp.ObjectType['Null'] ?? 5, value: null }));
      }
    }
    original(socket, rinfo, request, pdu);
  };
}

export async function startPduSim(opts: PduSimOptions): Promise<PduSim> {
  const address = opts.address ?? '127.0.0.1';
  const n = opts.outlets ?? 8;
  if (!Number.isInteger(n) || n < 1 || n > maxOutlets) throw new Error(`outlets must be 1..${maxOutlets}, got ${n}`);
  const log = opts.log ?? (() => undefined);
  const model = opts.model ?? 'rpdu';
  const rebootDelayMs = opts.rebootDelayMs ?? 1000;
  const names: string[] = [];
  for (let i = 1; i <= n; i++) names.push(opts.names?.[i - 1] ?? `Outlet ${i}`);
  if (opts.stateDir !== undefined) mkdirSync(opts.stateDir, { recursive: true });
  if (opts.v3PrivProtocol === 'des' && opts.v3PrivPass !== undefined && opts.v3PrivPass !== '') {
    try {
      createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
    } catch {
      throw new Error('SNMPv3 DES privacy needs Node started with --openssl-legacy-provider (bin/apc_pdu_sim does so)');
    }
  }

  const state: number[] = [];
  for (let i = 1; i <= n; i++) {
    let s = opts.initialPower === 'off' ? OFF : ON;
    if (opts.stateDir !== undefined) {
      const f = path.join(opts.stateDir, `outlet.${i}`);
      if (existsSync(f)) s = readFileSync(f, 'utf8').trim() === '2' ? OFF : ON;
    }
    state.push(s);
  }
  let stuck = false;
  let commands = 0;
  const rebootTimers = new Map<number, NodeJS.Timeout>();
  const children = new Set<ReturnType<typeof spawn>>();

  let agentError: Error | undefined;
  let onAgentError: (e: Error) => void = () => undefined;
  const agent: Agent = snmp.createAgent({
    port: opts.port, address, disableAuthorization: false,
    accessControlModelType: snmp.AccessControlModelType.Simple,
  }, (err) => {
    if (err !== null) { agentError = err; log(`agent error: ${err.message}`); onAgentError(err); }
  });
  patchV1Exceptions(agent);
  const authorizer = agent.getAuthorizer();
  const acm = authorizer.getAccessControlModel();
  const ro = opts.roCommunity ?? 'public';
  const rw = opts.rwCommunity ?? 'private';
  authorizer.addCommunity(ro);
  acm.setCommunityAccess(ro, snmp.AccessLevel.ReadOnly);
  authorizer.addCommunity(rw);
  acm.setCommunityAccess(rw, snmp.AccessLevel.ReadWrite);
  if (opts.v3User !== undefined && opts.v3User !== '') {
    const priv = opts.v3PrivPass !== undefined && opts.v3PrivPass !== '';
    authorizer.addUser({
      name: opts.v3User,
      level: priv ? snmp.SecurityLevel.authPriv : snmp.SecurityLevel.authNoPriv,
      authProtocol: opts.v3AuthProtocol === 'md5' ? snmp.AuthProtocols.md5 : snmp.AuthProtocols.sha,
      authKey: opts.v3AuthPass ?? 'fencepass',
      ...(priv ? { privProtocol: opts.v3PrivProtocol === 'des' ? snmp.PrivProtocols.des : snmp.PrivProtocols.aes,
        privKey: opts.v3PrivPass } : {}),
    });
    acm.setUserAccess(opts.v3User, snmp.AccessLevel.ReadWrite);
  }

  const mib = agent.getMib();
  const I = snmp.ObjectType['Integer'] ?? 2;
  const S = snmp.ObjectType['OctetString'] ?? 4;
  const RO = snmp.MaxAccess['read-only'] ?? 2;
  const RW = snmp.MaxAccess['read-write'] ?? 3;
  const NA = snmp.MaxAccess['not-accessible'] ?? 0;
  const isSet = (req: MibRequest) => req.operation === snmp.PduType['SetRequest'];
  /** Test phase of a SET (net-snmp calls the handler twice: test, then commit). */
  const isTest = (req: MibRequest) => (req as MibRequest & { testSet?: boolean }).testSet === true;

  const scalar = (name: string, oid: string, type: number, value: unknown) => {
    mib.registerProvider({ name, type: snmp.MibProviderType.Scalar, oid, scalarType: type, maxAccess: RO });
    mib.setScalarValue(name, value);
  };
  scalar('sysObjectID', '1.3.6.1.2.1.1.2', snmp.ObjectType['OID'] ?? 6, pduModelSysObjectIds[model]);
  scalar('sysDescr', '1.3.6.1.2.1.1.1', S, `APC Web/SNMP Management Card (cluster-suite apc_pdu_sim, model ${model})`);
  scalar('sysName', '1.3.6.1.2.1.1.5', S, 'apc-pdu-sim');
  scalar('sPDUOutletControlTableSize', `${base}.4.4.1`, I, n);
  scalar('rPDUIdentName', `${base}.12.1.1`, S, 'apc-pdu-sim');
  scalar('rPDUOutletDevNumCntrlOutlets', `${base}.12.3.1.3`, I, n);

  // Mirrors of the outlet state in every table.
  const mirror = (i: number) => {
    const s = state[i - 1] ?? OFF;
    mib.setTableSingleCell('rPDUOutletStatus', 4, [i], s);
    mib.setTableSingleCell('rPDUOutletControl', 4, [i], s === ON ? 1 : 2);
    mib.setTableSingleCell('sPDUOutletCtl', 3, [i], s);
    mib.setTableSingleCell('mspStatus', 5, [1, 1, i], s);
    mib.setTableSingleCell('mspControl', 5, [1, 1, i], s === ON ? 1 : 3);
    const t = s === ON ? 2 : 1;
    mib.setTableSingleCell('tripplite', 2, [1, i], t);
    mib.setTableSingleCell('tripplite', 4, [1, i], t);
    mib.setTableSingleCell('trippliteLx', 4, [1, i], t);
    mib.setTableSingleCell('trippliteLx', 6, [1, i], t);
  };
  const persist = (i: number) => {
    if (opts.stateDir === undefined) return;
    const f = path.join(opts.stateDir, `outlet.${i}`);
    writeFileSync(`${f}.tmp`, `${state[i - 1]}\n`);
    renameSync(`${f}.tmp`, f);
  };
  const isStuck = () => stuck || (opts.stateDir !== undefined && existsSync(path.join(opts.stateDir, 'stuck')));
  const runHook = (i: number, s: number) => {
    const cmd = s === OFF ? (opts.onPowerOffByOutlet?.[i] ?? opts.onPowerOff) : (opts.onPowerOnByOutlet?.[i] ?? opts.onPowerOn);
    if (cmd === undefined || cmd === '') return;
    const child = spawn('/bin/sh', ['-c', cmd], {
      stdio: 'ignore',
      env: { ...process.env, APC_OUTLET: String(i), APC_OUTLET_NAME: names[i - 1] ?? '', APC_POWER: s === ON ? 'on' : 'off' },
    });
    children.add(child);
    child.on('exit', (code) => { children.delete(child); log(`outlet ${i} ${s === ON ? 'on' : 'off'} command exited ${code}`); });
    child.on('error', (e) => { children.delete(child); log(`outlet ${i} command failed: ${e.message}`); });
  };
  const apply = (i: number, s: number) => {
    if (i < 1 || i > n || state[i - 1] === s) return;
    state[i - 1] = s;
    mirror(i);
    persist(i);
    log(`outlet ${i} (${names[i - 1]}) ${s === ON ? 'on' : 'off'}`);
    runHook(i, s);
  };
  /** A command for outlet i: 'on' | 'off' | 'reboot' | 'none'. */
  const command = (i: number, what: 'on' | 'off' | 'reboot' | 'none') => {
    commands++;
    if (what === 'none' || isStuck()) return;
    const pending = rebootTimers.get(i);
    if (pending !== undefined) { clearTimeout(pending); rebootTimers.delete(i); }
    if (what === 'reboot') {
      apply(i, OFF);
      rebootTimers.set(i, setTimeout(() => { rebootTimers.delete(i); if (!isStuck()) apply(i, ON); }, rebootDelayMs));
    } else {
      apply(i, what === 'on' ? ON : OFF);
    }
  };
  /** Handler for a writable command column; `decode` maps a value to a command or undefined (wrongValue). */
  const commandHandler = (outletOf: (oid: string) => number, decode: (v: number) => 'on' | 'off' | 'reboot' | 'none' | undefined) =>
    (req: MibRequest) => {
      if (!isSet(req)) { req.done(); return; }
      const what = decode(Number(req.setValue));
      if (what === undefined) { req.done({ errorStatus: snmp.ErrorStatus['WrongValue'] ?? 10 }); return; }
      if (!isTest(req)) command(outletOf(req.oid), what);
      req.done();
    };
  const lastArc = (oid: string) => Number(oid.split('.').pop());

  // rPDU: rPDUOutletStatusEntry (.12.3.5.1.1) and rPDUOutletControlEntry (.12.3.3.1.1)
  mib.registerProvider({ name: 'rPDUOutletStatus', type: snmp.MibProviderType.Table, oid: `${base}.12.3.5.1.1`, maxAccess: NA,
    tableColumns: [{ number: 1, name: 'index', type: I, maxAccess: RO }, { number: 2, name: 'name', type: S, maxAccess: RO },
      { number: 4, name: 'state', type: I, maxAccess: RO }],
    tableIndex: [{ columnName: 'index' }] });
  mib.registerProvider({ name: 'rPDUOutletControl', type: snmp.MibProviderType.Table, oid: `${base}.12.3.3.1.1`, maxAccess: NA,
    tableColumns: [{ number: 1, name: 'index', type: I, maxAccess: RO }, { number: 2, name: 'name', type: S, maxAccess: RO },
      { number: 4, name: 'command', type: I, maxAccess: RW }],
    tableIndex: [{ columnName: 'index' }],
    handler: commandHandler(lastArc, (v) => ({ 1: 'on', 2: 'off', 3: 'reboot', 4: 'on', 5: 'off', 6: 'reboot', 7: 'none', 8: 'off', 9: 'reboot' } as const)[v]) });
  // Master Switch: sPDUOutletCtlEntry (.4.4.2.1): 1 index, 2 pending, 3 ctl (get state / set command), 4 name
  mib.registerProvider({ name: 'sPDUOutletCtl', type: snmp.MibProviderType.Table, oid: `${base}.4.4.2.1`, maxAccess: NA,
    tableColumns: [{ number: 1, name: 'index', type: I, maxAccess: RO }, { number: 2, name: 'pending', type: I, maxAccess: RO },
      { number: 3, name: 'ctl', type: I, maxAccess: RW }, { number: 4, name: 'name', type: S, maxAccess: RO }],
    tableIndex: [{ columnName: 'index' }],
    handler: commandHandler(lastArc, (v) => ({ 1: 'on', 2: 'off', 3: 'reboot', 5: 'on', 6: 'off', 7: 'reboot' } as const)[v]) });
  // Master Switch+: index <switch>.<unit 1>.<outlet>
  const mspCols = (w: number) => [{ number: 1, name: 'switch', type: I, maxAccess: NA }, { number: 2, name: 'unit', type: I, maxAccess: NA },
    { number: 3, name: 'outlet', type: I, maxAccess: NA }, { number: 4, name: 'name', type: S, maxAccess: RO },
    { number: 5, name: 'state', type: I, maxAccess: w }];
  const mspIndex = [{ columnName: 'switch' }, { columnName: 'unit' }, { columnName: 'outlet' }];
  mib.registerProvider({ name: 'mspStatus', type: snmp.MibProviderType.Table, oid: `${base}.6.7.1.1`, maxAccess: NA,
    tableColumns: mspCols(RO), tableIndex: mspIndex });
  mib.registerProvider({ name: 'mspControl', type: snmp.MibProviderType.Table, oid: `${base}.6.5.1.1`, maxAccess: NA,
    tableColumns: mspCols(RW), tableIndex: mspIndex,
    handler: commandHandler(lastArc, (v) => ({ 1: 'on', 2: 'on', 3: 'off', 4: 'reboot', 5: 'reboot', 6: 'off', 7: 'none', 8: 'none' } as const)[v]) });

  // Tripplite: index <device 1>.<outlet>; values 2 on, 1 off
  const tIndex = [{ columnName: 'device' }, { columnName: 'outlet' }];
  const tripDecode = (v: number) => ({ 1: 'off', 2: 'on', 3: 'reboot' } as const)[v];
  mib.registerProvider({ name: 'tripplite', type: snmp.MibProviderType.Table, oid: '1.3.6.1.4.1.850.10.2.3.5.1', maxAccess: NA,
    tableColumns: [{ number: 1, name: 'device', type: I, maxAccess: NA }, { number: 2, name: 'state', type: I, maxAccess: RO },
      { number: 3, name: 'outlet', type: I, maxAccess: NA }, { number: 4, name: 'command', type: I, maxAccess: RW },
      { number: 5, name: 'name', type: S, maxAccess: RO }],
    tableIndex: tIndex, handler: commandHandler(lastArc, tripDecode) });
  mib.registerProvider({ name: 'trippliteLx', type: snmp.MibProviderType.Table, oid: '1.3.6.1.4.1.850.1.1.3.2.3.3.1.1', maxAccess: NA,
    tableColumns: [{ number: 1, name: 'device', type: I, maxAccess: NA }, { number: 2, name: 'name', type: S, maxAccess: RO },
      { number: 3, name: 'outlet', type: I, maxAccess: NA }, { number: 4, name: 'state', type: I, maxAccess: RO },
      { number: 6, name: 'command', type: I, maxAccess: RW }],
    tableIndex: tIndex, handler: commandHandler(lastArc, tripDecode) });

  for (let i = 1; i <= n; i++) {
    const s = state[i - 1] ?? ON;
    const name = names[i - 1] ?? `Outlet ${i}`;
    mib.addTableRow('rPDUOutletStatus', [i, name, s]);
    mib.addTableRow('rPDUOutletControl', [i, name, s === ON ? 1 : 2]);
    mib.addTableRow('sPDUOutletCtl', [i, 2, s, name]);
    mib.addTableRow('mspStatus', [1, 1, i, name, s]);
    mib.addTableRow('mspControl', [1, 1, i, name, s === ON ? 1 : 3]);
    const t = s === ON ? 2 : 1;
    mib.addTableRow('tripplite', [1, t, i, t, name]);
    mib.addTableRow('trippliteLx', [1, name, i, t, t]);
  }

  // Wait until the socket is bound; a bind error (port busy) arrives through the agent callback.
  const sockets = Object.values((agent as unknown as { listener: { sockets: Record<string, import('node:dgram').Socket> } }).listener.sockets);
  try {
    await new Promise<void>((resolve, reject) => {
      if (agentError !== undefined) { reject(agentError); return; }
      onAgentError = reject;
      let pending = sockets.length;
      for (const s of sockets) s.once('listening', () => { if (--pending === 0) resolve(); });
    });
  } catch (err) {
    await new Promise<void>((resolve) => { try { agent.close(() => resolve()); } catch { resolve(); } });
    throw new Error(`cannot listen on udp ${address}:${opts.port}: ${(err as Error).message}`);
  } finally {
    onAgentError = () => undefined;
  }
  log(`APC PDU (${model}) on udp ${address}:${opts.port}, ${n} outlets`);

  return {
    port: opts.port,
    address,
    outlets: n,
    power: (i) => (state[i - 1] === ON ? 'on' : 'off'),
    setPower: (i, s) => apply(i, s === 'on' ? ON : OFF),
    setStuck: (v) => { stuck = v; },
    get commandsReceived() { return commands; },
    close: () => new Promise<void>((resolve) => {
      for (const t of rebootTimers.values()) clearTimeout(t);
      rebootTimers.clear();
      agent.close(() => resolve());
    }),
  };
}
