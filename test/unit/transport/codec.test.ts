import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES, MAC_BYTES, ReplayGuard, REPLAY_WINDOW, decodeFrame, deriveFrameKeys, encodeFrame,
  keyMaterialFromClusterName, maxPayloadBytes, type DecodeContext, type FrameHeader,
} from '../../../src/cman/transport/codec.js';

const keys = deriveFrameKeys(keyMaterialFromClusterName('alpha'));
const header: FrameHeader = { clusterId: 1234, msgType: 7, senderNodeid: 2, generation: 9, incarnation: 1_700_000_000_123, seq: 42 };
const ctx = (over: Partial<DecodeContext> = {}): DecodeContext => ({
  keys, encrypt: false, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, clusterId: 1234, localNodeid: 1,
  isKnownNodeid: (id) => id >= 1 && id <= 3, ...over,
});

describe('transport codec', () => {
  for (const encrypt of [false, true]) {
    it(`round-trips header and payload (${encrypt ? 'AES-256-GCM' : 'plain'})`, () => {
      const payload = Buffer.from('{"hello":"world"}');
      const frame = encodeFrame(header, payload, { keys, encrypt, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES });
      const r = decodeFrame(frame, ctx({ encrypt }));
      expect(r.ok).to.equal(true);
      if (!r.ok) return;
      expect(r.header).to.deep.equal(header);
      expect(r.payload.toString()).to.equal(payload.toString());
      if (encrypt) expect(frame.includes(payload)).to.equal(false);
    });
  }

  it('derives the key from the cluster name padded to a multiple of 4, as cman does', () => {
    expect(keyMaterialFromClusterName('alpha')).to.deep.equal(Buffer.from('alpha\0\0\0'));
    expect(keyMaterialFromClusterName('abcd').length).to.equal(4);
  });

  it('drops a frame made with another key as bad-mac', () => {
    const other = deriveFrameKeys(keyMaterialFromClusterName('beta'));
    const frame = encodeFrame(header, Buffer.from('x'), { keys: other, encrypt: false, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES });
    expect(decodeFrame(frame, ctx())).to.deep.equal({ ok: false, reason: 'bad-mac' });
  });

  it('drops every single-bit flip of a frame (never accepted, never thrown)', () => {
    for (const encrypt of [false, true]) {
      const frame = encodeFrame(header, Buffer.from('payload bytes'), { keys, encrypt, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES });
      for (let bit = 0; bit < frame.length * 8; bit++) {
        const f = Buffer.from(frame);
        f[bit >> 3]! ^= 1 << (bit & 7);
        const r = decodeFrame(f, ctx({ encrypt }));
        expect(r.ok, `bit ${bit}`).to.equal(false);
      }
    }
  });

  it('names the reason for each kind of bad frame', () => {
    const good = encodeFrame(header, Buffer.from('abc'), { keys, encrypt: false, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES });
    const reason = (f: Buffer, c = ctx()) => { const r = decodeFrame(f, c); return r.ok ? 'ok' : r.reason; };
    expect(reason(Buffer.alloc(10))).to.equal('short');
    expect(reason(Buffer.alloc(DEFAULT_MAX_FRAME_BYTES + 1))).to.equal('oversize');
    const badMagic = Buffer.from(good); badMagic[0] = 0; expect(reason(badMagic)).to.equal('bad-magic');
    const badVer = Buffer.from(good); badVer[2] = 9; expect(reason(badVer)).to.equal('bad-version');
    expect(reason(good.subarray(0, good.length - 1))).to.equal('bad-length');
    expect(reason(good, ctx({ clusterId: 99 }))).to.equal('wrong-cluster');
    expect(reason(good, ctx({ isKnownNodeid: () => false }))).to.equal('unknown-sender');
    expect(reason(good, ctx({ localNodeid: 2 }))).to.equal('own-nodeid');
    expect(reason(good, ctx({ encrypt: true }))).to.equal('not-encrypted');
    expect(reason(good)).to.equal('ok');
  });

  it('bounds the payload size at encode time', () => {
    const opts = { keys, encrypt: true, maxFrameBytes: 1024 };
    expect(maxPayloadBytes(opts)).to.equal(1024 - HEADER_BYTES - MAC_BYTES - 28);
    expect(() => encodeFrame(header, Buffer.alloc(maxPayloadBytes(opts) + 1), opts)).to.throw(RangeError);
    const f = encodeFrame(header, Buffer.alloc(maxPayloadBytes(opts)), opts);
    expect(f.length).to.equal(1024);
  });

  it('survives random garbage without throwing', () => {
    for (let i = 0; i < 5000; i++) {
      const r = decodeFrame(randomBytes(i % 200), ctx());
      expect(r.ok).to.equal(false);
    }
  });
});

describe('transport replay guard', () => {
  it('accepts each sequence number once, within the window, in any order', () => {
    const g = new ReplayGuard();
    expect(g.check(2, 100, 5)).to.equal(undefined);
    expect(g.check(2, 100, 5)).to.equal('replay');
    expect(g.check(2, 100, 3)).to.equal(undefined);
    expect(g.check(2, 100, 3)).to.equal('replay');
    expect(g.check(2, 100, 4)).to.equal(undefined);
    expect(g.check(2, 100, 5 + REPLAY_WINDOW)).to.equal(undefined);
    expect(g.check(2, 100, 5)).to.equal('replay');
    expect(g.check(2, 100, 4)).to.equal('replay'); // below the window now
    expect(g.check(2, 100, 6)).to.equal(undefined); // last slot of the window
    expect(g.check(2, 100, 6)).to.equal('replay');
    expect(g.check(2, 100, 0)).to.equal('replay');
  });
  it('resets on a newer incarnation and refuses the older one', () => {
    const g = new ReplayGuard();
    expect(g.check(3, 100, 50)).to.equal(undefined);
    expect(g.check(3, 200, 1)).to.equal(undefined);
    expect(g.check(3, 100, 51)).to.equal('stale-incarnation');
    expect(g.check(3, 200, 1)).to.equal('replay');
    expect(g.incarnationOf(3)).to.equal(200);
  });
  it('keeps senders apart', () => {
    const g = new ReplayGuard();
    expect(g.check(2, 1, 1)).to.equal(undefined);
    expect(g.check(3, 1, 1)).to.equal(undefined);
  });
  it('matches a brute-force model on random sequences', () => {
    let s = 12345;
    const rnd = () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s; };
    const g = new ReplayGuard();
    const seen = new Set<number>();
    let highest = 0;
    for (let i = 0; i < 20000; i++) {
      const seq = 1 + (rnd() % 3000);
      const expectAccept = !seen.has(seq) && (seq > highest || seq > highest - REPLAY_WINDOW);
      const r = g.check(9, 1, seq);
      expect(r === undefined, `seq ${seq} highest ${highest}`).to.equal(expectAccept);
      if (expectAccept) { seen.add(seq); highest = Math.max(highest, seq); }
    }
  });
});
