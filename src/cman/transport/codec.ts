// Pure frame codec of the cluster transport: encode, authenticate (HMAC-SHA-256), optionally
// encrypt (AES-256-GCM), decode, verify, replay check. No sockets here; see udp.ts for the edge.
// Bad input never throws: decodeFrame() returns a drop reason that the caller counts.
//
// Frame layout (big endian), see README.md in this folder:
//   0  u16 magic 0x4353 ('CS')        2  u8 version (1)        3  u8 flags (bit0: encrypted)
//   4  u16 cluster id                 6  u16 message type (opaque to the transport)
//   8  u32 sender nodeid             12  u32 membership generation of the sender
//  16  u48 sender incarnation (ms)   22  u48 sequence number (per incarnation, from 1)
//  28  u16 body length               30  body (plain payload, or 12-byte IV + ciphertext + 16-byte tag)
//  30+len  32-byte HMAC-SHA-256 over bytes [0, 30+len)
import { createCipheriv, createDecipheriv, createHash, createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

export const FRAME_MAGIC = 0x4353;
export const FRAME_VERSION = 1;
export const HEADER_BYTES = 30;
export const MAC_BYTES = 32;
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
/** Default bound on a whole frame (header + body + MAC): one UDP datagram, room for the membership core's 60 000-byte messages. */
export const DEFAULT_MAX_FRAME_BYTES = 65_000;
/** Largest value of the 48-bit incarnation and sequence fields. */
export const MAX_U48 = 2 ** 48 - 1;
const FLAG_ENCRYPTED = 1;

export type DropReason =
  | 'short' | 'oversize' | 'bad-magic' | 'bad-version' | 'bad-length' | 'wrong-cluster'
  | 'unknown-sender' | 'own-nodeid' | 'bad-mac' | 'not-encrypted' | 'decrypt-failed'
  | 'replay' | 'stale-incarnation' | 'malformed-payload';

export const DROP_REASONS: readonly DropReason[] = [
  'short', 'oversize', 'bad-magic', 'bad-version', 'bad-length', 'wrong-cluster', 'unknown-sender',
  'own-nodeid', 'bad-mac', 'not-encrypted', 'decrypt-failed', 'replay', 'stale-incarnation', 'malformed-payload',
];

/** Keys derived once from the key material (keyfile bytes or the padded cluster name). */
export interface FrameKeys {
  readonly macKey: Buffer;
  readonly encKey: Buffer;
}

/**
 * cman uses the keyfile's bytes, or without one the cluster name with its length rounded up to
 * a multiple of 4 (cman.md §4.1). Both sub-keys are derived from that material with HMAC-SHA-256.
 */
export function keyMaterialFromClusterName(clusterName: string): Buffer {
  const name = Buffer.from(clusterName, 'utf8');
  const padded = Buffer.alloc(Math.ceil(name.length / 4) * 4 || 4);
  name.copy(padded);
  return padded;
}

export function deriveFrameKeys(material: Buffer): FrameKeys {
  if (material.length === 0) throw new RangeError('transport key material is empty');
  const macKey = createHmac('sha256', material).update('cluster-suite transport mac v1').digest();
  const encKey = createHmac('sha256', material).update('cluster-suite transport enc v1').digest();
  return { macKey, encKey };
}

/** A short fingerprint of the key for logs and diagnostics (never the key itself). */
export function keyFingerprint(keys: FrameKeys): string {
  return createHash('sha256').update(keys.macKey).digest('hex').slice(0, 12);
}

export interface FrameHeader {
  readonly clusterId: number;
  readonly msgType: number;
  readonly senderNodeid: number;
  readonly generation: number;
  readonly incarnation: number;
  readonly seq: number;
}

export interface CodecOptions {
  readonly keys: FrameKeys;
  readonly encrypt: boolean;
  readonly maxFrameBytes: number;
}

/** Largest payload that fits in one frame with these options. */
export function maxPayloadBytes(opts: CodecOptions): number {
  const overhead = HEADER_BYTES + MAC_BYTES + (opts.encrypt ? GCM_IV_BYTES + GCM_TAG_BYTES : 0);
  return Math.min(0xffff - (opts.encrypt ? GCM_IV_BYTES + GCM_TAG_BYTES : 0), opts.maxFrameBytes - overhead);
}

function checkU(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`frame ${name} out of range: ${v}`);
}

/** Build one frame. Throws only on programming errors (values out of range, payload too big). */
export function encodeFrame(h: FrameHeader, payload: Uint8Array, opts: CodecOptions): Buffer {
  checkU('clusterId', h.clusterId, 0xffff);
  checkU('msgType', h.msgType, 0xffff);
  checkU('senderNodeid', h.senderNodeid, 0xffffffff);
  checkU('generation', h.generation, 0xffffffff);
  checkU('incarnation', h.incarnation, MAX_U48);
  checkU('seq', h.seq, MAX_U48);
  if (payload.length > maxPayloadBytes(opts)) {
    throw new RangeError(`frame payload of ${payload.length} bytes exceeds ${maxPayloadBytes(opts)}`);
  }
  const bodyLen = opts.encrypt ? GCM_IV_BYTES + payload.length + GCM_TAG_BYTES : payload.length;
  const frame = Buffer.allocUnsafe(HEADER_BYTES + bodyLen + MAC_BYTES);
  frame.writeUInt16BE(FRAME_MAGIC, 0);
  frame.writeUInt8(FRAME_VERSION, 2);
  frame.writeUInt8(opts.encrypt ? FLAG_ENCRYPTED : 0, 3);
  frame.writeUInt16BE(h.clusterId, 4);
  frame.writeUInt16BE(h.msgType, 6);
  frame.writeUInt32BE(h.senderNodeid, 8);
  frame.writeUInt32BE(h.generation, 12);
  frame.writeUIntBE(h.incarnation, 16, 6);
  frame.writeUIntBE(h.seq, 22, 6);
  frame.writeUInt16BE(bodyLen, 28);
  if (opts.encrypt) {
    const iv = frame.subarray(HEADER_BYTES, HEADER_BYTES + GCM_IV_BYTES);
    randomFillSync(iv);
    const cipher = createCipheriv('aes-256-gcm', opts.keys.encKey, iv);
    cipher.setAAD(frame.subarray(0, HEADER_BYTES));
    const ct = cipher.update(payload);
    cipher.final();
    ct.copy(frame, HEADER_BYTES + GCM_IV_BYTES);
    cipher.getAuthTag().copy(frame, HEADER_BYTES + GCM_IV_BYTES + payload.length);
  } else {
    Buffer.from(payload.buffer, payload.byteOffset, payload.length).copy(frame, HEADER_BYTES);
  }
  const macAt = HEADER_BYTES + bodyLen;
  createHmac('sha256', opts.keys.macKey).update(frame.subarray(0, macAt)).digest().copy(frame, macAt);
  return frame;
}

export type DecodeResult =
  | { readonly ok: true; readonly header: FrameHeader; readonly payload: Buffer }
  | { readonly ok: false; readonly reason: DropReason };

export interface DecodeContext extends CodecOptions {
  readonly clusterId: number;
  readonly localNodeid: number;
  /** True when a nodeid belongs to the cluster (checked before the MAC, so strangers cost little). */
  readonly isKnownNodeid: (nodeid: number) => boolean;
}

const drop = (reason: DropReason): DecodeResult => ({ ok: false, reason });

/** Parse and authenticate one datagram. Never throws; replay is checked separately (ReplayGuard). */
export function decodeFrame(frame: Buffer, ctx: DecodeContext): DecodeResult {
  if (frame.length > ctx.maxFrameBytes) return drop('oversize');
  if (frame.length < HEADER_BYTES + MAC_BYTES) return drop('short');
  if (frame.readUInt16BE(0) !== FRAME_MAGIC) return drop('bad-magic');
  if (frame.readUInt8(2) !== FRAME_VERSION) return drop('bad-version');
  const bodyLen = frame.readUInt16BE(28);
  if (HEADER_BYTES + bodyLen + MAC_BYTES !== frame.length) return drop('bad-length');
  if (frame.readUInt16BE(4) !== ctx.clusterId) return drop('wrong-cluster');
  const senderNodeid = frame.readUInt32BE(8);
  if (senderNodeid === ctx.localNodeid) return drop('own-nodeid');
  if (!ctx.isKnownNodeid(senderNodeid)) return drop('unknown-sender');
  const macAt = HEADER_BYTES + bodyLen;
  const expected = createHmac('sha256', ctx.keys.macKey).update(frame.subarray(0, macAt)).digest();
  if (!timingSafeEqual(expected, frame.subarray(macAt, macAt + MAC_BYTES))) return drop('bad-mac');
  const encrypted = (frame.readUInt8(3) & FLAG_ENCRYPTED) !== 0;
  if (encrypted !== ctx.encrypt) return drop('not-encrypted');
  let payload: Buffer;
  if (encrypted) {
    if (bodyLen < GCM_IV_BYTES + GCM_TAG_BYTES) return drop('bad-length');
    try {
      const iv = frame.subarray(HEADER_BYTES, HEADER_BYTES + GCM_IV_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', ctx.keys.encKey, iv);
      decipher.setAAD(frame.subarray(0, HEADER_BYTES));
      decipher.setAuthTag(frame.subarray(macAt - GCM_TAG_BYTES, macAt));
      payload = decipher.update(frame.subarray(HEADER_BYTES + GCM_IV_BYTES, macAt - GCM_TAG_BYTES));
      decipher.final();
    } catch {
      return drop('decrypt-failed');
    }
  } else {
    payload = frame.subarray(HEADER_BYTES, macAt);
  }
  return {
    ok: true,
    header: {
      clusterId: ctx.clusterId,
      msgType: frame.readUInt16BE(6),
      senderNodeid,
      generation: frame.readUInt32BE(12),
      incarnation: frame.readUIntBE(16, 6),
      seq: frame.readUIntBE(22, 6),
    },
    payload,
  };
}

/** Width of the replay window: a frame up to this many sequence numbers late is still accepted once. */
export const REPLAY_WINDOW = 64;

interface SenderWindow {
  incarnation: number;
  highest: number;
  readonly seen: Float64Array;
}

/**
 * Per-sender replay protection (run after the MAC is verified). A sender's incarnation is the
 * time it started, so a restarted sender has a larger one and resets its window; frames of an
 * older incarnation are stale. Within an incarnation a 64-frame window accepts reordering and
 * drops duplicates. Memory is bounded by the number of configured nodes.
 */
export class ReplayGuard {
  private readonly windows = new Map<number, SenderWindow>();

  /** Returns undefined when the frame is fresh (and records it), else the drop reason. */
  check(senderNodeid: number, incarnation: number, seq: number): DropReason | undefined {
    let w = this.windows.get(senderNodeid);
    if (w === undefined || incarnation > w.incarnation) {
      if (w === undefined) {
        w = { incarnation, highest: 0, seen: new Float64Array(REPLAY_WINDOW) };
        this.windows.set(senderNodeid, w);
      }
      w.incarnation = incarnation;
      w.highest = 0;
      w.seen.fill(-1);
    } else if (incarnation < w.incarnation) {
      return 'stale-incarnation';
    }
    if (seq === 0) return 'replay';
    const slot = seq % REPLAY_WINDOW;
    if (seq > w.highest) {
      w.highest = seq;
      w.seen[slot] = seq;
      return undefined;
    }
    if (seq <= w.highest - REPLAY_WINDOW) return 'replay';
    if (w.seen[slot] === seq) return 'replay';
    w.seen[slot] = seq;
    return undefined;
  }

  /** The incarnation last accepted from a sender (undefined before its first frame). */
  incarnationOf(senderNodeid: number): number | undefined {
    return this.windows.get(senderNodeid)?.incarnation;
  }

  forget(senderNodeid: number): void {
    this.windows.delete(senderNodeid);
  }
}

/** Per-reason drop counters plus accepted/sent totals. */
export class TransportCounters {
  readonly dropped: Record<DropReason, number>;
  accepted = 0;
  sent = 0;
  sendErrors = 0;
  constructor() {
    const d = {} as Record<DropReason, number>;
    for (const r of DROP_REASONS) d[r] = 0;
    this.dropped = d;
  }
  drop(reason: DropReason): void {
    this.dropped[reason] += 1;
  }
  totalDropped(): number {
    let n = 0;
    for (const r of DROP_REASONS) n += this.dropped[r];
    return n;
  }
  snapshot(): TransportCountersSnapshot {
    return { accepted: this.accepted, sent: this.sent, sendErrors: this.sendErrors, dropped: { ...this.dropped } };
  }
}

export interface TransportCountersSnapshot {
  readonly accepted: number;
  readonly sent: number;
  readonly sendErrors: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
}
