// bin/apc_pdu_sim: run our simulated APC PDU (pdu-sim.ts) in the foreground until SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startPduSim, type PduModel } from './pdu-sim.js';

const usage = `Usage: apc_pdu_sim [options]
Simulated APC switched PDU on SNMP v1/v2c/v3 (npm net-snmp agent), for tests and demos.
  --address ADDR          listen address (default 127.0.0.1; loopback only in tests)
  --port N                UDP port (default 1161)
  --outlets N             number of outlets (default 8)
  --names a,b,c           names of the first outlets (default "Outlet <n>")
  --model M               rpdu (default) | ms | ms6 | msp | tripplite | tripplite-lx
                          (the sysObjectID clients see; every layout is served)
  --ro-community C        read-only community (default public)
  --rw-community C        read-write community (default private; --community is the same)
  --v3-user U             SNMPv3 user (default fence; "" for none)
  --v3-auth-prot P        sha (default) | md5      --v3-auth-pass S  (default fencepass)
  --v3-priv-prot P        aes (default) | des      --v3-priv-pass S  (default fencepriv; "" = authNoPriv)
  --state-dir DIR         keep outlet states in DIR/outlet.<n>; DIR/stuck freezes the outlets
  --on-power-off CMD      shell command when an outlet turns off (env APC_OUTLET, APC_OUTLET_NAME,
                          APC_POWER); "N:CMD" sets it for outlet N only (repeatable)
  --on-power-on CMD       the same for power on
  --reboot-delay S        seconds between off and on of a reboot command (default 1)
  --initial on|off        state of outlets without a state file (default on)
  -v, --verbose           log every outlet change to stderr
  -h, --help
Prints "apc_pdu_sim: ready udp ADDR:PORT ..." on stdout once it answers.`;

function main(): void {
  const { values } = parseArgs({
    options: {
      address: { type: 'string' }, port: { type: 'string' }, outlets: { type: 'string' }, names: { type: 'string' },
      model: { type: 'string' }, 'ro-community': { type: 'string' }, 'rw-community': { type: 'string' },
      community: { type: 'string' }, 'v3-user': { type: 'string' }, 'v3-auth-prot': { type: 'string' },
      'v3-auth-pass': { type: 'string' }, 'v3-priv-prot': { type: 'string' }, 'v3-priv-pass': { type: 'string' },
      'state-dir': { type: 'string' }, 'on-power-off': { type: 'string', multiple: true },
      'on-power-on': { type: 'string', multiple: true }, 'reboot-delay': { type: 'string' }, initial: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) { process.stdout.write(usage + '\n'); return; }
  const num = (name: string, v: string | undefined, d: number) => {
    if (v === undefined) return d;
    const x = Number(v);
    if (!Number.isFinite(x) || x < 0) throw new Error(`--${name} must be a non-negative number, got '${v}'`);
    return x;
  };
  const model = (values.model ?? 'rpdu') as PduModel;
  if (!['rpdu', 'ms', 'ms6', 'msp', 'tripplite', 'tripplite-lx'].includes(model)) {
    throw new Error(`--model must be rpdu, ms, ms6, msp, tripplite or tripplite-lx, got '${model}'`);
  }
  const split = (list: string[] | undefined) => {
    let all: string | undefined;
    const per: Record<number, string> = {};
    for (const v of list ?? []) {
      const m = /^(\d+):(.*)$/s.exec(v);
      if (m !== null) per[Number(m[1])] = m[2] ?? ''; else all = v;
    }
    return { all, per };
  };
  const off = split(values['on-power-off']);
  const on = split(values['on-power-on']);
  const authProt = values['v3-auth-prot']?.toLowerCase() ?? 'sha';
  const privProt = values['v3-priv-prot']?.toLowerCase() ?? 'aes';
  if (authProt !== 'sha' && authProt !== 'md5') throw new Error('--v3-auth-prot must be sha or md5');
  if (privProt !== 'aes' && privProt !== 'des') throw new Error('--v3-priv-prot must be aes or des');
  const verbose = values.verbose === true;
  startPduSim({
    address: values.address ?? '127.0.0.1',
    port: num('port', values.port, 1161),
    outlets: num('outlets', values.outlets, 8),
    ...(values.names !== undefined ? { names: values.names.split(',') } : {}),
    model,
    roCommunity: values['ro-community'] ?? 'public',
    rwCommunity: values['rw-community'] ?? values.community ?? 'private',
    v3User: values['v3-user'] ?? 'fence',
    v3AuthProtocol: authProt, v3AuthPass: values['v3-auth-pass'] ?? 'fencepass',
    v3PrivProtocol: privProt, v3PrivPass: values['v3-priv-pass'] ?? 'fencepriv',
    ...(values['state-dir'] !== undefined ? { stateDir: values['state-dir'] } : {}),
    ...(off.all !== undefined ? { onPowerOff: off.all } : {}),
    ...(on.all !== undefined ? { onPowerOn: on.all } : {}),
    onPowerOffByOutlet: off.per, onPowerOnByOutlet: on.per,
    rebootDelayMs: num('reboot-delay', values['reboot-delay'], 1) * 1000,
    initialPower: values.initial === 'off' ? 'off' : 'on',
    log: (m) => { if (verbose) process.stderr.write(`apc_pdu_sim: ${m}\n`); },
  }).then((sim) => {
    process.stdout.write(`apc_pdu_sim: ready udp ${sim.address}:${sim.port} model ${model} outlets ${sim.outlets} pid ${process.pid}\n`);
    const stop = () => { void sim.close().then(() => process.exit(0)); };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }, (err: unknown) => {
    process.stderr.write(`apc_pdu_sim: error: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

try {
  main();
} catch (err) {
  process.stderr.write(`apc_pdu_sim: error: ${(err as Error).message} (try --help)\n`);
  process.exitCode = 1;
}
