// Fence device status per node (`fence_node -S` through this node's fenced): read-only, so any
// viewer may ask, but agents run against real devices: each node's answer is kept for
// FENCE_STATUS_TTL_MS and at most one check per node is in flight, however many pages ask.
import type { DaemonLink } from './link.js';

export const FENCE_STATUS_TTL_MS = 10_000;
const FENCE_STATUS_TIMEOUT_MS = 60_000;

export interface FenceNodeStatus {
  readonly node: string;
  /** success = every device answered; failed; undefined = no fence method. */
  readonly outcome: 'success' | 'failed' | 'undefined' | 'error';
  readonly power: 'on' | 'off' | null;
  readonly devices: readonly { readonly method: number; readonly device: string; readonly agent: string; readonly ok: boolean; readonly result: string }[];
  readonly atMs: number;
  readonly error: string | null;
}

export class FenceStatusCache {
  private readonly cache = new Map<string, { atMs: number; value: Promise<FenceNodeStatus> }>();

  constructor(private readonly link: DaemonLink, private readonly nowMs: () => number = Date.now) {}

  /** Status of each node (cached answers younger than the TTL are reused). */
  async all(nodes: readonly string[]): Promise<FenceNodeStatus[]> {
    for (const k of [...this.cache.keys()]) if (!nodes.includes(k)) this.cache.delete(k);
    return Promise.all(nodes.map((n) => this.one(n)));
  }

  private one(node: string): Promise<FenceNodeStatus> {
    const now = this.nowMs();
    const hit = this.cache.get(node);
    if (hit !== undefined && now - hit.atMs < FENCE_STATUS_TTL_MS) return hit.value;
    const value = this.link.request('fence.node', { node, mode: 'status' }, FENCE_STATUS_TIMEOUT_MS).then(
      (r): FenceNodeStatus => ({
        node, outcome: r.outcome, power: r.power, atMs: this.nowMs(), error: null,
        devices: r.runs.map((x) => ({ method: x.method, device: x.deviceName, agent: x.agent, ok: x.ok, result: (x.ok ? x.result : x.message || x.result).slice(0, 200) })),
      }),
      (err: Error): FenceNodeStatus => ({ node, outcome: 'error', power: null, devices: [], atMs: this.nowMs(), error: err.message.slice(0, 200) }));
    // The entry counts from when the check ends (a slow device is not asked again at once).
    this.cache.set(node, { atMs: now, value });
    void value.then((v) => { if (this.cache.get(node)?.value === value) this.cache.set(node, { atMs: v.atMs, value }); });
    return value;
  }
}
