// The cluster snapshot the page shows, assembled from the daemon's answers, refreshed on every
// daemon event (coalesced: one refresh in flight, one more queued) and on a slow timer.
import type { ClusterSnapshot, MemberRow } from './model.js';
import type { DaemonLink } from './link.js';
import { IncidentTracker } from './timeline.js';
import { rgSnapshotPart } from './rg.js';

/** Refresh at least this often (time-in-state and fence retries show without events). */
const SLOW_REFRESH_MS = 5000;

export class SnapshotSource {
  private current: ClusterSnapshot | undefined;
  private inFlight: Promise<void> | undefined;
  private again = false;
  private readonly listeners = new Set<(s: ClusterSnapshot) => void>();
  private timer: NodeJS.Timeout | undefined;
  readonly incidents = new IncidentTracker();
  private lastError = '';

  /** `watched()` says whether anyone has the page open (the slow refresh runs only then). */
  constructor(private readonly link: DaemonLink, private readonly nodeName: string, private readonly qdiskConfigured: boolean,
    private readonly watched: () => boolean = () => true) {}

  start(): void {
    this.link.onEvent(() => this.refresh());
    this.timer = setInterval(() => { if (this.watched()) this.refresh(); }, SLOW_REFRESH_MS);
    this.timer.unref();
    this.refresh();
  }

  stop(): void { if (this.timer !== undefined) clearInterval(this.timer); }

  onSnapshot(fn: (s: ClusterSnapshot) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  latest(): ClusterSnapshot | undefined { return this.current; }
  error(): string { return this.lastError; }

  /** A fresh snapshot (waits for the refresh in flight, or makes one). */
  async fresh(): Promise<ClusterSnapshot> {
    this.refresh();
    while (this.inFlight !== undefined) await this.inFlight;
    if (this.current === undefined) throw new Error(this.lastError || 'no snapshot yet');
    return this.current;
  }

  refresh(): void {
    if (this.inFlight !== undefined) { this.again = true; return; }
    this.inFlight = this.build().then((s) => {
      this.current = s;
      this.lastError = '';
      this.incidents.observe(s);
      for (const l of this.listeners) l(s);
    }, (err: Error) => { this.lastError = err.message; }).finally(() => {
      this.inFlight = undefined;
      if (this.again) { this.again = false; this.refresh(); }
    });
  }

  private async build(): Promise<ClusterSnapshot> {
    const timeMs = Date.now();
    const [status, nodes] = await Promise.all([this.link.request('cman.status', {}), this.link.request('cman.nodes', {})]);
    const rg = await rgSnapshotPart(this.link);
    const members: MemberRow[] = nodes.nodes.filter((n) => n.nodeid !== 0).map((n) => ({
      name: n.name, nodeid: n.nodeid, online: n.sts === 'M', local: n.nodeid === status.nodeId, votes: n.votes,
      joinedMs: n.joinedMs ?? null, fence: rg.fenceState.get(n.name) ?? null,
    }));
    return {
      servedBy: this.nodeName, timeMs, clusterName: status.clusterName, configVersion: status.configVersion, generation: status.generation,
      quorum: {
        quorate: status.quorate, totalVotes: status.totalVotes, expectedVotes: status.expectedVotes, quorum: status.quorum,
        qdiskVotes: status.quorumDeviceVotes ?? null, qdiskConfigured: this.qdiskConfigured,
      },
      members,
      services: rg.services,
      fenceHistory: rg.fenceHistory,
      features: { services: rg.services !== null, fencing: rg.fenceHistory !== null, propagate: rg.propagate },
    };
  }
}
