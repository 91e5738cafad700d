// The IPMI LAN client as a deterministic state machine: given the bytes received, it says what
// to send next. No sockets, no timers, no randomness of its own (random bytes are injected), so
// unit tests replay captured ipmitool sessions byte for byte.
//
// Use: beginConnect() → datagram; feed every received datagram to receive(); a 'send' step means
// "send this and keep waiting", 'established' means the session is up. Then beginRequest() /
// beginClose() the same way. retransmit() gives the datagram to send again after a timeout.
import {
  AuthType, Cmd, DecodeError, NetFn, PayloadType, SequenceWindow, cipherSuites, constantTimeEqual,
  decodeLanFrame, decodeResponseMsg, decodeRmcp, decodeRmcpPlusFrame, deriveKeys, encodeLanFrame,
  encodeRequestMsg, encodeRmcpPlusFrame, lanAuthCode, lanAuthTypeCode, nextSeq, openRmcpPlusFrame, pad16,
  passwordKey, privilegeCode, rakp2Hmac, rakp3Hmac, rakp4Icv,
} from './codec.js';
import type { CipherSuite, FrameSecurity, IpmiRequest, IpmiResponse, LanAuthType, PrivilegeLevel, RakpParams } from './codec.js';
import { AuthenticationError, ProtocolError, completionCodeText, isAuthStatus, rmcpStatusText } from './errors.js';
import type { IpmiError } from './errors.js';

export type IpmiInterface = 'lan' | 'lanplus';

export interface ClientCoreOptions {
  username: string;
  password: string;
  /** BMC key Kg (RMCP+ only; fence_ipmilan --hexadecimal-kg). Default: none (Kuid is used). */
  kg?: Buffer;
  interface: IpmiInterface;
  /** RMCP+ cipher suite: 1, 2 or 3. */
  cipherSuite: number;
  privilege: PrivilegeLevel;
  /** IPMI 1.5 auth type; default the best the BMC offers: MD5 > password > none. */
  authType?: LanAuthType;
  /** Source of random bytes (session ids, Rm, IVs, initial sequence numbers). */
  random: (bytes: number) => Buffer;
  /** First IPMI rqSeq (0..63). Default 1. */
  firstRqSeq?: number;
  /** First RMCP+ session sequence number. Default 1. */
  firstSessionSeq?: number;
  /** RAKP 1 name-only lookup (role bit 4), as ipmitool does. Default true. */
  nameOnlyLookup?: boolean;
}

export type CoreStep =
  | { kind: 'drop'; reason: string }
  | { kind: 'send'; datagram: Buffer }
  | { kind: 'established' }
  | { kind: 'response'; response: IpmiResponse }
  | { kind: 'closed' }
  | { kind: 'fail'; error: IpmiError; datagram?: Buffer };

/** Where the session stands. */
export type ClientPhase =
  | 'idle' | 'authcaps' | 'challenge' | 'activate' | 'open' | 'rakp1' | 'rakp3' | 'setpriv'
  | 'ready' | 'request' | 'closing' | 'closed' | 'failed';

interface LanSession {
  authType: number;
  sessionId: number;
  outSeq: number;
}

interface PlusSession {
  consoleSid: number;
  bmcSid: number;
  suite: CipherSuite;
  rakp: RakpParams | undefined;
  security: FrameSecurity | undefined;
  outSeq: number;
}

const privNames = ['', 'callback', 'user', 'operator', 'administrator'];

export class IpmiClientCore {
  private phase: ClientPhase = 'idle';
  private rqSeq: number;
  private readonly password: Buffer;
  private readonly username: Buffer;
  private readonly priv: number;
  private lan: LanSession | undefined;
  private plus: PlusSession | undefined;
  private inWindow = new SequenceWindow(16);
  /** The request we wait an answer for (IPMI messages), or the handshake datagram. */
  private pendingReq: IpmiRequest | undefined;
  private pendingDatagram: Buffer | undefined;
  private challenge: { tempSid: number; challenge: Buffer; outboundSeq: number } | undefined;
  private dropped = 0;
  private accepted = 0;

  constructor(private readonly opts: ClientCoreOptions) {
    this.rqSeq = (opts.firstRqSeq ?? 1) & 0x3f;
    this.password = Buffer.from(opts.password, 'utf8');
    this.username = Buffer.from(opts.username, 'utf8');
    if (this.username.length > 16) throw new Error('IPMI user name is at most 16 bytes');
    if (this.password.length > 20) throw new Error('IPMI password is at most 20 bytes');
    if (opts.interface === 'lan' && this.password.length > 16) throw new Error('IPMI 1.5 password is at most 16 bytes');
    if (opts.interface === 'lanplus' && cipherSuites[opts.cipherSuite] === undefined) {
      throw new Error(`unsupported cipher suite ${opts.cipherSuite} (supported: 1, 2, 3)`);
    }
    this.priv = privilegeCode[opts.privilege];
  }

  /** True once any reply of this session was accepted (the BMC is alive). */
  get answeredOnce(): boolean {
    return this.accepted > 0;
  }

  get state(): ClientPhase {
    return this.phase;
  }
  get isEstablished(): boolean {
    return this.phase === 'ready' || this.phase === 'request';
  }
  /** Datagrams dropped as malformed, unauthenticated, replayed or unmatched. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Start a new session. The core must be idle (use a fresh core to reconnect). */
  beginConnect(): Buffer {
    this.assertPhase('idle', 'beginConnect');
    this.phase = 'authcaps';
    const first = this.opts.interface === 'lanplus' ? 0x8e : 0x0e; // bit 7: IPMI v2.0 extended data
    return this.sendSessionless(NetFn.app, Cmd.getChannelAuthCapabilities, Buffer.from([first, this.priv]));
  }

  /** Send an IPMI request in the established session. */
  beginRequest(netFn: number, cmd: number, data: Buffer = Buffer.alloc(0)): Buffer {
    this.assertPhase('ready', 'beginRequest');
    this.phase = 'request';
    return this.sendInSession(netFn, cmd, data);
  }

  /** Close the session (Close Session). */
  beginClose(): Buffer {
    this.assertPhase('ready', 'beginClose');
    this.phase = 'closing';
    const sid = this.plus !== undefined ? this.plus.bmcSid : (this.lan?.sessionId ?? 0);
    const data = Buffer.alloc(4);
    data.writeUInt32LE(sid >>> 0, 0);
    return this.sendInSession(NetFn.app, Cmd.closeSession, data);
  }

  /**
   * The datagram to send again after a per-try timeout: the same bytes (same session sequence
   * number), as ipmitool does. A copy that arrives late is then a duplicate the BMC drops, never
   * a second command (a late "power on" after a confirmed "off" would undo a fence).
   */
  retransmit(): Buffer {
    if (this.pendingDatagram === undefined) throw new Error('nothing to retransmit');
    return this.pendingDatagram;
  }

  /**
   * The error for "no answer at all" in the current state, when it means more than a timeout:
   * an IPMI 1.5 BMC silently drops an Activate Session whose auth code is wrong.
   */
  silenceMeaning(): IpmiError | undefined {
    if (this.phase === 'activate') {
      return new AuthenticationError(`no answer to Activate Session although the BMC answered the challenge: wrong password for IPMI user "${this.opts.username}" (IPMI 1.5 auth code rejected)`, true);
    }
    return undefined;
  }

  /** Mark the session unusable (e.g. the edge gave up waiting). */
  abandon(): void {
    this.phase = 'failed';
    this.pendingReq = undefined;
    this.pendingDatagram = undefined;
  }

  receive(dgram: Buffer): CoreStep {
    try {
      const step = this.receiveUnchecked(dgram);
      if (step.kind !== 'drop') this.accepted++;
      return step;
    } catch (err) {
      if (err instanceof DecodeError) return this.drop(err.reason);
      throw err;
    }
  }

  // ------------------------------------------------------------ receive

  private receiveUnchecked(dgram: Buffer): CoreStep {
    const frame = decodeRmcp(dgram);
    if (frame.kind !== 'ipmi') return this.drop('ASF message');
    const body = frame.body;
    switch (this.phase) {
      case 'authcaps':
      case 'challenge':
        return this.onSessionlessResponse(this.openLanResponse(body, false));
      case 'activate':
        return this.onActivate(this.openLanResponse(body, true));
      case 'open':
      case 'rakp1':
      case 'rakp3':
        return this.onRmcpPlusHandshake(body);
      case 'setpriv':
      case 'request':
      case 'closing':
        return this.onInSession(this.openInSession(body));
      default:
        return this.drop(`unexpected datagram in state ${this.phase}`);
    }
  }

  private drop(reason: string): CoreStep {
    this.dropped++;
    return { kind: 'drop', reason };
  }

  /** Decode a v1.5-framed response; authenticated ones (activate) must carry a valid auth code. */
  private openLanResponse(body: Buffer, authenticated: boolean): IpmiResponse {
    const f = decodeLanFrame(body);
    if (authenticated && f.authType !== AuthType.none) this.checkLanAuth(f.authType, f.sessionId, f.seq, f.msg, f.authCode);
    return this.matchResponse(decodeResponseMsg(f.msg));
  }

  private checkLanAuth(authType: number, sid: number, seq: number, msg: Buffer, code: Buffer | undefined): void {
    const expected = lanAuthCode(authType, pad16(this.password), sid, msg, seq);
    if (code === undefined || !constantTimeEqual(expected, code)) throw new DecodeError('bad v1.5 auth code');
  }

  private matchResponse(rsp: IpmiResponse): IpmiResponse {
    const req = this.pendingReq;
    if (req === undefined || rsp.netFn !== req.netFn + 1 || rsp.cmd !== req.cmd || rsp.rqSeq !== req.rqSeq) {
      throw new DecodeError('response does not match the pending request');
    }
    return rsp;
  }

  private openInSession(body: Buffer): IpmiResponse {
    if (this.plus !== undefined) {
      const f = decodeRmcpPlusFrame(body);
      if (f.payloadType !== PayloadType.ipmi) throw new DecodeError(`unexpected payload type 0x${f.payloadType.toString(16)}`);
      if (f.sessionId !== this.plus.consoleSid) throw new DecodeError('wrong session id');
      const sec = this.plus.security;
      if (sec === undefined) throw new DecodeError('in-session frame before the keys exist');
      const msg = openRmcpPlusFrame(f, sec);
      const rsp = decodeResponseMsg(msg);
      this.matchResponse(rsp);
      if (!this.inWindow.accept(f.seq)) throw new DecodeError(`session sequence ${f.seq} outside the window or replayed`);
      return rsp;
    }
    const lan = this.lan;
    if (lan === undefined) throw new DecodeError('no session');
    const f = decodeLanFrame(body);
    if (f.sessionId !== lan.sessionId) throw new DecodeError('wrong session id');
    if (f.authType !== AuthType.none) this.checkLanAuth(f.authType, f.sessionId, f.seq, f.msg, f.authCode);
    else if (lan.authType !== AuthType.none) throw new DecodeError('unauthenticated response in an authenticated session');
    const rsp = decodeResponseMsg(f.msg);
    this.matchResponse(rsp);
    if (!this.inWindow.accept(f.seq)) throw new DecodeError(`session sequence ${f.seq} outside the window or replayed`);
    return rsp;
  }

  private fail(error: IpmiError, datagram?: Buffer): CoreStep {
    this.phase = 'failed';
    this.pendingReq = undefined;
    this.pendingDatagram = undefined;
    return datagram === undefined ? { kind: 'fail', error } : { kind: 'fail', error, datagram };
  }

  private onSessionlessResponse(rsp: IpmiResponse): CoreStep {
    if (this.phase === 'authcaps') {
      if (rsp.completionCode !== 0) {
        return this.fail(new ProtocolError(`Get Channel Authentication Capabilities failed: ${completionCodeText(rsp.completionCode)}`, rsp.completionCode));
      }
      return this.afterAuthCaps(rsp.data);
    }
    // challenge
    if (rsp.completionCode === 0x81) return this.fail(new AuthenticationError(`IPMI user "${this.opts.username}" is unknown to the BMC (Get Session Challenge: invalid user name)`));
    if (rsp.completionCode === 0x82) return this.fail(new AuthenticationError('the BMC does not allow a null user name'));
    if (rsp.completionCode !== 0) {
      return this.fail(new ProtocolError(`Get Session Challenge failed: ${completionCodeText(rsp.completionCode)}`, rsp.completionCode));
    }
    if (rsp.data.length < 20) throw new DecodeError('short Get Session Challenge response');
    const rnd = this.opts.random(4);
    let outboundSeq = rnd.readUInt32LE(0);
    if (outboundSeq === 0) outboundSeq = 1;
    this.challenge = { tempSid: rsp.data.readUInt32LE(0), challenge: Buffer.from(rsp.data.subarray(4, 20)), outboundSeq };
    const authType = this.lan?.authType ?? AuthType.none;
    const seqBytes = Buffer.alloc(4);
    seqBytes.writeUInt32LE(outboundSeq, 0);
    const data = Buffer.concat([Buffer.from([authType, this.priv]), this.challenge.challenge, seqBytes]);
    const req = this.nextRequest(NetFn.app, Cmd.activateSession, data);
    const msg = encodeRequestMsg(req);
    const code = authType === AuthType.none ? undefined : lanAuthCode(authType, pad16(this.password), this.challenge.tempSid, msg, 0);
    this.phase = 'activate';
    return this.sendHandshake(req, encodeLanFrame(authType, 0, this.challenge.tempSid, code, msg));
  }

  private afterAuthCaps(data: Buffer): CoreStep {
    if (data.length < 7) throw new DecodeError('short Get Channel Authentication Capabilities response');
    const authBits = data[1] ?? 0;
    const ext = data[3] ?? 0;
    if (this.opts.interface === 'lanplus') {
      if ((authBits & 0x80) !== 0 && (ext & 0x02) === 0) {
        return this.fail(new ProtocolError('the BMC does not support IPMI v2.0 (RMCP+); use lanplus=0 (IPMI 1.5)'));
      }
      const plus: PlusSession = {
        consoleSid: 0, bmcSid: 0, suite: cipherSuites[this.opts.cipherSuite] as CipherSuite,
        rakp: undefined, security: undefined, outSeq: this.opts.firstSessionSeq ?? 1,
      };
      let sid = this.opts.random(4).readUInt32LE(0);
      if (sid === 0) sid = 1;
      plus.consoleSid = sid;
      this.plus = plus;
      const s = plus.suite;
      const payload = Buffer.alloc(32);
      payload[0] = 0; // message tag
      payload[1] = 0; // requested maximum privilege: highest the suite allows
      payload.writeUInt32LE(sid, 4);
      const rec = (at: number, type: number, alg: number) => {
        payload[at] = type;
        payload[at + 3] = 8;
        payload[at + 4] = alg;
      };
      rec(8, 0, s.auth);
      rec(16, 1, s.integrity);
      rec(24, 2, s.confidentiality);
      this.phase = 'open';
      this.pendingReq = undefined;
        this.pendingDatagram = encodeRmcpPlusFrame(PayloadType.openSessionRequest, 0, 0, payload);
      return { kind: 'send', datagram: this.pendingDatagram };
    }
    // IPMI 1.5: pick the auth type.
    const offered = (t: LanAuthType) => (authBits & (1 << lanAuthTypeCode[t])) !== 0;
    let chosen: LanAuthType | undefined = this.opts.authType;
    if (chosen !== undefined && !offered(chosen)) {
      return this.fail(new AuthenticationError(`the BMC does not offer IPMI 1.5 auth type ${chosen.toUpperCase()} for privilege ${privNames[this.priv]}`));
    }
    chosen ??= (['md5', 'password', 'none'] as const).find(offered);
    if (chosen === undefined) return this.fail(new AuthenticationError('the BMC offers no IPMI 1.5 auth type we support (MD5, PASSWORD, NONE)'));
    const authType = lanAuthTypeCode[chosen];
    this.lan = { authType, sessionId: 0, outSeq: 0 };
    this.phase = 'challenge';
    return { kind: 'send', datagram: this.sendSessionless(NetFn.app, Cmd.getSessionChallenge, Buffer.concat([Buffer.from([authType]), pad16(this.username)])) };
  }

  private onActivate(rsp: IpmiResponse): CoreStep {
    const lan = this.lan;
    const ch = this.challenge;
    if (lan === undefined || ch === undefined) throw new Error('activate without challenge');
    if (rsp.completionCode !== 0) {
      const cc = rsp.completionCode;
      if (cc === 0x86) return this.fail(new AuthenticationError(`privilege level ${privNames[this.priv]} exceeds what the BMC allows this user`));
      return this.fail(new ProtocolError(`Activate Session failed: ${cc >= 0x81 && cc <= 0x85 ? ['no session slot available', 'no slot available for this user', 'no slot available for this privilege level', 'session sequence number out of range', 'invalid session ID'][cc - 0x81] : completionCodeText(cc)}`, cc));
    }
    if (rsp.data.length < 10) throw new DecodeError('short Activate Session response');
    lan.sessionId = rsp.data.readUInt32LE(1);
    lan.outSeq = rsp.data.readUInt32LE(5) || 1;
    const authType = rsp.data[0] ?? lan.authType;
    if (authType !== lan.authType && authType !== AuthType.none) {
      return this.fail(new ProtocolError(`BMC activated auth type ${authType}, asked ${lan.authType}`));
    }
    // The BMC numbers its in-session replies from our initial outbound seq again (ipmi_sim does).
    this.inWindow = new SequenceWindow(16);
    return this.afterActivation();
  }

  private afterActivation(): CoreStep {
    if (this.priv > privilegeCode.user) {
      this.phase = 'setpriv';
      return { kind: 'send', datagram: this.sendInSession(NetFn.app, Cmd.setSessionPrivilegeLevel, Buffer.from([this.priv])) };
    }
    this.phase = 'ready';
    this.pendingReq = undefined;
    this.pendingDatagram = undefined;
    return { kind: 'established' };
  }

  private onRmcpPlusHandshake(body: Buffer): CoreStep {
    const plus = this.plus;
    if (plus === undefined) throw new Error('RMCP+ handshake without state');
    const f = decodeRmcpPlusFrame(body);
    if (f.authenticated || f.encrypted || f.sessionId !== 0) throw new DecodeError('handshake frame must be session-less and clear');
    const p = f.payload;
    if (this.phase === 'open') {
      if (f.payloadType !== PayloadType.openSessionResponse) throw new DecodeError('expected Open Session Response');
      if (p.length < 8) throw new DecodeError('short Open Session Response');
      if (p.readUInt32LE(4) !== plus.consoleSid) throw new DecodeError('Open Session Response for another console session');
      const status = p[1] ?? 0;
      if (status !== 0) return this.rmcpStatusFail('Open Session', status);
      if (p.length < 36) throw new DecodeError('short Open Session Response');
      plus.bmcSid = p.readUInt32LE(8);
      if (plus.bmcSid === 0) throw new DecodeError('BMC session id 0');
      const algs = [p[16] ?? 0xff, p[24] ?? 0xff, p[32] ?? 0xff].map((a) => a & 0x3f);
      const s = plus.suite;
      if (algs[0] !== s.auth || algs[1] !== s.integrity || algs[2] !== s.confidentiality) {
        return this.fail(new ProtocolError(`the BMC chose other algorithms than cipher suite ${s.id} (${algs.join('/')})`));
      }
      const rm = this.opts.random(16);
      const role = this.priv | ((this.opts.nameOnlyLookup ?? true) ? 0x10 : 0);
      plus.rakp = {
        consoleSid: plus.consoleSid, bmcSid: plus.bmcSid, consoleRandom: Buffer.from(rm), bmcRandom: Buffer.alloc(16),
        bmcGuid: Buffer.alloc(16), role, username: this.username,
      };
      const rakp1 = Buffer.alloc(28 + this.username.length);
      rakp1.writeUInt32LE(plus.bmcSid, 4);
      rm.copy(rakp1, 8);
      rakp1[24] = role;
      rakp1[27] = this.username.length;
      this.username.copy(rakp1, 28);
      this.phase = 'rakp1';
      this.pendingDatagram = encodeRmcpPlusFrame(PayloadType.rakp1, 0, 0, rakp1);
      return { kind: 'send', datagram: this.pendingDatagram };
    }
    const rakp = plus.rakp;
    if (rakp === undefined) throw new Error('RAKP without parameters');
    if (this.phase === 'rakp1') {
      if (f.payloadType !== PayloadType.rakp2) throw new DecodeError('expected RAKP 2');
      if (p.length < 8) throw new DecodeError('short RAKP 2');
      if (p.readUInt32LE(4) !== plus.consoleSid) throw new DecodeError('RAKP 2 for another console session');
      const status = p[1] ?? 0;
      if (status !== 0) return this.rmcpStatusFail('RAKP 2', status);
      if (p.length < 60) throw new DecodeError('short RAKP 2');
      rakp.bmcRandom = Buffer.from(p.subarray(8, 24));
      rakp.bmcGuid = Buffer.from(p.subarray(24, 40));
      const kuid = passwordKey(this.password);
      const expected = rakp2Hmac(kuid, rakp);
      if (!constantTimeEqual(expected, p.subarray(40, 60))) {
        // Tell the BMC (RAKP 3 with a status) so it frees the session, then fail.
        const nack = Buffer.alloc(8);
        nack[1] = 0x0f;
        nack.writeUInt32LE(plus.bmcSid, 4);
        return this.fail(new AuthenticationError(`wrong password for IPMI user "${this.opts.username}" (RAKP 2 key exchange code does not match)`),
          encodeRmcpPlusFrame(PayloadType.rakp3, 0, 0, nack));
      }
      const keys = deriveKeys(this.opts.kg !== undefined && this.opts.kg.length > 0 ? this.opts.kg : kuid, rakp);
      plus.security = { keys, integrity: plus.suite.integrity !== 0, confidentiality: plus.suite.confidentiality !== 0 };
      const rakp3 = Buffer.alloc(28);
      rakp3.writeUInt32LE(plus.bmcSid, 4);
      rakp3Hmac(kuid, rakp).copy(rakp3, 8);
      this.phase = 'rakp3';
      this.pendingDatagram = encodeRmcpPlusFrame(PayloadType.rakp3, 0, 0, rakp3);
      return { kind: 'send', datagram: this.pendingDatagram };
    }
    // rakp3 → RAKP 4
    if (f.payloadType !== PayloadType.rakp4) throw new DecodeError('expected RAKP 4');
    if (p.length < 8) throw new DecodeError('short RAKP 4');
    if (p.readUInt32LE(4) !== plus.consoleSid) throw new DecodeError('RAKP 4 for another console session');
    const status = p[1] ?? 0;
    if (status !== 0) return this.rmcpStatusFail('RAKP 4', status);
    if (p.length < 20) throw new DecodeError('short RAKP 4');
    const sec = plus.security;
    if (sec === undefined) throw new Error('RAKP 4 without keys');
    if (!constantTimeEqual(rakp4Icv(sec.keys.sik, rakp), p.subarray(8, 20))) {
      return this.fail(new AuthenticationError('RAKP 4 integrity check value does not match (wrong BMC key Kg?)'));
    }
    this.inWindow = new SequenceWindow(16);
    return this.afterActivation();
  }

  private rmcpStatusFail(step: string, status: number): CoreStep {
    const text = `${step}: ${rmcpStatusText(status)}`;
    if (status === 0x0d) return this.fail(new AuthenticationError(`IPMI user "${this.opts.username}" is unknown to the BMC (${text})`));
    if (status === 0x0f) return this.fail(new AuthenticationError(`wrong password or BMC key (${text})`));
    if (isAuthStatus(status)) return this.fail(new AuthenticationError(`${text} (privilege ${privNames[this.priv]})`));
    if (status === 0x04 || status === 0x05 || status === 0x10 || status === 0x11) {
      return this.fail(new ProtocolError(`the BMC refuses cipher suite ${this.opts.cipherSuite}: ${text}`, status));
    }
    return this.fail(new ProtocolError(text, status));
  }

  private onInSession(rsp: IpmiResponse): CoreStep {
    const phase = this.phase;
    this.pendingReq = undefined;
    this.pendingDatagram = undefined;
    if (phase === 'setpriv') {
      const cc = rsp.completionCode;
      if (cc === 0x80 || cc === 0x81) {
        return this.fail(new AuthenticationError(`privilege level ${privNames[this.priv]} is not available to IPMI user "${this.opts.username}"`));
      }
      if (cc !== 0) return this.fail(new ProtocolError(`Set Session Privilege Level failed: ${completionCodeText(cc)}`, cc));
      this.phase = 'ready';
      return { kind: 'established' };
    }
    if (phase === 'closing') {
      this.phase = 'closed';
      return { kind: 'closed' };
    }
    this.phase = 'ready';
    return { kind: 'response', response: rsp };
  }

  // ------------------------------------------------------------ send

  private assertPhase(want: ClientPhase, what: string): void {
    if (this.phase !== want) throw new Error(`${what} in state ${this.phase}`);
  }

  private nextRequest(netFn: number, cmd: number, data: Buffer): IpmiRequest {
    const req = { netFn, cmd, rqSeq: this.rqSeq, data };
    this.rqSeq = (this.rqSeq + 1) & 0x3f;
    return req;
  }

  private sendHandshake(req: IpmiRequest, datagram: Buffer): CoreStep {
    this.pendingReq = req;
    this.pendingDatagram = datagram;
    return { kind: 'send', datagram };
  }

  private sendSessionless(netFn: number, cmd: number, data: Buffer): Buffer {
    const req = this.nextRequest(netFn, cmd, data);
    this.pendingReq = req;
    this.pendingDatagram = encodeLanFrame(AuthType.none, 0, 0, undefined, encodeRequestMsg(req));
    return this.pendingDatagram;
  }

  private sendInSession(netFn: number, cmd: number, data: Buffer): Buffer {
    const req = this.nextRequest(netFn, cmd, data);
    this.pendingReq = req;
    this.pendingDatagram = this.encodeInSession(req);
    return this.pendingDatagram;
  }

  private encodeInSession(req: IpmiRequest): Buffer {
    const msg = encodeRequestMsg(req);
    if (this.plus !== undefined) {
      const plus = this.plus;
      const seq = plus.outSeq;
      plus.outSeq = nextSeq(seq);
      const sec = plus.security;
      const iv = sec?.confidentiality ? this.opts.random(16) : undefined;
      return encodeRmcpPlusFrame(PayloadType.ipmi, plus.bmcSid, seq, msg, sec, iv);
    }
    const lan = this.lan;
    if (lan === undefined) throw new Error('no session');
    const seq = lan.outSeq;
    lan.outSeq = nextSeq(seq);
    const code = lan.authType === AuthType.none ? undefined : lanAuthCode(lan.authType, pad16(this.password), lan.sessionId, msg, seq);
    return encodeLanFrame(lan.authType, seq, lan.sessionId, code, msg);
  }
}
