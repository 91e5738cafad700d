// The agent executor with real child processes: the OCF environment, start/stop order, timeouts,
// crashes, missing agents, broken metadata, status intervals/depths, recover, __max_failures,
// independent subtrees, the process limit, and Debian's ocf:heartbeat:Dummy as a resource type.
import { expect } from 'chai';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inCi } from '../../support/paths.js';
import { agentDirs, builtinAgentDir, clearMetadataCache, loadResourceRules, resourceTypeInfo } from '../../../src/rgmanager/rules.js';
import { parseClusterConf } from '../../../src/config/index.js';
import type { RuleSet } from '../../../src/rgmanager/rules.js';
import { forestFromText } from '../../../src/rgmanager/load.js';
import type { ResourceForest, TreeNode } from '../../../src/rgmanager/tree.js';
import { findRoot } from '../../../src/rgmanager/tree.js';
import { Executor } from '../../../src/rgmanager/executor.js';
import { quiet } from './quiet.js';

// A test agent: records every run in $OCF_RESKEY_log; behaviour chosen by parameters.
const recAgent = `#!/bin/bash
if [ "$1" = meta-data ]; then cat <<'XML'
<?xml version="1.0"?>
<resource-agent name="rec" version="1.0">
  <parameters>
    <parameter name="name" primary="1" unique="1" required="1"><content type="string"/></parameter>
    <parameter name="log"><content type="string"/></parameter>
    <parameter name="fail"><content type="string"/></parameter>
    <parameter name="hang"><content type="string"/></parameter>
    <parameter name="crash"><content type="string"/></parameter>
    <parameter name="statusfail"><content type="string"/></parameter>
    <parameter name="lockdir"><content type="string"/></parameter>
    <parameter name="daemonpid"><content type="string"/></parameter>
    <parameter name="svc" inherit="service%name"><content type="string"/></parameter>
  </parameters>
  <actions>
    <action name="start" timeout="1"/>
    <action name="stop" timeout="1"/>
    <action name="status" interval="10" depth="0" timeout="5"/>
    <action name="status" interval="20" depth="10" timeout="5"/>
    <action name="recover" timeout="5"/>
    <action name="meta-data" timeout="5"/>
  </actions>
</resource-agent>
XML
exit 0; fi
[ -n "$OCF_RESKEY_lockdir" ] && { mkdir "$OCF_RESKEY_lockdir" 2>/dev/null || echo overlap >> "$OCF_RESKEY_log"; }
echo "$1 $OCF_RESKEY_name level=$OCF_CHECK_LEVEL inst=$OCF_RESOURCE_INSTANCE type=$OCF_RESOURCE_TYPE svc=$OCF_RESKEY_svc root=$OCF_ROOT" >> "$OCF_RESKEY_log"
echo "<err> something to say about $1" >&2
[ "$OCF_RESKEY_hang" = "$1" ] && exec sleep 1000
if [ -n "$OCF_RESKEY_daemonpid" ] && [ "$1" = start ]; then sleep 60 & echo $! > "$OCF_RESKEY_daemonpid"; exit 0; fi
[ "$OCF_RESKEY_crash" = "$1" ] && kill -SEGV $$
[ "$OCF_RESKEY_lockdir" ] && { sleep 0.3; rmdir "$OCF_RESKEY_lockdir"; }
if [ "$1" = status ] && [ -n "$OCF_RESKEY_statusfail" ] && [ -e "$OCF_RESKEY_statusfail" ]; then exit 7; fi
if [ "$1" = recover ] && [ -n "$OCF_RESKEY_statusfail" ]; then rm -f "$OCF_RESKEY_statusfail"; exit 0; fi
case " $OCF_RESKEY_fail " in *" $1 "*) exit 1 ;; esac
exit 0
`;

describe('rgtree: executor runs real agent processes', function () {
  this.timeout(60_000);
  let dir: string;
  let agentDir: string;
  let log: string;
  let rules: RuleSet;

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cs-rg-exec-'));
    agentDir = path.join(dir, 'agents');
    mkdirSync(agentDir);
    writeFileSync(path.join(agentDir, 'rec.sh'), recAgent);
    chmodSync(path.join(agentDir, 'rec.sh'), 0o755);
    log = path.join(dir, 'log');
    const loaded = await loadResourceRules([builtinAgentDir, agentDir]);
    expect(loaded.problems).to.deep.equal([]);
    rules = loaded.rules;
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const forest = (rm: string): ResourceForest => {
    const r = forestFromText(`<cluster name="c" config_version="1"><rm>${rm}</rm></cluster>`, 'x.conf', rules);
    expect(r.problems.filter((p) => p.severity === 'error')).to.deep.equal([]);
    return r.forest!;
  };
  const tree = (rm: string): TreeNode => findRoot(forest(rm), 'service', 's')!;
  const lines = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter((l) => l !== '') : []);
  beforeEach(function () {
    rmSync(log, { force: true });
  });

  it('passes the OCF environment (OCF_RESKEY_*, inherited values, instance, type, check level, root)', async function () {
    const t = tree(`<service name="s"><rec name="a" log="${log}"/></service>`);
    const r = await new Executor({ logger: quiet }).start(t);
    expect(r.ok).to.equal(true);
    expect(lines()).to.deep.equal([`start a level=0 inst=rec:a type=rec svc=s root=/usr/lib/ocf`]);
    expect(r.runs[1]!.result.output).to.contain('<err> something to say about start');
  });

  it('start stops at the first failure; stop runs every agent in reverse and reports the failure', async function () {
    const t = tree(`<service name="s"><rec name="a" log="${log}"/><rec name="b" log="${log}" fail="start"/><rec name="c" log="${log}" fail="stop"/></service>`);
    const ex = new Executor({ logger: quiet });
    const started = await ex.start(t);
    expect(started.ok).to.equal(false);
    expect(started.failed.map((n) => n.resource.id)).to.deep.equal(['rec:b']);
    expect(lines().map((l) => l.split(' ').slice(0, 2).join(' '))).to.deep.equal(['start a', 'start b']);
    rmSync(log);
    const stopped = await ex.stop(t);
    expect(stopped.ok).to.equal(false);
    expect(stopped.failed.map((n) => n.resource.id)).to.deep.equal(['rec:c']);
    expect(lines().map((l) => l.split(' ').slice(0, 2).join(' '))).to.deep.equal(['stop c', 'stop b', 'stop a']);
    expect(stopped.runs.map((x) => x.node.resource.id)).to.deep.equal(['rec:c', 'rec:b', 'rec:a', 'service:s']);
  });

  it('a hanging agent is killed at its timeout with __enforce_timeouts, at the hard limit without', async function () {
    const enforced = tree(`<service name="s"><rec name="h" log="${log}" hang="start" __enforce_timeouts="1"/></service>`);
    const r1 = await new Executor({ hardLimitS: 30, logger: quiet }).runAgent(enforced.children[0]!, 'start');
    expect(r1.ok).to.equal(false);
    expect(r1.timedOut).to.equal(true);
    expect(r1.durationMs).to.be.lessThan(30_000);
    const unenforced = tree(`<service name="s"><rec name="h" log="${log}" hang="start"/></service>`);
    const r2 = await new Executor({ hardLimitS: 2, logger: quiet }).runAgent(unenforced.children[0]!, 'start');
    expect(r2.timedOut).to.equal(true);
    expect(r2.durationMs).to.be.at.least(1900);
  });

  it('an agent whose daemon keeps the output pipes open still finishes at its exit', async function () {
    const pidFile = path.join(dir, 'daemon.pid');
    const t = tree(`<service name="s"><rec name="d" log="${log}" daemonpid="${pidFile}"/></service>`);
    const r = await new Executor({ logger: quiet }).runAgent(t.children[0]!, 'start');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    try {
      expect(r.ok).to.equal(true);
      expect(r.output).to.contain('<err> something to say about start');
      expect(() => process.kill(pid, 0)).to.not.throw(); // the daemon still runs
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('a crashing agent is a failure naming the signal', async function () {
    const t = tree(`<service name="s"><rec name="x" log="${log}" crash="start"/></service>`);
    const r = await new Executor({ logger: quiet }).runAgent(t.children[0]!, 'start');
    expect(r.ok).to.equal(false);
    expect(r.error).to.equal('killed by SIGSEGV');
  });

  it('a missing agent is a clear failure naming the file', async function () {
    const gone = path.join(dir, 'gone');
    mkdirSync(gone);
    writeFileSync(path.join(gone, 'gone.sh'), recAgent.replace('name="rec"', 'name="gone"'));
    chmodSync(path.join(gone, 'gone.sh'), 0o755);
    const loaded = await loadResourceRules([gone]);
    unlinkSync(path.join(gone, 'gone.sh'));
    const f = forestFromText(`<cluster name="c" config_version="1"><rm><gone name="s"/></rm></cluster>`, 'x.conf', loaded.rules).forest!;
    const r = await new Executor({ logger: quiet }).runAgent(f.roots[0]!, 'start');
    expect(r.ok).to.equal(false);
    expect(r.error).to.match(/cannot run .*gone\.sh: spawn .*ENOENT/);
  });

  it('broken, crashing and hanging meta-data name the agent file; the other agents still load', async function () {
    const d = path.join(dir, 'mixed');
    mkdirSync(d);
    const put = (name: string, body: string): void => {
      writeFileSync(path.join(d, name), `#!/bin/bash\n${body}\n`);
      chmodSync(path.join(d, name), 0o755);
    };
    put('broken.sh', 'echo "<resource-agent name=\\"broken\\"><parameters>"');
    put('crash.sh', 'kill -SEGV $$');
    put('hang.sh', 'exec sleep 1000');
    writeFileSync(path.join(d, 'README'), 'not an agent (not executable)');
    writeFileSync(path.join(d, 'rec.sh~'), recAgent);
    chmodSync(path.join(d, 'rec.sh~'), 0o755);
    const loaded = await loadResourceRules([d, agentDir], { metadataTimeoutMs: 1000 });
    const msgs = loaded.problems.map((p) => p.message).sort();
    expect(msgs).to.have.length(3);
    expect(msgs[0]).to.match(/broken\.sh: meta-data is not well-formed XML/);
    expect(msgs[1]).to.match(/crash\.sh: meta-data exited with status|crash\.sh: cannot run meta-data/);
    expect(msgs[2]).to.match(/hang\.sh: meta-data did not finish within 1000 ms/);
    expect(loaded.rules.get('rec')).to.not.equal(undefined);
  });

  it('caches metadata in memory and in the cache file; a changed agent is asked again', async function () {
    const d = path.join(dir, 'cached');
    mkdirSync(d);
    const counter = path.join(dir, 'metadata-runs');
    const agent = path.join(d, 'counted.sh');
    const body = recAgent.replace('name="rec"', 'name="counted"').replace('if [ "$1" = meta-data ]; then', `if [ "$1" = meta-data ]; then echo run >> ${counter};`);
    writeFileSync(agent, body);
    chmodSync(agent, 0o755);
    const cacheFile = path.join(dir, 'metadata-cache.json');
    const runs = (): number => (existsSync(counter) ? readFileSync(counter, 'utf8').split('\n').filter((l) => l !== '').length : 0);
    await loadResourceRules([d], { cacheFile });
    await loadResourceRules([d], { cacheFile });
    expect(runs()).to.equal(1);
    clearMetadataCache();
    const fromDisk = await loadResourceRules([d], { cacheFile });
    expect(runs()).to.equal(1);
    expect(fromDisk.rules.get('counted')!.params[0]!.name).to.equal('name');
    writeFileSync(agent, `${body}\n# changed\n`);
    await loadResourceRules([d], { cacheFile });
    expect(runs()).to.equal(2);
  });

  it('limits concurrent agent processes', async function () {
    const lock = path.join(dir, 'lock');
    const t = tree(`<service name="s"><rec name="a" log="${log}" lockdir="${lock}"/><rec name="b" log="${log}" lockdir="${lock}"/><rec name="c" log="${log}" lockdir="${lock}"/></service>`);
    const ex = new Executor({ maxConcurrent: 1, logger: quiet });
    const results = await Promise.all(t.children.map((c) => ex.runAgent(c, 'start')));
    expect(results.every((r) => r.ok)).to.equal(true);
    expect(lines().filter((l) => l === 'overlap')).to.deep.equal([]);
    expect(lines()).to.have.length(3);
  });

  it('status: the due check with the greatest depth runs; none due reuses the last result', async function () {
    let now = 1_000_000;
    const ex = new Executor({ nowMs: () => now, logger: quiet });
    const t = tree(`<service name="s"><rec name="a" log="${log}"/></service>`);
    expect((await ex.start(t)).ok).to.equal(true);
    rmSync(log);
    now += 5_000;
    expect((await ex.status(t)).runs.filter((r) => r.node.resource.type === 'rec')).to.have.length(0);
    now += 5_000; // t=10s: depth 0 due
    await ex.status(t);
    now += 10_000; // t=20s: both due, depth 10 wins
    await ex.status(t);
    expect(lines().map((l) => l.split(' ').slice(0, 3).join(' '))).to.deep.equal(['status a level=0', 'status a level=10']);
  });

  it('status failure: recover is tried and its success counts as OK', async function () {
    const flag = path.join(dir, 'statusfail');
    const ex = new Executor({ logger: quiet });
    const t = tree(`<service name="s"><rec name="a" log="${log}" statusfail="${flag}"/></service>`);
    await ex.start(t);
    writeFileSync(flag, '');
    const r = await ex.status(t, { force: true });
    expect(r.ok).to.equal(true);
    expect(r.runs.map((x) => `${x.op} ${x.node.resource.id} ${x.result.rc}`)).to.deep.equal(['status service:s 0', 'status rec:a 7', 'recover rec:a 0']);
    expect(existsSync(flag)).to.equal(false);
  });

  it('statusReport: each resource\'s last check (op, rc, depth, time, tolerated) and failures since its start', async function () {
    let now = 5_000;
    const flag = path.join(dir, 'statusfail-report');
    const ex = new Executor({ nowMs: () => now, logger: quiet });
    const t = tree(`<service name="s"><rec name="a" log="${log}" statusfail="${flag}"/><rec name="b" log="${log}" fail="status recover" __max_failures="1" __failure_expire_time="60"/></service>`);
    await ex.start(t);
    expect(ex.statusReport(t).map((x) => [x.id, x.last, x.failures])).to.deep.equal([['service:s', null, 0], ['rec:a', null, 0], ['rec:b', null, 0]]);
    writeFileSync(flag, '');
    now = 30_000; // both status depths due: depth 10 runs
    await ex.status(t);
    const [, a, b] = ex.statusReport(t);
    // a failed, recover fixed it: the check counts as one failure, the verdict is the recover's.
    expect(a!.last).to.include({ op: 'recover', rc: 0, ok: true, tolerated: false, atMs: 30_000 });
    expect(a!.failures).to.equal(1);
    expect(b!.last).to.include({ op: 'recover', rc: 1, ok: true, tolerated: true, depth: 10 });
    expect(b!.failures).to.equal(1);
    now = 60_000;
    await ex.status(t);
    expect(ex.statusReport(t)[2]!.last).to.include({ ok: false, tolerated: false, atMs: 60_000 });
    expect(ex.statusReport(t)[2]!.failures).to.equal(2);
    expect(ex.statusReport(t, 2)).to.have.length(2);
    await ex.start(t); // a start begins a new record
    expect(ex.statusReport(t)[2]!.failures).to.equal(0);
  });

  it('__max_failures/__failure_expire_time: failures within the window are tolerated up to the limit', async function () {
    let now = 0;
    const ex = new Executor({ nowMs: () => now, logger: quiet });
    const t = tree(`<service name="s"><rec name="b" log="${log}" fail="status recover" __max_failures="2" __failure_expire_time="60"/></service>`);
    const results: boolean[] = [];
    for (const at of [1_000, 2_000, 3_000, 100_000]) {
      now = at;
      results.push((await ex.status(t, { force: true })).ok);
    }
    expect(results).to.deep.equal([true, true, false, true]);
  });

  it('a failure inside an independent subtree is recoverable; __max_restarts bounds it', async function () {
    let now = 0;
    const ex = new Executor({ nowMs: () => now, logger: quiet });
    const t = tree(`<service name="s"><rec name="ok" log="${log}"/>
      <rec name="ind" log="${log}" fail="status recover" __independent_subtree="1" __max_restarts="1" __restart_expire_time="100"/>
      <rec name="crit" log="${log}"/></service>`);
    const first = await ex.status(t, { force: true });
    expect(first.ok).to.equal(true);
    expect(first.recoverable.map((n) => n.resource.id)).to.deep.equal(['rec:ind']);
    const restarted = await ex.restartSubtree(first.recoverable[0]!);
    expect(restarted.runs.map((x) => `${x.op} ${x.node.resource.id}`)).to.deep.equal(['stop rec:ind', 'start rec:ind']);
    now += 1000;
    const second = await ex.status(t, { force: true });
    expect(second.ok).to.equal(false); // restart threshold exceeded: a service failure
    expect(second.recoverable).to.deep.equal([]);
    now += 200_000; // window expired
    expect((await ex.status(t, { force: true })).ok).to.equal(true);
  });

  it('non-critical subtrees: a start failure leaves the service up (PARTIAL); a status failure disables the subtree', async function () {
    const ex = new Executor({ logger: quiet });
    const t = tree(`<service name="s"><rec name="main" log="${log}"/>
      <rec name="opt" log="${log}" fail="start" __independent_subtree="non-critical"/></service>`);
    const started = await ex.start(t);
    expect(started.ok).to.equal(true);
    expect(started.partial.map((n) => n.resource.id)).to.deep.equal(['rec:opt']);
    expect(ex.isDisabled(started.partial[0]!)).to.equal(true);
    const st = await ex.status(t, { force: true });
    expect(st.ok).to.equal(true);
    expect(st.runs.map((r) => r.node.resource.id)).to.deep.equal(['service:s', 'rec:main']); // disabled one skipped

    const t2 = tree(`<service name="s"><rec name="main" log="${log}"/>
      <rec name="opt2" log="${log}" fail="status recover" __independent_subtree="2"/></service>`);
    const ex2 = new Executor({ logger: quiet });
    expect((await ex2.start(t2)).ok).to.equal(true);
    const failed = await ex2.status(t2, { force: true });
    expect(failed.ok).to.equal(true);
    expect(failed.partial.map((n) => n.resource.id)).to.deep.equal(['rec:opt2']);
    expect(failed.recoverable).to.deep.equal([]);
    const disabled = await ex2.disableSubtree(failed.partial[0]!);
    expect(disabled.runs.map((r) => `${r.op} ${r.node.resource.id}`)).to.deep.equal(['stop rec:opt2']);
  });
});

describe('rgtree: Debian resource-agents through our executor', function () {
  this.timeout(60_000);
  const dummy = '/usr/lib/ocf/resource.d/heartbeat/Dummy';
  let dir: string;
  before(function () {
    if (!existsSync(dummy)) {
      if (inCi) throw new Error(`${dummy} missing: install Debian's resource-agents`);
      this.skip();
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'cs-rg-ocf-'));
    mkdirSync(path.join(dir, 'agents'));
    symlinkSync(dummy, path.join(dir, 'agents', 'Dummy'));
  });
  after(function () {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('ocf:heartbeat:Dummy on CLUSTER_AGENT_PATH is a resource type: start, status (monitor), stop', async function () {
    const dirs = agentDirs(builtinAgentDir, { CLUSTER_AGENT_PATH: path.join(dir, 'agents') });
    const { rules, problems } = await loadResourceRules(dirs);
    expect(problems).to.deep.equal([]);
    const rule = rules.get('Dummy')!;
    expect(rule.syntheticPrimary).to.equal(true);
    const state = path.join(dir, 'dummy.state');
    const f = forestFromText(`<cluster name="c" config_version="1"><rm><service name="s"><Dummy name="d1" state="${state}" fake="x"/></service></rm></cluster>`, 'x.conf', rules).forest!;
    const t = f.roots[0]!;
    const ex = new Executor({ logger: quiet });
    expect((await ex.start(t)).ok).to.equal(true);
    expect(existsSync(state)).to.equal(true);
    const st = await ex.status(t, { force: true });
    expect(st.ok).to.equal(true);
    expect(st.runs.map((r) => `${r.op} ${r.node.resource.id}`)).to.deep.equal(['status service:s', 'monitor Dummy:d1']);
    expect((await ex.stop(t)).ok).to.equal(true);
    expect(existsSync(state)).to.equal(false);
    const after = await ex.status(t, { force: true });
    expect(after.ok).to.equal(false);
    expect(after.runs[1]!.result.rc).to.equal(7);
  });

  it('the config validator learns the agents found (Dummy is no longer an unknown type)', async function () {
    const { rules } = await loadResourceRules(agentDirs(builtinAgentDir, { CLUSTER_AGENT_PATH: path.join(dir, 'agents') }));
    const text = `<?xml version="1.0"?>
<cluster name="c" config_version="1">
<clusternodes><clusternode name="n1" nodeid="1"/><clusternode name="n2" nodeid="2"/></clusternodes>
<rm><service name="s"><Dummy name="d" fake="x"/></service></rm>
</cluster>`;
    const unknown = (r: { problems: readonly { message: string }[] }): string[] => r.problems.map((p) => p.message).filter((m) => m.includes("unknown resource type 'Dummy'"));
    expect(unknown(parseClusterConf(text, 'c.conf'))).to.have.length(1);
    expect(unknown(parseClusterConf(text, 'c.conf', { resourceTypes: resourceTypeInfo(rules) }))).to.deep.equal([]);
  });
});

describe('rgtree: online reconfiguration through the delta', function () {
  this.timeout(60_000);
  it('stops changed subtrees in stop order, runs reconfig for reconfig-only changes, starts new subtrees', async function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cs-rg-delta-'));
    try {
      const agentDir = path.join(dir, 'agents');
      mkdirSync(agentDir);
      writeFileSync(path.join(agentDir, 'rec.sh'), recAgent);
      chmodSync(path.join(agentDir, 'rec.sh'), 0o755);
      const { rules } = await loadResourceRules([builtinAgentDir, agentDir]);
      const log = path.join(dir, 'log');
      const conf = (svcAttrs: string, kids: string): ResourceForest => forestFromText(
        `<cluster name="c" config_version="1"><rm><service name="s" ${svcAttrs}>${kids}</service><service name="other"><rec name="o" log="${log}"/></service></rm></cluster>`,
        'x.conf', rules).forest!;
      const before = conf('recovery="restart"', `<rec name="keep" log="${log}"><rec name="child" log="${log}" fail=""/></rec><rec name="gone" log="${log}"/>`);
      const after = conf('recovery="relocate"', `<rec name="keep" log="${log}"><rec name="child" log="${log}" fail="x"/></rec><rec name="new" log="${log}"/>`);
      const { diffForests, condStopOrder, condStartOrder } = await import('../../../src/rgmanager/delta.js');
      const d = diffForests(before, after);
      expect(condStopOrder(d).map((n) => n.path)).to.deep.equal(['service:s/rec:gone', 'service:s/rec:keep/rec:child']);
      expect(condStartOrder(d).map((n) => n.path)).to.deep.equal(['service:s/rec:keep/rec:child', 'service:s/rec:new']);
      const ex = new Executor({ logger: quiet });
      const r = await ex.applyDelta(d, new Set(['service:s']));
      expect(r.ok).to.equal(true);
      expect(r.runs.map((x) => `${x.op} ${x.node.path}`)).to.deep.equal([
        'stop service:s/rec:gone', 'stop service:s/rec:keep/rec:child', 'reconfig service:s', 'start service:s/rec:keep/rec:child', 'start service:s/rec:new']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
