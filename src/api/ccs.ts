// Request kinds of config propagation (cman_tool version -r, ccs_tool update/history/rollback):
// served by src/cman/config-sync on the node the command runs on.

/** How one member answered the prepare of a new config. */
export interface CcsNodeResult {
  readonly name: string;
  readonly nodeid: number;
  /** Validated and staged it (and activated it when `activated`). */
  readonly ok: boolean;
  /** Left the cluster during the update: not counted against it; it takes the new config when it rejoins. */
  readonly left?: boolean;
  /** Why not (parse errors with file:line, version, no answer...). */
  readonly error?: string;
}

export interface CcsUpdateResult {
  readonly dryRun: boolean;
  readonly fromVersion: number;
  readonly toVersion: number;
  /** What changes: nodes, votes and quorum, fencing, per service resources (human lines). */
  readonly changes: readonly string[];
  /** True when every member prepared it and the activation committed. */
  readonly activated: boolean;
  readonly nodes: readonly CcsNodeResult[];
  readonly message: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface CcsHistoryEntry {
  readonly version: number;
  readonly sha256: string;
  readonly bytes: number;
  /** When this node saved it (ms since the epoch). */
  readonly savedMs: number;
  readonly running: boolean;
}

export interface CcsHistory {
  readonly runningVersion: number;
  readonly clusterVersion: number | null;
  readonly entries: readonly CcsHistoryEntry[];
  readonly directory: string;
}

declare module './protocol.js' {
  interface ApiRequests {
    /** Propagate a cluster.conf (absolute path on the daemon's machine); dryRun only reports. */
    /** `file` omitted: the cluster.conf the daemon runs from (cman_tool version -r); `expectVersion`: RHEL5 `-r N`. */
    'ccs.update': { params: { file?: string; dryRun?: boolean; expectVersion?: number }; result: CcsUpdateResult };
    'ccs.history': { params: Record<string, never>; result: CcsHistory };
    /** Propagate a kept version's content under a new version (running + 1). */
    'ccs.rollback': { params: { version: number; dryRun?: boolean }; result: CcsUpdateResult };
  }
}
