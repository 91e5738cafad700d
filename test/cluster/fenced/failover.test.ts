// fenced + rgmanager end to end: SIGKILL of a service owner -> the node is fenced through a real
// BMC (OpenIPMI ipmi_sim via ../shared/peers/ipmi-sim.sh) -> the service starts on the next node
// of its ordered domain, after the power-off was confirmed. And: fencing that keeps failing keeps
// the service where it was until fence_ack_manual.
// Addresses 127.0.2.1-6, cman ports 5521/5522, BMCs on 127.0.0.1:9701-9706.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inCi } from '../../support/paths.js';
import { bin } from '../cman/harness.js';
import { startIpmiSimAt, have, type IpmiSim } from '../../interop/fence-ipmi/peers.js';
import {
  TestCluster, waitFor, rgClusterConf, placeOn, startNodes, rgStatus, rgRequest, cleanupCluster, serviceLog, service, waitStarted, fenceHistory, fenceLs,
} from '../rgmanager/harness.js';

function skipWithoutPeers(ctx: Mocha.Context): void {
  const missing = ['ipmi_sim', 'ipmitool'].filter((c) => !have(c));
  if (missing.length === 0) return;
  const msg = `missing Debian peer(s): ${missing.join(', ')} (package openipmi, ipmitool)`;
  if (inCi) throw new Error(msg);
  console.log(`    skipped: ${msg}`);
  ctx.skip();
}

function runBin(cmd: string, args: string[], runDir: string, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin(cmd), ...args], { env: { ...process.env, CLUSTER_RUN_DIR: runDir }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    child.stdin?.end(input ?? '');
  });
}

describe('cluster: fenced with a real BMC', function () {
  this.timeout(120_000);

  describe('SIGKILL of the owner', () => {
    const nodes = ['127.0.2.1', '127.0.2.2', '127.0.2.3'];
    const ports = [9701, 9702, 9703];
    let cluster: TestCluster;
    const sims: IpmiSim[] = [];

    before(async function () {
      skipWithoutPeers(this);
      cluster = new TestCluster('fenced-kill');
      for (const p of ports) sims.push(await startIpmiSimAt(p));
      const conf = cluster.writeConf('cluster.conf', rgClusterConf({
        clusterName: 'fencekill', nodes, port: 5521, dir: cluster.dir,
        fence: { bmcPort: Object.fromEntries(nodes.map((n, i) => [n, ports[i]!])) },
        services: [{ name: 'web', domain: 'web-dom' }, { name: 'db', domain: 'db-dom' }],
        domains: [
          { name: 'web-dom', ordered: true, nodes: [{ name: nodes[0]!, priority: 1 }, { name: nodes[1]!, priority: 2 }, { name: nodes[2]!, priority: 3 }] },
          { name: 'db-dom', ordered: true, nodes: [{ name: nodes[1]!, priority: 1 }, { name: nodes[2]!, priority: 2 }] },
        ],
      }));
      await startNodes(cluster, nodes, conf);
    });

    after(async () => {
      await cleanupCluster(cluster);
      for (const s of sims) await s.stop().catch(() => undefined);
    });

    it('fences the dead owner through its BMC, then starts its service on the next domain node', async () => {
      await placeOn(cluster, nodes, 'service:web', nodes[0]!);
      await placeOn(cluster, nodes, 'service:db', nodes[1]!);
      const killedMs = Date.now();
      await cluster.kill(nodes[0]!, 'SIGKILL');
      const owner = await waitStarted(cluster, nodes[1]!, 'service:web', 60_000, nodes[1]);
      expect(owner).to.equal(nodes[1]);

      // The BMC of node 1 really powered off (ipmi_sim's chassis log: "set power 0").
      const chassis = readFileSync(path.join(sims[0]!.dir, 'chassis.log'), 'utf8');
      expect(chassis).to.match(/set power 0/);
      expect(readFileSync(path.join(sims[1]!.dir, 'chassis.log'), 'utf8')).not.to.match(/set power 0/);

      // The fence history (replicated: asked of node 3) shows the device run, and the OFF
      // confirmation precedes the start that the agent logged on node 2.
      // (The device entry is committed when the whole reboot is done; recovery did not wait for it.)
      const ok = await waitFor('the fence history entry of bmc-1', 30_000, async () =>
        (await fenceHistory(cluster, nodes[2]!, nodes[0])).find((h) => h.result === 'success' && h.device === 'bmc-1'));
      expect(ok!.agent).to.equal('fence_ipmilan');
      const ls = await fenceLs(cluster, nodes[1]!);
      expect(ls.masterNodeid).to.be.oneOf([2, 3]);
      expect(ok!.master).to.equal(nodes[ls.masterNodeid - 1]); // the coordinator fenced
      expect(ok!.offConfirmedMs).to.be.a('number');
      const starts = serviceLog(cluster.dir, 'web').filter((l) => l.op === 'start' && l.node === nodes[1]);
      expect(starts.length).to.be.greaterThan(0);
      const startMs = starts[starts.length - 1]!.ms;
      expect(ok!.offConfirmedMs!).to.be.lessThan(startMs);
      expect(ok!.startedMs).to.be.greaterThanOrEqual(killedMs);

      // Nothing else moved: db stays on node 2; fence_tool ls shows no victim left.
      expect((await service(cluster, nodes[2]!, 'service:db'))?.owner).to.equal(nodes[1]);
      expect(ls.victimCount).to.equal(0);
      expect(ls.nodes.find((n) => n.nodeid === 1)?.lastFenceHow).to.equal('agent');
      // fence_node -S through node 3's BMC: on; exit 0.
      const st = await runBin('fence_node', ['-S', '-v', nodes[2]!], cluster.runDir(nodes[1]!));
      expect(st.code, st.stderr).to.equal(0);
      expect(st.stderr).to.contain(`status ${nodes[2]} dev 1.1 agent fence_ipmilan result: success`);
      expect(st.stderr).to.contain(`status ${nodes[2]} success`);
      const text = await runBin('fence_tool', ['ls', '-n'], cluster.runDir(nodes[2]!));
      expect(text.code).to.equal(0);
      expect(text.stdout).to.contain('fence domain\nmember count  2\nvictim count  0\n');
      expect(text.stdout).to.contain(`nodeid 1 member 0 victim 0 last fence master ${ls.masterNodeid} how agent`);
    });
    it('the fenced node restarts as a new member and its service fails back to it', async () => {
      const conf = path.join(cluster.dir, 'cluster.conf');
      cluster.start(nodes[0]!, conf);
      await waitStarted(cluster, nodes[1]!, 'service:web', 60_000, nodes[0]);
      const hist = await fenceHistory(cluster, nodes[1]!, nodes[0]);
      expect(hist.filter((h) => h.result === 'success' && h.device === 'bmc-1').length).to.equal(1); // not fenced again
    });

    it('SIGKILL of the coordinator: a new coordinator fences it and recovers its service from the records', async () => {
      const st = await rgStatus(cluster, nodes[1]!);
      const coord = st!.coordinator!;
      expect(nodes).to.include(coord);
      const r = await rgRequest(cluster, coord, { op: 'relocate', service: 'service:web', target: coord });
      expect(r.owner).to.equal(coord);
      const survivors = nodes.filter((n) => n !== coord);
      const before = (await fenceHistory(cluster, survivors[0]!, coord)).length;
      const killedMs = Date.now();
      await cluster.kill(coord, 'SIGKILL');
      const expectedOwner = survivors[0]!; // the best remaining node of web-dom (ordered 1, 2, 3)
      await waitStarted(cluster, survivors[1]!, 'service:web', 60_000, expectedOwner);
      const ok = await waitFor('the fence of the old coordinator in the history', 30_000, async () =>
        (await fenceHistory(cluster, survivors[0]!, coord)).slice(before).find((h) => h.result === 'success'));
      expect(survivors).to.include(ok.master);
      expect(ok.offConfirmedMs!).to.be.greaterThan(killedMs);
      const start = serviceLog(cluster.dir, 'web').filter((l) => l.op === 'start' && l.ms > killedMs);
      expect(start.map((l) => l.node)).to.deep.equal([expectedOwner]);
      expect(start[0]!.ms).to.be.greaterThan(ok.offConfirmedMs!);
      const now = await rgStatus(cluster, survivors[1]!);
      expect(survivors).to.include(now!.coordinator);
    });
  });

  describe('fencing that keeps failing', () => {
    const nodes = ['127.0.2.4', '127.0.2.5', '127.0.2.6'];
    const ports = [9704, 9705, 9706];
    let cluster: TestCluster;
    const sims: IpmiSim[] = [];

    before(async function () {
      skipWithoutPeers(this);
      cluster = new TestCluster('fenced-fail');
      for (const p of ports) sims.push(await startIpmiSimAt(p));
      const conf = cluster.writeConf('cluster.conf', rgClusterConf({
        clusterName: 'fencefail', nodes, port: 5522, dir: cluster.dir, overrideTimeS: 1,
        // Node 4's BMC rejects our password: every fence of it fails.
        fence: { bmcPort: Object.fromEntries(nodes.map((n, i) => [n, ports[i]!])), passwd: { [nodes[0]!]: 'wrong-password' } },
        services: [{ name: 'app', domain: 'app-dom' }],
        domains: [{ name: 'app-dom', ordered: true, nodes: [{ name: nodes[0]!, priority: 1 }, { name: nodes[1]!, priority: 2 }, { name: nodes[2]!, priority: 3 }] }],
      }));
      await startNodes(cluster, nodes, conf);
    });

    after(async () => {
      await cleanupCluster(cluster);
      for (const s of sims) await s.stop().catch(() => undefined);
    });

    it('keeps the service on the dead node while fencing fails, and moves it after fence_ack_manual', async () => {
      await placeOn(cluster, nodes, 'service:app', nodes[0]!);
      const killedMs = Date.now();
      await cluster.kill(nodes[0]!, 'SIGKILL');
      // At least two failed rounds, each in the replicated history.
      await waitFor('two failed fence rounds', 60_000, async () => {
        const h = await fenceHistory(cluster, nodes[1]!, nodes[0]);
        return new Set(h.filter((e) => e.result === 'failed').map((e) => e.attempt)).size >= 2;
      });
      const s = await service(cluster, nodes[2]!, 'service:app');
      expect(s?.owner).to.equal(nodes[0]);
      expect(serviceLog(cluster.dir, 'app').filter((l) => l.op === 'start' && l.ms > killedMs)).to.deep.equal([]);
      const ls = await fenceLs(cluster, nodes[2]!);
      expect(ls.victimCount).to.equal(1);
      expect(ls.waitState).to.equal('fencing');
      expect(readFileSync(path.join(sims[0]!.dir, 'power'), 'utf8').trim()).to.equal('1'); // never powered off

      // A request meanwhile: the owner awaits fencing.
      const ackMs = Date.now();
      const ack = await runBin('fence_ack_manual', [nodes[0]!], cluster.runDir(nodes[2]!), 'absolutely\n');
      expect(ack.code, ack.stderr).to.equal(0);
      expect(ack.stdout).to.contain('Continue [NO/absolutely]? ');
      expect(ack.stdout).to.contain('Done');
      expect(await waitStarted(cluster, nodes[1]!, 'service:app', 30_000, nodes[1])).to.equal(nodes[1]);
      const starts = serviceLog(cluster.dir, 'app').filter((l) => l.op === 'start' && l.ms > killedMs);
      expect(starts.map((l) => l.node)).to.deep.equal([nodes[1]]);
      expect(starts[0]!.ms).to.be.greaterThan(ackMs);
      const hist = await fenceHistory(cluster, nodes[2]!, nodes[0]);
      expect(hist.some((e) => e.result === 'override' && e.how === 'override')).to.equal(true);
      // A second acknowledgement has nothing to acknowledge.
      const again = await runBin('fence_ack_manual', ['-y', nodes[0]!], cluster.runDir(nodes[2]!));
      expect(again.code).to.equal(1);
      expect(again.stderr).to.contain('is not waiting to be fenced');
    });
  });
});
