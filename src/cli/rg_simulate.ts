// rg_simulate: what-if tool for placement and recovery (crm_simulate's role in Pacemaker).
//   rg_simulate -f CONF [--online n1,n2,...] [--event EV]... [--json] [--why SVC] [--start-time EPOCH]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatProblem, parseClusterConf } from '../config/index.js';
import {
  PolicyInvariantError, Scenario, explainService, formatSimulationText, parseSimEvent, policyConfigFromCluster, serviceId,
  simulationJson, type SimEvent,
} from '../rgmanager/policy/index.js';

const HELP = `Usage: rg_simulate -f CONF [--online n1,n2,...] [--event EV]... [--json] [--why SVC]

Forms the cluster described by CONF with every node online (or only those given with --online),
starts services as at quorum formation, then applies the events in order, letting the cluster
settle after each one (starts, stops and fencing succeed unless an event says otherwise).
Prints the clustat view and the actions taken.

Options:
  -f, --file CONF        cluster.conf to simulate (required)
  -o, --online LIST      comma-separated nodes online at formation (default: all)
  -e, --event EV         an event (repeatable), applied in order
  -j, --json             machine-readable output
  -w, --why SVC          explain why SVC is where it is (after the events)
      --start-time SECS  simulated clock start, seconds since the epoch (default: now)
  -h, --help             this help

Events:
  node-down:N            N crashes / leaves the membership (it is fenced first)
  node-up:N              N (re)joins
  fence-fail:N           fencing N fails until fence-ack:N
  fence-ack:N            fence_ack_manual N
  qdisk-fail:N, qdisk-ok:N   N loses / regains the quorum disk
  fail:SVC               the status check of SVC fails on its owner
  partial:SVC            a non-critical resource of SVC fails (flag P)
  start-fail:SVC@N       starting SVC on N fails (until start-ok:SVC@N)
  stop-fail:SVC@N        stopping SVC on N fails (until stop-ok:SVC@N)
  migrate-fail:SVC@N     migrating SVC to N fails (agent rc 150)
  enable:SVC[@N]         clusvcadm -e (without N: the best node, as -F)
  disable:SVC, stop:SVC, restart:SVC, freeze:SVC, unfreeze:SVC, convalesce:SVC
  relocate:SVC[@N]       clusvcadm -r [-m N]
  migrate:SVC@N          clusvcadm -M SVC -m N (vm)
  wait:SECONDS           advance the clock (fencing retries, restart windows)
A service name without ':' means service:NAME (vm:NAME for virtual machines).

Exit status: 0 done; 1 bad options, config, events or names; 3 a safety invariant was violated.
`;

function fail(msg: string): never {
  process.stderr.write(`rg_simulate: ${msg}\n`);
  process.exit(1);
}

function main(): void {
  let args;
  try {
    args = parseArgs({
      options: {
        file: { type: 'string', short: 'f' }, online: { type: 'string', short: 'o' },
        event: { type: 'string', short: 'e', multiple: true }, json: { type: 'boolean', short: 'j' },
        why: { type: 'string', short: 'w' }, 'start-time': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true, allowPositionals: false,
    }).values;
  } catch (err) {
    fail(`${(err as Error).message}\n${HELP.split('\n')[0]}`);
  }
  if (args.help) { process.stdout.write(HELP); return; }
  if (args.file === undefined) fail('-f CONF is required (see --help)');
  let text: string;
  try { text = readFileSync(args.file, 'utf8'); } catch (err) { fail(`cannot read ${args.file}: ${(err as Error).message}`); }
  const parsed = parseClusterConf(text, args.file);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (parsed.config === undefined || errors.length > 0) fail(`invalid configuration:\n${errors.map(formatProblem).join('\n')}`);
  let startTimeMs = Date.now();
  if (args['start-time'] !== undefined) {
    if (!/^\d+$/.test(args['start-time'])) fail(`--start-time: '${args['start-time']}' is not a number of seconds`);
    startTimeMs = Number(args['start-time']) * 1000;
  }
  const sc = new Scenario(policyConfigFromCluster(parsed.config), startTimeMs);
  const online = args.online === undefined ? undefined : args.online.split(',').map((s) => s.trim()).filter((s) => s !== '');
  let events: SimEvent[];
  let why: string | undefined;
  try {
    events = (args.event ?? []).map((ev) => parseSimEvent(ev, sc.engine));
    if (args.why !== undefined) {
      why = serviceId(args.why);
      if (!sc.engine.hasService(why)) throw new Error(`--why: no service '${why}'`);
    }
    if (online !== undefined) for (const n of online) if (!sc.engine.hasNode(n)) throw new Error(`--online: no node '${n}' in the cluster`);
  } catch (err) {
    fail((err as Error).message);
  }
  try {
    sc.form(online);
    for (const ev of events) sc.apply(ev);
  } catch (err) {
    if (err instanceof PolicyInvariantError) {
      process.stderr.write(`rg_simulate: INVARIANT VIOLATED: ${err.message}\n`);
      process.exit(3);
    }
    throw err;
  }
  if (args.json) {
    const doc: Record<string, unknown> = { ...simulationJson(sc) };
    if (why !== undefined) doc['why'] = explainService(sc.engine, why);
    process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    return;
  }
  let out = formatSimulationText(sc, startTimeMs);
  if (why !== undefined) out += `\nWhy ${why}:\n${explainService(sc.engine, why).map((l) => `  ${l}`).join('\n')}\n`;
  process.stdout.write(out);
}

main();
