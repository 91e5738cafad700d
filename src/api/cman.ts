// cman's requests, replies and events on the daemon socket (libcman's role).
import './protocol.js';

export type MembershipState = 'Joining' | 'Cluster-Member' | 'Not-in-Cluster' | 'Leaving';
export type NodeState = 'Joining' | 'Member' | 'Dead' | 'Leaving' | 'Disallowed';
export type StatusFlag = '2node' | 'Shutdown' | 'Error' | 'DisallowedNodes' | 'DisallowedEnabled' | 'HaveState';

/** Everything `cman_tool status` prints (cman.md §2.1), as seen by the local node. */
export interface CmanStatus {
  /** cman protocol version, "6.2.0" (RHEL6). */
  readonly version: string;
  readonly configVersion: number;
  readonly clusterName: string;
  readonly clusterId: number;
  /** Membership generation ("Cluster Generation", the ring sequence). */
  readonly generation: number;
  readonly membershipState: MembershipState;
  /** Count of members (the qdisk is not counted). */
  readonly nodes: number;
  readonly expectedVotes: number;
  /** Set only while the quorum device is a member (polled recently). */
  readonly quorumDeviceVotes: number | undefined;
  readonly totalVotes: number;
  readonly nodeVotes: number;
  readonly quorum: number;
  readonly quorate: boolean;
  readonly activeSubsystems: number;
  readonly flags: readonly StatusFlag[];
  readonly portsBound: readonly number[];
  readonly nodeName: string;
  readonly nodeId: number;
  readonly multicastAddresses: readonly string[];
  readonly nodeAddresses: readonly string[];
  readonly disallowedNodes: readonly string[];
}

/** One row of `cman_tool nodes` (cman.md §2.2). */
export interface CmanNodeRow {
  readonly nodeid: number;
  readonly name: string;
  /** 'M' member, 'X' not a member, 'd' disallowed. */
  readonly sts: 'M' | 'X' | 'd';
  readonly state: NodeState;
  /** Generation at which the node last joined (kept after it dies). */
  readonly incarnation: number;
  /** When it joined (ms since the epoch), undefined when it never joined. */
  readonly joinedMs: number | undefined;
  readonly votes: number;
  readonly expectedVotes: number;
  readonly addresses: readonly string[];
}

export interface CmanNodes {
  readonly nodes: readonly CmanNodeRow[];
  readonly disallowedCount: number;
}

export interface LoopDelayStats {
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface QdiskDiag {
  readonly device: string;
  readonly state: string;
  readonly score: number;
  readonly scoreMax: number;
  readonly scoreRequired: number;
  readonly masterNodeid: number | undefined;
  readonly visibleSet: readonly number[];
  readonly quorateSet: readonly number[];
  readonly polled: boolean;
  readonly votes: number;
  readonly cycles: number;
  readonly ioErrors: number;
}

/** Daemon health: event-loop delay, transport counters, resources (not in RHCS; `cman_tool diag`). */
export interface CmanDiag {
  readonly pid: number;
  readonly uptimeS: number;
  readonly rssBytes: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly tokenTimeoutMs: number;
  readonly loopDelay: LoopDelayStats;
  readonly transport: {
    readonly accepted: number;
    readonly sent: number;
    readonly sendErrors: number;
    readonly dropped: Readonly<Record<string, number>>;
  };
  readonly qdisk: QdiskDiag | undefined;
  /** The replicated log as this node sees it (the leader is the coordinator of fenced and rgmanager). */
  readonly membership: {
    readonly role: string;
    readonly term: number;
    readonly leaderNodeid: number | null;
    readonly commitIndex: number;
    readonly lastIndex: number;
  };
}

export interface QuorumEvent {
  readonly quorate: boolean;
  readonly quorum: number;
  readonly totalVotes: number;
  readonly generation: number;
}

declare module './protocol.js' {
  interface ApiRequests {
    'cman.status': { params: Record<string, never>; result: CmanStatus };
    'cman.nodes': { params: Record<string, never>; result: CmanNodes };
    'cman.diag': { params: Record<string, never>; result: CmanDiag };
    /** `cman_tool expected -e N`: EINVAL when the new quorum is out of range. */
    'cman.setExpected': { params: { expectedVotes: number }; result: { expectedVotes: number } };
    /** `cman_tool votes -v N [-n node]`. */
    'cman.setVotes': { params: { votes: number; nodeName?: string }; result: { nodeid: number; votes: number } };
    /** `cman_tool leave [remove] [force]`; the daemon exits after replying. */
    'cman.leave': { params: { remove: boolean; force: boolean }; result: { leaving: true } };
    /** `cman_tool kill -n node`. */
    'cman.kill': { params: { nodeName: string }; result: { nodeid: number } };
  }
  interface ApiEvents {
    /** Sent on every view change (members, generation, votes). */
    'cman.membership': CmanStatus;
    /** Sent when quorum is gained or lost. */
    'cman.quorum': QuorumEvent;
  }
}
