// On-disk layout of the quorum disk (cman.md §3.1): a header block, then 16 status blocks, one
// per nodeid 1..16, each max(4096, sector size) bytes at header + (nodeid-1) * blockSize.
// Field set follows qdiskd; the byte encoding is our own (big endian, CRC-32 protected), see README.md.
// Pure encode/decode: a torn or foreign block decodes as undefined, never throws.

export const QDISK_BLOCK_BYTES = 4096;
export const QDISK_MAX_NODES = 16;
export const QDISK_TOTAL_BYTES = QDISK_BLOCK_BYTES * (1 + QDISK_MAX_NODES);
export const HEADER_MAGIC = 0x43535144; // 'CSQD'
export const STATUS_MAGIC = 0x43535342; // 'CSSB'
export const LAYOUT_VERSION = 1;
export const MAX_LABEL_BYTES = 127;
const MAX_HOST_BYTES = 127;

/** Disk states, with qdiskd's numbers. */
export enum DiskState { None = 0, Evict = 1, Init = 2, Run = 5, Master = 6, Exit = 7 }
/** Election messages, with qdiskd's numbers. */
export enum DiskMsg { None = 0, Bid = 1, Ack = 2, Nack = 3, Mask = 4 }

export const DISK_STATE_NAMES: Readonly<Record<number, string>> = {
  0: 'None', 1: 'Evicted', 2: 'Initializing', 5: 'Running', 6: 'Master', 7: 'Exiting',
};

export interface QdiskHeader {
  readonly label: string;
  readonly createdMs: number;
  readonly updateHost: string;
  readonly blockSize: number;
}

export interface StatusBlock {
  readonly nodeid: number;
  /** Who wrote the block: the owner, or the master when it writes an eviction notice. */
  readonly updateNode: number;
  readonly state: DiskState;
  /** Incremented by the owner on every write: an unchanged value is a missed cycle. */
  readonly writeSeq: number;
  readonly timestampMs: number;
  /** Random per daemon start: a change means the node restarted. */
  readonly incarnation: number;
  readonly score: number;
  readonly scoreMax: number;
  readonly msg: DiskMsg;
  readonly msgArg: number;
  readonly msgSeq: number;
  /** Bit (nodeid-1): nodes the writer sees online via the disk. */
  readonly mask: number;
  /** Master only: nodes granted quorum-disk membership. */
  readonly masterMask: number;
}

// --- CRC-32 (IEEE), for torn-write detection ----------------------------------------------
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function writeString(b: Buffer, at: number, max: number, s: string): void {
  const bytes = Buffer.from(s, 'utf8').subarray(0, max);
  b.writeUInt8(bytes.length, at);
  bytes.copy(b, at + 1);
}
function readString(b: Buffer, at: number, max: number): string | undefined {
  const len = b.readUInt8(at);
  if (len > max) return undefined;
  return b.toString('utf8', at + 1, at + 1 + len);
}

// Header: magic u32 | version u32 | blockSize u32 | createdMs f64 | label (len u8 + 127) | host (len u8 + 127) | crc u32
const H_LABEL = 20;
const H_HOST = H_LABEL + 1 + MAX_LABEL_BYTES;
const H_CRC = H_HOST + 1 + MAX_HOST_BYTES;

export function encodeHeader(h: QdiskHeader): Buffer {
  if (Buffer.byteLength(h.label) > MAX_LABEL_BYTES) throw new RangeError(`label longer than ${MAX_LABEL_BYTES} bytes`);
  const b = Buffer.alloc(QDISK_BLOCK_BYTES);
  b.writeUInt32BE(HEADER_MAGIC, 0);
  b.writeUInt32BE(LAYOUT_VERSION, 4);
  b.writeUInt32BE(h.blockSize, 8);
  b.writeDoubleBE(h.createdMs, 12);
  writeString(b, H_LABEL, MAX_LABEL_BYTES, h.label);
  writeString(b, H_HOST, MAX_HOST_BYTES, h.updateHost);
  b.writeUInt32BE(crc32(b, 0, H_CRC), H_CRC);
  return b;
}

export function decodeHeader(b: Buffer): QdiskHeader | undefined {
  if (b.length < QDISK_BLOCK_BYTES) return undefined;
  if (b.readUInt32BE(0) !== HEADER_MAGIC || b.readUInt32BE(4) !== LAYOUT_VERSION) return undefined;
  if (b.readUInt32BE(H_CRC) !== crc32(b, 0, H_CRC)) return undefined;
  const label = readString(b, H_LABEL, MAX_LABEL_BYTES);
  const updateHost = readString(b, H_HOST, MAX_HOST_BYTES);
  if (label === undefined || updateHost === undefined) return undefined;
  return { label, updateHost, createdMs: b.readDoubleBE(12), blockSize: b.readUInt32BE(8) };
}

// Status block: magic u32 | nodeid u32 | updateNode u32 | state u8 | msg u8 | score u16 | scoreMax u16 |
// pad u16 | writeSeq u32 | timestampMs f64 | incarnation u32 | msgArg u32 | msgSeq u32 | mask u32 | masterMask u32 | crc u32
const S_CRC = 56;
export const STATUS_BYTES = S_CRC + 4;

export function encodeStatus(s: StatusBlock, into?: Buffer): Buffer {
  const b = into ?? Buffer.alloc(QDISK_BLOCK_BYTES);
  b.fill(0, 0, STATUS_BYTES);
  b.writeUInt32BE(STATUS_MAGIC, 0);
  b.writeUInt32BE(s.nodeid, 4);
  b.writeUInt32BE(s.updateNode, 8);
  b.writeUInt8(s.state, 12);
  b.writeUInt8(s.msg, 13);
  b.writeUInt16BE(s.score & 0xffff, 14);
  b.writeUInt16BE(s.scoreMax & 0xffff, 16);
  b.writeUInt32BE(s.writeSeq >>> 0, 20);
  b.writeDoubleBE(s.timestampMs, 24);
  b.writeUInt32BE(s.incarnation >>> 0, 32);
  b.writeUInt32BE(s.msgArg >>> 0, 36);
  b.writeUInt32BE(s.msgSeq >>> 0, 40);
  b.writeUInt32BE(s.mask >>> 0, 44);
  b.writeUInt32BE(s.masterMask >>> 0, 48);
  b.writeUInt32BE(crc32(b, 0, S_CRC), S_CRC);
  return b;
}

const STATES = new Set([0, 1, 2, 5, 6, 7]);

/** A block never written (all zero), torn, or of another layout decodes as undefined. */
export function decodeStatus(b: Buffer, expectedNodeid: number): StatusBlock | undefined {
  if (b.length < STATUS_BYTES) return undefined;
  if (b.readUInt32BE(0) !== STATUS_MAGIC) return undefined;
  if (b.readUInt32BE(S_CRC) !== crc32(b, 0, S_CRC)) return undefined;
  const nodeid = b.readUInt32BE(4);
  const state = b.readUInt8(12);
  const msg = b.readUInt8(13);
  if (nodeid !== expectedNodeid || !STATES.has(state) || msg > 4) return undefined;
  return {
    nodeid, updateNode: b.readUInt32BE(8), state: state as DiskState, msg: msg as DiskMsg,
    score: b.readUInt16BE(14), scoreMax: b.readUInt16BE(16), writeSeq: b.readUInt32BE(20),
    timestampMs: b.readDoubleBE(24), incarnation: b.readUInt32BE(32), msgArg: b.readUInt32BE(36),
    msgSeq: b.readUInt32BE(40), mask: b.readUInt32BE(44), masterMask: b.readUInt32BE(48),
  };
}

/** Byte offset of a node's status block. */
export function statusOffset(nodeid: number, blockSize = QDISK_BLOCK_BYTES): number {
  if (!Number.isInteger(nodeid) || nodeid < 1 || nodeid > QDISK_MAX_NODES) throw new RangeError(`qdisk nodeid ${nodeid} not in 1..16`);
  return blockSize * nodeid;
}

export const bit = (nodeid: number): number => (1 << (nodeid - 1)) >>> 0;
export function maskToIds(mask: number): number[] {
  const ids: number[] = [];
  for (let n = 1; n <= QDISK_MAX_NODES; n++) if ((mask & bit(n)) !== 0) ids.push(n);
  return ids;
}
