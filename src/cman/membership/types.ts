// Public interface of the membership core (src/cman/membership/).
//
// The core is a deterministic state machine: the daemon (clusterd, branch cman-node) creates one
// with createMembership(config) and then calls core.step(input, nowMs) for every clock tick,
// every received message and every local command; step() returns the outputs to carry out
// (messages to send, views, committed log entries, "must exit"). No timers, sockets, Date.now()
// or randomness inside: the same inputs at the same nowMs give the same outputs.
//
// Wire: messages are plain JSON-able objects (discriminated union `Message` on `t`).
// encodeMessage/decodeMessage (codec.ts) turn them into bytes; decodeMessage validates every field
// and returns {ok:false} for malformed input, never throws. The transport adds authentication,
// cluster id and the sender nodeid (the core trusts `from` as given by the transport).
//
// See src/cman/README.md for the algorithm and the safety argument.

export type NodeId = number;

/** One `<clusternode>` as the core needs it. */
export interface NodeSpec {
  readonly nodeid: NodeId;
  readonly name: string;
  /** `votes=` (default 1). */
  readonly votes: number;
}

export interface MembershipLimits {
  /** Entries kept after the last snapshot before compacting (the log is bounded by about twice this). */
  readonly maxLogEntries: number;
  /** Entries per append message. */
  readonly maxBatchEntries: number;
  /** Key/value pairs per snapshot chunk. */
  readonly maxSnapshotChunkEntries: number;
  /** Application commands waiting at the leader (not yet in the log) and pending local proposals. */
  readonly maxPendingProposals: number;
  /** Keys in the replicated key/value state. */
  readonly maxKeys: number;
  /** Bytes of a key (UTF-16 code units). */
  readonly maxKeyLength: number;
  /** JSON length of one value. */
  readonly maxValueJsonLength: number;
  /** Outputs of one step before the core refuses to queue more (asserted). */
  readonly maxOutputsPerStep: number;
}

export const DEFAULT_LIMITS: MembershipLimits = Object.freeze({
  maxLogEntries: 256,
  maxBatchEntries: 32,
  maxSnapshotChunkEntries: 24,
  maxPendingProposals: 256,
  maxKeys: 10_000,
  maxKeyLength: 200,
  maxValueJsonLength: 1024,
  maxOutputsPerStep: 10_000,
});

export interface MembershipConfig {
  /** This node's id (`<clusternode nodeid>`). */
  readonly nodeId: NodeId;
  /**
   * This process's incarnation: strictly greater than that of any earlier run of this node
   * (the daemon uses Date.now() at start). A restarted node is a new member (cman's "dirty" rule).
   */
  readonly incarnation: number;
  /** Every `<clusternode>` in cluster.conf. Messages from other nodeids are dropped. */
  readonly nodes: readonly NodeSpec[];
  /** Effective expected votes at start (ClusterConfig.cman.expectedVotes). */
  readonly expectedVotes: number;
  readonly twoNode: boolean;
  /** Votes of the quorum disk (`<quorumd votes>`), 0 without one. */
  readonly qdiskVotes: number;
  /** `<totem token>`: a node not heard from for this long is suspected and removed. */
  readonly tokenMs: number;
  /** `<totem consensus>`: bounds the randomised election delay after a leader is lost. */
  readonly consensusMs: number;
  /** cman: in two_node mode the higher nodeid waits this long before killing a stateful rejoiner. Default 5000. */
  readonly twoNodeKillDelayMs?: number;
  readonly limits?: Partial<MembershipLimits>;
}

// ---------------------------------------------------------------------------------------------
// Replicated application state: a key/value map changed by committed commands. Each key carries
// the log index of its last write (its version), which `cas` compares: a decision about a service
// is applied only if the state is still the one the deciding coordinator saw (safety 5).

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type AppCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: JsonValue }
  | { readonly op: 'delete'; readonly key: string }
  /** Write only if the key's version (index of its last write, 0 = absent) equals ifVersion. */
  | { readonly op: 'cas'; readonly key: string; readonly ifVersion: number; readonly value: JsonValue | undefined };

export interface KvEntry {
  readonly key: string;
  readonly value: JsonValue;
  /** Log index of the last write. */
  readonly version: number;
}

// ---------------------------------------------------------------------------------------------
// Views

export interface ViewMember {
  readonly nodeid: NodeId;
  readonly incarnation: number;
  readonly votes: number;
  /** expected_votes this member advertised when it joined (cman: the highest among members counts). */
  readonly expectedVotes: number;
}

export type LeaveReason =
  | 'left'        // cman_tool leave
  | 'removed'     // cman_tool leave remove (expected votes lowered)
  | 'killed'      // cman_tool kill
  | 'failed'      // not heard from for token ms
  | 'restarted'   // came back with a new incarnation (the old one is gone)
  | 'rejoined';   // came back with state after removal: killed (dirty rule)

/** What every node reports: the latest committed view and whether this node is quorate now. */
export interface ViewInfo {
  /** Identity of this cluster history (set when the cluster formed from scratch), '' before any view. */
  readonly history: string;
  /** Cluster generation: increases with every membership change (steps of 4, like cman's ring seq). */
  readonly generation: number;
  readonly members: readonly ViewMember[];
  /** Leader (coordinator) known to this node, or null. */
  readonly leader: NodeId | null;
  readonly term: number;
  /** Quorate now: this node is a member and holds a current quorum lease (see README). */
  readonly quorate: boolean;
  /** cman's Q of this view. */
  readonly quorum: number;
  /** cman's E: forced value or the highest expected_votes among members. */
  readonly expectedVotes: number;
  /** cman's T seen by this node: member votes + qdisk votes if this node has the qdisk. */
  readonly totalVotes: number;
  /** Qdisk votes counted in totalVotes (0 or config.qdiskVotes). */
  readonly qdiskVotes: number;
  /** Log index of the entry that established this view (0 before any). */
  readonly index: number;
}

// ---------------------------------------------------------------------------------------------
// Inputs

export type Input =
  /** Clock tick: at nextDeadlineMs() (or at any fixed rate of at least every tokenMs/10). */
  | { readonly kind: 'tick' }
  /** A message from `from` (a nodeid the transport authenticated). */
  | { readonly kind: 'message'; readonly from: NodeId; readonly message: Message }
  /** This node's qdiskd sees the qdisk master in its partition (votes on) or not (off). */
  | { readonly kind: 'qdisk'; readonly available: boolean }
  | { readonly kind: 'command'; readonly reqId: number; readonly command: LocalCommand };

export type LocalCommand =
  /** `cman_tool leave [remove]`: leave cleanly; then the core outputs `exit` with reason 'left'. */
  | { readonly op: 'leave'; readonly remove: boolean }
  /** `cman_tool kill -n NODE`. */
  | { readonly op: 'kill'; readonly nodeid: NodeId }
  /** `cman_tool expected -e N`. */
  | { readonly op: 'setExpectedVotes'; readonly expectedVotes: number }
  /** `cman_tool votes -v N [-n NODE]`. */
  | { readonly op: 'setVotes'; readonly nodeid: NodeId; readonly votes: number }
  /** Append an application command to the replicated log. */
  | { readonly op: 'propose'; readonly command: AppCommand };

// ---------------------------------------------------------------------------------------------
// Outputs

export type Output =
  | { readonly kind: 'send'; readonly to: NodeId; readonly message: Message }
  /** Send to every other configured node. */
  | { readonly kind: 'broadcast'; readonly message: Message }
  /** The committed view or this node's quorate flag changed. */
  | { readonly kind: 'view'; readonly view: ViewInfo }
  | { readonly kind: 'leader'; readonly leader: NodeId | null; readonly term: number }
  /** A node (incarnation) left the committed view. */
  | { readonly kind: 'nodeLeft'; readonly nodeid: NodeId; readonly incarnation: number; readonly reason: LeaveReason; readonly generation: number }
  | { readonly kind: 'nodeJoined'; readonly nodeid: NodeId; readonly incarnation: number; readonly generation: number }
  /** Application commands, in log order, exactly once each on every member. */
  | { readonly kind: 'committed'; readonly index: number; readonly origin: RequestOrigin;
      /** The daemon's reqId when this node proposed the command (and still waited for it), else null. */
      readonly reqId: number | null;
      readonly command: AppCommand;
      /** False for a `cas` whose ifVersion did not match (the state is unchanged). */
      readonly applied: boolean }
  /** This node's key/value state was replaced by a snapshot (it lagged or just joined). */
  | { readonly kind: 'snapshotInstalled'; readonly index: number; readonly entries: readonly KvEntry[] }
  /** Result of a LocalCommand given with reqId (after commit, or refused). */
  | { readonly kind: 'commandResult'; readonly reqId: number; readonly ok: boolean; readonly error?: string }
  /**
   * The daemon must stop cman on this node (log `message`, exit). reason: 'left' after a clean
   * leave; 'killed' by cman_tool kill; 'rejoin' = came back with state after being removed.
   */
  | { readonly kind: 'exit'; readonly reason: 'left' | 'killed' | 'rejoin'; readonly by: NodeId | null; readonly message: string };

export interface MembershipStats {
  readonly role: 'fresh' | 'follower' | 'candidate' | 'leader' | 'stopped';
  readonly term: number;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly logEntries: number;
  readonly droppedMessages: number;
  readonly rejectedProposals: number;
}

export interface MembershipCore {
  step(input: Input, nowMs: number): Output[];
  /**
   * When the core next needs a tick (ms on the step clock; +Infinity: only messages or commands can
   * change anything). The daemon arms one timer for it instead of ticking at a fixed rate; ticking
   * earlier or more often is harmless. Re-read after every step.
   */
  nextDeadlineMs(nowMs: number): number;
  /** Latest committed view as this node reports it at nowMs. */
  view(nowMs: number): ViewInfo;
  /** The replicated key/value state as applied on this node. */
  kv(): ReadonlyMap<string, KvEntry>;
  stats(): MembershipStats;
}

// ---------------------------------------------------------------------------------------------
// Messages (the transport carries them; `inc` is the sender's incarnation in every message)

export type EntryBody =
  | { readonly k: 'noop' }
  /** Full cluster state after a membership / votes / expected change. */
  | { readonly k: 'view';
      /** Identity of the cluster history (who formed it): `nodeid:incarnation:term` of the forming leader. */
      readonly history: string;
      /** Re-formed history: the commit index its leader knew; entries after it belong to this history. 0 otherwise. */
      readonly base: number;
      readonly generation: number; readonly members: readonly ViewMember[];
      /** cman's Q for this view (computed by the leader with the ratchet rules). */
      readonly quorum: number;
      readonly left: readonly { readonly nodeid: NodeId; readonly incarnation: number; readonly reason: LeaveReason }[];
      /** Requests this change answers (origin node, its incarnation, its request sequence). */
      readonly origins: readonly RequestOrigin[] }
  | { readonly k: 'cmd'; readonly origin: RequestOrigin; readonly cmd: AppCommand };

export interface RequestOrigin {
  readonly nodeid: NodeId;
  readonly inc: number;
  readonly seq: number;
}

export interface LogEntry {
  readonly term: number;
  readonly body: EntryBody;
}

/** Membership part of a snapshot. */
export interface SnapshotMeta {
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** The latest view entry at or before lastIndex, with its index. */
  readonly view: Extract<EntryBody, { k: 'view' }>;
  readonly viewIndex: number;
  /** Requests already applied (origin nodeid, incarnation, last seq): makes retries exactly-once. */
  readonly sessions: readonly (readonly [NodeId, number, number])[];
  readonly kvCount: number;
}

export type Message =
  | { readonly t: 'vote'; readonly inc: number; readonly term: number; readonly lastIndex: number; readonly lastTerm: number; readonly fresh: boolean;
      /** History of the candidate's latest view, and the index its log is known to agree with the history it re-formed from. */
      readonly history: string; readonly base: number;
      /** The candidate's commit index (a voter that knows more stands next: see the re-formation rule). */
      readonly commit: number }
  /** `fresh`: the voter has no log or was never a member of a view it holds (a new, restarted or half-joined node); `better`: the voter's log is more up to date than the candidate's. */
  | { readonly t: 'voteResp'; readonly inc: number; readonly term: number; readonly granted: boolean; readonly fresh: boolean;
      readonly better: boolean;
      /** The voter's commit index. */
      readonly commit: number }
  | { readonly t: 'append'; readonly inc: number; readonly term: number; readonly prevIndex: number; readonly prevTerm: number;
      readonly entries: readonly LogEntry[]; readonly commit: number;
      /** Leader's clock at sending (echoed in the reply; the leader's quorum lease counts from it). */
      readonly ts: number;
      /** Lease grant: the follower's own `echo` from its last reply and a duration (0 = no grant). */
      readonly leaseEcho: number; readonly leaseMs: number }
  | { readonly t: 'appendResp'; readonly inc: number; readonly term: number; readonly success: boolean; readonly matchIndex: number;
      /** Follower's clock when sending (echoed back in a lease grant). */
      readonly echo: number;
      /** The `ts` of the append this answers. */
      readonly tsEcho: number }
  | { readonly t: 'snap'; readonly inc: number; readonly term: number; readonly meta: SnapshotMeta; readonly offset: number;
      readonly kv: readonly KvEntry[]; readonly done: boolean; readonly ts: number }
  | { readonly t: 'snapResp'; readonly inc: number; readonly term: number; readonly lastIndex: number; readonly nextOffset: number;
      readonly echo: number; readonly tsEcho: number }
  /** Leader to configured non-members: "a cluster exists; join me". */
  | { readonly t: 'beacon'; readonly inc: number; readonly term: number; readonly generation: number }
  /** Fresh node to leader. */
  | { readonly t: 'join'; readonly inc: number; readonly votes: number; readonly expectedVotes: number }
  /** A local command forwarded to the leader; seq numbers the sender's requests (per incarnation). */
  | { readonly t: 'fwd'; readonly inc: number; readonly seq: number; readonly command: LocalCommand }
  /** The leader refused a forwarded command (success is seen in the committed log). */
  | { readonly t: 'fwdResp'; readonly inc: number; readonly seq: number; readonly ok: boolean; readonly error: string }
  /** Leader to a victim: exit now. 'left': the victim left cleanly and missed the commit of its removal. */
  | { readonly t: 'kill'; readonly inc: number; readonly victimInc: number; readonly reason: 'killed' | 'rejoin' | 'left' };

export type MessageType = Message['t'];
