import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ApiClient } from '../../../src/api/index.js';
import type { CmanStatus } from '../../../src/api/cman.js';
import { TestCluster, clusterConf, waitFor } from './harness.js';

const ip = (n: number) => `127.0.1.${n}`;
const DEADLINE_MS = 30_000;

async function quorateWith(c: TestCluster, node: string, members: number): Promise<CmanStatus | undefined> {
  const s = await c.status(node);
  return s !== undefined && s.quorate && s.nodes === members && s.membershipState === 'Cluster-Member' ? s : undefined;
}

describe('cman with real clusterd processes', function () {
  this.timeout(180_000);

  describe('three nodes, then failures', () => {
    const c = new TestCluster('cman3');
    after(() => c.cleanup());

    it('three nodes form a quorate cluster with one view', async () => {
      const conf = c.writeConf('cluster.conf', clusterConf({ nodes: [1, 2, 3].map((n) => ({ name: ip(n), nodeid: n })) }));
      for (const n of [1, 2, 3]) c.start(ip(n), conf);
      const views = [];
      for (const n of [1, 2, 3]) views.push(await waitFor(`node ${n} quorate with 3`, DEADLINE_MS, () => quorateWith(c, ip(n), 3)));
      // Safety 1: one view (same generation) on every member, once settled.
      await waitFor('same generation everywhere', DEADLINE_MS, async () => {
        const g = await Promise.all([1, 2, 3].map(async (n) => (await c.status(ip(n)))?.generation));
        return g.every((x) => x !== undefined && x === g[0]);
      });
      const st = await c.cmanTool(ip(1), ['status']);
      expect(st.code).to.equal(0);
      expect(st.stdout).to.match(/^Version: 6\.2\.0\nConfig Version: 1\nCluster Name: cstest\nCluster Id: \d+\nCluster Member: Yes\n/);
      expect(st.stdout).to.contain('\nMembership state: Cluster-Member\nNodes: 3\nExpected votes: 3\nTotal votes: 3\nNode votes: 1\nQuorum: 2  \n');
      expect(st.stdout).to.contain(`\nNode name: ${ip(1)}\nNode ID: 1\n`);
      const nodes = await c.cmanTool(ip(2), ['nodes', '-F', 'id,type,votes,name']);
      expect(nodes.stdout).to.equal(`1 M 1 ${ip(1)} \n2 M 1 ${ip(2)} \n3 M 1 ${ip(3)} \n`);
      const wait = await c.cmanTool(ip(3), ['wait', '-q', '-t', '10']);
      expect(wait.code).to.equal(0);
      expect((await c.cmanTool(ip(1), ['version'])).stdout).to.equal('6.2.0 config 1\n');
    });

    it('SIGKILL of one node: the other two stay quorate', async () => {
      await c.kill(ip(3));
      for (const n of [1, 2]) await waitFor(`node ${n} quorate with 2`, DEADLINE_MS, () => quorateWith(c, ip(n), 2));
      const nodes = await c.cmanTool(ip(1), ['nodes']);
      expect(nodes.stdout).to.match(new RegExp(`\\n   3   X +\\d+ {24}${ip(3).replace(/\./g, '\\.')}\\n`));
    });

    it('SIGKILL of another: the last node blocks activity', async () => {
      await c.kill(ip(2));
      await waitFor('node 1 inquorate', DEADLINE_MS, async () => (await c.status(ip(1)))?.quorate === false);
      const st = await c.cmanTool(ip(1), ['status']);
      expect(st.stdout).to.contain('\nQuorum: 2 Activity blocked\n');
      const wait = await c.cmanTool(ip(1), ['wait', '-q', '-t', '1']);
      expect(wait.code).to.equal(2);
      expect(wait.stderr).to.equal('Timed-out waiting for cluster\n');
    });
  });

  describe('leader failure', () => {
    const c = new TestCluster('cmanlead');
    after(() => c.cleanup());

    it('SIGKILL of the leader (three times): the survivors never report inquorate, and a new leader takes over', async () => {
      const nodes = [10, 11, 12];
      const conf = c.writeConf('cluster.conf', clusterConf({ nodes: nodes.map((n) => ({ name: ip(n), nodeid: n - 9 })) }));
      for (const n of nodes) c.start(ip(n), conf);
      for (let round = 1; round <= 3; round++) {
        for (const n of nodes) await waitFor(`round ${round}: node ${n} quorate with 3`, DEADLINE_MS, () => quorateWith(c, ip(n), 3));
        const leaderId = await waitFor(`round ${round}: one leader`, DEADLINE_MS, async () => {
          const ids = await Promise.all(nodes.map(async (n) => (await c.diag(ip(n))).membership.leaderNodeid));
          return ids.every((x) => x !== null && x === ids[0]) ? ids[0]! : undefined;
        });
        const victim = nodes.find((n) => n - 9 === leaderId)!;
        const survivors = nodes.filter((n) => n !== victim);
        const clients = await Promise.all(survivors.map((n) => ApiClient.connect({ runDir: c.runDir(ip(n)) })));
        const events: string[] = [];
        try {
          await Promise.all(clients.map((cl, i) => cl.subscribe(['cman.membership'], (_e, data) => {
            const st = data as CmanStatus;
            events.push(`${ip(survivors[i]!)}: nodes ${st.nodes} ${st.quorate ? 'quorate' : 'INQUORATE'}`);
          })));
          await c.kill(ip(victim));
          for (const n of survivors) await waitFor(`round ${round}: node ${n} quorate with 2`, DEADLINE_MS, () => quorateWith(c, ip(n), 2));
          const leaders = await Promise.all(survivors.map(async (n) => (await c.diag(ip(n))).membership.leaderNodeid));
          expect(leaders[0], 'survivors agree on a new leader').to.equal(leaders[1]);
          expect(leaders[0]).to.not.equal(leaderId);
        } finally {
          for (const cl of clients) cl.close();
        }
        expect(events.filter((e) => e.includes('INQUORATE')), events.join('\n')).to.deep.equal([]);
        c.start(ip(victim), conf);
      }
    });
  });

  describe('administration: leave, kill, expected', () => {
    const c = new TestCluster('cmanadm');
    after(() => c.cleanup());

    it('SIGTERM leaves cleanly; kill -n removes a node; expected -e revives the last one', async () => {
      const conf = c.writeConf('cluster.conf', clusterConf({ nodes: [7, 8, 9].map((n) => ({ name: ip(n), nodeid: n - 6 })) }));
      for (const n of [7, 8, 9]) c.start(ip(n), conf);
      for (const n of [7, 8, 9]) await waitFor(`node ${n} quorate with 3`, DEADLINE_MS, () => quorateWith(c, ip(n), 3));
      await c.kill(ip(9), 'SIGTERM');
      expect(await c.exited(ip(9), DEADLINE_MS)).to.equal(0);
      for (const n of [7, 8]) await waitFor(`node ${n} quorate with 2`, DEADLINE_MS, () => quorateWith(c, ip(n), 2));

      const k = await c.cmanTool(ip(7), ['kill', '-n', ip(8)]);
      expect(k.code, k.stderr).to.equal(0);
      expect(await c.exited(ip(8), DEADLINE_MS)).to.equal(1);
      await waitFor('node 7 inquorate', DEADLINE_MS, async () => (await c.status(ip(7)))?.quorate === false);

      const bad = await c.cmanTool(ip(7), ['expected', '-e', '5']);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.equal("cman_tool: can't set expected votes: Invalid argument\n");
      const e = await c.cmanTool(ip(7), ['expected', '-e', '1']);
      expect(e.code, e.stderr).to.equal(0);
      const s = await waitFor('node 7 quorate again', DEADLINE_MS, () => quorateWith(c, ip(7), 1));
      expect(s.expectedVotes).to.equal(1);
      expect((await c.cmanTool(ip(7), ['kill', '-n', 'nosuchnode'])).stderr).to.equal("Can't kill node nosuchnode : No such file or directory\n");
      const v = await c.cmanTool(ip(7), ['votes', '-v', '2']);
      expect(v.code, v.stderr).to.equal(0);
      const after = await waitFor('node 7 with 2 votes', DEADLINE_MS, async () => {
        const x = await c.status(ip(7));
        return x?.nodeVotes === 2 && x.totalVotes === 2 ? x : undefined;
      });
      expect(after.quorate).to.equal(true);
    });
  });

  describe('authentication', () => {
    const c = new TestCluster('cmankey');
    after(() => c.cleanup());

    it('a node with the wrong key is never admitted', async () => {
      const nodes = [4, 5, 6].map((n) => ({ name: ip(n), nodeid: n - 3 }));
      const good = c.writeConf('cluster.conf', clusterConf({ nodes }));
      const keyfile = c.writeConf('other.key', randomBytes(128).toString('binary'));
      const wrong = c.writeConf('wrong.conf', clusterConf({ nodes, keyfile }));
      c.start(ip(4), good);
      c.start(ip(5), good);
      await waitFor('node 4 quorate with 2', DEADLINE_MS, () => quorateWith(c, ip(4), 2));
      // Record every view node 4 reports from now on.
      const client = await ApiClient.connect({ runDir: c.runDir(ip(4)) });
      const seen: number[] = [];
      await client.subscribe(['cman.membership'], (_e, data) => { seen.push((data as CmanStatus).nodes); });
      try {
        c.start(ip(6), wrong);
        // The cluster's frames reach node 6 and are rejected there, over many token periods
        // (whatever node 6 sends is rejected by nodes 4 and 5 the same way).
        await waitFor('bad-mac drops at node 6', DEADLINE_MS, async () => (await c.diag(ip(6))).transport.dropped['bad-mac']! >= 50);
        expect(seen.every((n) => n === 2), `views seen: ${seen.join(',')}`).to.equal(true);
        const s4 = await c.status(ip(4));
        expect(s4?.nodes).to.equal(2);
        const s6 = await c.status(ip(6));
        expect(s6?.quorate).to.equal(false);
        expect(s6?.nodes ?? 0).to.be.at.most(1);
        const d4 = await c.diag(ip(4));
        expect(d4.transport.accepted, 'node 4 accepted frames only from node 5').to.be.greaterThan(0);
      } finally {
        client.close();
      }
    });
  });
});
