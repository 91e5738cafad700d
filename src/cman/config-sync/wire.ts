// Config bytes between nodes: pull-based chunk transfer in authenticated transport frames of
// their own type (the membership log keeps values under 1 KiB; a cluster.conf may be 4 MiB).
//   get  {t:'get', sha, off}          receiver -> holder
//   data {t:'dat', sha, off, total} + raw bytes  holder -> receiver
//   none {t:'none', sha}              holder does not have it
//   vote {t:'vote', id, ok, error?}   member -> initiator: its answer to prepare `id`
//   vq   {t:'vq', id}                 initiator -> member: "your answer to `id`, please" (retransmission)
// Frame payload: u16 length of the JSON header, the header, then the raw chunk bytes.

export const CONFIG_FRAME_TYPE = 64;
/** Bytes of config per frame (well under the transport's ~64 KiB payload). */
export const CHUNK_BYTES = 32 * 1024;
const MAX_HEADER_BYTES = 2048;
const MAX_VOTE_ERROR_CHARS = 1000;

export type ChunkMessage =
  | { readonly t: 'get'; readonly sha: string; readonly off: number }
  | { readonly t: 'dat'; readonly sha: string; readonly off: number; readonly total: number; readonly data: Buffer }
  | { readonly t: 'none'; readonly sha: string }
  | { readonly t: 'vote'; readonly id: string; readonly ok: boolean; readonly error?: string }
  | { readonly t: 'vq'; readonly id: string };

export function encodeChunkMessage(m: ChunkMessage): Buffer {
  const { data, ...head } = m as ChunkMessage & { data?: Buffer };
  const h = Buffer.from(JSON.stringify(head));
  const out = Buffer.alloc(2 + h.length + (data?.length ?? 0));
  out.writeUInt16BE(h.length, 0);
  h.copy(out, 2);
  if (data !== undefined) data.copy(out, 2 + h.length);
  return out;
}

const isSha = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
const isOff = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 64 * 1024 * 1024;

/** Validates every field; undefined for anything malformed. */
export function decodeChunkMessage(b: Buffer): ChunkMessage | undefined {
  if (b.length < 2) return undefined;
  const hl = b.readUInt16BE(0);
  if (hl > MAX_HEADER_BYTES || 2 + hl > b.length) return undefined;
  let h: unknown;
  try { h = JSON.parse(b.subarray(2, 2 + hl).toString('utf8')); } catch { return undefined; }
  if (typeof h !== 'object' || h === null) return undefined;
  const o = h as Record<string, unknown>;
  const id = o['id'];
  if ((o['t'] === 'vote' || o['t'] === 'vq') && typeof id === 'string' && /^[0-9a-z-]{1,64}$/.test(id)) {
    if (o['t'] === 'vq') return { t: 'vq', id };
    const err = o['error'];
    if (typeof o['ok'] !== 'boolean' || (err !== undefined && (typeof err !== 'string' || err.length > MAX_VOTE_ERROR_CHARS))) return undefined;
    return err === undefined ? { t: 'vote', id, ok: o['ok'] } : { t: 'vote', id, ok: o['ok'], error: err };
  }
  if (!isSha(o['sha'])) return undefined;
  if (o['t'] === 'get' && isOff(o['off'])) return { t: 'get', sha: o['sha'], off: o['off'] };
  if (o['t'] === 'none') return { t: 'none', sha: o['sha'] };
  if (o['t'] === 'dat' && isOff(o['off']) && isOff(o['total'])) {
    const data = Buffer.from(b.subarray(2 + hl));
    if (data.length > CHUNK_BYTES || o['off'] + data.length > o['total']) return undefined;
    return { t: 'dat', sha: o['sha'], off: o['off'], total: o['total'], data };
  }
  return undefined;
}
