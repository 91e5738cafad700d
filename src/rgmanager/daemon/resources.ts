// `rg.resources`: a service's resources with their last status check, answered by the owner's
// executor. A node that does not own the service asks the owner in an authenticated cluster frame
// (type RESOURCES_FRAME_TYPE), re-asked every 500 ms until an answer or 3 s.
import { ApiError } from '../../api/index.js';
import type { RgResources, RgResourceStatus } from '../../api/rgmanager.js';
import { ocfText, type ResourceStatusReport } from '../executor.js';

/** cman application frame type of these queries (config sync uses 64). */
export const RESOURCES_FRAME_TYPE = 65;
const ASK_EVERY_MS = 500;
const ANSWER_TIMEOUT_MS = 3000;
const MAX_PENDING = 64;
/** Rows per answer (the tree is walked in start order). */
export const MAX_RESOURCE_ROWS = 256;

/** The part of cman these queries need. */
export interface FramePort {
  onAppFrame(msgType: number, fn: (from: number, payload: Buffer) => void): void;
  sendAppFrame(to: number, msgType: number, payload: Uint8Array): boolean;
  readonly maxAppPayloadBytes: number;
}

type Ask = { t: 'ask'; id: number; svc: string };
type Answer = { t: 'ans'; id: number; r: RgResources | null; err?: string };

export function toResourceStatus(rows: readonly ResourceStatusReport[]): RgResourceStatus[] {
  return rows.map((r) => ({
    path: r.path, id: r.id, disabled: r.disabled, failures: r.failures,
    last: r.last === null ? null : { ...r.last, op: r.last.op, rcText: ocfText(r.last.rc) },
  }));
}

/** Encode an answer that fits one frame: rows are dropped from the end (truncated) until it does. */
export function encodeAnswer(a: Answer, maxBytes: number): Buffer {
  let r = a.r;
  for (;;) {
    const b = Buffer.from(JSON.stringify({ ...a, r }));
    if (b.length <= maxBytes || r === null || r.resources.length === 0) return b;
    r = { ...r, resources: r.resources.slice(0, Math.floor(r.resources.length * 0.75)), truncated: true };
  }
}

function decode(payload: Buffer): Ask | Answer {
  const m = JSON.parse(payload.toString('utf8')) as unknown;
  if (typeof m !== 'object' || m === null) throw new Error('not an object');
  const o = m as Record<string, unknown>;
  if (typeof o['id'] !== 'number') throw new Error('no id');
  if (o['t'] === 'ask' && typeof o['svc'] === 'string') return o as unknown as Ask;
  if (o['t'] === 'ans' && (o['r'] === null || (typeof o['r'] === 'object' && Array.isArray((o['r'] as Record<string, unknown>)['resources'])))) return o as unknown as Answer;
  throw new Error('unknown resources frame');
}

export class ResourceQueries {
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (a: Answer) => void }>();

  /** `local(svc)`: this node's answer (null when it does not run it). */
  constructor(private readonly frames: FramePort | undefined, private readonly local: (svc: string) => RgResources | null) {
    frames?.onAppFrame(RESOURCES_FRAME_TYPE, (from, payload) => this.onFrame(from, payload));
  }

  private onFrame(from: number, payload: Buffer): void {
    const m = decode(payload); // a malformed frame throws: dropped and counted by the transport
    if (m.t === 'ask') {
      const a: Answer = { t: 'ans', id: m.id, r: this.local(m.svc) };
      this.frames!.sendAppFrame(from, RESOURCES_FRAME_TYPE, encodeAnswer(a, this.frames!.maxAppPayloadBytes));
      return;
    }
    this.pending.get(m.id)?.resolve(m);
  }

  /** Ask node `nodeid` (the owner). */
  async ask(nodeid: number, svc: string, ownerName: string): Promise<RgResources | null> {
    if (this.frames === undefined) throw new ApiError('ENOSYS', 'this daemon cannot ask other nodes');
    if (this.pending.size >= MAX_PENDING) throw new ApiError('EAGAIN', 'too many resource queries in progress');
    const id = ++this.seq;
    const msg = Buffer.from(JSON.stringify({ t: 'ask', id, svc } satisfies Ask));
    const frames = this.frames;
    try {
      return await new Promise<RgResources | null>((resolve, reject) => {
        const send = () => frames.sendAppFrame(nodeid, RESOURCES_FRAME_TYPE, msg);
        const again = setInterval(send, ASK_EVERY_MS);
        const timer = setTimeout(() => {
          clearInterval(again);
          reject(new ApiError('ETIMEDOUT', `${ownerName} did not answer within ${ANSWER_TIMEOUT_MS} ms`));
        }, ANSWER_TIMEOUT_MS);
        this.pending.set(id, { resolve: (a) => { clearInterval(again); clearTimeout(timer); resolve(a.r); } });
        send();
      });
    } finally {
      this.pending.delete(id);
    }
  }
}
