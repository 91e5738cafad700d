// `npm run demo`: a live 3-node cluster on loopback. Generates a cluster.conf, puts each node's
// power behind a simulated BMC (nodes 1, 2) or an APC PDU outlet (node 3), starts the nodes, shows
// clustat, crashes the owner of service:web with SIGKILL, follows fencing and recovery on the event
// stream with timings, waits for the fenced node to come back, and stops everything.
//
//   npm run demo                      the whole story, non-interactive
//   npm run demo -- --keep            leave the cluster running to explore (prints how)
//   npm run demo -- --stop DIR        stop a cluster left by --keep
//   npm run demo -- --summary [FILE]  only the configuration summary (cluster.conf.example default)
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadClusterConf, formatProblem } from '../config/index.js';
import { summarizeConfig } from '../config/summary.js';
import type { ApiClient } from '../api/index.js';
import type { RgServiceEvent, RgServiceStatus } from '../api/rgmanager.js';
import type { FenceHistoryEntry, FenceVictimEvent } from '../api/fenced.js';
import type { CmanStatus } from '../api/cman.js';
import { LocalCluster, repoRoot, binPath } from './local-cluster.js';

const USAGE = `Usage: npm run demo -- [--keep] [--token MS] [--slot N]
       npm run demo -- --stop DIR
       npm run demo -- --summary [FILE]

A live 3-node cluster on 127.0.3.1-3: nodes 1 and 2 are powered through simulated IPMI BMCs
(ipmi_bmc_sim), node 3 through a simulated APC PDU (apc_pdu_sim); powering a node off kills its
clusterd, powering it on boots it. Two services (web, db) in ordered failover domains. The demo
prints clustat, crashes the owner of service:web (SIGKILL), shows fencing and recovery with
timings, waits for the fenced node to come back, then stops everything.

  --keep         leave the cluster running afterwards and print how to explore it
  --stop DIR     stop a cluster left running by --keep
  --token MS     totem token timeout (default 1000)
  --slot N       address/port slot 0..4 (default 0: nodes 127.0.3.1-3, simulator ports 9801-9819)
  --summary      print only the configuration summary of FILE (default cluster.conf.example)
  -h, --help     this text
`;

const t0 = Date.now();
const stamp = (): string => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
const say = (line: string): void => { process.stdout.write(`${stamp()} ${line}\n`); };
const ms = (n: number): string => `${Math.round(n)} ms`;

async function summary(file: string): Promise<number> {
  const result = await loadClusterConf(file);
  for (const p of result.problems) process.stderr.write(formatProblem(p) + '\n');
  if (result.config === undefined) {
    process.stderr.write('Configuration fails to validate\n');
    return 1;
  }
  process.stdout.write(summarizeConfig(result.config));
  return 0;
}

function clustat(c: LocalCluster, node: string, args: string[] = []): string {
  const r = spawnSync(process.execPath, [binPath('clustat'), ...args], { env: c.env(node), encoding: 'utf8', timeout: 30_000 });
  return (r.stdout ?? '') + (r.stderr ?? '');
}

const indent = (text: string): string => text.split('\n').map((l) => (l === '' ? l : `    ${l}`)).join('\n');

interface Args { keep: boolean; stop: string | undefined; tokenMs: number; slot: number; summary: string | undefined | null }

function parseArgs(argv: string[]): Args | number {
  const a: Args = { keep: false, stop: undefined, tokenMs: 1000, slot: 0, summary: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      return v;
    };
    switch (k) {
      case '--keep': a.keep = true; break;
      case '--stop': a.stop = val(); break;
      case '--token': a.tokenMs = Number(val()); break;
      case '--slot': a.slot = Number(val()); break;
      case '--summary': a.summary = argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-') ? argv[++i]! : undefined; break;
      case '-h': case '--help': process.stdout.write(USAGE); return 0;
      default:
        // The config helper's original interface: `npm run demo -- FILE` prints FILE's summary.
        if (!k.startsWith('-') && a.summary === null) { a.summary = k; break; }
        process.stderr.write(`demo: unknown option ${k}\n${USAGE}`);
        return 1;
    }
  }
  if (!Number.isInteger(a.tokenMs) || a.tokenMs < 100) { process.stderr.write('demo: --token must be an integer >= 100\n'); return 1; }
  return a;
}

/** Follows the event stream of one node and prints fencing and service changes with times. */
class Narrator {
  crashMs = 0;
  private lastView = '';
  readonly seen: { left?: number; fenceStart?: number; offConfirmed?: number; fenced?: number; started?: number; startedOn?: string } = {};
  constructor(private readonly victim: string, private readonly service: string) {}

  private rel(at = Date.now()): string { return this.crashMs > 0 ? `+${String(at - this.crashMs).padStart(5)} ms` : '         '; }

  onEvent(event: string, data: unknown): void {
    if (this.crashMs === 0) return;
    const now = Date.now();
    if (event === 'cman.membership') {
      const s = data as CmanStatus;
      const key = `${s.generation}/${s.nodes}/${s.quorate}`;
      if (key === this.lastView) return;
      this.lastView = key;
      say(`${this.rel(now)}  membership: generation ${s.generation}, ${s.nodes} members, ${s.quorate ? 'quorate' : 'INQUORATE'}`);
      if (s.nodes < 3 && this.seen.left === undefined) this.seen.left = now;
    } else if (event === 'fence.victim') {
      const v = data as FenceVictimEvent;
      const what = v.state === 'pending' ? `queued for fencing${v.message !== '' ? ` (left: ${v.message})` : ''}`
        : `${v.state}${v.message !== '' ? ` (${v.message})` : ''}`;
      say(`${this.rel(now)}  fenced: ${v.victim} ${what}`);
      if (v.victim === this.victim && v.state === 'fencing' && this.seen.fenceStart === undefined) this.seen.fenceStart = now;
      if (v.victim === this.victim && v.state === 'fenced' && this.seen.fenced === undefined) this.seen.fenced = now;
    } else if (event === 'fence.history') {
      const h = data as FenceHistoryEntry;
      if (h.device === null) return;
      say(`${this.rel(now)}  fence device ${h.device} (${h.agent ?? '?'}) ${h.action ?? ''} on ${h.victim}: ${h.result} in ${ms(h.durationMs)}` +
        `${h.offConfirmedMs !== null ? `, power off confirmed at ${this.rel(h.offConfirmedMs).trim()}` : ''}`);
      if (h.victim === this.victim && h.offConfirmedMs !== null && this.seen.offConfirmed === undefined) {
        this.seen.offConfirmed = h.offConfirmedMs;
        this.seen.fenceStart ??= h.startedMs;
      }
    } else if (event === 'rg.service') {
      const e = data as RgServiceEvent;
      const s = e.service;
      say(`${this.rel(now)}  ${s.id}: ${s.state}${s.owner !== null ? ` on ${s.owner}` : ''}${e.reason !== '' ? ` (${e.reason})` : ''}`);
      if (s.id === this.service && s.state === 'started' && s.owner !== this.victim && this.seen.started === undefined) {
        this.seen.started = now;
        this.seen.startedOn = s.owner ?? undefined;
      }
    }
  }
}

async function waitFor(cond: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return cond();
}

async function subscribe(c: LocalCluster, node: string, n: Narrator): Promise<ApiClient> {
  const client = await c.client(node);
  await client.subscribe(['cman.membership', 'fence.', 'rg.service'], (event, data) => n.onEvent(event, data));
  return client;
}

async function runDemo(a: Args): Promise<number> {
  say('cluster-suite demo: 3 nodes on loopback, power behind simulated BMCs and a PDU');
  let cluster: LocalCluster | undefined;
  let watcher: ApiClient | undefined;
  const stopOnSignal = (): void => {
    say('interrupted: stopping the cluster');
    void (cluster?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    cluster = await LocalCluster.start({
      nodes: 3, slot: a.slot, tokenMs: a.tokenMs, clusterName: 'democluster', power: ['ipmi', 'ipmi', 'apc'],
      services: [{ name: 'web', domain: [1, 2, 3] }, { name: 'db', domain: [2, 3, 1] }],
      onProgress: (l) => say(l),
    });
    const c = cluster;
    const [n1, n2, n3] = c.nodes.map((n) => n.name) as [string, string, string];
    say(`all 3 nodes are members and quorate; configuration (${c.confPath}):`);
    const loaded = await loadClusterConf(c.confPath);
    if (loaded.config !== undefined) process.stdout.write(indent(summarizeConfig(loaded.config)) + '\n');

    say('waiting for rgmanager to start both services on the first node of their domains');
    // Nodes join one by one, so a service may start on a later domain member; rgmanager fails back
    // only on a node event, so one that started before its best node was up stays. Put it there
    // with clusvcadm, as an administrator would.
    const settled = async (id: string, best: string): Promise<RgServiceStatus> => {
      const s = await c.waitService(id, `started on ${best}`, (x) => x.state === 'started' && x.owner === best, 3_000)
        .catch(() => c.waitService(id, 'started', (x) => x.state === 'started' && x.pending === null, 30_000));
      if (s.owner === best) return s;
      say(`${id} started on ${s.owner ?? '?'} before its best node ${best} was up; moving it:`);
      const r = await c.command(best, 'clusvcadm', ['-r', id, '-m', best]);
      process.stdout.write(indent(`$ clusvcadm -r ${id} -m ${best}\n${r.stdout}${r.stderr}`) + '\n');
      return c.waitService(id, `started on ${best}`, (x) => x.state === 'started' && x.owner === best, 30_000);
    };
    const web = await settled('service:web', n1);
    await settled('service:db', n2);
    say(`$ clustat    (on ${n1})`);
    process.stdout.write(indent(clustat(c, n1)) + '\n');

    const victim = web.owner!;
    const observer = [n1, n2, n3].find((n) => n !== victim)!;
    const narrator = new Narrator(victim, 'service:web');
    watcher = await subscribe(c, observer, narrator);
    say(`crashing ${victim}, the owner of service:web: SIGKILL to its clusterd (pid ${c.pid(victim) ?? '?'}); events as seen by ${observer}:`);
    narrator.crashMs = Date.now();
    await c.kill(victim, 'SIGKILL');
    const moved: RgServiceStatus = await c.waitService('service:web', 'running on another node',
      (s) => s.state === 'started' && s.owner !== null && s.owner !== victim, 60_000, observer);
    const doneMs = narrator.seen.started ?? Date.now();
    say(`$ clustat    (on ${observer})`);
    process.stdout.write(indent(clustat(c, observer)) + '\n');
    // The fence history entry is committed when the whole reboot is done (the "on" half runs after
    // recovery began); wait for it to complete the timings.
    await waitFor(() => narrator.seen.offConfirmed !== undefined, 20_000);
    const seen = narrator.seen;
    say('failover timings (from the SIGKILL):');
    const line = (label: string, at: number | undefined): void => {
      process.stdout.write(`    ${label.padEnd(40)} ${at !== undefined ? `${String(at - narrator.crashMs).padStart(6)} ms` : '     -'}\n`);
    };
    line(`${victim} left the membership`, seen.left);
    line('fencing started', seen.fenceStart);
    line('power off confirmed by the BMC/PDU', seen.offConfirmed);
    line(`${victim} recorded as fenced`, seen.fenced);
    line(`service:web started on ${moved.owner ?? '?'}`, doneMs);

    say(`the fence (reboot) powers ${victim} back on: its power-on hook boots clusterd; waiting for it to rejoin`);
    const rebootDeadline = Date.now() + 20_000;
    while (!c.running(victim) && Date.now() < rebootDeadline) await new Promise((r) => setTimeout(r, 100));
    if (!c.running(victim)) {
      say(`${victim} was not powered back on (fence action off?); booting it by hand`);
      await c.boot(victim);
    }
    await c.waitQuorate([n1, n2, n3], 30_000);
    // rgmanager re-evaluates on the node-up event: a service whose ordered domain starts with the
    // rejoined node fails back to it (nofailback="0"); the others stay where they run.
    const heads: ReadonlyArray<[string, string]> = [['service:web', n1], ['service:db', n2]];
    const returning = heads.filter(([, head]) => head === victim).map(([id]) => id);
    say(`${victim} is a member again (as a new node, cman's "dirty" rule)` +
      (returning.length > 0 ? `; ${returning.join(', ')} fail${returning.length === 1 ? 's' : ''} back to it (ordered domain)` : ''));
    for (const [id, head] of heads) {
      const ok = await c.waitService(id, 'settled', (s) => s.state === 'started' && s.pending === null && (head !== victim || s.owner === victim),
        15_000, observer).catch(() => undefined);
      if (ok === undefined) say(`${id} did not settle within 15 s (see the events above)`);
    }
    watcher.close();
    watcher = undefined;
    say(`$ clustat    (on ${n1})`);
    process.stdout.write(indent(clustat(c, n1)) + '\n');

    if (a.keep) {
      const rel = path.relative(process.cwd(), repoRoot) || '.';
      process.stdout.write(`
The cluster keeps running in ${c.dir}. Each node has its own run directory:
${c.nodes.map((n) => `    ${n.name}: CLUSTER_RUN_DIR=${n.runDir}   (log ${n.logFile})`).join('\n')}
Try:
    CLUSTER_RUN_DIR=${c.nodes[0]!.runDir} ${rel}/bin/clustat
    CLUSTER_RUN_DIR=${c.nodes[0]!.runDir} ${rel}/bin/clustat -x
    CLUSTER_RUN_DIR=${c.nodes[0]!.runDir} ${rel}/bin/clusvcadm -r web -m ${n2}
    CLUSTER_RUN_DIR=${c.nodes[0]!.runDir} ${rel}/bin/cman_tool nodes
    kill -9 $(cat ${c.nodes[1]!.runDir}/clusterd.pid)      # crash ${n2}: it is fenced and rebooted
Stop it with:
    npm run demo -- --stop ${c.dir}
`);
      return 0;
    }
    say('stopping: SIGTERM to every clusterd (services stop, nodes leave), then the simulators');
    await c.stop({ graceful: true, removeDir: true });
    say('stopped cleanly');
    return 0;
  } catch (err) {
    say(`demo failed: ${(err as Error).message}`);
    if (cluster !== undefined) {
      say(`logs: ${cluster.nodes.map((n) => n.logFile).join(' ')}`);
      await cluster.stop();
    }
    return 1;
  } finally {
    watcher?.close();
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
  }
}

async function main(argv: string[]): Promise<number> {
  let a: Args | number;
  try { a = parseArgs(argv); } catch (err) { process.stderr.write(`demo: ${(err as Error).message}\n`); return 1; }
  if (typeof a === 'number') return a;
  if (a.summary !== null) return summary(a.summary ?? path.join(repoRoot, 'cluster.conf.example'));
  if (a.stop !== undefined) {
    let c: LocalCluster;
    try {
      c = LocalCluster.attach(a.stop);
    } catch (err) {
      process.stderr.write(`demo: ${a.stop} holds no cluster left by --keep: ${(err as Error).message}\n`);
      return 1;
    }
    say(`stopping the cluster in ${a.stop}`);
    await c.stop({ graceful: true, removeDir: true });
    say('stopped');
    return 0;
  }
  return runDemo(a);
}

process.exitCode = await main(process.argv.slice(2));
