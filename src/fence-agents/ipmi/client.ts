// The UDP edge of the IPMI LAN client: drives IpmiClientCore over a connected dgram socket
// with a per-try timeout and a bounded number of tries. One request in flight at a time; a
// session can be kept open ("warm") between commands and is re-established when the BMC has
// dropped it.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { ChassisControl, Cmd, NetFn } from './codec.js';
import type { ChassisControlCode, IpmiResponse, LanAuthType, PrivilegeLevel } from './codec.js';
import { IpmiClientCore } from './client-core.js';
import type { CoreStep, IpmiInterface } from './client-core.js';
import { AuthenticationError, ClosedError, IpmiError, ProtocolError, TimeoutError, UnreachableError, completionCodeText } from './errors.js';

export interface IpmiLanClientOptions {
  host: string;
  /** UDP port of the BMC. Default 623. */
  port?: number;
  username: string;
  password: string;
  /** BMC key Kg for RMCP+ (binary). */
  kg?: Buffer;
  interface: IpmiInterface;
  /** RMCP+ cipher suite 1, 2 or 3. Default 3. */
  cipherSuite?: number;
  /** Default administrator. */
  privilegeLevel?: PrivilegeLevel;
  /** IPMI 1.5 auth type. Default: the best the BMC offers (MD5 > password > none). */
  authType?: LanAuthType;
  /** Wait for an answer this long before sending again. Default 1000 ms. */
  timeoutMs?: number;
  /** Send again this many times before giving up. Default 3 (so 4 tries). */
  retries?: number;
  /** Send a no-op in the open session when idle this long (0 = never). Default 0. */
  keepAliveMs?: number;
  /** Random source (tests inject a fixed one). Default crypto.randomBytes. */
  random?: (bytes: number) => Buffer;
  /** Called for every dropped datagram (malformed, unauthenticated, replayed, unmatched). */
  onDrop?: (reason: string) => void;
}

export type PowerState = 'on' | 'off';

export interface ChassisStatus {
  powerOn: boolean;
  powerOverload: boolean;
  interlock: boolean;
  powerFault: boolean;
  powerControlFault: boolean;
  /** bits 6:5 of the current power state: 0 stay off, 1 restore previous, 2 always on, 3 unknown. */
  restorePolicy: number;
}

export interface IpmiClientStats {
  sessionsOpened: number;
  /** Session setups started over after the BMC went silent midway. */
  handshakeRestarts: number;
  /** Commands repeated in a new session after the kept one stopped answering. */
  relogins: number;
  retransmits: number;
  dropped: number;
}

const MAX_QUEUED_OPERATIONS = 64;
/** A kept session unused this long is suspected dropped by the BMC (see request()). */
const IDLE_SUSPECT_MS = 5000;

export class IpmiLanClient {
  private readonly o: Required<Omit<IpmiLanClientOptions, 'kg' | 'authType' | 'onDrop'>> & Pick<IpmiLanClientOptions, 'kg' | 'authType' | 'onDrop'>;
  private socket: dgram.Socket | undefined;
  private socketReady: Promise<void> | undefined;
  private core: IpmiClientCore | undefined;
  private onDatagram: ((msg: Buffer) => void) | undefined;
  /** Ends the exchange in flight (close() while a command waits). */
  private abortExchange: ((err: Error) => void) | undefined;
  private refused = false;
  private closed = false;
  private closing = false;
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private lastUseMs = 0;
  /** When the BMC last answered us (any accepted reply). */
  private lastAnswerMs = 0;
  readonly stats: IpmiClientStats = { sessionsOpened: 0, retransmits: 0, dropped: 0, handshakeRestarts: 0, relogins: 0 };

  constructor(opts: IpmiLanClientOptions) {
    this.o = {
      port: 623, cipherSuite: 3, privilegeLevel: 'administrator', timeoutMs: 1000, retries: 3, keepAliveMs: 0,
      random: (n: number) => randomBytes(n), ...opts,
    };
    if (!Number.isInteger(this.o.port) || this.o.port < 1 || this.o.port > 65535) throw new RangeError(`bad IPMI port ${this.o.port}`);
    if (!(this.o.timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
    if (!Number.isInteger(this.o.retries) || this.o.retries < 0 || this.o.retries > 20) throw new RangeError('retries must be 0..20');
    // Validate user/password/suite now rather than at first use.
    this.newCore();
  }

  /** Upper bound of one request's wait (all tries), in milliseconds. */
  get requestBoundMs(): number {
    return this.o.timeoutMs * (this.o.retries + 1);
  }

  get isSessionOpen(): boolean {
    return this.core?.isEstablished ?? false;
  }

  /** Open the session now (otherwise the first command does). */
  connect(): Promise<void> {
    return this.serialize(async () => {
      await this.ensureSession();
    });
  }

  async chassisStatus(): Promise<ChassisStatus> {
    const rsp = await this.command(NetFn.chassis, Cmd.getChassisStatus, Buffer.alloc(0), 'Get Chassis Status');
    if (rsp.data.length < 3) throw new ProtocolError('short Get Chassis Status response');
    const b = rsp.data[0] ?? 0;
    return {
      powerOn: (b & 0x01) !== 0, powerOverload: (b & 0x02) !== 0, interlock: (b & 0x04) !== 0,
      powerFault: (b & 0x08) !== 0, powerControlFault: (b & 0x10) !== 0, restorePolicy: (b >> 5) & 0x03,
    };
  }

  async getPowerState(): Promise<PowerState> {
    return (await this.chassisStatus()).powerOn ? 'on' : 'off';
  }

  async chassisControl(code: ChassisControlCode): Promise<void> {
    await this.command(NetFn.chassis, Cmd.chassisControl, Buffer.from([code]), 'Chassis Control');
  }

  powerOff(): Promise<void> {
    return this.chassisControl(ChassisControl.powerDown);
  }
  powerOn(): Promise<void> {
    return this.chassisControl(ChassisControl.powerUp);
  }
  powerCycle(): Promise<void> {
    return this.chassisControl(ChassisControl.powerCycle);
  }
  hardReset(): Promise<void> {
    return this.chassisControl(ChassisControl.hardReset);
  }
  softShutdown(): Promise<void> {
    return this.chassisControl(ChassisControl.softShutdown);
  }
  pulseDiagnosticInterrupt(): Promise<void> {
    return this.chassisControl(ChassisControl.pulseDiag);
  }

  /** Any IPMI request in the session; a non-zero completion code throws ProtocolError. */
  async command(netFn: number, cmd: number, data: Buffer, what = `command 0x${netFn.toString(16)}/0x${cmd.toString(16)}`): Promise<IpmiResponse> {
    const rsp = await this.request(netFn, cmd, data);
    if (rsp.completionCode !== 0) {
      throw new ProtocolError(`${what} failed: ${completionCodeText(rsp.completionCode)} (0x${rsp.completionCode.toString(16)})`, rsp.completionCode);
    }
    return rsp;
  }

  /** Any IPMI request in the session; returns the response whatever its completion code. */
  request(netFn: number, cmd: number, data: Buffer = Buffer.alloc(0)): Promise<IpmiResponse> {
    return this.serialize(async () => {
      const kept = this.core?.isEstablished ?? false;
      // A session idle for a while may have been dropped by the BMC (it then ignores us without a
      // word): one try, then log in again. A session in use just now gets the full retries first.
      const idle = kept && performance.now() - this.lastAnswerMs > IDLE_SUSPECT_MS;
      await this.ensureSession();
      try {
        return await this.requestOnce(netFn, cmd, data, idle ? 1 : this.o.retries + 1);
      } catch (err) {
        if (!(kept && err instanceof TimeoutError) || this.closing) throw err;
        this.stats.relogins++;
        this.core = undefined;
        await this.ensureSession();
        return this.requestOnce(netFn, cmd, data, this.o.retries + 1);
      }
    });
  }

  /** Close the session (best effort, one bounded exchange) and the socket. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    // A command still waiting for its answer is ended now (ClosedError), not waited for.
    this.abortExchange?.(new ClosedError('IPMI client closed while a command was waiting for the BMC'));
    const last = this.serialize(async () => {
      const core = this.core;
      if (core?.state === 'ready') {
        try {
          // One try: the BMC times a session out anyway, and a process should not wait for it.
          await this.exchange(core, core.beginClose(), 1, 'Close Session', true);
        } catch {
          // The session is gone either way; the BMC times it out.
        }
      }
    });
    this.closed = true;
    try {
      await last;
    } finally {
      this.stopKeepAlive();
      this.core = undefined;
      this.socket?.close();
      this.socket = undefined;
    }
  }

  // ------------------------------------------------------------ internals

  private newCore(): IpmiClientCore {
    return new IpmiClientCore({
      username: this.o.username, password: this.o.password, interface: this.o.interface, cipherSuite: this.o.cipherSuite,
      privilege: this.o.privilegeLevel, random: this.o.random,
      ...(this.o.kg !== undefined ? { kg: this.o.kg } : {}),
      ...(this.o.authType !== undefined ? { authType: this.o.authType } : {}),
    });
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ClosedError());
    if (this.queued >= MAX_QUEUED_OPERATIONS) return Promise.reject(new ProtocolError('too many queued IPMI operations'));
    this.queued++;
    const run = this.queue.then(fn, fn);
    this.queue = run.then(() => undefined, () => undefined);
    return run.finally(() => {
      this.queued--;
      this.lastUseMs = performance.now();
    });
  }

  private async ensureSocket(): Promise<void> {
    if (this.socketReady !== undefined && this.socket !== undefined) return this.socketReady;
    const sock = dgram.createSocket(this.o.host.includes(':') ? 'udp6' : 'udp4');
    this.socket = sock;
    sock.on('message', (msg) => this.onDatagram?.(msg));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') this.refused = true;
    });
    this.socketReady = new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        this.socket = undefined;
        this.socketReady = undefined;
        sock.close();
        reject(new UnreachableError(`cannot reach BMC ${this.o.host}:${this.o.port}: ${err.message}`, 0));
      };
      sock.once('error', onError);
      // Node calls the connect callback with the lookup error when the name does not resolve.
      const connected = ((err?: Error) => {
        sock.off('error', onError);
        if (err !== undefined && err !== null) onError(err);
        else resolve();
      }) as () => void;
      sock.connect(this.o.port, this.o.host, connected);
    });
    return this.socketReady;
  }

  private async ensureSession(): Promise<void> {
    if (this.core?.isEstablished) return;
    await this.ensureSocket();
    for (let attempt = 1; ; attempt++) {
      const core = this.newCore();
      this.core = core;
      try {
        await this.exchange(core, core.beginConnect(), this.o.retries + 1, 'session setup');
        break;
      } catch (err) {
        // The BMC answered part of the handshake and then fell silent: a lost reply to a step it
        // will not answer twice (ipmi_sim ignores a repeated RAKP 3 / Activate Session). Start
        // over once with a new session before calling it a timeout or a wrong password.
        const silentMidway = core.answeredOnce && (err instanceof TimeoutError || (err instanceof AuthenticationError && err.inferredFromSilence));
        if (attempt >= 2 || !silentMidway || this.closing) throw err;
        this.stats.handshakeRestarts++;
      }
    }
    this.stats.sessionsOpened++;
    this.startKeepAlive();
  }

  private async requestOnce(netFn: number, cmd: number, data: Buffer, tries: number): Promise<IpmiResponse> {
    const core = this.core;
    if (core === undefined) throw new Error('no session');
    const step = await this.exchange(core, core.beginRequest(netFn, cmd, data), tries, 'request');
    if (step.kind !== 'response') throw new ProtocolError(`unexpected ${step.kind} from the session`);
    return step.response;
  }

  /**
   * Send `first`, then feed answers to the core until it reaches a final step. Each new datagram
   * (handshake step) gets the full try budget; a per-try timeout retransmits.
   */
  private exchange(core: IpmiClientCore, first: Buffer, tries: number, what: string, closing = false): Promise<CoreStep> {
    const sock = this.socket;
    if (sock === undefined || (this.closing && !closing)) {
      core.abandon();
      return Promise.reject(new ClosedError('IPMI client closed while a command was waiting for the BMC'));
    }
    const started = performance.now();
    return new Promise<CoreStep>((resolve, reject) => {
      let triesLeft = tries - 1;
      let timer: NodeJS.Timeout | undefined;
      this.refused = false;
      const finish = (err: Error | undefined, step?: CoreStep) => {
        if (timer !== undefined) clearTimeout(timer);
        this.onDatagram = undefined;
        this.abortExchange = undefined;
        if (err !== undefined) reject(err);
        else resolve(step as CoreStep);
      };
      const send = (buf: Buffer) => {
        sock.send(buf, (err) => {
          if (err !== null && err !== undefined) this.refused = true;
        });
        if (timer !== undefined) clearTimeout(timer);
        timer = setTimeout(onTimeout, this.o.timeoutMs);
      };
      const onTimeout = () => {
        if (triesLeft > 0) {
          triesLeft--;
          this.stats.retransmits++;
          send(core.retransmit());
          return;
        }
        const meaning = core.silenceMeaning();
        core.abandon();
        if (meaning !== undefined) {
          finish(meaning);
          return;
        }
        const elapsedMs = Math.round(performance.now() - started);
        const where = `${this.o.host}:${this.o.port}`;
        finish(this.refused
          ? new UnreachableError(`BMC ${where} unreachable (${what}: nothing listens, ${tries} tries in ${elapsedMs} ms)`, elapsedMs)
          : new TimeoutError(`no answer from BMC ${where} (${what}: ${tries} tries of ${this.o.timeoutMs} ms)`, elapsedMs));
      };
      this.onDatagram = (msg) => {
        let step: CoreStep;
        try {
          step = core.receive(msg);
        } catch (err) {
          finish(err as Error);
          return;
        }
        switch (step.kind) {
          case 'drop':
            this.stats.dropped++;
            this.o.onDrop?.(step.reason);
            return;
          case 'send':
            // Silence after Activate Session means a rejected auth code far more often than two
            // lost datagrams in a row: do not spend the whole budget on it.
            triesLeft = (core.state === 'activate' ? Math.min(tries, 2) : tries) - 1;
            send(step.datagram);
            return;
          case 'fail':
            if (step.datagram !== undefined) sock.send(step.datagram);
            finish(step.error);
            return;
          default:
            this.lastAnswerMs = performance.now();
            finish(undefined, step);
        }
      };
      this.abortExchange = (err) => {
        core.abandon();
        finish(err);
      };
      send(first);
    });
  }

  private startKeepAlive(): void {
    if (this.o.keepAliveMs <= 0 || this.keepAliveTimer !== undefined) return;
    this.keepAliveTimer = setInterval(() => {
      if (this.closed || this.queued > 0 || !(this.core?.isEstablished ?? false)) return;
      if (performance.now() - this.lastUseMs < this.o.keepAliveMs) return;
      void this.serialize(async () => {
        const core = this.core;
        if (core?.state !== 'ready') return;
        try {
          await this.exchange(core, core.beginRequest(NetFn.app, Cmd.getDeviceId, Buffer.alloc(0)), 1, 'keep-alive');
        } catch (err) {
          if (err instanceof IpmiError) this.core = undefined; // next command logs in again
        }
      }).catch(() => undefined);
    }, Math.max(100, Math.floor(this.o.keepAliveMs / 2)));
    this.keepAliveTimer.unref();
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer !== undefined) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }
}
