import { expect } from 'chai';
import dgram from 'node:dgram';
import { UdpTransport, deriveFrameKeys, keyMaterialFromClusterName, encodeFrame, DEFAULT_MAX_FRAME_BYTES } from '../../../src/cman/transport/index.js';

// Two transports over real UDP on loopback (127.0.1.30/31, port 0 = ephemeral is not usable for
// peers, so a fixed high port pair is used).
describe('transport over UDP', () => {
  const keys = deriveFrameKeys(keyMaterialFromClusterName('udptest'));
  const port = 47000 + (process.pid % 1000);
  let a: UdpTransport; let b: UdpTransport;
  const peers = [{ nodeid: 1, address: '127.0.1.30', port }, { nodeid: 2, address: '127.0.1.31', port }];
  afterEach(async () => { await a?.close(); await b?.close(); });

  it('delivers authenticated frames and drops a replayed one', async () => {
    a = new UdpTransport({ localNodeid: 1, bindAddress: '127.0.1.30', port, clusterId: 5, keys, encrypt: true, peers, incarnation: 1000 });
    b = new UdpTransport({ localNodeid: 2, bindAddress: '127.0.1.31', port, clusterId: 5, keys, encrypt: true, peers, incarnation: 2000 });
    await a.start(); await b.start();
    const got: string[] = [];
    b.onFrame((h, p) => got.push(`${h.senderNodeid}:${h.msgType}:${p.toString()}`));
    expect(a.send(2, 3, 1, Buffer.from('hi'))).to.equal(true);
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(got).to.deep.equal(['1:3:hi']);
    // Replay the exact frame from a raw socket: dropped and counted.
    const frame = encodeFrame({ clusterId: 5, msgType: 3, senderNodeid: 1, generation: 1, incarnation: 1000, seq: 1 },
      Buffer.from('hi'), { keys, encrypt: true, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES });
    const raw = dgram.createSocket('udp4');
    await new Promise<void>((r) => raw.send(frame, port, '127.0.1.31', () => r()));
    raw.close();
    const d2 = Date.now() + 5000;
    while (b.counterSnapshot().dropped.replay === 0 && Date.now() < d2) await new Promise((r) => setImmediate(r));
    expect(b.counterSnapshot().dropped.replay).to.equal(1);
    expect(got).to.have.length(1);
  });
});
