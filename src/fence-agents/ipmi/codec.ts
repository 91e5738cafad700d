// IPMI LAN wire codec: RMCP/ASF, IPMI messages, IPMI v1.5 session frames and IPMI v2.0
// (RMCP+) session frames, plus the RMCP+ and v1.5 cryptography. Pure functions over Buffers:
// no sockets, no clocks, no randomness (IVs and random numbers are parameters).
//
// Facts (IPMI v2.0 rev 1.1 spec; verified byte for byte against ../shared/peer/ipmi-trace):
//   RMCP header 06 00 FF 07; IPMI msg rsSA|netFn<<2|LUN|chk1|rqSA|rqSeq<<2|LUN|cmd|data|chk2;
//   v1.5 session: authType|seq(4 LE)|sid(4 LE)|[authCode 16]|len|msg;
//   v2.0 session: 06|payloadType|sid(4 LE)|seq(4 LE)|len(2 LE)|payload|[FF*p|p|07|authCode 12].
import { createCipheriv, createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const RMCP_VERSION = 0x06;
export const RMCP_CLASS_ASF = 0x06;
export const RMCP_CLASS_IPMI = 0x07;
export const ASF_IANA = 4542;

export const BMC_SLAVE_ADDR = 0x20;
export const REMOTE_SWID = 0x81;

/** Largest datagram we build or accept (an IPMI LAN message is far below this). */
export const MAX_DATAGRAM_BYTES = 1024;

export const NetFn = { chassis: 0x00, app: 0x06 } as const;
export const Cmd = {
  getDeviceId: 0x01,
  getChassisStatus: 0x01,
  chassisControl: 0x02,
  getChannelAuthCapabilities: 0x38,
  getSessionChallenge: 0x39,
  activateSession: 0x3a,
  setSessionPrivilegeLevel: 0x3b,
  closeSession: 0x3c,
  getChannelCipherSuites: 0x54,
} as const;

/** IPMI v1.5 session authentication types (spec Table 13-17 / 22-15 bits). */
export const AuthType = { none: 0, md2: 1, md5: 2, password: 4, oem: 5, rmcpPlus: 6 } as const;
export type LanAuthType = 'none' | 'md5' | 'password';
export const lanAuthTypeCode: Record<LanAuthType, number> = { none: 0, md5: 2, password: 4 };

export const PayloadType = {
  ipmi: 0x00,
  openSessionRequest: 0x10,
  openSessionResponse: 0x11,
  rakp1: 0x12,
  rakp2: 0x13,
  rakp3: 0x14,
  rakp4: 0x15,
} as const;

export type PrivilegeLevel = 'callback' | 'user' | 'operator' | 'administrator';
export const privilegeCode: Record<PrivilegeLevel, number> = { callback: 1, user: 2, operator: 3, administrator: 4 };

/** Chassis Control data byte (spec §28.3). */
export const ChassisControl = { powerDown: 0, powerUp: 1, powerCycle: 2, hardReset: 3, pulseDiag: 4, softShutdown: 5 } as const;
export type ChassisControlCode = (typeof ChassisControl)[keyof typeof ChassisControl];

/** Algorithms of the cipher suites we speak (spec Table 22-20). */
export interface CipherSuite {
  id: number;
  auth: number; // 0 none, 1 RAKP-HMAC-SHA1
  integrity: number; // 0 none, 1 HMAC-SHA1-96
  confidentiality: number; // 0 none, 1 AES-CBC-128
}
export const cipherSuites: Readonly<Record<number, CipherSuite>> = {
  1: { id: 1, auth: 1, integrity: 0, confidentiality: 0 },
  2: { id: 2, auth: 1, integrity: 1, confidentiality: 0 },
  3: { id: 3, auth: 1, integrity: 1, confidentiality: 1 },
};

/** A decoding failure: the frame is dropped and counted, never thrown across the edge. */
export class DecodeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DecodeError';
  }
}

// ---------------------------------------------------------------- helpers

export function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + (bytes[i] ?? 0)) & 0xff;
  return (0x100 - sum) & 0xff;
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

function need(buf: Buffer, len: number, what: string): void {
  if (buf.length < len) throw new DecodeError(`truncated ${what}: ${buf.length} < ${len} bytes`);
}

// ---------------------------------------------------------------- RMCP / ASF

export type RmcpFrame =
  | { kind: 'asf'; messageType: number; tag: number; data: Buffer }
  | { kind: 'ipmi'; body: Buffer };

export function decodeRmcp(dgram: Buffer): RmcpFrame {
  if (dgram.length > MAX_DATAGRAM_BYTES) throw new DecodeError(`oversize datagram ${dgram.length} bytes`);
  need(dgram, 4, 'RMCP header');
  if (dgram[0] !== RMCP_VERSION) throw new DecodeError(`bad RMCP version 0x${(dgram[0] ?? 0).toString(16)}`);
  const cls = (dgram[3] ?? 0) & 0x1f;
  if (cls === RMCP_CLASS_ASF) {
    need(dgram, 12, 'ASF message');
    if (dgram.readUInt32BE(4) !== ASF_IANA) throw new DecodeError('ASF message with foreign IANA');
    const len = dgram[11] ?? 0;
    need(dgram, 12 + len, 'ASF data');
    return { kind: 'asf', messageType: dgram[8] ?? 0, tag: dgram[9] ?? 0, data: dgram.subarray(12, 12 + len) };
  }
  if (cls !== RMCP_CLASS_IPMI) throw new DecodeError(`unknown RMCP class ${cls}`);
  return { kind: 'ipmi', body: dgram.subarray(4) };
}

const rmcpIpmiHeader = Buffer.from([RMCP_VERSION, 0x00, 0xff, RMCP_CLASS_IPMI]);

/** ASF Presence Ping (ipmitool -I lan sends one first). */
export function encodePresencePing(tag: number): Buffer {
  return Buffer.from([0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, tag & 0xff, 0x00, 0x00]);
}

/** ASF Presence Pong: IPMI supported, ASF 1.0. */
export function encodePresencePong(tag: number): Buffer {
  return Buffer.from([
    0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x40, tag & 0xff, 0x00, 0x10,
    0x00, 0x00, 0x11, 0xbe, 0x00, 0x00, 0x00, 0x00, 0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  ]);
}

// ---------------------------------------------------------------- IPMI messages

export interface IpmiRequest {
  netFn: number;
  cmd: number;
  rqSeq: number; // 0..63
  data: Buffer;
}
export interface IpmiResponse {
  netFn: number; // the response netFn (request netFn + 1)
  cmd: number;
  rqSeq: number;
  completionCode: number;
  data: Buffer;
}

export function encodeRequestMsg(req: IpmiRequest): Buffer {
  const msg = Buffer.alloc(7 + req.data.length);
  msg[0] = BMC_SLAVE_ADDR;
  msg[1] = (req.netFn << 2) & 0xfc;
  msg[2] = checksum(msg, 0, 2);
  msg[3] = REMOTE_SWID;
  msg[4] = (req.rqSeq << 2) & 0xfc;
  msg[5] = req.cmd;
  req.data.copy(msg, 6);
  msg[6 + req.data.length] = checksum(msg, 3, 6 + req.data.length);
  return msg;
}

export function encodeResponseMsg(rsp: IpmiResponse): Buffer {
  const msg = Buffer.alloc(8 + rsp.data.length);
  msg[0] = REMOTE_SWID;
  msg[1] = (rsp.netFn << 2) & 0xfc;
  msg[2] = checksum(msg, 0, 2);
  msg[3] = BMC_SLAVE_ADDR;
  msg[4] = (rsp.rqSeq << 2) & 0xfc;
  msg[5] = rsp.cmd;
  msg[6] = rsp.completionCode;
  rsp.data.copy(msg, 7);
  msg[7 + rsp.data.length] = checksum(msg, 3, 7 + rsp.data.length);
  return msg;
}

function checkMsgChecksums(msg: Buffer, minLen: number, what: string): void {
  need(msg, minLen, what);
  if (checksum(msg, 0, 2) !== msg[2]) throw new DecodeError(`${what}: bad header checksum`);
  if (checksum(msg, 3, msg.length - 1) !== msg[msg.length - 1]) throw new DecodeError(`${what}: bad data checksum`);
}

export function decodeRequestMsg(msg: Buffer): IpmiRequest {
  checkMsgChecksums(msg, 7, 'IPMI request');
  return { netFn: (msg[1] ?? 0) >> 2, rqSeq: (msg[4] ?? 0) >> 2, cmd: msg[5] ?? 0, data: msg.subarray(6, msg.length - 1) };
}

export function decodeResponseMsg(msg: Buffer): IpmiResponse {
  checkMsgChecksums(msg, 8, 'IPMI response');
  return {
    netFn: (msg[1] ?? 0) >> 2,
    rqSeq: (msg[4] ?? 0) >> 2,
    cmd: msg[5] ?? 0,
    completionCode: msg[6] ?? 0,
    data: msg.subarray(7, msg.length - 1),
  };
}

// ---------------------------------------------------------------- IPMI v1.5 session frames

export function pad16(s: Buffer): Buffer {
  const b = Buffer.alloc(16);
  s.copy(b, 0, 0, Math.min(16, s.length));
  return b;
}

/** v1.5 auth code (spec §22.17.1 / 13.6): straight = password; MD5 over pw|sid|msg|seq|pw. */
export function lanAuthCode(authType: number, password16: Buffer, sessionId: number, msg: Buffer, seq: number): Buffer {
  if (authType === AuthType.password) return password16;
  if (authType === AuthType.md5) {
    return createHash('md5').update(password16).update(u32le(sessionId)).update(msg).update(u32le(seq)).update(password16).digest();
  }
  throw new DecodeError(`unsupported v1.5 auth type ${authType}`);
}

export interface LanFrame {
  authType: number;
  seq: number;
  sessionId: number;
  authCode: Buffer | undefined;
  msg: Buffer;
}

export function encodeLanFrame(authType: number, seq: number, sessionId: number, authCode: Buffer | undefined, msg: Buffer): Buffer {
  const hasAuth = authType !== AuthType.none;
  const head = Buffer.alloc(9 + (hasAuth ? 16 : 0) + 1);
  head[0] = authType;
  head.writeUInt32LE(seq >>> 0, 1);
  head.writeUInt32LE(sessionId >>> 0, 5);
  if (hasAuth) {
    if (authCode === undefined || authCode.length !== 16) throw new Error('v1.5 frame needs a 16-byte auth code');
    authCode.copy(head, 9);
  }
  head[head.length - 1] = msg.length;
  return Buffer.concat([rmcpIpmiHeader, head, msg]);
}

/** body = bytes after the RMCP header. */
export function decodeLanFrame(body: Buffer): LanFrame {
  need(body, 10, 'v1.5 session header');
  const authType = (body[0] ?? 0) & 0x0f;
  if (authType === AuthType.rmcpPlus) throw new DecodeError('not a v1.5 frame');
  const hasAuth = authType !== AuthType.none;
  const lenAt = 9 + (hasAuth ? 16 : 0);
  need(body, lenAt + 1, 'v1.5 session header');
  const len = body[lenAt] ?? 0;
  need(body, lenAt + 1 + len, 'v1.5 message');
  return {
    authType,
    seq: body.readUInt32LE(1),
    sessionId: body.readUInt32LE(5),
    authCode: hasAuth ? body.subarray(9, 25) : undefined,
    msg: body.subarray(lenAt + 1, lenAt + 1 + len),
  };
}

// ---------------------------------------------------------------- RMCP+ (IPMI v2.0) frames

/** Session keys of an RMCP+ session (spec §13.31-13.32). */
export interface RmcpPlusKeys {
  sik: Buffer;
  k1: Buffer; // integrity key (HMAC-SHA1-96)
  k2: Buffer; // first 16 bytes: AES-CBC-128 key
}

export function hmacSha1(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac('sha1', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Kuid: the user's password, at most 20 bytes (zero padding does not change an HMAC key). */
export function passwordKey(password: Buffer): Buffer {
  return password.subarray(0, 20);
}

export interface RakpParams {
  consoleSid: number;
  bmcSid: number;
  consoleRandom: Buffer; // Rm, 16 bytes
  bmcRandom: Buffer; // Rc, 16 bytes
  bmcGuid: Buffer; // 16 bytes
  role: number; // privilege | 0x10 for name-only lookup
  username: Buffer;
}

function roleAndName(p: RakpParams): Buffer {
  return Buffer.concat([Buffer.from([p.role, p.username.length]), p.username]);
}

/** RAKP 2 key exchange auth code (BMC → console), HMAC-SHA1 with Kuid. */
export function rakp2Hmac(kuid: Buffer, p: RakpParams): Buffer {
  return hmacSha1(kuid, u32le(p.consoleSid), u32le(p.bmcSid), p.consoleRandom, p.bmcRandom, p.bmcGuid, roleAndName(p));
}

/** RAKP 3 key exchange auth code (console → BMC), HMAC-SHA1 with Kuid. */
export function rakp3Hmac(kuid: Buffer, p: RakpParams): Buffer {
  return hmacSha1(kuid, p.bmcRandom, u32le(p.consoleSid), roleAndName(p));
}

/** SIK = HMAC(Kg or Kuid, Rm|Rc|role|ulen|name); K1/K2 = HMAC(SIK, 0x01*20 / 0x02*20). */
export function deriveKeys(kgOrKuid: Buffer, p: RakpParams): RmcpPlusKeys {
  const sik = hmacSha1(kgOrKuid, p.consoleRandom, p.bmcRandom, roleAndName(p));
  return { sik, k1: hmacSha1(sik, Buffer.alloc(20, 0x01)), k2: hmacSha1(sik, Buffer.alloc(20, 0x02)) };
}

/** RAKP 4 integrity check value: first 12 bytes of HMAC(SIK, Rm|bmcSid|GUID). */
export function rakp4Icv(sik: Buffer, p: RakpParams): Buffer {
  return hmacSha1(sik, p.consoleRandom, u32le(p.bmcSid), p.bmcGuid).subarray(0, 12);
}

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** AES-CBC-128 confidentiality payload: IV | E(msg | 01 02 .. n | n), n = 15 - len mod 16. */
export function encryptPayload(k2: Buffer, iv: Buffer, plain: Buffer): Buffer {
  if (iv.length !== 16) throw new Error('AES IV must be 16 bytes');
  const n = 15 - (plain.length % 16);
  const padded = Buffer.alloc(plain.length + n + 1);
  plain.copy(padded);
  for (let i = 1; i <= n; i++) padded[plain.length + i - 1] = i;
  padded[padded.length - 1] = n;
  const c = createCipheriv('aes-128-cbc', k2.subarray(0, 16), iv);
  c.setAutoPadding(false);
  return Buffer.concat([iv, c.update(padded), c.final()]);
}

export function decryptPayload(k2: Buffer, payload: Buffer): Buffer {
  if (payload.length < 32 || payload.length % 16 !== 0) throw new DecodeError(`bad encrypted payload length ${payload.length}`);
  const d = createDecipheriv('aes-128-cbc', k2.subarray(0, 16), payload.subarray(0, 16));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(payload.subarray(16)), d.final()]);
  const n = plain[plain.length - 1] ?? 0;
  if (n > 15) throw new DecodeError('bad confidentiality pad length');
  const end = plain.length - 1 - n;
  for (let i = 1; i <= n; i++) {
    if (plain[end + i - 1] !== i) throw new DecodeError('bad confidentiality pad bytes');
  }
  return plain.subarray(0, end);
}

export interface RmcpPlusFrame {
  payloadType: number; // bits 5:0
  encrypted: boolean;
  authenticated: boolean;
  sessionId: number;
  seq: number;
  payload: Buffer; // as on the wire (still encrypted if encrypted)
  /** bytes covered by the integrity auth code, and the received auth code (authenticated frames). */
  authInput: Buffer | undefined;
  authCode: Buffer | undefined;
}

export interface FrameSecurity {
  keys: RmcpPlusKeys;
  integrity: boolean;
  confidentiality: boolean;
}

/** Build an RMCP+ datagram. `iv` is needed when security.confidentiality is set. */
export function encodeRmcpPlusFrame(payloadType: number, sessionId: number, seq: number, payload: Buffer,
    security?: FrameSecurity, iv?: Buffer): Buffer {
  let body = payload;
  let type = payloadType & 0x3f;
  if (security?.confidentiality) {
    if (iv === undefined) throw new Error('confidentiality needs an IV');
    body = encryptPayload(security.keys.k2, iv, payload);
    type |= 0x80;
  }
  if (security?.integrity) type |= 0x40;
  const head = Buffer.alloc(12);
  head[0] = AuthType.rmcpPlus;
  head[1] = type;
  head.writeUInt32LE(sessionId >>> 0, 2);
  head.writeUInt32LE(seq >>> 0, 6);
  head.writeUInt16LE(body.length, 10);
  if (!security?.integrity) return Buffer.concat([rmcpIpmiHeader, head, body]);
  const p = (4 - ((12 + body.length + 2) % 4)) % 4;
  const trailer = Buffer.alloc(p + 2, 0xff);
  trailer[p] = p;
  trailer[p + 1] = 0x07;
  const covered = Buffer.concat([head, body, trailer]);
  const code = hmacSha1(security.keys.k1, covered).subarray(0, 12);
  return Buffer.concat([rmcpIpmiHeader, covered, code]);
}

/** Parse an RMCP+ frame (body = bytes after the RMCP header). Does not verify or decrypt. */
export function decodeRmcpPlusFrame(body: Buffer): RmcpPlusFrame {
  need(body, 12, 'RMCP+ session header');
  if (body[0] !== AuthType.rmcpPlus) throw new DecodeError('not an RMCP+ frame');
  const typeByte = body[1] ?? 0;
  const len = body.readUInt16LE(10);
  need(body, 12 + len, 'RMCP+ payload');
  const authenticated = (typeByte & 0x40) !== 0;
  let authInput: Buffer | undefined;
  let authCode: Buffer | undefined;
  if (authenticated) {
    const rest = body.length - 12 - len;
    if (rest < 2 + 12) throw new DecodeError('truncated RMCP+ integrity trailer');
    authInput = body.subarray(0, body.length - 12);
    authCode = body.subarray(body.length - 12);
    const padLen = authInput[authInput.length - 2] ?? 0;
    if (authInput[authInput.length - 1] !== 0x07) throw new DecodeError('bad RMCP+ next header');
    if (padLen > 3 || 12 + len + padLen + 2 !== authInput.length) throw new DecodeError('bad RMCP+ integrity pad');
    for (let i = 12 + len; i < 12 + len + padLen; i++) {
      if (authInput[i] !== 0xff) throw new DecodeError('bad RMCP+ integrity pad bytes');
    }
  }
  return {
    payloadType: typeByte & 0x3f,
    encrypted: (typeByte & 0x80) !== 0,
    authenticated,
    sessionId: body.readUInt32LE(2),
    seq: body.readUInt32LE(6),
    payload: body.subarray(12, 12 + len),
    authInput,
    authCode,
  };
}

/**
 * Verify and open a frame of an active session: the flags must match the session's suite,
 * the HMAC-SHA1-96 must verify, and the payload is decrypted. Throws DecodeError otherwise.
 */
export function openRmcpPlusFrame(frame: RmcpPlusFrame, security: FrameSecurity): Buffer {
  if (frame.authenticated !== security.integrity) throw new DecodeError('integrity flag does not match the session');
  if (frame.encrypted !== security.confidentiality) throw new DecodeError('confidentiality flag does not match the session');
  if (security.integrity) {
    const expected = hmacSha1(security.keys.k1, frame.authInput ?? Buffer.alloc(0)).subarray(0, 12);
    if (!constantTimeEqual(expected, frame.authCode ?? Buffer.alloc(0))) throw new DecodeError('bad integrity auth code');
  }
  return security.confidentiality ? decryptPayload(security.keys.k2, frame.payload) : frame.payload;
}

// ---------------------------------------------------------------- sequence window

/**
 * Replay protection for inbound session sequence numbers: accepts a number ahead of the highest
 * seen, or one not seen before at most `size` behind it (32-bit wrapping; 0 is never valid).
 */
export class SequenceWindow {
  private highest: number | undefined;
  private seenMask = 0; // bit i = highest - i seen
  constructor(private readonly size = 16) {
    if (size < 1 || size > 31) throw new Error('window size must be 1..31');
  }
  /** Returns true and records it when acceptable. */
  accept(seq: number): boolean {
    seq >>>= 0;
    if (seq === 0) return false;
    if (this.highest === undefined) {
      this.highest = seq;
      this.seenMask = 1;
      return true;
    }
    const ahead = (seq - this.highest) >>> 0;
    if (ahead !== 0 && ahead < 0x80000000) {
      // Any number ahead is fine (the peer may have answered retransmissions we never saw);
      // replay protection is about numbers already seen or too old.
      this.seenMask = ahead >= 32 ? 1 : ((this.seenMask << ahead) | 1) >>> 0;
      this.highest = seq;
      return true;
    }
    const behind = (this.highest - seq) >>> 0;
    if (behind > this.size) return false;
    const bit = (1 << behind) >>> 0;
    if ((this.seenMask & bit) !== 0) return false;
    this.seenMask = (this.seenMask | bit) >>> 0;
    return true;
  }
}

/** Next outbound session sequence number: +1, skipping 0 on wrap. */
export function nextSeq(seq: number): number {
  const n = (seq + 1) >>> 0;
  return n === 0 ? 1 : n;
}
