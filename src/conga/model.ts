// What the page is sent: one snapshot of the cluster as this node sees it, and the incidents
// derived from successive snapshots. Shared by the server and the page (type-only for the page).

export interface MemberRow {
  readonly name: string;
  readonly nodeid: number;
  readonly online: boolean;
  /** The node serving this page. */
  readonly local: boolean;
  readonly votes: number;
  /** ms since the epoch the node joined, when online. */
  readonly joinedMs: number | null;
  /** Fencing state when rgmanager/fenced report one ('clean', 'needed', 'fencing', 'failed'). */
  readonly fence: string | null;
}

export interface ServiceRow {
  /** `service:web`, `vm:g1`. */
  readonly id: string;
  readonly state: string;
  readonly owner: string | null;
  readonly lastOwner: string | null;
  readonly frozen: boolean;
  readonly partial: boolean;
  readonly restarts: number;
  /** ms since the epoch of the last state change; 0 = never. */
  readonly lastTransitionMs: number;
  readonly pending: string | null;
}

export interface FenceHistoryRow {
  readonly victim: string;
  readonly method: string | null;
  readonly device: string | null;
  readonly result: string;
  readonly startedMs: number;
  readonly durationMs: number | null;
  readonly by: string | null;
  /** The agent's one-line result, or who ran it (fence_node on X). */
  readonly message: string;
}

export interface ClusterSnapshot {
  /** The node that made this snapshot. */
  readonly servedBy: string;
  readonly timeMs: number;
  readonly clusterName: string;
  readonly configVersion: number;
  readonly generation: number;
  readonly quorum: {
    readonly quorate: boolean;
    readonly totalVotes: number;
    readonly expectedVotes: number;
    readonly quorum: number;
    /** Quorum-disk votes while it counts; null when there is no qdisk or it does not count. */
    readonly qdiskVotes: number | null;
    readonly qdiskConfigured: boolean;
  };
  readonly members: readonly MemberRow[];
  /** null when the daemon has no service manager (yet). */
  readonly services: readonly ServiceRow[] | null;
  /** null when the daemon keeps no fence history. */
  readonly fenceHistory: readonly FenceHistoryRow[] | null;
  /** Which optional parts of the daemon API this node has (the page hides what is missing). */
  readonly features: { readonly services: boolean; readonly fencing: boolean; readonly propagate: boolean };
}

export type IncidentPhaseName = 'node lost' | 'fencing' | 'fenced' | 'service recovered' | 'service stopped' | 'node back';

export interface IncidentPhase {
  readonly name: IncidentPhaseName;
  readonly subject: string;
  readonly atMs: number;
  /** ms since the incident began. */
  readonly sinceStartMs: number;
  readonly detail: string;
}

export interface Incident {
  readonly id: number;
  readonly node: string;
  readonly startedMs: number;
  readonly phases: readonly IncidentPhase[];
  /** Loss → last service recovered (or fenced when it owned nothing); null while open. */
  readonly totalMs: number | null;
  readonly open: boolean;
  /** Services owned by the node when it was lost. */
  readonly affected: readonly string[];
}
