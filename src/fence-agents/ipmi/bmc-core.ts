// The server side of our IPMI codec: a simulated BMC as a deterministic state machine.
// (state, datagram, nowMs) → replies + power effects. No sockets, timers or own randomness.
// Speaks IPMI 1.5 (MD5, straight password) and RMCP+ cipher suites 1, 2, 3 (RAKP-HMAC-SHA1,
// HMAC-SHA1-96, AES-CBC-128); Get Chassis Status, Chassis Control, and the session commands.
import { createHash } from 'node:crypto';
import {
  AuthType, ChassisControl, Cmd, DecodeError, NetFn, PayloadType, SequenceWindow, constantTimeEqual, decodeLanFrame,
  decodeRequestMsg, decodeRmcp, decodeRmcpPlusFrame, deriveKeys, encodeLanFrame, encodePresencePong,
  encodeResponseMsg, encodeRmcpPlusFrame, lanAuthCode, lanAuthTypeCode, nextSeq, openRmcpPlusFrame, pad16,
  passwordKey, privilegeCode, rakp2Hmac, rakp3Hmac, rakp4Icv,
} from './codec.js';
import type { CipherSuite, FrameSecurity, IpmiRequest, LanAuthType, PrivilegeLevel, RakpParams } from './codec.js';

export interface BmcUser {
  name: string;
  password: string;
  privilege: PrivilegeLevel;
}

export interface BmcCoreOptions {
  users: BmcUser[];
  guid: Buffer; // 16 bytes
  random: (bytes: number) => Buffer;
  powerOn: boolean;
  /** IPMI 1.5 auth types offered. Default md5, password. */
  lanAuthTypes?: LanAuthType[];
  /** RMCP+ cipher suites offered. Default 1, 2, 3. */
  cipherSuites?: number[];
  maxSessions?: number;
  sessionTimeoutMs?: number;
  /** BMC key Kg (RMCP+ "two-key" login); default none: the SIK is keyed with the password. */
  kg?: Buffer;
  /** How many answered requests are remembered for retransmissions. Default 256. */
  rememberedReplies?: number;
}

export type PowerEffect = 'off' | 'on' | 'cycle' | 'reset' | 'soft';

export interface BmcOutput {
  replies: Buffer[];
  effects: PowerEffect[];
  /** Why the datagram was dropped, if it was. */
  dropped?: string;
}

const allSuites: Record<number, CipherSuite> = {
  1: { id: 1, auth: 1, integrity: 0, confidentiality: 0 },
  2: { id: 2, auth: 1, integrity: 1, confidentiality: 0 },
  3: { id: 3, auth: 1, integrity: 1, confidentiality: 1 },
};

interface LanSession {
  kind: 'lan';
  id: number;
  authType: number;
  user: BmcUser;
  maxPriv: number;
  priv: number;
  inWindow: SequenceWindow;
  outSeq: number;
  lastMs: number;
}

interface PlusSession {
  kind: 'plus';
  id: number; // BMC session id
  consoleSid: number;
  suite: CipherSuite;
  state: 'opened' | 'rakp2' | 'active';
  requestedMaxPriv: number;
  user: BmcUser | undefined;
  rakp: RakpParams | undefined;
  security: FrameSecurity | undefined;
  maxPriv: number;
  priv: number;
  inWindow: SequenceWindow;
  outSeq: number;
  lastMs: number;
}

type Session = LanSession | PlusSession;

interface Challenge {
  tempSid: number;
  challenge: Buffer;
  authType: number;
  user: BmcUser;
  createdMs: number;
}

const MAX_CHALLENGES = 32;
/** Replies remembered for retransmitted requests. */
const MAX_ANSWERED = 256;

/** Datagrams unique to one console's exchange (see BmcCore.receive). */
function isRememberable(dgram: Buffer): boolean {
  const authType = dgram[4] ?? 0;
  if (authType === AuthType.rmcpPlus) {
    const payloadType = (dgram[5] ?? 0) & 0x3f;
    const sid = dgram.length >= 10 ? dgram.readUInt32LE(6) : 0;
    // (not Open Session Request: ipmitool's console session id is a constant, so its requests repeat)
    return sid !== 0 || payloadType === PayloadType.rakp1 || payloadType === PayloadType.rakp3;
  }
  return dgram.length >= 13 && dgram.readUInt32LE(9) !== 0; // v1.5 with a (temporary) session id
}
const CHALLENGE_TTL_MS = 30_000;

export class BmcCore {
  private power: boolean;
  private readonly sessions = new Map<number, Session>();
  private readonly challenges = new Map<number, Challenge>();
  private readonly lanAuthBits: number;
  private readonly suites: CipherSuite[];
  private readonly maxSessions: number;
  private readonly sessionTimeoutMs: number;
  private readonly answered = new Map<string, Buffer>();
  readonly stats = { dropped: 0, sessionsOpened: 0, commands: 0, duplicates: 0 };

  constructor(private readonly o: BmcCoreOptions) {
    if (o.guid.length !== 16) throw new Error('BMC GUID must be 16 bytes');
    if (o.users.length === 0) throw new Error('a BMC needs at least one user');
    this.power = o.powerOn;
    this.lanAuthBits = (o.lanAuthTypes ?? ['md5', 'password']).reduce((bits, t) => bits | (1 << lanAuthTypeCode[t]), 0);
    this.suites = (o.cipherSuites ?? [1, 2, 3]).map((id) => {
      const s = allSuites[id];
      if (s === undefined) throw new Error(`unsupported cipher suite ${id}`);
      return s;
    });
    this.maxSessions = o.maxSessions ?? 16;
    this.sessionTimeoutMs = o.sessionTimeoutMs ?? 60_000;
  }

  get powerOn(): boolean {
    return this.power;
  }
  /** External power change (state file, cycle timer). */
  setPower(on: boolean): void {
    this.power = on;
  }
  get sessionCount(): number {
    return this.sessions.size;
  }
  /** Forget every session (a BMC reboot; tests of session re-establishment). */
  dropSessions(): void {
    this.sessions.clear();
    this.challenges.clear();
    this.answered.clear();
  }

  receive(dgram: Buffer, nowMs: number): BmcOutput {
    this.expire(nowMs);
    // A retransmitted copy of a request we answered (the console lost our reply) gets the same
    // reply again and runs nothing twice. Only datagrams that carry a session sequence number or
    // random numbers are remembered (RAKP 1/3, Activate Session, in-session requests); identical
    // session-less requests from two consoles must each get a fresh answer.
    const key = createHash('sha1').update(dgram).digest('hex');
    const cached = this.answered.get(key);
    if (cached !== undefined) {
      this.stats.duplicates++;
      return { replies: [cached], effects: [] };
    }
    try {
      const out = this.dispatch(dgram, nowMs);
      if (out.replies.length === 1 && isRememberable(dgram)) {
        if (this.answered.size >= (this.o.rememberedReplies ?? MAX_ANSWERED)) {
          const oldest = this.answered.keys().next().value;
          if (oldest !== undefined) this.answered.delete(oldest);
        }
        this.answered.set(key, out.replies[0] as Buffer);
      }
      return out;
    } catch (err) {
      if (err instanceof DecodeError) {
        this.stats.dropped++;
        return { replies: [], effects: [], dropped: err.reason };
      }
      throw err;
    }
  }

  private drop(reason: string): BmcOutput {
    this.stats.dropped++;
    return { replies: [], effects: [], dropped: reason };
  }

  private expire(nowMs: number): void {
    for (const [id, s] of this.sessions) if (nowMs - s.lastMs > this.sessionTimeoutMs) this.sessions.delete(id);
    for (const [id, c] of this.challenges) if (nowMs - c.createdMs > CHALLENGE_TTL_MS) this.challenges.delete(id);
  }

  private newSessionId(): number {
    for (let i = 0; i < 100; i++) {
      const id = this.o.random(4).readUInt32LE(0);
      if (id !== 0 && !this.sessions.has(id) && !this.challenges.has(id)) return id;
    }
    throw new Error('random source gives no fresh session id');
  }

  private nonZeroSeq(): number {
    const n = this.o.random(4).readUInt32LE(0);
    return n < 2 ? 2 : n;
  }

  private dispatch(dgram: Buffer, nowMs: number): BmcOutput {
    const frame = decodeRmcp(dgram);
    if (frame.kind === 'asf') {
      if (frame.messageType === 0x80) return { replies: [encodePresencePong(frame.tag)], effects: [] };
      return this.drop(`ASF message type 0x${frame.messageType.toString(16)}`);
    }
    const body = frame.body;
    if (body[0] === AuthType.rmcpPlus) return this.onRmcpPlus(body, nowMs);
    return this.onLan(body, nowMs);
  }

  // ------------------------------------------------------------ IPMI 1.5 framing

  private onLan(body: Buffer, nowMs: number): BmcOutput {
    const f = decodeLanFrame(body);
    const req = decodeRequestMsg(f.msg);
    if (f.sessionId === 0) {
      if (f.authType !== AuthType.none) return this.drop('session-less message with auth');
      const rsp = this.sessionless(req, nowMs);
      if (rsp === undefined) return this.drop(`session-less command 0x${req.netFn.toString(16)}/0x${req.cmd.toString(16)} refused`);
      return { replies: [encodeLanFrame(AuthType.none, 0, 0, undefined, this.responseMsg(req, rsp.cc, rsp.data))], effects: [] };
    }
    const challenge = this.challenges.get(f.sessionId);
    if (challenge !== undefined && req.netFn === NetFn.app && req.cmd === Cmd.activateSession) {
      return this.activate(f.authType, f.seq, f.authCode, f.msg, req, challenge, nowMs);
    }
    const s = this.sessions.get(f.sessionId);
    if (s === undefined || s.kind !== 'lan') return this.drop('unknown session id');
    if (f.authType !== s.authType) return this.drop('auth type differs from the session');
    if (s.authType !== AuthType.none) {
      const expected = lanAuthCode(s.authType, pad16(Buffer.from(s.user.password)), s.id, f.msg, f.seq);
      if (f.authCode === undefined || !constantTimeEqual(expected, f.authCode)) return this.drop('bad v1.5 auth code');
    }
    if (!s.inWindow.accept(f.seq)) return this.drop(`sequence ${f.seq} outside the window or replayed`);
    s.lastMs = nowMs;
    const out = this.inSession(s, req);
    const msg = this.responseMsg(req, out.cc, out.data);
    const seq = s.outSeq;
    s.outSeq = nextSeq(seq);
    const code = s.authType === AuthType.none ? undefined : lanAuthCode(s.authType, pad16(Buffer.from(s.user.password)), s.id, msg, seq);
    if (out.closeSession !== undefined) this.sessions.delete(out.closeSession);
    return { replies: [encodeLanFrame(s.authType, seq, s.id, code, msg)], effects: out.effects };
  }

  private activate(authType: number, seq: number, authCode: Buffer | undefined, msg: Buffer, req: IpmiRequest,
      ch: Challenge, nowMs: number): BmcOutput {
    if (authType !== ch.authType || seq !== 0) return this.drop('Activate Session with another auth type or seq');
    const pw16 = pad16(Buffer.from(ch.user.password));
    if (authType !== AuthType.none) {
      const expected = lanAuthCode(authType, pw16, ch.tempSid, msg, 0);
      if (authCode === undefined || !constantTimeEqual(expected, authCode)) return this.drop('bad Activate Session auth code (wrong password)');
    }
    const d = req.data;
    if (d.length < 22) return this.reply15(req, ch, 0xc7, Buffer.alloc(0), 0);
    if (!constantTimeEqual(d.subarray(2, 18), ch.challenge)) return this.drop('Activate Session with a wrong challenge');
    this.challenges.delete(ch.tempSid);
    const outSeq = d.readUInt32LE(18);
    const reqPriv = (d[1] ?? 0) & 0x0f;
    const userPriv = privilegeCode[ch.user.privilege];
    if (reqPriv < 1 || reqPriv > userPriv) return this.reply15(req, ch, 0x86, Buffer.alloc(0), outSeq);
    if (outSeq === 0) return this.reply15(req, ch, 0x84, Buffer.alloc(0), outSeq);
    if (this.sessions.size >= this.maxSessions) return this.reply15(req, ch, 0x81, Buffer.alloc(0), outSeq);
    const id = this.newSessionId();
    const inSeq = this.nonZeroSeq();
    const inWindow = new SequenceWindow(16);
    inWindow.accept(inSeq - 1 || 1);
    this.sessions.set(id, {
      kind: 'lan', id, authType, user: ch.user, maxPriv: reqPriv, priv: Math.min(reqPriv, privilegeCode.user),
      inWindow, outSeq, lastMs: nowMs,
    });
    this.stats.sessionsOpened++;
    const data = Buffer.alloc(10);
    data[0] = authType;
    data.writeUInt32LE(id, 1);
    data.writeUInt32LE(inSeq, 5);
    data[9] = reqPriv;
    return this.reply15(req, ch, 0, data, outSeq);
  }

  private reply15(req: IpmiRequest, ch: Challenge, cc: number, data: Buffer, seq: number): BmcOutput {
    const msg = this.responseMsg(req, cc, data);
    const code = ch.authType === AuthType.none ? undefined : lanAuthCode(ch.authType, pad16(Buffer.from(ch.user.password)), ch.tempSid, msg, seq);
    return { replies: [encodeLanFrame(ch.authType, seq, ch.tempSid, code, msg)], effects: [] };
  }

  private responseMsg(req: IpmiRequest, cc: number, data: Buffer): Buffer {
    return encodeResponseMsg({ netFn: req.netFn + 1, cmd: req.cmd, rqSeq: req.rqSeq, completionCode: cc, data });
  }

  // ------------------------------------------------------------ session-less commands

  private sessionless(req: IpmiRequest, nowMs: number): { cc: number; data: Buffer } | undefined {
    if (req.netFn !== NetFn.app) return undefined;
    if (req.cmd === Cmd.getChannelAuthCapabilities) {
      const v2 = ((req.data[0] ?? 0) & 0x80) !== 0;
      return { cc: 0, data: Buffer.from([0x01, this.lanAuthBits | (v2 ? 0x80 : 0), 0x04, v2 ? 0x03 : 0x00, 0, 0, 0, 0]) };
    }
    if (req.cmd === Cmd.getChannelCipherSuites) {
      const records = Buffer.concat(this.suites.map((s) => Buffer.from([0xc0, s.id, s.auth, 0x40 | s.integrity, 0x80 | s.confidentiality])));
      const index = (req.data[2] ?? 0) & 0x3f;
      return { cc: 0, data: Buffer.concat([Buffer.from([0x01]), records.subarray(index * 16, index * 16 + 16)]) };
    }
    if (req.cmd === Cmd.getSessionChallenge) {
      if (req.data.length < 17) return { cc: 0xc7, data: Buffer.alloc(0) };
      const authType = req.data[0] ?? 0;
      if ((this.lanAuthBits & (1 << authType)) === 0 || authType === AuthType.none) return { cc: 0xcc, data: Buffer.alloc(0) };
      const nameBytes = req.data.subarray(1, 17);
      const end = nameBytes.indexOf(0);
      const name = nameBytes.subarray(0, end < 0 ? 16 : end).toString('utf8');
      const user = this.o.users.find((u) => u.name === name);
      if (user === undefined) return { cc: name === '' ? 0x82 : 0x81, data: Buffer.alloc(0) };
      if (this.challenges.size >= MAX_CHALLENGES) {
        const oldest = this.challenges.keys().next().value;
        if (oldest !== undefined) this.challenges.delete(oldest);
      }
      const tempSid = this.newSessionId();
      const challenge = Buffer.from(this.o.random(16));
      this.challenges.set(tempSid, { tempSid, challenge, authType, user, createdMs: nowMs });
      const data = Buffer.alloc(20);
      data.writeUInt32LE(tempSid, 0);
      challenge.copy(data, 4);
      return { cc: 0, data };
    }
    return undefined;
  }

  // ------------------------------------------------------------ RMCP+

  private onRmcpPlus(body: Buffer, nowMs: number): BmcOutput {
    const f = decodeRmcpPlusFrame(body);
    if (f.sessionId === 0) {
      if (f.authenticated || f.encrypted) return this.drop('session-less RMCP+ frame with security flags');
      switch (f.payloadType) {
        case PayloadType.ipmi: {
          const req = decodeRequestMsg(f.payload);
          const rsp = this.sessionless(req, nowMs);
          if (rsp === undefined || req.cmd === Cmd.getSessionChallenge) return this.drop('session-less RMCP+ command refused');
          return { replies: [encodeRmcpPlusFrame(PayloadType.ipmi, 0, 0, this.responseMsg(req, rsp.cc, rsp.data))], effects: [] };
        }
        case PayloadType.openSessionRequest:
          return this.openSession(f.payload, nowMs);
        case PayloadType.rakp1:
          return this.rakp1(f.payload, nowMs);
        case PayloadType.rakp3:
          return this.rakp3(f.payload, nowMs);
        default:
          return this.drop(`session-less payload type 0x${f.payloadType.toString(16)}`);
      }
    }
    const s = this.sessions.get(f.sessionId);
    if (s === undefined || s.kind !== 'plus' || s.state !== 'active' || s.security === undefined) return this.drop('unknown session id');
    if (f.payloadType !== PayloadType.ipmi) return this.drop('unsupported payload type in session');
    const msg = openRmcpPlusFrame(f, s.security);
    const req = decodeRequestMsg(msg);
    if (!s.inWindow.accept(f.seq)) return this.drop(`sequence ${f.seq} outside the window or replayed`);
    s.lastMs = nowMs;
    const out = this.inSession(s, req);
    const seq = s.outSeq;
    s.outSeq = nextSeq(seq);
    const iv = s.security.confidentiality ? this.o.random(16) : undefined;
    const reply = encodeRmcpPlusFrame(PayloadType.ipmi, s.consoleSid, seq, this.responseMsg(req, out.cc, out.data), s.security, iv);
    if (out.closeSession !== undefined) this.sessions.delete(out.closeSession);
    return { replies: [reply], effects: out.effects };
  }

  private openSession(p: Buffer, nowMs: number): BmcOutput {
    if (p.length < 32) throw new DecodeError('short Open Session Request');
    const tag = p[0] ?? 0;
    const reqPriv = (p[1] ?? 0) & 0x0f;
    const consoleSid = p.readUInt32LE(4);
    const alg = (at: number, dflt: number) => ((p[at + 3] ?? 0) === 0 ? dflt : (p[at + 4] ?? 0) & 0x3f);
    const want = { auth: alg(8, 1), integrity: alg(16, 1), confidentiality: alg(24, 1) };
    const suite = this.suites.find((s) => s.auth === want.auth && s.integrity === want.integrity && s.confidentiality === want.confidentiality);
    const rsp = Buffer.alloc(36);
    rsp[0] = tag;
    rsp.writeUInt32LE(consoleSid, 4);
    const status = consoleSid === 0 ? 0x12 : suite === undefined ? 0x11 : this.sessions.size >= this.maxSessions ? 0x01 : reqPriv > 4 ? 0x09 : 0;
    if (status !== 0 || suite === undefined) {
      rsp[1] = status;
      return { replies: [encodeRmcpPlusFrame(PayloadType.openSessionResponse, 0, 0, rsp.subarray(0, 8))], effects: [] };
    }
    const id = this.newSessionId();
    this.sessions.set(id, {
      kind: 'plus', id, consoleSid, suite, state: 'opened', requestedMaxPriv: reqPriv === 0 ? 4 : reqPriv, user: undefined,
      rakp: undefined, security: undefined, maxPriv: 0, priv: 0, inWindow: new SequenceWindow(16), outSeq: 1, lastMs: nowMs,
    });
    rsp[2] = reqPriv === 0 ? 4 : reqPriv;
    rsp.writeUInt32LE(id, 8);
    const rec = (at: number, type: number, a: number) => {
      rsp[at] = type;
      rsp[at + 3] = 8;
      rsp[at + 4] = a;
    };
    rec(12, 0, suite.auth);
    rec(20, 1, suite.integrity);
    rec(28, 2, suite.confidentiality);
    return { replies: [encodeRmcpPlusFrame(PayloadType.openSessionResponse, 0, 0, rsp)], effects: [] };
  }

  private rakp1(p: Buffer, nowMs: number): BmcOutput {
    if (p.length < 28) throw new DecodeError('short RAKP 1');
    const tag = p[0] ?? 0;
    const s = this.sessions.get(p.readUInt32LE(4));
    if (s === undefined || s.kind !== 'plus' || s.state === 'active') return this.drop('RAKP 1 for an unknown session');
    const ulen = p[27] ?? 0;
    if (ulen > 16 || p.length < 28 + ulen) throw new DecodeError('bad RAKP 1 user name length');
    const role = p[24] ?? 0;
    const name = p.subarray(28, 28 + ulen);
    const out = (status: number, rest: Buffer[] = []) => {
      const head = Buffer.alloc(8);
      head[0] = tag;
      head[1] = status;
      head.writeUInt32LE(s.consoleSid, 4);
      return { replies: [encodeRmcpPlusFrame(PayloadType.rakp2, 0, 0, Buffer.concat([head, ...rest]))], effects: [] };
    };
    const user = this.o.users.find((u) => u.name === name.toString('utf8'));
    if (user === undefined) {
      this.sessions.delete(s.id);
      return out(0x0d);
    }
    const priv = role & 0x0f;
    if (priv < 1 || priv > 4) return out(0x09);
    if (priv > privilegeCode[user.privilege] || priv > s.requestedMaxPriv) {
      this.sessions.delete(s.id);
      return out(0x0a);
    }
    const rakp: RakpParams = {
      consoleSid: s.consoleSid, bmcSid: s.id, consoleRandom: Buffer.from(p.subarray(8, 24)), bmcRandom: Buffer.from(this.o.random(16)),
      bmcGuid: this.o.guid, role, username: Buffer.from(name),
    };
    s.user = user;
    s.rakp = rakp;
    s.maxPriv = priv;
    s.state = 'rakp2';
    s.lastMs = nowMs;
    return out(0, [rakp.bmcRandom, rakp.bmcGuid, rakp2Hmac(passwordKey(Buffer.from(user.password)), rakp)]);
  }

  private rakp3(p: Buffer, nowMs: number): BmcOutput {
    if (p.length < 8) throw new DecodeError('short RAKP 3');
    const s = this.sessions.get(p.readUInt32LE(4));
    if (s === undefined || s.kind !== 'plus' || s.state !== 'rakp2' || s.rakp === undefined || s.user === undefined) {
      return this.drop('RAKP 3 for an unknown session');
    }
    const head = Buffer.alloc(8);
    head[0] = p[0] ?? 0;
    head.writeUInt32LE(s.consoleSid, 4);
    if ((p[1] ?? 0) !== 0) {
      this.sessions.delete(s.id); // the console gave up (e.g. our RAKP 2 did not verify)
      return { replies: [], effects: [] };
    }
    const kuid = passwordKey(Buffer.from(s.user.password));
    if (p.length < 28 || !constantTimeEqual(rakp3Hmac(kuid, s.rakp), p.subarray(8, 28))) {
      this.sessions.delete(s.id);
      head[1] = 0x0f;
      return { replies: [encodeRmcpPlusFrame(PayloadType.rakp4, 0, 0, head)], effects: [] };
    }
    const keys = deriveKeys(this.o.kg !== undefined && this.o.kg.length > 0 ? this.o.kg : kuid, s.rakp);
    s.security = { keys, integrity: s.suite.integrity !== 0, confidentiality: s.suite.confidentiality !== 0 };
    s.state = 'active';
    s.priv = Math.min(s.maxPriv, privilegeCode.user);
    s.lastMs = nowMs;
    this.stats.sessionsOpened++;
    return { replies: [encodeRmcpPlusFrame(PayloadType.rakp4, 0, 0, Buffer.concat([head, rakp4Icv(keys.sik, s.rakp)]))], effects: [] };
  }

  // ------------------------------------------------------------ commands in a session

  private inSession(s: Session, req: IpmiRequest): { cc: number; data: Buffer; effects: PowerEffect[]; closeSession?: number } {
    this.stats.commands++;
    const none = Buffer.alloc(0);
    const ok = (data: Buffer = none) => ({ cc: 0, data, effects: [] as PowerEffect[] });
    const cc = (code: number) => ({ cc: code, data: none, effects: [] as PowerEffect[] });
    if (req.netFn === NetFn.app) {
      switch (req.cmd) {
        case Cmd.getDeviceId:
          return ok(Buffer.from([0x20, 0x01, 0x01, 0x00, 0x02, 0x9f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]));
        case Cmd.setSessionPrivilegeLevel: {
          const want = (req.data[0] ?? 0) & 0x0f;
          if (want === 0) return ok(Buffer.from([s.priv]));
          if (want > 4) return cc(0xcc);
          if (want > s.maxPriv) return cc(0x81);
          s.priv = want;
          return ok(Buffer.from([want]));
        }
        case Cmd.closeSession: {
          if (req.data.length < 4) return cc(0xc7);
          const id = req.data.readUInt32LE(0);
          const target = this.sessions.get(id);
          if (target === undefined) return cc(0x87);
          if (id !== s.id && s.priv < privilegeCode.administrator) return cc(0xd4);
          return { ...ok(), closeSession: id };
        }
        case Cmd.getChannelAuthCapabilities:
        case Cmd.getChannelCipherSuites: {
          const r = this.sessionless(req, s.lastMs);
          return r === undefined ? cc(0xc1) : { ...r, effects: [] };
        }
        default:
          return cc(0xc1);
      }
    }
    if (req.netFn === NetFn.chassis) {
      if (req.cmd === Cmd.getChassisStatus) {
        // power state (bit0), last power event, misc chassis state; restore policy "previous" (01b).
        return ok(Buffer.from([(this.power ? 0x01 : 0x00) | 0x20, 0x00, 0x00]));
      }
      if (req.cmd === Cmd.chassisControl) {
        if (s.priv < privilegeCode.operator) return cc(0xd4);
        if (req.data.length < 1) return cc(0xc7);
        switch ((req.data[0] ?? 0) & 0x0f) {
          case ChassisControl.powerDown:
            this.power = false;
            return { ...ok(), effects: ['off'] };
          case ChassisControl.powerUp:
            this.power = true;
            return { ...ok(), effects: ['on'] };
          case ChassisControl.powerCycle:
            this.power = false; // the edge turns it on again after its cycle delay
            return { ...ok(), effects: ['cycle'] };
          case ChassisControl.hardReset:
            if (!this.power) return cc(0xd5);
            return { ...ok(), effects: ['reset'] };
          case ChassisControl.softShutdown:
            this.power = false;
            return { ...ok(), effects: ['soft'] };
          default:
            return cc(0xcc); // pulse diagnostic interrupt and anything else: not supported (as ipmi_sim)
        }
      }
      return cc(0xc1);
    }
    return cc(0xc1);
  }
}
