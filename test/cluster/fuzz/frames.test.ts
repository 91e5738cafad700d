// 100,000 random and mutated frames at a running clusterd: it must not crash, and every frame
// must be counted exactly once (accepted, or dropped with a reason).
import { expect } from 'chai';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { ApiClient } from '../../../src/api/index.js';
import {
  DEFAULT_MAX_FRAME_BYTES, deriveFrameKeys, encodeFrame, keyMaterialFromClusterName, type FrameHeader,
} from '../../../src/cman/transport/index.js';
import { TestCluster, clusterConf, waitFor } from '../cman/harness.js';

const FRAMES = Number(process.env['FUZZ_FRAMES'] ?? 100_000);
const NODE = '127.0.1.10';
const FAKE = '127.0.1.11';
const PORT = 5405;

describe('transport fuzzing against a running clusterd', function () {
  this.timeout(600_000);
  const c = new TestCluster('fuzz');
  after(() => c.cleanup());

  it(`survives ${FRAMES} random and mutated frames and counts each one`, async () => {
    const conf = c.writeConf('cluster.conf', clusterConf({ clusterName: 'fuzzc', nodes: [{ name: NODE, nodeid: 1 }, { name: FAKE, nodeid: 2 }] }));
    const child = c.start(NODE, conf);
    const status = await waitFor('node up', 30_000, () => c.status(NODE));
    const clusterId = status.clusterId;
    const api = await ApiClient.connect({ runDir: c.runDir(NODE) });
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, FAKE, () => r()));
    try {
      const keys = deriveFrameKeys(keyMaterialFromClusterName('fuzzc'));
      const opts = { keys, encrypt: true, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES };
      const incarnation = Date.now();
      let seq = 0;
      const sent: Buffer[] = [];
      let seed = 20261127;
      const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
      const hdr = (over: Partial<FrameHeader> = {}): FrameHeader => ({ clusterId, msgType: rnd(12), senderNodeid: 2, generation: rnd(100), incarnation, seq: ++seq, ...over });
      const beacon = () => Buffer.from(JSON.stringify({ t: 'beacon', inc: incarnation, term: rnd(5), generation: rnd(50) }));
      const makeFrame = (): Buffer => {
        const k = rnd(100);
        if (k < 25) return randomBytes(rnd(1500));                                   // pure garbage
        if (k < 50) {                                                                // mutated valid frame
          const f = Buffer.from(encodeFrame(hdr(), randomBytes(rnd(300)), opts));
          const m = rnd(3);
          if (m === 0) { for (let i = 0; i <= rnd(4); i++) f[rnd(f.length)]! ^= 1 << rnd(8); return f; }
          if (m === 1) return f.subarray(0, rnd(f.length));
          return Buffer.concat([f, randomBytes(1 + rnd(50))]);
        }
        if (k < 62) return encodeFrame(hdr(), randomBytes(rnd(400)), opts);        // authentic, garbage payload
        if (k < 70) {                                                                // authentic, valid message
          const f = encodeFrame(hdr(), beacon(), opts);
          sent.push(f);
          if (sent.length > 64) sent.shift();
          return f;
        }
        if (k < 80 && sent.length > 0) return sent[rnd(sent.length)]!;            // replay
        if (k < 85) return encodeFrame(hdr({ clusterId: (clusterId + 1 + rnd(100)) & 0xffff }), beacon(), opts);
        if (k < 90) return encodeFrame(hdr({ senderNodeid: 3 + rnd(1000) }), beacon(), opts);
        if (k < 93) return encodeFrame(hdr({ senderNodeid: 1 }), beacon(), opts);
        if (k < 96) return encodeFrame(hdr(), Buffer.from(JSON.stringify({ t: 'vote', inc: 'x' })), opts);
        return randomBytes(DEFAULT_MAX_FRAME_BYTES + 1 + rnd(400));                 // oversize
      };
      const counted = async () => {
        const d = await api.request('cman.diag', {});
        return d.transport.accepted + Object.values(d.transport.dropped).reduce((a, b) => a + b, 0);
      };
      const base = await counted();
      let total = 0;
      const progressEvery = Math.max(1, Math.floor(FRAMES / 10));
      while (total < FRAMES) {
        // A batch bounded in frames and bytes so the kernel's receive buffer (which charges
        // each datagram's full buffer size) never overflows: every frame must reach the daemon.
        let bytes = 0;
        let n = 0;
        while (total < FRAMES && bytes < 64 * 1024 && n < 40) {
          const f = makeFrame();
          await new Promise<void>((r, j) => sock.send(f, PORT, NODE, (e) => (e ? j(e) : r())));
          bytes += f.length; n += 1; total += 1;
          if (total % progressEvery === 0) process.stderr.write(`      fuzz: ${total}/${FRAMES} frames\n`);
        }
        const want = base + total;
        let now = 0;
        await waitFor(`${want - base} frames counted`, 20_000, async () => { now = await counted(); return now >= want; }, 2)
          .catch((err: Error) => { throw new Error(`${err.message}; counted ${now - base}`); });
        expect(now - base, 'each frame counted exactly once').to.equal(total);
        expect(child.exitCode, 'clusterd exited').to.equal(null);
      }
      const d = await api.request('cman.diag', {});
      const drops = d.transport.dropped;
      for (const reason of ['short', 'oversize', 'bad-mac', 'bad-length', 'wrong-cluster', 'unknown-sender', 'own-nodeid', 'replay', 'malformed-payload']) {
        expect(drops[reason], reason).to.be.greaterThan(0);
      }
      expect(d.transport.accepted).to.be.greaterThan(0);
      expect((await api.request('ping', {})).pid).to.be.a('number');
    } finally {
      api.close();
      sock.close();
    }
  });
});
