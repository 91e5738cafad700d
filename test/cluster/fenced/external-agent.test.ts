// fenced with a third-party agent (run through the fence-agents stdin protocol) and a dual-power
// method (off, off, on, on): both supplies go off before either comes back, recovery starts once
// both are off; every node unfences itself at start.  Addresses 127.0.2.10-12, cman port 5523.
import { expect } from 'chai';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestCluster, waitFor, placeOn, startNodes, serviceLog, fenceHistory, writeServiceScript, service, cleanupCluster } from '../rgmanager/harness.js';

const nodes = ['127.0.2.10', '127.0.2.11', '127.0.2.12'];

function agentLog(dir: string): { ms: number; psu: string; action: string; port: string; node: string }[] {
  const f = path.join(dir, 'agent.log');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => {
    const [ms, psu, action, port, node] = l.split(' ');
    return { ms: Number(ms), psu: psu!, action: action!, port: port!, node: node ?? '' };
  });
}

/** A third-party agent: reads the stdin protocol, records it, "switches" a file per outlet. */
function writeAgent(dir: string): void {
  const agent = path.join(dir, 'fence_cstest');
  writeFileSync(agent, `#!/bin/bash
D=${JSON.stringify(dir)}
args=$(cat)
get() { printf '%s\\n' "$args" | sed -n "s/^$1=//p" | tail -1; }
a=$(get action); p=$(get port); s=$(get psu); n=$(get nodename)
echo "$(date +%s%3N) $s $a $p $n" >> "$D/agent.log"
case "$a" in
off|on) echo "$a" > "$D/power.$s.$p"; sleep 0.2; exit 0;;
*) exit 0;;
esac
`);
  chmodSync(agent, 0o755);
}

describe('cluster: fenced with an external agent and dual power', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  const savedPath = process.env['PATH'];

  before(async () => {
    cluster = new TestCluster('fenced-ext');
    const dir = cluster.dir;
    writeAgent(dir);
    const file = writeServiceScript(dir, 'app');
    const conf = cluster.writeConf('cluster.conf', `<?xml version="1.0"?>
<cluster name="fenceext" config_version="1">
  <cman port="5523"/>
  <totem token="1000"/>
  <fence_daemon post_join_delay="0" post_fail_delay="0" clean_start="1" override_time="1"/>
  <clusternodes>
${nodes.map((n, i) => `    <clusternode name="${n}" nodeid="${i + 1}">
      <fence>
        <method name="dual">
          <device name="psuA" port="${i + 1}" action="off"/>
          <device name="psuB" port="${i + 1}" action="off"/>
          <device name="psuA" port="${i + 1}" action="on"/>
          <device name="psuB" port="${i + 1}" action="on"/>
        </method>
      </fence>
      <unfence><device name="psuA" port="${i + 1}" action="on"/></unfence>
    </clusternode>`).join('\n')}
  </clusternodes>
  <fencedevices>
    <fencedevice name="psuA" agent="fence_cstest" psu="A"/>
    <fencedevice name="psuB" agent="fence_cstest" psu="B"/>
  </fencedevices>
  <rm status_poll_interval="1">
    <failoverdomains>
      <failoverdomain name="all" ordered="1" restricted="0">
${nodes.map((n, i) => `        <failoverdomainnode name="${n}" priority="${i + 1}"/>`).join('\n')}
      </failoverdomain>
    </failoverdomains>
    <service name="app" domain="all" recovery="relocate">
      <script name="app-script" file="${file}"><action name="status" depth="0" interval="1"/></script>
    </service>
  </rm>
</cluster>
`);
    process.env['PATH'] = `${dir}:${savedPath ?? ''}`; // the daemons find fence_cstest on PATH
    try {
      await startNodes(cluster, nodes, conf);
    } finally {
      process.env['PATH'] = savedPath;
    }
  });

  after(async () => { await cleanupCluster(cluster); });

  it('unfences every node at start through its <unfence> device', async () => {
    await waitFor('three unfence runs', 30_000, async () => {
      const ons = agentLog(cluster.dir).filter((l) => l.action === 'on' && l.psu === 'A');
      return nodes.every((n, i) => ons.some((l) => l.port === String(i + 1) && l.node === n));
    });
  });

  it('fences with both supplies off before either is on, and recovers once both are off', async () => {
    await placeOn(cluster, nodes, 'service:app', nodes[0]!);
    const t = Date.now();
    await cluster.kill(nodes[0]!, 'SIGKILL');
    await waitFor('app started elsewhere', 60_000, async () => {
      const s = await service(cluster, nodes[1]!, 'service:app');
      return s?.state === 'started' && s.owner !== nodes[0] && s.pending === null;
    });
    await waitFor('all four device runs', 30_000, async () => agentLog(cluster.dir).filter((l) => l.ms >= t && l.port === '1').length >= 4);
    const runs = agentLog(cluster.dir).filter((l) => l.ms >= t && l.port === '1');
    expect(runs.map((l) => `${l.psu} ${l.action}`).slice(0, 2).sort()).to.deep.equal(['A off', 'B off']);
    expect(runs.map((l) => `${l.psu} ${l.action}`).slice(2).sort()).to.deep.equal(['A on', 'B on']);
    expect(runs.every((l) => l.node === nodes[0])).to.equal(true); // nodename= is passed on stdin
    const lastOff = Math.max(...runs.filter((l) => l.action === 'off').map((l) => l.ms));
    const start = serviceLog(cluster.dir, 'app').find((l) => l.op === 'start' && l.ms >= t);
    expect(start).to.not.equal(undefined);
    expect(start!.ms).to.be.greaterThan(lastOff);
    const hist = await waitFor('four history entries', 30_000, async () => {
      const h = (await fenceHistory(cluster, nodes[2]!, nodes[0])).filter((e) => e.startedMs >= t);
      return h.length >= 4 ? h : undefined;
    });
    expect(hist.map((e) => `${e.device} ${e.action} ${e.result}`).sort())
      .to.deep.equal(['psuA off success', 'psuA on success', 'psuB off success', 'psuB on success']);
    expect(hist.every((e) => e.method === 'dual' && e.agent === 'fence_cstest')).to.equal(true);
  });
});

describe('cluster: fenced startup fencing (clean_start="0")', function () {
  this.timeout(120_000);
  const sNodes = ['127.0.2.13', '127.0.2.14', '127.0.2.15'];
  let cluster: TestCluster;
  const savedPath = process.env['PATH'];

  before(async () => {
    cluster = new TestCluster('fenced-startup');
    writeAgent(cluster.dir);
    const conf = cluster.writeConf('cluster.conf', `<?xml version="1.0"?>
<cluster name="fencestart" config_version="1">
  <cman port="5524"/>
  <totem token="1000"/>
  <fence_daemon post_join_delay="2" clean_start="0" override_time="1"/>
  <clusternodes>
${sNodes.map((n, i) => `    <clusternode name="${n}" nodeid="${i + 1}">
      <fence><method name="1"><device name="pdu" port="${i + 1}" action="off"/></method></fence>
    </clusternode>`).join('\n')}
  </clusternodes>
  <fencedevices><fencedevice name="pdu" agent="fence_cstest" psu="P"/></fencedevices>
</cluster>
`);
    process.env['PATH'] = `${cluster.dir}:${savedPath ?? ''}`;
    try {
      await startNodes(cluster, sNodes.slice(0, 2), conf); // the third node never comes
    } finally {
      process.env['PATH'] = savedPath;
    }
  });

  after(async () => { await cleanupCluster(cluster); });

  it('fences a configured node that is not a member once the cluster is quorate, after post_join_delay', async () => {
    const hist = await waitFor('startup fence of node 3', 60_000, async () => {
      const h = await fenceHistory(cluster, sNodes[0]!, sNodes[2]);
      return h.some((e) => e.result === 'success') ? h : undefined;
    });
    const ok = hist.find((e) => e.result === 'success')!;
    expect(ok).to.include({ device: 'pdu', action: 'off', agent: 'fence_cstest', victimNodeid: 3 });
    const runs = agentLog(cluster.dir).filter((l) => l.port === '3');
    expect(runs.map((l) => `${l.action} ${l.node}`)).to.deep.equal([`off ${sNodes[2]}`]);
    // Members were not fenced.
    expect(agentLog(cluster.dir).filter((l) => l.port !== '3')).to.deep.equal([]);
    // post_join_delay: the fence began at least 2 s after the master queued the startup victim.
    const logs = sNodes.slice(0, 2).map((n) => readFileSync(path.join(cluster.dir, `${n}.log`), 'utf8')).join('\n');
    const queued = logs.split('\n').find((l) => l.includes(`startup fencing: ${sNodes[2]} is not a member`));
    expect(queued, 'startup fencing log line').to.not.equal(undefined);
    const queuedMs = Date.parse(queued!.split(' ')[0]!);
    expect(ok.startedMs - queuedMs).to.be.greaterThanOrEqual(2000);
  });
});
