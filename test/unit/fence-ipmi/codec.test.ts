// Codec edge cases and key derivation against the values in ../shared/peer/ipmi-trace.
import { expect } from 'chai';
import {
  DecodeError, SequenceWindow, checksum, decodeLanFrame, decodeResponseMsg, decodeRmcp, decodeRmcpPlusFrame, decryptPayload,
  deriveKeys, encodeRequestMsg, encodeRmcpPlusFrame, encryptPayload, lanAuthCode, nextSeq, openRmcpPlusFrame, pad16,
  rakp2Hmac, rakp3Hmac, rakp4Icv,
} from '../../../src/fence-agents/ipmi/codec.js';
import type { RakpParams } from '../../../src/fence-agents/ipmi/codec.js';
import { IpmiClientCore } from '../../../src/fence-agents/ipmi/client-core.js';
import { readTrace, scriptedRandom } from './trace.js';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// The lanplus trace's session (fence.md §5.2 test vector).
const rakp: RakpParams = {
  consoleSid: 0xa0a2a3a4,
  bmcSid: 0x00000102,
  consoleRandom: h('bad6760f85022a9b79af3dadeba51099'),
  bmcRandom: h('6fc5714d2f8a1dba057f9857e58670a0'),
  bmcGuid: h('a123456789abcdefa123456789abcdef'),
  role: 0x14,
  username: Buffer.from('admin'),
};
const kuid = Buffer.from('secret');

describe('fence-ipmi codec: key derivation (trace values)', () => {
  it('RAKP 2 and RAKP 3 key exchange codes', () => {
    expect(rakp2Hmac(kuid, rakp).toString('hex')).to.equal('6d636149249001161 66f814d9262368d31ad0728'.replace(/ /g, ''));
    expect(rakp3Hmac(kuid, rakp).toString('hex')).to.equal('1cbcd6ff3f67ae1b22e268e15fb355dc56c6976b');
  });
  it('SIK, K1, K2 and the RAKP 4 ICV', () => {
    const keys = deriveKeys(kuid, rakp);
    expect(keys.sik.toString('hex')).to.equal('a753270d994addb44acc57d9eb3a7d145265e590');
    expect(keys.k1.toString('hex')).to.equal('876590b046f3bfa3db1b86abaf541b52d0b137da');
    expect(keys.k2.toString('hex')).to.equal('407d0d281da18c619e4c9875e2de569a086dc7cf');
    expect(rakp4Icv(keys.sik, rakp).toString('hex')).to.equal('c1d3965636c01025fed48ab8');
  });
  it('a Kg replaces Kuid in the SIK only', () => {
    const withKg = deriveKeys(Buffer.from('0123456789abcdef0123', 'utf8'), rakp);
    expect(withKg.sik.toString('hex')).not.to.equal('a753270d994addb44acc57d9eb3a7d145265e590');
  });
  it('IPMI 1.5 MD5 auth code of Activate Session', () => {
    // Activate Session of the MD5 trace: temp session 5, seq 0.
    const msg = h('20 18 c8 81 0c 3a 02 04 b4 3b 3a 16 0a 39 93 5c 21 d6 db 3a da d5 d2 a2 e1 be 1f da fb');
    expect(lanAuthCode(2, pad16(kuid), 5, msg, 0).toString('hex')).to.equal('700848e8d740b35a600924ba33d0b110');
    expect(lanAuthCode(4, pad16(kuid), 5, msg, 0).toString('hex')).to.equal('73656372657400000000000000000000');
  });
  it('first in-session request: AES-CBC-128 payload and HMAC-SHA1-96 auth code as captured', () => {
    const keys = deriveKeys(kuid, rakp);
    const iv = h('b0de819bb69e6647f659053ae24419e3');
    const msg = encodeRequestMsg({ netFn: 6, cmd: 0x3b, rqSeq: 1, data: Buffer.from([4]) });
    expect(msg.toString('hex')).to.equal('2018c881043b043c');
    const dgram = encodeRmcpPlusFrame(0, 0x102, 3, msg, { keys, integrity: true, confidentiality: true }, iv);
    expect(dgram.subarray(dgram.length - 12).toString('hex')).to.equal('3123c2ecac3662ac6e53f6fa');
    expect(dgram.length).to.equal(64);
  });
});

describe('fence-ipmi codec: edge cases', () => {
  const keys = deriveKeys(kuid, rakp);
  const sec = { keys, integrity: true, confidentiality: true };
  const iv = Buffer.alloc(16, 7);

  it('checksums make the covered bytes sum to 0 mod 256', () => {
    const msg = encodeRequestMsg({ netFn: 0, cmd: 2, rqSeq: 6, data: Buffer.from([0]) });
    expect((msg.subarray(0, 3).reduce((a, b) => a + b, 0)) & 0xff).to.equal(0);
    expect((msg.subarray(3).reduce((a, b) => a + b, 0)) & 0xff).to.equal(0);
    expect(checksum(Buffer.from([0x20, 0x18]))).to.equal(0xc8);
  });

  it('a bad message checksum is a DecodeError', () => {
    const rsp = h('811c6320043b0004 9d'); // decrypted Set Session Privilege reply of the trace
    expect(decodeResponseMsg(rsp).completionCode).to.equal(0);
    const bad = Buffer.from(rsp);
    bad[7] = 0x03;
    expect(() => decodeResponseMsg(bad)).to.throw(DecodeError, /checksum/);
  });

  it('every truncation of a valid RMCP+ frame is rejected as DecodeError, never anything else', () => {
    const dgram = encodeRmcpPlusFrame(0, 0x102, 3, encodeRequestMsg({ netFn: 6, cmd: 1, rqSeq: 1, data: Buffer.alloc(0) }), sec, iv);
    for (let n = 0; n < dgram.length; n++) {
      const cut = dgram.subarray(0, n);
      expect(() => {
        const f = decodeRmcp(cut);
        if (f.kind !== 'ipmi') throw new DecodeError('asf');
        openRmcpPlusFrame(decodeRmcpPlusFrame(f.body), sec);
      }, `cut at ${n}`).to.throw(DecodeError);
    }
  });

  it('every truncation of a v1.5 frame is rejected', () => {
    const trace = readTrace('lan15-md5-admin-secret-power-status.txt');
    const rsp = trace.packets.filter((p) => p.dir === 'recv')[3]?.bytes as Buffer;
    for (let n = 4; n < rsp.length; n++) {
      expect(() => decodeResponseMsg(decodeLanFrame(rsp.subarray(4, n)).msg), `cut at ${n}`).to.throw(DecodeError);
    }
  });

  it('a flipped bit anywhere in an authenticated frame fails the integrity check', () => {
    const dgram = encodeRmcpPlusFrame(0, 0x102, 3, encodeRequestMsg({ netFn: 6, cmd: 1, rqSeq: 1, data: Buffer.alloc(0) }), sec, iv);
    for (let i = 4; i < dgram.length; i++) {
      const bad = Buffer.from(dgram);
      bad[i] = (bad[i] ?? 0) ^ 0x01;
      expect(() => openRmcpPlusFrame(decodeRmcpPlusFrame(bad.subarray(4)), sec), `byte ${i}`).to.throw(DecodeError);
    }
  });

  it('confidentiality pad: n = 15 - len mod 16, checked on decrypt', () => {
    for (let len = 0; len < 40; len++) {
      const plain = Buffer.alloc(len, 0x5a);
      const enc = encryptPayload(keys.k2, iv, plain);
      expect((enc.length - 16) % 16).to.equal(0);
      expect(decryptPayload(keys.k2, enc).equals(plain)).to.equal(true);
    }
    expect(() => decryptPayload(keys.k2, Buffer.alloc(33))).to.throw(DecodeError);
  });

  it('the integrity pad makes header+payload+pad+2 a multiple of 4', () => {
    for (let len = 0; len < 8; len++) {
      const d = encodeRmcpPlusFrame(0, 1, 1, Buffer.alloc(len), { keys, integrity: true, confidentiality: false });
      expect((d.length - 4 - 12) % 4).to.equal(0);
      const f = decodeRmcpPlusFrame(d.subarray(4));
      expect(f.payload.length).to.equal(len);
    }
  });

  it('oversize datagrams and foreign RMCP classes are rejected', () => {
    expect(() => decodeRmcp(Buffer.alloc(2000, 6))).to.throw(DecodeError, /oversize/);
    expect(() => decodeRmcp(h('06 00 ff 08 00'))).to.throw(DecodeError, /class/);
    expect(() => decodeRmcp(h('05 00 ff 07 00'))).to.throw(DecodeError, /version/);
  });
});

describe('fence-ipmi codec: sequence window', () => {
  it('accepts fresh numbers (also far ahead), rejects duplicates, old ones and 0', () => {
    const w = new SequenceWindow(16);
    expect(w.accept(100)).to.equal(true);
    expect(w.accept(100)).to.equal(false);
    expect(w.accept(101)).to.equal(true);
    expect(w.accept(99)).to.equal(true); // late but inside the window
    expect(w.accept(99)).to.equal(false); // replay
    expect(w.accept(101 - 17)).to.equal(false); // too old
    expect(w.accept(0)).to.equal(false);
    expect(w.accept(101 + 1000)).to.equal(true); // the peer answered retransmissions we never saw
    expect(w.accept(101)).to.equal(false); // now far behind
    expect(w.accept(101 + 999)).to.equal(true);
    expect(w.accept(101 + 999)).to.equal(false);
  });
  it('wraps around 2^32', () => {
    const w = new SequenceWindow(16);
    expect(w.accept(0xfffffffe)).to.equal(true);
    expect(w.accept(0xffffffff)).to.equal(true);
    expect(w.accept(2)).to.equal(true);
    expect(w.accept(0xffffffff)).to.equal(false);
    expect(nextSeq(0xffffffff)).to.equal(1);
  });
});

describe('fence-ipmi client core: hostile replies are dropped, not trusted', () => {
  function establishedLanplus() {
    const trace = readTrace('lanplus-cs3-admin-secret-power-off.txt');
    const sent = trace.packets.filter((p) => p.dir === 'send' && p.bytes[3] === 7).map((p) => p.bytes);
    const recv = trace.packets.filter((p) => p.dir === 'recv' && p.bytes[3] === 7).map((p) => p.bytes);
    const rnd = scriptedRandom([(sent[1] as Buffer).subarray(20, 24), ...(trace.blocks.get('Console generated random number') ?? []),
      ...(trace.blocks.get('Initialization vector') ?? [])]);
    const core = new IpmiClientCore({ username: 'admin', password: 'secret', interface: 'lanplus', cipherSuite: 3,
      privilege: 'administrator', random: rnd.random, firstRqSeq: 0, firstSessionSeq: 3 });
    core.beginConnect();
    for (let i = 0; i < 4; i++) core.receive(recv[i] as Buffer);
    return { core, recv, trace };
  }

  it('a reply with a bad MAC is dropped; the genuine one is then accepted', () => {
    const { core, recv } = establishedLanplus(); // waiting for the Set Session Privilege reply
    const bad = Buffer.from(recv[4] as Buffer);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    expect(core.receive(bad)).to.deep.equal({ kind: 'drop', reason: 'bad integrity auth code' });
    expect(core.receive(recv[4] as Buffer).kind).to.equal('established');
    expect(core.droppedCount).to.equal(1);
  });

  it('a reply for another session id is dropped even with a valid MAC', () => {
    const { core } = establishedLanplus();
    const keys = deriveKeys(kuid, rakp);
    const msg = h('811c6320043b0004 9d');
    const other = encodeRmcpPlusFrame(0, 0x12345678, 1, msg, { keys, integrity: true, confidentiality: true }, Buffer.alloc(16, 1));
    expect(core.receive(other)).to.deep.equal({ kind: 'drop', reason: 'wrong session id' });
    const right = encodeRmcpPlusFrame(0, 0xa0a2a3a4, 1, msg, { keys, integrity: true, confidentiality: true }, Buffer.alloc(16, 1));
    expect(core.receive(right).kind).to.equal('established');
  });

  it('a replayed (old sequence number) reply is dropped', () => {
    const { core, recv } = establishedLanplus();
    expect(core.receive(recv[4] as Buffer).kind).to.equal('established');
    core.beginRequest(0x2c, 0x3e, Buffer.from([0, 2]));
    // the reply to this request, but with the previous reply's session sequence number
    const keys = deriveKeys(kuid, rakp);
    const msg = h('81b4cb20083ec1d9');
    const replay = encodeRmcpPlusFrame(0, 0xa0a2a3a4, 1, msg, { keys, integrity: true, confidentiality: true }, Buffer.alloc(16, 1));
    expect(core.receive(replay).kind).to.equal('drop');
    expect(core.receive(recv[5] as Buffer).kind).to.equal('response');
  });

  it('an unmatched reply (other rqSeq) and truncated datagrams are dropped', () => {
    const { core, recv } = establishedLanplus();
    const r = recv[4] as Buffer;
    for (let n = 0; n < r.length; n++) expect(core.receive(r.subarray(0, n)).kind, `cut at ${n}`).to.equal('drop');
    expect(core.receive(r).kind).to.equal('established');
    core.beginRequest(0x2c, 0x3e, Buffer.from([0, 2]));
    expect(core.receive(recv[6] as Buffer).kind).to.equal('drop'); // reply to a later request
  });
});
