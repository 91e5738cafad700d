import { expect } from 'chai';
import { initQdiskCore, qdiskCycle, type QdiskCoreState, type QdiskCycleOutput } from '../../../src/cman/qdisk/core.js';
import { DiskState, decodeStatus, encodeStatus, encodeHeader, decodeHeader, type StatusBlock } from '../../../src/cman/qdisk/layout.js';

// A shared in-memory "disk" and N cores driven in lockstep, each cycle in a (seeded) shuffled order.
class SimDisk {
  blocks: (StatusBlock | undefined)[] = new Array(17).fill(undefined);
}
interface SimNode { id: number; st: QdiskCoreState; alive: boolean; score: number; members: number[]; last?: QdiskCycleOutput; killed: number[] }

function makeCluster(n: number, over: Partial<Parameters<typeof initQdiskCore>[0]> = {}) {
  const disk = new SimDisk();
  const nodes: SimNode[] = [];
  for (let id = 1; id <= n; id++) {
    nodes.push({ id, alive: true, score: 1, members: [...Array(n).keys()].map((i) => i + 1), killed: [],
      st: initQdiskCore({ nodeid: id, incarnation: 1000 + id, tko: 4, tkoUp: 2, upgradeWait: 2, masterWait: 2, votes: n - 1,
        masterWins: false, allowKill: true, reboot: true, ...over }) });
  }
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  let now = 0;
  const step = (cycles = 1) => {
    for (let c = 0; c < cycles; c++) {
      now += 1000;
      const order = [...nodes].sort(() => (rnd() & 1) - 0.5);
      for (const node of order) {
        if (!node.alive || node.last?.reboot !== undefined) continue;
        // Round-trip through the byte encoding, as the edge does.
        const blocks = disk.blocks.map((b, i) => (b === undefined ? undefined : decodeStatus(encodeStatus(b), i)));
        const out = qdiskCycle(node.st, { blocks, score: node.score, scoreMax: 1, scoreRequired: 1, cmanMembers: node.members, ioError: false, nowMs: now });
        node.last = out;
        disk.blocks[node.id] = out.write;
        for (const e of out.evictions) disk.blocks[e.nodeid] = e;
        node.killed.push(...out.kill);
      }
    }
  };
  const masters = () => nodes.filter((x) => x.alive && x.st.myState === DiskState.Master).map((x) => x.id);
  return { disk, nodes, step, masters };
}

describe('qdisk layout', () => {
  it('round-trips header and status blocks; a torn block decodes as undefined', () => {
    const h = { label: 'qd1', createdMs: 1234, updateHost: 'node1', blockSize: 4096 };
    expect(decodeHeader(encodeHeader(h))).to.deep.equal(h);
    const s: StatusBlock = { nodeid: 3, updateNode: 3, state: DiskState.Master, writeSeq: 9, timestampMs: 5, incarnation: 77,
      score: 1, scoreMax: 2, msg: 0, msgArg: 0, msgSeq: 4, mask: 7, masterMask: 3 };
    const b = encodeStatus(s);
    expect(decodeStatus(b, 3)).to.deep.equal(s);
    expect(decodeStatus(b, 4)).to.equal(undefined);
    b[21]! ^= 1;
    expect(decodeStatus(b, 3)).to.equal(undefined);
    expect(decodeStatus(Buffer.alloc(4096), 1)).to.equal(undefined);
  });
});

describe('qdisk core election', () => {
  it('three nodes elect exactly one master (the lowest id) and all poll', () => {
    const c = makeCluster(3);
    c.step(20);
    expect(c.masters()).to.deep.equal([1]);
    for (const n of c.nodes) {
      expect(n.st.masterNodeid, `node ${n.id}`).to.equal(1);
      expect(n.last!.poll, `node ${n.id} polls`).to.equal(true);
    }
  });

  it('never has two masters at once while electing, over many seeds of start order', () => {
    for (let start = 0; start < 30; start++) {
      const c = makeCluster(4);
      // Stagger starts: node k starts (start+k)%4 cycles late.
      for (const n of c.nodes) n.alive = false;
      for (let t = 0; t < 30; t++) {
        for (const n of c.nodes) if (t === (start + n.id) % 5) n.alive = true;
        c.step();
        expect(c.masters().length).to.be.at.most(1);
      }
      expect(c.masters()).to.have.length(1);
    }
  });

  it('the master evicts and kills a node that stops writing', () => {
    const c = makeCluster(3);
    c.step(20);
    c.nodes[2]!.alive = false;
    c.step(8);
    expect(c.nodes[0]!.killed).to.include(3);
    expect(c.disk.blocks[3]!.state).to.equal(DiskState.Evict);
    expect(c.disk.blocks[3]!.updateNode).to.equal(1);
    // It comes back with the same incarnation (a paused process): it sees the notice and stops.
    c.nodes[2]!.alive = true;
    c.step(1);
    expect(c.nodes[2]!.last!.reboot).to.match(/evicted by node 1/);
  });

  it('a new master is elected after the master dies', () => {
    const c = makeCluster(3);
    c.step(20);
    c.nodes[0]!.alive = false;
    c.step(20);
    expect(c.masters()).to.deep.equal([2]);
    expect(c.nodes[2]!.last!.poll).to.equal(true);
  });

  it('in a 2+2 network split only the master\'s cman partition gets the votes', () => {
    const c = makeCluster(4);
    c.step(20);
    expect(c.masters()).to.deep.equal([1]);
    c.nodes[0]!.members = [1, 2]; c.nodes[1]!.members = [1, 2];
    c.nodes[2]!.members = [3, 4]; c.nodes[3]!.members = [3, 4];
    c.step(3);
    expect(c.nodes.map((n) => n.last!.poll)).to.deep.equal([true, true, false, false]);
    expect(c.masters()).to.deep.equal([1]);
  });

  it('a node whose score is too low neither bids nor polls, and stops when reboot=1 after running', () => {
    const c = makeCluster(2);
    c.nodes[0]!.score = 0;
    c.step(20);
    expect(c.masters()).to.deep.equal([2]);
    expect(c.nodes[0]!.last!.poll).to.equal(false);
    c.nodes[1]!.score = 0;
    c.step(1);
    expect(c.nodes[1]!.last!.reboot).to.match(/score 0\/1 below required 1/);
  });

  it('master_wins: only the master advertises votes', () => {
    const c = makeCluster(2, { masterWins: true, votes: 1 });
    c.step(20);
    expect(c.nodes.map((n) => n.last!.votes)).to.deep.equal([1, 0]);
  });
});
