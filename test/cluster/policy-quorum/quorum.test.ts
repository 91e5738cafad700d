// rgmanager takes quorum from cman's committed view (127.0.6.1-30, cman ports 5641/5651/5661):
// a 4-node cluster with a quorum disk split 2+2 in a network namespace (nftables) — once with the
// fence devices reachable from the qdisk master's side, once without — and a lone survivor
// revived with `cman_tool expected -e 1`.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inCi } from '../../support/paths.js';
import { NetNs, TestCluster, bin, canUseNetns, run, waitFor } from '../cman/harness.js';
import { rgStatus, runningOn, serviceLog, service, rgRequest, cleanupCluster, fenceHistory } from '../rgmanager/harness.js';
import { pqClusterConf, startNode } from './harness.js';

const ip = (n: number) => `127.0.6.${n}`;

function fenceLog(dir: string): { ms: number; node: string }[] {
  const f = path.join(dir, 'fence.log');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => {
    const [ms, , node] = l.split(' ');
    return { ms: Number(ms), node: node ?? '' };
  });
}

function runBin(cmd: string, args: string[], runDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin(cmd), ...args], { env: { ...process.env, CLUSTER_RUN_DIR: runDir }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    child.stdin?.end('');
  });
}

/** Every node's rgmanager runs and sees all of them; each service runs where `where` says. */
async function placeAll(c: TestCluster, nodes: string[], where: Record<string, string>): Promise<void> {
  await waitFor('rgmanager running on every node', 120_000, async () => {
    for (const n of nodes) {
      const st = await rgStatus(c, n);
      if (st?.rgmanagerRunning !== true || st.nodes.filter((x) => x.online && x.rgmanager).length !== nodes.length) return false;
    }
    return true;
  });
  for (const [id, node] of Object.entries(where)) {
    const owner = await waitFor(`${id} started`, 60_000, async () => {
      const s = await service(c, node, id);
      return s?.state === 'started' && s.pending === null ? s.owner ?? undefined : undefined;
    });
    if (owner === node) continue;
    const r = await rgRequest(c, node, { op: 'relocate', service: id, target: node });
    expect(r.code, `relocate ${id} to ${node}: ${r.message} ${r.reason}`).to.equal('RG_ESUCCESS');
    expect(r.owner).to.equal(node);
  }
}

describe('cluster: rgmanager quorum is cman\'s', function () {
  this.timeout(300_000);

  /** A 4-node cluster with a qdisk (3 votes, expected 7) in namespace `nsName`, s<i> placed on node i. */
  async function qdiskCluster(c: TestCluster, ns: NetNs, nodes: string[], port: number): Promise<string[]> {
    const disk = path.join(c.dir, 'qdisk.img');
    const mk = await run(process.execPath, [bin('mkqdisk'), '-c', disk, '-l', 'pq']);
    expect(mk.code, mk.out).to.equal(0);
    const services = ['s1', 's2', 's3', 's4'];
    const conf = c.writeConf('cluster.conf', pqClusterConf({
      name: `pq${port}`, nodes, port, dir: c.dir, services, postFailDelayS: 3,
      quorumd: { line: `  <quorumd interval="1" tko="4" votes="3" label="pq" cman_label="pq" device="${disk}"/>`, expectedVotes: 7, pollMs: 3000 },
    }));
    for (const n of nodes) startNode(c, n, conf, ns.name);
    for (const n of nodes) {
      await waitFor(`${n} quorate with 4 nodes and the qdisk votes`, 120_000, async () => {
        const s = await c.status(n);
        return s?.quorate === true && s.nodes === 4 && s.quorumDeviceVotes === 3 && s.totalVotes === 7;
      });
    }
    const master = (await c.diag(nodes[0]!)).qdisk?.masterNodeid;
    expect(master, 'qdisk master').to.equal(1);
    await placeAll(c, nodes, Object.fromEntries(services.map((s, i) => [`service:${s}`, nodes[i]!])));
    return services;
  }

  /** Split {1,2} | {3,4}: 3 and 4 emergency-stop s3, s4; 1 and 2 stay quorate with 2 + 3 qdisk votes. */
  async function split(c: TestCluster, ns: NetNs, nodes: string[], services: string[], t0: number): Promise<void> {
    await ns.partition([nodes[0]!, nodes[1]!], [nodes[2]!, nodes[3]!]);
    for (const i of [2, 3]) {
      await waitFor(`${nodes[i]} stopped ${services[i]} (emergency)`, 60_000, async () =>
        serviceLog(c.dir, services[i]!).some((l) => l.ms >= t0 && l.op === 'stop' && l.node === nodes[i]));
    }
    for (const n of nodes.slice(0, 2)) {
      await waitFor(`${n} quorate with 2 + qdisk`, 60_000, async () => {
        const s = await c.status(n);
        return s?.quorate === true && s.nodes === 2 && s.totalVotes === 5;
      });
    }
  }

  describe('four nodes and a quorum disk split 2+2', () => {
    let c: TestCluster;
    let c2: TestCluster;
    let ns: NetNs | undefined;
    let ns2: NetNs | undefined;
    before(async function () {
      const why = await canUseNetns();
      if (why !== undefined) {
        if (inCi) throw new Error(`partition tests cannot run: ${why}`);
        this.skip();
      }
      c = new TestCluster('pq-qdisk');
      c2 = new TestCluster('pq-qdisk-nofence');
    });
    after(async () => { await cleanupCluster(c); await cleanupCluster(c2); await ns?.destroy(); await ns2?.destroy(); });

    it('the side holding the qdisk master fences the other and recovers its services; the other emergency-stops', async () => {
      ns = await NetNs.create('cs-pq-1');
      const nodes = [1, 2, 3, 4].map(ip);
      const services = await qdiskCluster(c, ns, nodes, 5641);
      const t0 = Date.now();
      await split(c, ns, nodes, services, t0);
      for (const id of ['service:s3', 'service:s4']) {
        await waitFor(`${id} recovered on the quorate side`, 90_000, async () => {
          const s = await service(c, nodes[0]!, id);
          return s?.state === 'started' && s.pending === null && (s.owner === nodes[0] || s.owner === nodes[1]);
        });
      }
      const fenced = fenceLog(c.dir);
      expect(fenced.map((f) => f.node).sort()).to.deep.equal([nodes[2], nodes[3]]);
      expect(await c.exited(nodes[2]!, 10_000)).to.equal(null); // SIGKILLed by the fence agent
      expect(await c.exited(nodes[3]!, 10_000)).to.equal(null);
      for (const [i, s] of services.entries()) {
        const log = serviceLog(c.dir, s).filter((l) => l.ms >= t0);
        if (i < 2) {
          // Untouched on the quorate side.
          expect(log, s).to.deep.equal([]);
          expect(runningOn(c.dir, s, nodes), s).to.deep.equal([nodes[i]]);
        } else {
          // Emergency stop on its node, fencing, and only then a start on the quorate side.
          const stop = log.find((l) => l.op === 'stop' && l.node === nodes[i]);
          const start = log.find((l) => l.op === 'start');
          const fence = fenced.find((f) => f.node === nodes[i])!;
          expect(stop, `${s}: ${JSON.stringify(log)}`).to.not.equal(undefined);
          expect(start, `${s}: ${JSON.stringify(log)}`).to.not.equal(undefined);
          expect(stop!.ms).to.be.at.most(start!.ms);
          expect(fence.ms, `${s} started before its node was fenced`).to.be.at.most(start!.ms);
          expect([nodes[0], nodes[1]]).to.include(start!.node);
          expect(runningOn(c.dir, s, nodes), s).to.deep.equal([start!.node]);
        }
      }
      const st = await rgStatus(c, nodes[1]!);
      expect(st?.quorate).to.equal(true);
      expect(readFileSync(path.join(c.dir, `${nodes[2]}.log`), 'utf8')).to.match(/Quorum Dissolved/);
    });

    it('with the other side\'s fence devices unreachable, its services stay put until fence_ack_manual', async () => {
      ns2 = await NetNs.create('cs-pq-2');
      const nodes = [21, 22, 23, 24].map(ip);
      const services = await qdiskCluster(c2, ns2, nodes, 5661);
      for (const n of nodes.slice(2)) writeFileSync(path.join(c2.dir, `unreachable.${n}`), '');
      const t0 = Date.now();
      await split(c2, ns2, nodes, services, t0);
      // Fencing fails and is retried; meanwhile s3 and s4 stay recorded on their nodes and start nowhere.
      for (const v of nodes.slice(2)) {
        await waitFor(`two failed fence attempts on ${v}`, 60_000, async () =>
          (await fenceHistory(c2, nodes[0]!, v)).filter((h) => h.result === 'failed').length >= 2);
      }
      for (const [i, id] of [[2, 'service:s3'], [3, 'service:s4']] as const) {
        expect(await service(c2, nodes[0]!, id), id).to.include({ state: 'started', owner: nodes[i] });
        expect(serviceLog(c2.dir, services[i]!).filter((l) => l.ms >= t0 && l.op === 'start'), id).to.deep.equal([]);
      }
      expect(fenceLog(c2.dir)).to.deep.equal([]);
      // The administrator powers the two nodes off by hand and acknowledges it.
      await Promise.all([c2.kill(nodes[2]!), c2.kill(nodes[3]!)]);
      const tAck = Date.now();
      for (const v of nodes.slice(2)) {
        const ack = await runBin('fence_ack_manual', ['-y', v], c2.runDir(nodes[0]!));
        expect(ack.code, ack.stderr).to.equal(0);
      }
      for (const [i, s] of services.entries()) {
        if (i < 2) { expect(serviceLog(c2.dir, s).filter((l) => l.ms >= t0), s).to.deep.equal([]); continue; }
        const owner = await waitFor(`${s} recovered after fence_ack_manual`, 60_000, async () => {
          const v = await service(c2, nodes[0]!, `service:${s}`);
          return v?.state === 'started' && v.pending === null && (v.owner === nodes[0] || v.owner === nodes[1]) ? v.owner : undefined;
        });
        const starts = serviceLog(c2.dir, s).filter((l) => l.ms >= t0 && l.op === 'start');
        expect(starts.map((l) => l.node), s).to.deep.equal([owner]);
        expect(starts[0]!.ms, `${s} started before fence_ack_manual`).to.be.at.least(tAck);
        expect(runningOn(c2.dir, s, nodes), s).to.deep.equal([owner]);
      }
    });
  });

  describe('a lone survivor and cman_tool expected -e', () => {
    let c: TestCluster;
    before(() => { c = new TestCluster('pq-expected'); });
    after(async () => { await cleanupCluster(c); });

    it('after expected -e 1 the survivor\'s rgmanager fences the others and runs every service', async () => {
      const nodes = [11, 12, 13].map(ip);
      const services = ['e1', 'e2'];
      const conf = c.writeConf('cluster.conf', pqClusterConf({ name: 'pqe', nodes, port: 5651, dir: c.dir, services, postFailDelayS: 0 }));
      for (const n of nodes) startNode(c, n, conf);
      await placeAll(c, nodes, { 'service:e1': nodes[0]!, 'service:e2': nodes[1]! });
      const t0 = Date.now();
      await Promise.all([c.kill(nodes[1]!), c.kill(nodes[2]!)]);
      await waitFor(`${nodes[0]} inquorate`, 60_000, async () => (await c.status(nodes[0]!))?.quorate === false);
      await waitFor('e1 emergency-stopped', 30_000, async () => !runningOn(c.dir, 'e1', nodes).includes(nodes[0]!));
      expect(fenceLog(c.dir), 'an inquorate node fences no one').to.deep.equal([]);

      const r = await c.cmanTool(nodes[0]!, ['expected', '-e', '1']);
      expect(r.code, r.stderr).to.equal(0);
      await waitFor(`${nodes[0]} quorate alone`, 60_000, async () => (await c.status(nodes[0]!))?.quorate === true);
      for (const id of ['service:e1', 'service:e2']) {
        await waitFor(`${id} started on the survivor`, 60_000, async () => {
          const s = await service(c, nodes[0]!, id);
          return s?.state === 'started' && s.owner === nodes[0] && s.pending === null;
        });
      }
      expect(fenceLog(c.dir).map((f) => f.node).sort()).to.deep.equal([nodes[1], nodes[2]]);
      const e2 = serviceLog(c.dir, 'e2').filter((l) => l.ms >= t0);
      expect(e2.map((l) => `${l.op} ${l.node}`)).to.deep.equal([`start ${nodes[0]}`]);
      expect(runningOn(c.dir, 'e1', nodes)).to.deep.equal([nodes[0]]);
      expect(runningOn(c.dir, 'e2', nodes)).to.deep.equal([nodes[0]]);
    });
  });
});
