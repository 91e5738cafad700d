// The thin I/O edge of the transport: one UDP socket per node, unicast to every peer.
// All parsing and checking is in codec.ts; this file only moves bytes and counts.
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import {
  DEFAULT_MAX_FRAME_BYTES, MAX_U48, ReplayGuard, TransportCounters, decodeFrame, encodeFrame, maxPayloadBytes,
  type DecodeContext, type FrameHeader, type FrameKeys, type TransportCountersSnapshot,
} from './codec.js';

export interface PeerAddress {
  readonly nodeid: number;
  readonly address: string;
  readonly port: number;
}

export interface UdpTransportOptions {
  readonly localNodeid: number;
  readonly bindAddress: string;
  readonly port: number;
  readonly clusterId: number;
  readonly keys: FrameKeys;
  readonly encrypt: boolean;
  readonly maxFrameBytes?: number;
  readonly peers: readonly PeerAddress[];
  /** This process's incarnation (ms since the epoch at start: larger after every restart). */
  readonly incarnation: number;
}

/** Requested socket receive buffer. */
export const RECV_BUFFER_BYTES = 4 * 1024 * 1024;

export type FrameHandler = (header: FrameHeader, payload: Buffer) => void;

export class UdpTransport {
  readonly counters = new TransportCounters();
  private readonly socket: dgram.Socket;
  private readonly replay = new ReplayGuard();
  private readonly peers = new Map<number, PeerAddress>();
  private readonly ctx: DecodeContext;
  private seq = 0;
  private handler: FrameHandler = () => undefined;
  private closed = false;

  constructor(private readonly opts: UdpTransportOptions) {
    for (const p of opts.peers) if (p.nodeid !== opts.localNodeid) this.peers.set(p.nodeid, p);
    this.ctx = {
      keys: opts.keys,
      encrypt: opts.encrypt,
      maxFrameBytes: opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      clusterId: opts.clusterId,
      localNodeid: opts.localNodeid,
      isKnownNodeid: (id) => this.peers.has(id),
    };
    this.socket = dgram.createSocket({ type: isIPv6(opts.bindAddress) ? 'udp6' : 'udp4', reuseAddr: false });
    this.socket.on('message', (msg) => this.receive(msg));
    this.socket.on('error', () => { this.counters.sendErrors += 1; });
  }

  onFrame(handler: FrameHandler): void {
    this.handler = handler;
  }

  /** Bind the socket; rejects (e.g. EADDRINUSE) so the daemon can say what went wrong. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.socket.once('error', onError);
      this.socket.bind({ address: this.opts.bindAddress, port: this.opts.port, exclusive: true }, () => {
        this.socket.off('error', onError);
        // Room for bursts (a view change answered by every node at once); the kernel caps it
        // at net.core.rmem_max.
        try { this.socket.setRecvBufferSize(RECV_BUFFER_BYTES); } catch { /* keep the default */ }
        resolve();
      });
    });
  }

  get maxPayloadBytes(): number {
    return maxPayloadBytes(this.ctx);
  }

  /** Send one payload to one peer. Returns false (and counts) when it could not be sent. */
  send(nodeid: number, msgType: number, generation: number, payload: Uint8Array): boolean {
    const peer = this.peers.get(nodeid);
    if (peer === undefined || this.closed) return false;
    if (payload.length > this.maxPayloadBytes) {
      this.counters.sendErrors += 1;
      return false;
    }
    this.seq = this.seq >= MAX_U48 ? 1 : this.seq + 1;
    const frame = encodeFrame({
      clusterId: this.opts.clusterId, msgType, senderNodeid: this.opts.localNodeid,
      generation: generation >>> 0, incarnation: this.opts.incarnation, seq: this.seq,
    }, payload, this.ctx);
    this.socket.send(frame, peer.port, peer.address, (err) => {
      if (err) this.counters.sendErrors += 1;
    });
    this.counters.sent += 1;
    return true;
  }

  broadcast(msgType: number, generation: number, payload: Uint8Array): void {
    for (const id of this.peers.keys()) this.send(id, msgType, generation, payload);
  }

  counterSnapshot(): TransportCountersSnapshot {
    return this.counters.snapshot();
  }

  /** Incarnation last seen from a peer (a change means the peer restarted). */
  peerIncarnation(nodeid: number): number | undefined {
    return this.replay.incarnationOf(nodeid);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private receive(msg: Buffer): void {
    const r = decodeFrame(msg, this.ctx);
    if (!r.ok) {
      this.counters.drop(r.reason);
      return;
    }
    const replayed = this.replay.check(r.header.senderNodeid, r.header.incarnation, r.header.seq);
    if (replayed !== undefined) {
      this.counters.drop(replayed);
      return;
    }
    try {
      this.handler(r.header, r.payload);
      this.counters.accepted += 1;
    } catch {
      // A payload the upper layer cannot use is a malformed frame, not a crash.
      this.counters.drop('malformed-payload');
    }
  }
}
