// Partitions made with nftables inside a private network namespace (root; CI runs as root).
import { expect } from 'chai';
import { inCi } from '../../support/paths.js';
import type { CmanStatus } from '../../../src/api/cman.js';
import { NetNs, TestCluster, bin, canUseNetns, clusterConf, run, waitFor } from './harness.js';

const ip = (n: number) => `127.0.1.${n}`;
const DEADLINE_MS = 60_000;

async function quorateWith(c: TestCluster, node: string, members: number): Promise<CmanStatus | undefined> {
  const s = await c.status(node);
  return s !== undefined && s.quorate && s.nodes === members ? s : undefined;
}

describe('cman partitions in a network namespace', function () {
  this.timeout(240_000);
  before(async function () {
    const why = await canUseNetns();
    if (why !== undefined) {
      if (inCi) throw new Error(`partition tests cannot run: ${why}`);
      this.skip();
    }
  });

  describe('three nodes split 2+1', () => {
    const c = new TestCluster('part3');
    let ns: NetNs | undefined;
    after(async () => { await c.cleanup(); await ns?.destroy(); });

    it('leaves exactly one quorate side, and the cluster converges after healing', async () => {
      ns = await NetNs.create('cs-cman-1');
      const nodes = [21, 22, 23];
      const conf = c.writeConf('cluster.conf', clusterConf({ nodes: nodes.map((n, i) => ({ name: ip(n), nodeid: i + 1 })) }));
      for (const n of nodes) c.start(ip(n), conf, ns.name);
      for (const n of nodes) await waitFor(`node ${n} quorate with 3`, DEADLINE_MS, () => quorateWith(c, ip(n), 3));

      await ns.partition([ip(21), ip(22)], [ip(23)]);
      for (const n of [21, 22]) await waitFor(`node ${n} quorate with 2`, DEADLINE_MS, () => quorateWith(c, ip(n), 2));
      await waitFor('node 23 inquorate', DEADLINE_MS, async () => (await c.status(ip(23)))?.quorate === false);
      const blocked = await c.cmanTool(ip(23), ['status']);
      expect(blocked.stdout).to.contain('Activity blocked');
      // Still exactly one quorate side a few token periods later (checked, not slept: the
      // bigger side must have gone on committing, and the small side still sees no quorum).
      const g = (await c.status(ip(21)))!.generation;
      expect((await c.status(ip(23)))?.quorate).to.equal(false);
      expect((await c.status(ip(22)))?.generation).to.equal(g);

      await ns.heal();
      // Node 23 either rejoins (as a new member) or is told to exit (it had state: cman's rule).
      await waitFor('node 23 back or gone', DEADLINE_MS, async () => {
        const s = await c.status(ip(23));
        return (s?.quorate === true && s.nodes === 3) || c.procs.get(ip(23))!.exitCode !== null;
      });
      for (const n of [21, 22]) expect((await c.status(ip(n)))?.quorate, `node ${n}`).to.equal(true);
    });
  });

  describe('four nodes split 2+2 with a quorum disk', () => {
    const c = new TestCluster('qdisk4');
    let ns: NetNs | undefined;
    after(async () => { await c.cleanup(); await ns?.destroy(); });

    it('the side holding the qdisk master stays quorate; the other blocks', async () => {
      ns = await NetNs.create('cs-cman-2');
      const disk = `${c.dir}/qdisk.img`;
      const mk = await run(process.execPath, [bin('mkqdisk'), '-c', disk, '-l', 'csq']);
      expect(mk.code, mk.out).to.equal(0);
      const nodes = [31, 32, 33, 34];
      const conf = c.writeConf('cluster.conf', clusterConf({
        nodes: nodes.map((n, i) => ({ name: ip(n), nodeid: i + 1 })), expectedVotes: 7, tokenMs: 1000, quorumDevPollMs: 3000,
        quorumd: `  <quorumd interval="1" tko="4" votes="3" label="csq" cman_label="csq" device="${disk}"/>`,
      }));
      for (const n of nodes) c.start(ip(n), conf, ns.name);
      // All four members, and the qdisk votes counted everywhere (elected master on the disk).
      for (const n of nodes) {
        await waitFor(`node ${n} with qdisk votes`, 90_000, async () => {
          const s = await quorateWith(c, ip(n), 4);
          return s !== undefined && s.quorumDeviceVotes === 3 && s.totalVotes === 7 ? s : undefined;
        });
      }
      const master = (await c.diag(ip(31))).qdisk?.masterNodeid;
      expect(master).to.equal(1);
      const nodesOut = await c.cmanTool(ip(32), ['nodes']);
      expect(nodesOut.stdout).to.match(/\n {3}0 {3}M {6}0 {3}\S+ \S+ {2}csq\n/);

      await ns.partition([ip(31), ip(32)], [ip(33), ip(34)]);
      for (const n of [31, 32]) {
        await waitFor(`node ${n} quorate with 2 + qdisk`, DEADLINE_MS, async () => {
          const s = await quorateWith(c, ip(n), 2);
          return s !== undefined && s.totalVotes === 5 ? s : undefined;
        });
      }
      for (const n of [33, 34]) await waitFor(`node ${n} inquorate`, DEADLINE_MS, async () => (await c.status(ip(n)))?.quorate === false);
      for (const n of [31, 32]) expect((await c.status(ip(n)))?.quorate, `node ${n}`).to.equal(true);
    });
  });
});
