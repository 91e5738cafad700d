// A fence master that takes over after the old master (the membership leader) itself left.
// Every survivor sees the committed nodeLeft before one of them becomes leader; the new master
// must settle that departure as the master of that moment would have (a clean leave is 'left',
// a restart 'averted', a failure queued for fencing), and a departure it never saw is queued for
// fencing (safe default). Three real FenceDaemons share one in-memory cluster port (the
// replicated state every member sees); each node's fence device is a small external agent that
// records every run, so "no fencing" is observed at the agent, not inferred.
import { expect } from 'chai';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FenceDaemon, type VictimRecord } from '../../../src/fenced/daemon.js';
import { parseClusterConf } from '../../../src/config/index.js';
import type { ClusterConfig } from '../../../src/config/types.js';
import type { ViewInfo } from '../../../src/cman/membership/index.js';
import type { LeaveReason } from '../../../src/cman/membership/types.js';
import type { ApiServer } from '../../../src/api/index.js';
import { FakePort } from '../rgmanager-daemon/fake-port.js';

async function waitFor(what: string, cond: () => boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Three nodes, each fenced through `agentPath` (an executable following the stdin protocol). */
function conf(agentPath: string): ClusterConfig {
  const nodes = [1, 2, 3].map((i) => `    <clusternode name="n${i}" nodeid="${i}" votes="1">
      <fence><method name="1"><device name="rec" port="n${i}"/></method></fence>
    </clusternode>`).join('\n');
  const text = `<?xml version="1.0"?>
<cluster name="takeover" config_version="1">
  <cman/>
  <fence_daemon post_fail_delay="0" post_join_delay="0"/>
  <clusternodes>
${nodes}
  </clusternodes>
  <fencedevices>
    <fencedevice name="rec" agent="${agentPath}"/>
  </fencedevices>
</cluster>
`;
  const { config, problems } = parseClusterConf(text, 'takeover.conf');
  const errors = problems.filter((p) => p.severity === 'error');
  if (config === undefined || errors.length > 0) throw new Error(`bad test config: ${JSON.stringify(errors)}`);
  return config;
}

const q2of3 = { quorate: true, quorum: 2, expected: 3, total: 2 };

describe('fenced: a new master settles the departure of the old master it saw before taking over', () => {
  let dir = '';
  let agentLog = '';
  let config: ClusterConfig;
  let port: FakePort;
  let daemons: FenceDaemon[] = [];
  const api = { handle: () => undefined, publish: () => undefined } as unknown as ApiServer;

  const agentRuns = (): string[] => existsSync(agentLog) ? readFileSync(agentLog, 'utf8').split('\n').filter((l) => l !== '') : [];
  const victimWrites = (name: string): VictimRecord[] => port.log
    .filter((c) => c.op !== 'delete' && c.key === `fence/v/${name}`)
    .map((c) => (c as { value: unknown }).value as VictimRecord);
  const historyWrites = () => port.log.filter((c) => c.key.startsWith('fence/h/'));
  const view = (members: number[], leader: number | null): ViewInfo => ({ ...port.viewOf(members, q2of3), leader });
  const daemon = (nodeid: number): FenceDaemon => {
    const node = config.nodes.find((n) => n.nodeid === nodeid)!;
    const d = new FenceDaemon({ config, node, port, api });
    daemons.push(d);
    return d;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fenced-takeover-'));
    agentLog = path.join(dir, 'runs.log');
    const agent = path.join(dir, 'fence_record');
    // Reads the options from stdin, records "<port> <action>", reports success.
    writeFileSync(agent, `#!/bin/sh
port=""; action=""
while IFS='=' read -r k v; do
  case "$k" in port|plug) port="$v";; action|option) action="$v";; esac
done
echo "$port $action" >> '${agentLog}'
exit 0
`);
    chmodSync(agent, 0o755);
    config = conf(agent);
    port = new FakePort([1, 2, 3], { quorate: true, quorum: 2, expected: 3, total: 3 });
    daemons = [];
  });

  afterEach(() => {
    for (const d of daemons) d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * n1 is leader and fence master of a 3-node cluster and has recorded every member's incarnation
   * (fence/m/<node>). Then n1 leaves: its daemon stops and, when `survivorsSee`, n2 and n3 get the
   * committed nodeLeft (reason `reason`) while no survivor leads yet. Then n2 becomes leader.
   */
  async function oldMasterLeaves(reason: LeaveReason, survivorsSee: boolean): Promise<FenceDaemon> {
    expect(port.view().leader).to.equal(1);
    const [d1, d2, d3] = [daemon(1), daemon(2), daemon(3)];
    for (const d of [d1, d2, d3]) d.start();
    await waitFor('n1 to record every member', () => [1, 2, 3].every((i) => port.kv().has(`fence/m/n${i}`)) && port.kv().has('fence/init'));
    expect(d1.isCoordinator).to.equal(true);
    const n1 = port.view().members.find((m) => m.nodeid === 1)!;

    d1.stop();
    port.current = view([2, 3], null);
    if (survivorsSee) {
      port.events.emit('nodeLeft', { nodeid: 1, name: 'n1', incarnation: n1.incarnation, generation: port.current.generation, reason });
    }
    port.events.emit('view', port.current);
    expect(d2.isCoordinator || d3.isCoordinator, 'nobody leads between the leave and the election').to.equal(false);

    port.current = view([2, 3], 2);
    port.events.emit('view', port.current);
    expect(d2.isCoordinator).to.equal(true);
    await waitFor('the new master to write a record for n1', () => victimWrites('n1').length > 0);
    expect(victimWrites('n1')[0]!.inc).to.equal(n1.incarnation);
    return d2;
  }

  /** Nothing of n1 waits for fencing on the new master (a queued victim starts its task at commit). */
  function nothingQueued(master: FenceDaemon): void {
    const ls = master.ls();
    expect(ls.victimCount, 'victims waiting').to.equal(0);
    expect(ls.victimNow, 'victim being fenced').to.equal(0);
  }

  /**
   * A barrier for "the agent never ran for n1": n3 fails afterwards and the new master fences it
   * through the same agent; once that run is done, any run for n1 would have been done too.
   */
  async function n3FailsAndIsFenced(master: FenceDaemon): Promise<void> {
    const n3 = port.view().members.find((m) => m.nodeid === 3)!;
    port.current = view([2], 2);
    port.events.emit('nodeLeft', { nodeid: 3, name: 'n3', incarnation: n3.incarnation, generation: port.current.generation, reason: 'failed' });
    port.events.emit('view', port.current);
    await waitFor('n3 to be fenced', () => master.victim('n3')?.st === 'fenced');
  }

  it("records a clean leave ('left') as left: no fencing, no agent run", async () => {
    const master = await oldMasterLeaves('left', true);
    const writes = victimWrites('n1');
    expect(writes.map((w) => w.st), 'every record of n1').to.deep.equal(['left']);
    nothingQueued(master);
    expect(writes[0]).to.include({ st: 'left', reason: 'left', master: 'n2' });
    expect(master.victim('n1')?.st).to.equal('left');
    expect(historyWrites(), 'fence history').to.deep.equal([]);
    await n3FailsAndIsFenced(master);
    expect(agentRuns(), 'fence agent runs').to.deep.equal(['n3 reboot']);
    expect(victimWrites('n1').map((w) => w.st), 'every record of n1, after').to.deep.equal([writes[0]!.st]);
  });

  it("records a departure with reason 'restarted' as averted: no fencing, no agent run", async () => {
    const master = await oldMasterLeaves('restarted', true);
    const writes = victimWrites('n1');
    expect(writes.map((w) => w.st), 'every record of n1').to.deep.equal(['averted']);
    nothingQueued(master);
    expect(writes[0]).to.include({ reason: 'restarted', master: 'n2' });
    expect(historyWrites(), 'fence history').to.deep.equal([]);
    await n3FailsAndIsFenced(master);
    expect(agentRuns(), 'fence agent runs').to.deep.equal(['n3 reboot']);
    expect(victimWrites('n1').map((w) => w.st), 'every record of n1, after').to.deep.equal([writes[0]!.st]);
  });

  it("still queues a departure with reason 'failed' for fencing (pending), and fences it", async () => {
    const master = await oldMasterLeaves('failed', true);
    expect(victimWrites('n1')[0]).to.include({ st: 'pending', reason: 'failed', master: 'n2', safeMs: 0 });
    await waitFor('n1 to be fenced', () => master.victim('n1')?.st === 'fenced');
    expect(agentRuns()).to.deep.equal(['n1 reboot']);
  });

  it('queues a departure it never saw (no nodeLeft before it became master) for fencing: the safe default', async () => {
    const master = await oldMasterLeaves('left', false);
    expect(victimWrites('n1')[0]).to.include({ st: 'pending', reason: 'failed', master: 'n2' });
    await waitFor('n1 to be fenced', () => master.victim('n1')?.st === 'fenced');
    expect(agentRuns()).to.deep.equal(['n1 reboot']);
  });
});
