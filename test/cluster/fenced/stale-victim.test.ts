// A node that was a startup-fencing victim and joined during post_join_delay keeps a settled victim
// record ("averted", incarnation 0: it was never a member before). When that node later dies as
// the owner of a service, the service must wait for the new fence: it starts on the next node of
// its ordered domain only after the victim's power is off, and the executor there never refuses it
// (a refusal sends the service to a worse node). Addresses 127.0.8.1-3, cman port 10800.
import { expect } from 'chai';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TestCluster, waitFor, placeOn, startNodes, serviceLog, writeServiceScript, service, cleanupCluster } from '../rgmanager/harness.js';

const nodes = ['127.0.8.1', '127.0.8.2', '127.0.8.3'];

/** A third-party fence agent: records every action with a ms timestamp and the outlet. */
function writeAgent(dir: string): void {
  const agent = path.join(dir, 'fence_cs8test');
  writeFileSync(agent, `#!/bin/bash
D=${JSON.stringify(dir)}
args=$(cat)
get() { printf '%s\\n' "$args" | sed -n "s/^$1=//p" | tail -1; }
a=$(get action); p=$(get port)
echo "$(date +%s%3N) $a $p" >> "$D/agent.log"
exit 0
`);
  chmodSync(agent, 0o755);
}

function agentLog(dir: string): { ms: number; action: string; port: string }[] {
  const f = path.join(dir, 'agent.log');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => {
    const [ms, action, port] = l.split(' ');
    return { ms: Number(ms), action: action!, port: port! };
  });
}

describe('cluster: a dead owner with an old settled victim record is fenced before its service moves', function () {
  this.timeout(180_000);
  let cluster: TestCluster;
  const savedPath = process.env['PATH'];

  before(async () => {
    cluster = new TestCluster('stale-victim');
    const dir = cluster.dir;
    writeAgent(dir);
    const file = writeServiceScript(dir, 'web');
    // clean_start="0": the first quorate view makes the node not yet a member a startup victim;
    // it joins during post_join_delay, so its record settles as "averted" (incarnation 0).
    const conf = cluster.writeConf('cluster.conf', `<?xml version="1.0"?>
<cluster name="stalevic" config_version="1">
  <cman port="10800"/>
  <totem token="1000"/>
  <fence_daemon post_join_delay="3" post_fail_delay="0" override_time="1"/>
  <clusternodes>
${nodes.map((n, i) => `    <clusternode name="${n}" nodeid="${i + 1}">
      <fence><method name="pdu"><device name="pdu" port="${i + 1}"/></method></fence>
    </clusternode>`).join('\n')}
  </clusternodes>
  <fencedevices>
    <fencedevice name="pdu" agent="fence_cs8test"/>
  </fencedevices>
  <rm status_poll_interval="1">
    <failoverdomains>
      <failoverdomain name="web-dom" ordered="1" restricted="1">
        <failoverdomainnode name="${nodes[2]}" priority="1"/>
        <failoverdomainnode name="${nodes[1]}" priority="2"/>
        <failoverdomainnode name="${nodes[0]}" priority="3"/>
      </failoverdomain>
    </failoverdomains>
    <service name="web" domain="web-dom" recovery="relocate">
      <script name="web-script" file="${file}"><action name="status" depth="0" interval="1"/></script>
    </service>
  </rm>
</cluster>
`);
    process.env['PATH'] = `${dir}:${savedPath ?? ''}`; // the daemons find fence_cs8test on PATH
    try {
      await startNodes(cluster, nodes, conf);
    } finally {
      process.env['PATH'] = savedPath;
    }
  });

  after(async () => { await cleanupCluster(cluster); });

  it('starts the service on the next domain node only after the new fence, without a refused start', async () => {
    await placeOn(cluster, nodes, 'service:web', nodes[2]!);
    // The precondition: the owner's victim record is an old, settled one (startup fencing averted).
    await waitFor('the startup fence of the owner averted', 30_000, async () =>
      /averting startup fence of 127\.0\.8\.3/.test(nodes.map((n) => readFileSync(path.join(cluster.dir, `${n}.log`), 'utf8')).join('\n')));
    const killedMs = Date.now();
    await cluster.kill(nodes[2]!, 'SIGKILL');
    await waitFor('web started on a survivor', 60_000, async () => {
      const s = await service(cluster, nodes[0]!, 'service:web');
      return s?.state === 'started' && s.owner !== nodes[2] && s.pending === null;
    });
    const s = await service(cluster, nodes[0]!, 'service:web');
    const logs = nodes.slice(0, 2).map((n) => readFileSync(path.join(cluster.dir, `${n}.log`), 'utf8')).join('\n');
    expect(logs).not.to.match(/refusing to start service:web/);
    expect(logs).not.to.match(/INVARIANT/);
    expect(s?.owner).to.equal(nodes[1]);
    // The coordinator decided the start only after fenced committed the new fence (same log, in order).
    const decider = nodes.slice(0, 2).map((n) => readFileSync(path.join(cluster.dir, `${n}.log`), 'utf8').split('\n'))
      .find((lines) => lines.some((l) => l.includes(`start service:web on ${nodes[1]}`)));
    expect(decider, 'the coordinator logged its start decision').to.not.equal(undefined);
    const leftAt = decider!.map((l) => l.includes(`node ${nodes[2]} (id 3) left`)).lastIndexOf(true);
    const after = (text: string) => decider!.findIndex((l, i) => i > leftAt && l.includes(text));
    expect(leftAt, 'the coordinator node logged the owner leaving').to.be.at.least(0);
    const decidedAt = after(`start service:web on ${nodes[1]}`);
    const fencedAt = after(`fence ${nodes[2]} success`);
    expect(decidedAt).to.be.at.least(0);
    expect(fencedAt, 'fence success logged by the coordinator node').to.be.at.least(0);
    expect(fencedAt).to.be.lessThan(decidedAt);
    const off = agentLog(cluster.dir).find((l) => l.ms >= killedMs && l.port === '3' && (l.action === 'off' || l.action === 'reboot'));
    expect(off, 'the dead owner was fenced').to.not.equal(undefined);
    const start = serviceLog(cluster.dir, 'web').find((l) => l.op === 'start' && l.ms >= killedMs);
    expect(start?.node).to.equal(nodes[1]);
    expect(start!.ms).to.be.at.least(off!.ms);
  });
});
