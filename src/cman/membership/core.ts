// The membership core: a leader-based replicated log (Raft-style terms, elections, log
// replication, commit index) whose entries are cluster views (members, votes, cman's quorum) and
// application commands. Deterministic: step(input, nowMs) -> outputs; no timers, I/O or Date.now().
// The algorithm and the argument for safety properties 1, 2 and 5 are in src/cman/README.md.
import { calculateQuorum, expectedVotesChangeAllowed } from '../quorum.js';
import { validateAppCommand } from './codec.js';
import { DEFAULT_LIMITS } from './types.js';
import type { AppCommand, EntryBody, Input, KvEntry, LeaveReason, LocalCommand, LogEntry, MembershipConfig,
  MembershipCore, MembershipLimits, MembershipStats, Message, NodeId, NodeSpec, Output, RequestOrigin, SnapshotMeta,
  ViewInfo, ViewMember } from './types.js';

/** An invariant of the core was violated: a bug. The daemon must stop (the node is then fenced). */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

function invariant(cond: unknown, what: string): asserts cond {
  if (!cond) throw new InvariantError(`membership invariant: ${what}`);
}

type ViewBody = Extract<EntryBody, { k: 'view' }>;
type Role = 'follower' | 'candidate' | 'leader' | 'stopped';

interface Peer {
  /** Incarnation this peer record is about (the member's, or the last seen). */
  inc: number;
  /** First entry not yet sent (entries up to nextIndex - 1 are sent or acknowledged: pipelining). */
  nextIndex: number;
  /** Highest entry the peer acknowledged holding (as in our log). */
  matchIndex: number;
  /** When entries beyond matchIndex were last sent (resent from matchIndex + 1 after a heartbeat without an answer). */
  entriesSentMs: number;
  /** Commit index carried by the last append sent (commit notices go only to peers behind). */
  commitSent: number;
  /** Leader clock when the last reply in this term arrived (failure detection). */
  lastReplyMs: number;
  /** Highest leader `ts` the peer acknowledged in this leadership: it promised not to vote for another until ts+token. */
  ackedTs: number;
  /** The peer's own clock at its last reply (echoed in lease grants), and our clock when that reply arrived. */
  echo: number | null;
  echoAtMs: number;
  /** Leader clock until which the peer may believe it is quorate (upper bound of granted leases). */
  grantedUntil: number;
  /** Upper bound of leases an earlier leader may have given the peer (election time + token). */
  priorLeaseUntil: number;
  lastSentMs: number;
  /** No more leases: the peer is being killed. */
  revoked: boolean;
  snapOffset: number;
  snapIndex: number;
}

type Change =
  | { op: 'join'; nodeid: NodeId; inc: number; votes: number; expectedVotes: number }
  | { op: 'remove'; nodeid: NodeId; inc: number; reason: LeaveReason; origin?: RequestOrigin }
  | { op: 'setVotes'; nodeid: NodeId; votes: number; origin: RequestOrigin }
  | { op: 'setExpected'; expectedVotes: number; origin: RequestOrigin }
  | { op: 'recalc' };

interface Grant {
  inc: number;
  fresh: boolean;
  commit: number;
}

interface PendingCommand {
  reqId: number;
  seq: number;
  command: LocalCommand;
  createdMs: number;
  lastSentMs: number;
  sentTo: NodeId | null;
  /** Term in which this node, as leader, acted on it itself (-1 = not yet). */
  handledTerm: number;
}

interface Snapshot {
  index: number;
  term: number;
  view: ViewBody | null;
  viewIndex: number;
  kv: KvEntry[];
  sessions: [NodeId, number, number][];
}

const GENERATION_STEP = 4;
const MAX_SESSIONS = 256;
const MAX_VIEWS_IN_FLIGHT = 4;
/** Batches of entries a leader sends a peer ahead of its acknowledgements. */
const MAX_BATCHES_IN_FLIGHT = 4;

function mix(a: number, b: number, c: number): number {
  let h = 0x811c9dc5 ^ a;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= b + 0x9e3779b9 + (h << 6) + (h >>> 2);
  h = Math.imul(h ^ (h >>> 13), 0x297a2d39);
  h ^= c + 0x9e3779b9 + (h << 6) + (h >>> 2);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

function sameMembers(a: readonly ViewMember[], b: readonly ViewMember[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.nodeid !== b[i]!.nodeid || a[i]!.incarnation !== b[i]!.incarnation) return false;
  }
  return true;
}

function isMember(view: ViewBody | null, nodeid: NodeId, inc: number): boolean {
  return view !== null && view.members.some((m) => m.nodeid === nodeid && m.incarnation === inc);
}

function memberOf(view: ViewBody | null, nodeid: NodeId): ViewMember | undefined {
  return view?.members.find((m) => m.nodeid === nodeid);
}

function jsonLength(v: unknown): number {
  return JSON.stringify(v)?.length ?? 0;
}

class Core implements MembershipCore {
  private readonly me: NodeId;
  private readonly inc: number;
  private readonly limits: MembershipLimits;
  private readonly specs: Map<NodeId, NodeSpec>;
  private readonly others: NodeId[];
  /** Position of this node among the configured nodeids. */
  private readonly rank: number;
  private readonly ranks: Map<NodeId, number>;
  private readonly staggerMs: number;
  private readonly tokenMs: number;
  private readonly heartbeatMs: number;
  private readonly leaseMaxMs: number;
  private readonly jitterSpanMs: number;
  /** A follower stays quorate this long past its lease (covers a leader change); removals wait as long. */
  private readonly graceMs: number;
  private readonly roundMs: number;
  private readonly commandTimeoutMs: number;
  /** A leader tells peers of committed commands this long after the first commit not yet told (coalescing). */
  private readonly commitNoticeDelayMs: number;
  private readonly twoNodeKillDelayMs: number;

  private started = false;
  /** Clock of the last step: its timer checks did everything due by then. */
  private lastStepMs = Number.NEGATIVE_INFINITY;
  private startedMs = 0;
  private role: Role = 'follower';
  private term = 0;
  private votedFor: NodeId | null = null;
  private leaderId: NodeId | null = null;
  private leaderInc = 0;
  private prevLeader: NodeId | null = null;
  private followStartMs = 0;
  private lastLeaderMs = Number.NEGATIVE_INFINITY;
  private promiseUntil = Number.NEGATIVE_INFINITY;
  private promiseTo: NodeId | null = null;
  private promiseToInc = 0;
  private quorateUntil = Number.NEGATIVE_INFINITY;
  private abandonedTerm = -1;
  private abandonedLeader: NodeId | null = null;
  private nextElectionMs = Number.NEGATIVE_INFINITY;
  private electionOverrideQuorum: number | null = null;
  /** A candidate with a worse log asked us: stand without the stagger delay. */
  private eager = false;

  // candidate
  private roundEndMs = 0;
  private formation = false;
  private reelect = false;
  private granted = new Map<NodeId, Grant>();
  /** Leader after a re-formation election: when to write the new history's first view, and who voted. */
  private reform: { atMs: number; electedMs: number; voters: Map<NodeId, Grant> } | null = null;

  // log: entry i (logStart < i <= lastIndex) is log[i - logStart - 1]
  private log: LogEntry[] = [];
  private logStart = 0;
  private logStartTerm = 0;
  private commitIndex = 0;
  private lastApplied = 0;
  private logView: ViewBody | null = null;
  private logViewIndex = 0;
  private snap: Snapshot = { index: 0, term: 0, view: null, viewIndex: 0, kv: [], sessions: [] };
  private pendingSnap: { index: number; term: number; meta: SnapshotMeta; kv: KvEntry[] } | null = null;

  // applied state
  private appliedView: ViewBody | null = null;
  private appliedViewIndex = 0;
  private hasState = false;
  private readonly kvMap = new Map<string, KvEntry>();
  private readonly sessions = new Map<string, { nodeid: NodeId; inc: number; seq: number }>();

  // leader
  private peers = new Map<NodeId, Peer>();
  private lastHeartbeatMs = Number.NEGATIVE_INFINITY;
  /** Leader: the leader we replaced when elected (its lease ended before we won: not protected). */
  private replacedLeader: NodeId | null = null;
  /** Leader: a view that removes a member waits to commit until this moment (its lease may still run). */
  private commitBlockedUntilMs = Number.NEGATIVE_INFINITY;
  /** Leader: when to tell peers about commits of commands (+Infinity: nothing to tell). */
  private commitNoticeAtMs = Number.POSITIVE_INFINITY;
  private hadLease = false;
  private leaderSinceMs = 0;
  private lastViewAppendMs = Number.NEGATIVE_INFINITY;
  private changes: Change[] = [];
  private readonly killSeen = new Map<string, number>();
  private readonly killSentMs = new Map<string, number>();
  private readonly beaconReplyMs = new Map<NodeId, number>();

  // local commands
  private nextSeq = 1;
  private pending: PendingCommand[] = [];
  private leaving = false;
  private leaveDeadlineMs = Number.POSITIVE_INFINITY;

  private qdiskOn = false;
  private dropped = 0;
  private rejected = 0;
  private out: Output[] = [];
  private reportedView = '';
  private reportedLeader: NodeId | null | undefined = undefined;

  constructor(private readonly cfg: MembershipConfig) {
    this.me = cfg.nodeId;
    this.inc = cfg.incarnation;
    this.limits = { ...DEFAULT_LIMITS, ...cfg.limits };
    this.specs = new Map(cfg.nodes.map((n) => [n.nodeid, n]));
    if (!this.specs.has(this.me)) throw new RangeError(`membership: node ${this.me} is not in the configured nodes`);
    if (!(cfg.tokenMs >= 10)) throw new RangeError(`membership: token ${cfg.tokenMs} ms is too small (>= 10)`);
    if (!Number.isSafeInteger(cfg.incarnation) || cfg.incarnation < 0) throw new RangeError('membership: bad incarnation');
    this.others = cfg.nodes.map((n) => n.nodeid).filter((n) => n !== this.me).sort((a, b) => a - b);
    this.tokenMs = cfg.tokenMs;
    const sorted = cfg.nodes.map((n) => n.nodeid).sort((a, b) => a - b);
    this.rank = sorted.indexOf(this.me);
    this.ranks = new Map(sorted.map((n, i) => [n, i]));
    this.staggerMs = Math.max(1, Math.floor(cfg.tokenMs / 50));
    this.heartbeatMs = Math.max(1, Math.floor(cfg.tokenMs / 10));
    this.leaseMaxMs = cfg.tokenMs;
    this.jitterSpanMs = Math.max(1, Math.floor(Math.min(cfg.consensusMs > 0 ? cfg.consensusMs : cfg.tokenMs, cfg.tokenMs) / 20));
    this.graceMs = Math.max(1, Math.floor(cfg.tokenMs / 5));
    this.roundMs = Math.max(5, Math.floor(cfg.tokenMs / 5));
    this.commandTimeoutMs = 4 * cfg.tokenMs + 2000;
    this.commitNoticeDelayMs = Math.max(1, Math.min(10, Math.floor(this.heartbeatMs / 20)));
    this.twoNodeKillDelayMs = cfg.twoNodeKillDelayMs ?? 5000;
  }

  // ------------------------------------------------------------------ public surface

  step(input: Input, nowMs: number): Output[] {
    this.out = [];
    if (!this.started) {
      this.started = true;
      this.startedMs = nowMs;
      // A restarted node forgets its promises: it votes for nobody during its first token.
      this.promiseUntil = nowMs + this.tokenMs;
      this.followStartMs = nowMs;
    }
    if (this.role === 'stopped') return this.out;
    switch (input.kind) {
      case 'tick': break;
      case 'message': this.onMessage(input.from, input.message, nowMs); break;
      case 'qdisk': this.onQdisk(input.available); break;
      case 'command': this.onLocalCommand(input.reqId, input.command, nowMs); break;
    }
    if (!this.isStopped()) this.onTimers(nowMs);
    this.lastStepMs = nowMs;
    this.report(nowMs);
    invariant(this.out.length <= this.limits.maxOutputsPerStep, 'too many outputs in one step');
    return this.out;
  }

  view(nowMs: number): ViewInfo {
    const v = this.appliedView;
    const qdiskVotes = this.qdiskOn ? this.cfg.qdiskVotes : 0;
    if (v === null) {
      return { history: '', generation: 0, members: [], leader: this.leaderId, term: this.term, quorate: false,
        quorum: this.initialQuorum(), expectedVotes: this.cfg.expectedVotes, totalVotes: qdiskVotes, qdiskVotes, index: 0 };
    }
    const totalVotes = v.members.reduce((a, m) => a + m.votes, 0) + qdiskVotes;
    return {
      history: v.history, generation: v.generation, members: v.members, leader: this.leaderId, term: this.term,
      quorate: this.isQuorate(nowMs), quorum: v.quorum,
      expectedVotes: Math.max(0, ...v.members.map((m) => m.expectedVotes)), totalVotes, qdiskVotes,
      index: this.appliedViewIndex,
    };
  }

  kv(): ReadonlyMap<string, KvEntry> {
    return this.kvMap;
  }

  stats(): MembershipStats {
    return {
      role: this.role === 'follower' && !this.hasState ? 'fresh' : this.role,
      term: this.term, leader: this.leaderId, commitIndex: this.commitIndex, lastIndex: this.lastIndex(),
      snapshotIndex: this.snap.index, logEntries: this.log.length, droppedMessages: this.dropped,
      rejectedProposals: this.rejected,
    };
  }

  // ------------------------------------------------------------------ helpers

  /** (A method, so TypeScript does not narrow `role` across calls that may stop the node.) */
  private isStopped(): boolean {
    return this.role === 'stopped';
  }

  private emit(o: Output): void {
    this.out.push(o);
  }

  private send(to: NodeId, message: Message): void {
    if (to === this.me) return;
    this.out.push({ kind: 'send', to, message });
  }

  private lastIndex(): number {
    return this.logStart + this.log.length;
  }

  private termAt(i: number): number | undefined {
    if (i === this.logStart) return this.logStartTerm;
    if (i < this.logStart || i > this.lastIndex()) return undefined;
    return this.log[i - this.logStart - 1]!.term;
  }

  private entryAt(i: number): LogEntry {
    const e = this.log[i - this.logStart - 1];
    invariant(e !== undefined, `entry ${i} not in log (start ${this.logStart}, last ${this.lastIndex()})`);
    return e;
  }

  private recomputeLogView(): void {
    for (let i = this.log.length - 1; i >= 0; i--) {
      const b = this.log[i]!.body;
      if (b.k === 'view') {
        this.logView = b;
        this.logViewIndex = this.logStart + i + 1;
        return;
      }
    }
    // No view entry after logStart: the latest one is the snapshot's (at or before logStart).
    this.logView = this.snap.view;
    this.logViewIndex = this.snap.viewIndex;
  }

  /** Up to which index our log surely agrees with the history our latest view's history re-formed from. */
  private historyBase(): number {
    const r = this.reformAt();
    return r !== null && this.logView !== null && this.entryAt(r.index).body.k === 'view' &&
      (this.entryAt(r.index).body as ViewBody).history === this.logView.history ? r.base : 0;
  }

  /** The latest re-formation view in the log (a view whose history differs from the one before it). */
  private reformAt(): { index: number; base: number } | null {
    for (let i = this.log.length - 1; i >= 0; i--) {
      const b = this.log[i]!.body;
      if (b.k === 'view' && b.base > 0) return { index: this.logStart + i + 1, base: b.base };
    }
    return null;
  }

  private appendEntry(body: EntryBody): number {
    return this.pushEntry({ term: this.term, body });
  }

  private pushEntry(e: LogEntry): number {
    this.log.push(e);
    const idx = this.lastIndex();
    if (e.body.k === 'view') {
      this.logView = e.body;
      this.logViewIndex = idx;
    }
    return idx;
  }

  private initialQuorum(): number {
    return calculateQuorum({ memberVotes: [], memberExpectedVotes: [], forcedExpectedVotes: this.cfg.expectedVotes, qdiskVotes: 0,
      twoNode: this.cfg.twoNode, previousQuorum: 0, allowDecrease: true }).quorum;
  }

  private qdiskVotesNow(): number {
    return this.qdiskOn ? this.cfg.qdiskVotes : 0;
  }

  private amMemberOfLogView(): boolean {
    return isMember(this.logView, this.me, this.inc);
  }

  private isLeaderLike(): boolean {
    return this.role === 'leader' || (this.role === 'candidate' && this.reelect);
  }

  /** Leader: the time until which no other leader can be elected (from the promises of a quorum). */
  private leaseUntil(): number {
    const view = this.logView;
    if (view === null) return Number.NEGATIVE_INFINITY;
    const items: { until: number; votes: number }[] = [];
    for (const m of view.members) {
      if (m.nodeid === this.me) {
        if (m.incarnation === this.inc) items.push({ until: Number.POSITIVE_INFINITY, votes: m.votes });
        continue;
      }
      const p = this.peers.get(m.nodeid);
      if (p === undefined || p.inc !== m.incarnation) continue;
      items.push({ until: p.ackedTs + this.tokenMs, votes: m.votes });
    }
    items.sort((a, b) => b.until - a.until);
    let votes = this.qdiskVotesNow();
    if (votes >= view.quorum) return Number.POSITIVE_INFINITY;
    for (const it of items) {
      votes += it.votes;
      if (votes >= view.quorum) return it.until;
    }
    return Number.NEGATIVE_INFINITY;
  }

  private isQuorate(nowMs: number): boolean {
    if (this.leaving || !isMember(this.appliedView, this.me, this.inc)) return false;
    // A new leader keeps the cover of the lease it had as a follower until its own lease is established.
    if (this.isLeaderLike() && this.leaseUntil() > nowMs) return true;
    return this.quorateUntil + this.graceMs > nowMs;
  }

  private setLeader(id: NodeId | null, inc: number, nowMs: number): void {
    if (id !== this.leaderId || inc !== this.leaderInc) {
      if (id !== null) this.followStartMs = nowMs;
      if (this.leaderId !== null) this.prevLeader = this.leaderId;
    }
    this.leaderId = id;
    this.leaderInc = inc;
  }

  private adoptTerm(term: number, nowMs: number): void {
    invariant(term > this.term, 'terms only increase');
    this.term = term;
    this.votedFor = null;
    if (this.role === 'leader' || this.role === 'candidate') {
      this.role = 'follower';
      this.reelect = false;
      this.peers.clear();
      this.changes = [];
    }
    this.setLeader(null, 0, nowMs);
  }

  private report(nowMs: number): void {
    if (this.reportedLeader !== this.leaderId) {
      this.reportedLeader = this.leaderId;
      this.emit({ kind: 'leader', leader: this.leaderId, term: this.term });
    }
    const v = this.view(nowMs);
    const sig = `${v.history}|${v.generation}|${v.index}|${v.quorate}|${v.quorum}|${v.expectedVotes}|${v.totalVotes}|${v.leader}|` +
      v.members.map((m) => `${m.nodeid}.${m.incarnation}.${m.votes}.${m.expectedVotes}`).join(',');
    if (sig !== this.reportedView) {
      this.reportedView = sig;
      this.emit({ kind: 'view', view: v });
    }
  }

  private stop(reason: 'left' | 'killed' | 'rejoin', by: NodeId | null, message: string): void {
    if (this.role === 'stopped') return;
    if (this.leaving && reason !== 'left') {
      // Whatever ends a clean leave ends it as a leave (the daemon exits 0): we asked to go.
      message = `left the cluster (${message})`;
      reason = 'left';
    }
    this.role = 'stopped';
    this.quorateUntil = Number.NEGATIVE_INFINITY;
    for (const p of this.pending) this.emit({ kind: 'commandResult', reqId: p.reqId, ok: p.command.op === 'leave', error: p.command.op === 'leave' ? undefined : 'node stopped' });
    this.pending = [];
    this.emit({ kind: 'exit', reason, by, message });
  }

  // ------------------------------------------------------------------ timers

  private onTimers(nowMs: number): void {
    this.expirePending(nowMs);
    if (this.role === 'stopped') return;
    if (this.role === 'leader') {
      this.promiseUntil = nowMs + this.tokenMs;
      this.promiseTo = this.me;
      this.promiseToInc = this.inc;
      this.leaderTick(nowMs);
    } else if (this.role === 'candidate') {
      if (this.reelect) this.promiseUntil = Math.max(this.promiseUntil, nowMs + this.tokenMs);
      if (nowMs >= this.roundEndMs) this.checkElectionWon(nowMs);
      if (this.role === 'candidate' && nowMs >= this.roundEndMs) {
        // The round failed: try again after a random delay.
        this.role = 'follower';
        this.reelect = false;
        this.peers.clear();
        this.nextElectionMs = nowMs + this.jitter(this.term + 1);
      }
    } else {
      this.followerTick(nowMs);
    }
    this.sendPending(nowMs);
    if (this.leaving && nowMs >= this.leaveDeadlineMs) this.stop('left', null, 'left the cluster (no leader answered in time)');
  }

  private jitter(term: number): number {
    return mix(this.me, this.inc % 0x7fffffff, term) % this.jitterSpanMs;
  }

  private followerTick(nowMs: number): void {
    if (this.leaderId !== null && this.leaderId !== this.me) {
      // A leader that cannot give us a quorum lease for a token is abandoned (it cannot hear a quorum).
      if (this.hasState && this.amMemberOfLogView() && nowMs - this.lastLeaderMs < this.tokenMs &&
          nowMs - Math.max(this.followStartMs, this.quorateUntil) >= this.tokenMs) {
        this.abandonedTerm = this.term;
        this.abandonedLeader = this.leaderId;
        this.setLeader(null, 0, nowMs);
      } else if (nowMs - this.lastLeaderMs >= this.tokenMs) {
        this.setLeader(null, 0, nowMs);
      }
    }
    if (this.leaderId !== null) return;
    if (nowMs >= this.orphanedAt()) {
      // Half-joined (we took a leader's log before our join committed) and that cluster is gone: we
      // neither stand nor may form a new cluster from scratch with this log. As cman: restart to join.
      this.stop('rejoin', null, 'the cluster we were joining has had no leader for 3 tokens; restart to rejoin');
      return;
    }
    if (nowMs >= this.electionAt()) {
      this.eager = false;
      this.startElection(nowMs, false);
    }
  }

  /** A half-joined node (a log, but no view of it lists us) without a leader: when it gives up. */
  private orphanedAt(): number {
    if (this.hasState || this.lastIndex() === 0 || this.leaderId !== null || this.amMemberOfLogView() ||
        isMember(this.appliedView, this.me, this.inc)) return Number.POSITIVE_INFINITY;
    return Math.max(this.lastLeaderMs, this.startedMs) + 3 * this.tokenMs;
  }

  /** Follower without a leader: when it stands for election (+Infinity: it does not). */
  private electionAt(): number {
    const formation = this.lastIndex() === 0;
    // Removed (the view without us is committed): wait to be told, or killed. A view without us that
    // is only in our log may never commit (its leader and voters may all have restarted): while we are
    // in the committed view we still stand, or a better log than ours could block every election.
    if (!formation && !this.amMemberOfLogView() && (this.leaving || !isMember(this.appliedView, this.me, this.inc))) {
      return Number.POSITIVE_INFINITY;
    }
    let at = Math.max(this.promiseUntil, this.lastLeaderMs + this.tokenMs, this.startedMs + this.tokenMs + this.graceMs,
      this.nextElectionMs);
    // Stagger candidates so that they rarely split the vote: forming from scratch, lower nodeids first;
    // after a leader is lost, the nodes after it in nodeid order, one step apart.
    if (formation) {
      at += this.rank * this.heartbeatMs;
    } else if (!this.eager) {
      const n = this.specs.size;
      const prev = this.prevLeader === null ? -1 : this.ranks.get(this.prevLeader) ?? -1;
      at += ((this.rank - prev - 1 + 2 * n) % n) * this.staggerMs;
    }
    return at + this.jitter(this.term + 1);
  }

  /**
   * The earliest time at which a tick may change anything (send, time out, elect, or flip the quorate
   * flag in `view`). Between deadlines ticks are no-ops, so the daemon sleeps until then or until
   * a message or command arrives (each step may move the deadline). Never later than it must be;
   * early is harmless.
   */
  nextDeadlineMs(nowMs: number): number {
    if (!this.started) return nowMs;
    if (this.role === 'stopped') return Number.POSITIVE_INFINITY;
    // Every step ends with the timer checks (onTimers), so what was due by the last step's clock is
    // done: only moments after it count (a past one that did nothing must not make the daemon spin).
    // A moment between that step and nowMs is due now (the caller may ask a little after stepping).
    const doneUntil = Math.min(nowMs, this.lastStepMs);
    let next = Number.POSITIVE_INFINITY;
    const future = (t: number) => { if (t > doneUntil && t < next) next = t; };
    // Quorate flips (reported as a view): a follower's lease plus grace, a leader's own lease.
    future(this.quorateUntil + this.graceMs);
    if (this.isLeaderLike()) future(this.leaseUntil());
    if (this.pending.length > 0) {
      const head = this.pending[0]!;
      future(head.createdMs + this.commandTimeoutMs);
      if (this.role !== 'leader' && head.sentTo === this.leaderId) future(head.lastSentMs + this.tokenMs / 2);
    }
    if (this.leaving) future(this.leaveDeadlineMs);
    if (this.role === 'leader') {
      future(this.lastHeartbeatMs + this.heartbeatMs);
      future(this.commitNoticeAtMs);
      future(this.commitBlockedUntilMs);
      if (this.reform !== null) future(this.reform.atMs);
      if (!this.amMemberOfLogView()) future(Math.max(this.leaderSinceMs + 2 * this.tokenMs, this.leaseUntil()));
      // Failure detection and removals waiting for leases (the view-append rate limit is rechecked
      // at every heartbeat, which is sooner than any of these could need).
      for (const m of this.logView?.members ?? []) {
        if (m.nodeid === this.me) continue;
        const p = this.peers.get(m.nodeid);
        if (p === undefined || p.inc !== m.incarnation) continue;
        future(Math.max(p.lastReplyMs + this.tokenMs, this.leaseEnd(p) + this.graceMs, this.lastViewAppendMs + this.heartbeatMs));
      }
    } else if (this.role === 'candidate') {
      future(this.roundEndMs);
    } else if (this.leaderId !== null && this.leaderId !== this.me) {
      future(this.lastLeaderMs + this.tokenMs);
      if (this.hasState) future(Math.max(this.followStartMs, this.quorateUntil) + this.tokenMs);
    } else {
      future(this.electionAt());
      future(this.orphanedAt());
    }
    return next;
  }

  private startElection(nowMs: number, reelect: boolean): void {
    this.term += 1;
    this.role = 'candidate';
    this.reelect = reelect;
    this.votedFor = this.me;
    this.setLeader(null, 0, nowMs);
    this.formation = this.lastIndex() === 0;
    this.granted = new Map([[this.me, { inc: this.inc, fresh: this.formation, commit: this.commitIndex }]]);
    this.roundEndMs = nowMs + this.roundMs;
    if (!reelect) this.peers.clear();
    this.emit({ kind: 'broadcast', message: { t: 'vote', inc: this.inc, term: this.term, lastIndex: this.lastIndex(),
      lastTerm: this.termAt(this.lastIndex()) ?? 0, fresh: this.formation, history: this.logView?.history ?? '',
      base: this.historyBase(), commit: this.commitIndex } });
    this.checkElectionWon(nowMs);
  }

  private electionThreshold(): number {
    const q = this.formation ? this.initialQuorum() : (this.logView?.quorum ?? this.initialQuorum());
    return this.electionOverrideQuorum !== null ? Math.min(q, this.electionOverrideQuorum) : q;
  }

  private checkElectionWon(nowMs: number): void {
    if (this.role !== 'candidate') return;
    let votes = this.qdiskVotesNow();
    let reformVotes = 0;
    for (const [n, g] of this.granted) {
      if (this.formation) {
        if (g.fresh) votes += this.specs.get(n)?.votes ?? 0;
      } else {
        // A plain win needs votes of members of our latest view (as Raft counts a configuration): that
        // is the view whose quorum our commits need. Our own vote when only the committed view lists us
        // (an uncommitted view removes us) and restarted nodes count only towards re-forming.
        const m = memberOf(this.logView, n);
        const k = this.knownMember(n, g.inc);
        if (m !== undefined && m.incarnation === g.inc) votes += m.votes;
        else if (k !== undefined) reformVotes += k.votes;
        else if (g.fresh) reformVotes += this.specs.get(n)?.votes ?? 0;
      }
    }
    const threshold = this.electionThreshold();
    const roundOver = nowMs >= this.roundEndMs || this.granted.size >= this.specs.size;
    if (this.formation) {
      // Forming a new cluster: wait out the round so every starting node can be in the first view.
      if (votes >= threshold && roundOver) this.becomeLeader(nowMs, false);
    } else if (votes >= threshold) {
      this.becomeLeader(nowMs, false);
    } else if (votes + reformVotes >= threshold && roundOver) {
      if ([...this.granted.values()].some((g) => !g.fresh && g.commit > this.commitIndex)) {
        // A voter knows more committed entries than we do: let it re-form instead; back off.
        this.role = 'follower';
        this.peers.clear();
        this.nextElectionMs = nowMs + 3 * this.roundMs + this.jitter(this.term + 3);
        return;
      }
      // Members that restarted lost their state; with them the survivors re-form the cluster (a new history).
      this.becomeLeader(nowMs, true);
    }
  }

  private becomeLeader(nowMs: number, reform: boolean): void {
    const keep = this.reelect;
    const revived = this.electionOverrideQuorum !== null && this.electionThreshold() < (this.logView?.quorum ?? 0);
    this.role = 'leader';
    this.reelect = false;
    this.electionOverrideQuorum = null;
    const prev = this.prevLeader;
    this.setLeader(this.me, this.inc, nowMs);
    this.leaderSinceMs = nowMs;
    this.promiseTo = this.me;
    this.promiseToInc = this.inc;
    if (!keep) {
      this.peers.clear();
      for (const n of this.others) {
        const m = memberOf(this.logView, n);
        const g = this.granted.get(n);
        this.peers.set(n, this.newPeer(g?.fresh === true ? g.inc : m?.incarnation ?? g?.inc ?? 0, nowMs));
      }
      // The previous leader was not heard by our voters for a token: suspect it at once. Revived by
      // `cman_tool expected` (the admin declared the others dead): suspect every non-voter.
      for (const [n, p] of this.peers) {
        if (!this.granted.has(n) && (revived || n === prev)) p.lastReplyMs = Number.NEGATIVE_INFINITY;
        // Any lease an earlier leader gave a member ends within a token of now (leases last at most a
        // token from a moment in the past): no removal of a member before that plus the grace. This
        // matters when followers released their promise to a leader that left cleanly (applyView) and
        // elected us before its lease ran out. The leader we replace is not a member we protect.
        if (!revived && n !== prev) p.priorLeaseUntil = nowMs + this.tokenMs;
      }
    } else {
      for (const p of this.peers.values()) p.nextIndex = this.lastIndex() + 1;
    }
    this.changes = [];
    this.hadLease = false;
    this.commitNoticeAtMs = Number.POSITIVE_INFINITY;
    this.commitBlockedUntilMs = Number.NEGATIVE_INFINITY;
    if (!keep) this.replacedLeader = revived ? null : prev;
    this.reform = null;
    if (reform) {
      // Write the new history's first view after a grace: followers of the old leader may still count
      // themselves quorate that long (README, "re-formation").
      this.reform = { atMs: nowMs + this.graceMs, electedMs: nowMs, voters: new Map(this.granted) };
    } else if (this.formation) {
      const members: ViewMember[] = [];
      for (const [n, { inc }] of this.granted) {
        members.push({ nodeid: n, incarnation: inc, votes: this.specs.get(n)?.votes ?? 0, expectedVotes: this.cfg.expectedVotes });
      }
      members.sort((a, b) => a.nodeid - b.nodeid);
      const quorum = this.computeQuorum(members, 0, true);
      this.appendEntry({ k: 'view', history: `${this.me}:${this.inc}:${this.term}`, base: 0, generation: GENERATION_STEP, members,
        quorum, left: [], origins: [] });
      for (const m of members) {
        const p = this.peers.get(m.nodeid);
        if (p !== undefined) p.inc = m.incarnation;
      }
    } else {
      this.appendEntry({ k: 'noop' });
    }
    this.formation = false;
    this.lastHeartbeatMs = Number.NEGATIVE_INFINITY;
    this.leaderTick(nowMs);
  }

  /** Until when the peer may hold a lease (ours or an earlier leader's). */
  private leaseEnd(p: Peer): number {
    return Math.max(p.grantedUntil, p.priorLeaseUntil);
  }

  private newPeer(inc: number, nowMs: number): Peer {
    return { inc, nextIndex: this.lastIndex() + 1, matchIndex: 0, entriesSentMs: Number.NEGATIVE_INFINITY, commitSent: 0, lastReplyMs: nowMs, ackedTs: Number.NEGATIVE_INFINITY,
      echo: null, echoAtMs: 0, grantedUntil: Number.NEGATIVE_INFINITY, priorLeaseUntil: Number.NEGATIVE_INFINITY, lastSentMs: Number.NEGATIVE_INFINITY, revoked: false,
      snapOffset: 0, snapIndex: -1 };
  }

  private computeQuorum(members: readonly ViewMember[], previousQuorum: number, allowDecrease: boolean): number {
    return calculateQuorum({ memberVotes: members.map((m) => m.votes), memberExpectedVotes: members.map((m) => m.expectedVotes),
      qdiskVotes: this.qdiskVotesNow(), twoNode: this.cfg.twoNode, previousQuorum, allowDecrease }).quorum;
  }

  /** Leader: send the commit index to peers that hold entries it covers but were not told. */
  private sendCommitNotices(nowMs: number): void {
    this.commitNoticeAtMs = Number.POSITIVE_INFINITY;
    for (const [n, p] of this.peers) {
      if (!isMember(this.logView, n, p.inc) && !isMember(this.appliedView, n, p.inc)) continue;
      if (p.commitSent < Math.min(this.commitIndex, p.nextIndex - 1)) this.sendAppend(n, p, nowMs);
    }
  }

  private leaderTick(nowMs: number): void {
    if (!this.amMemberOfLogView() && nowMs - this.leaderSinceMs >= 2 * this.tokenMs && !(this.leaseUntil() > nowMs)) {
      // We are leaving (or being removed) and cannot commit it: let the members elect a leader.
      this.role = 'follower';
      this.peers.clear();
      this.setLeader(null, 0, nowMs);
      return;
    }
    if (this.reform !== null && nowMs >= this.reform.atMs) this.appendReformView(nowMs);
    this.proposeViewChange(nowMs);
    if (nowMs - this.lastHeartbeatMs >= this.heartbeatMs) {
      this.lastHeartbeatMs = nowMs;
      this.commitNoticeAtMs = Number.POSITIVE_INFINITY;
      this.broadcastAppends(nowMs);
    }
    this.advanceCommit(nowMs);
    if (nowMs >= this.commitNoticeAtMs) this.sendCommitNotices(nowMs);
  }

  private appendReformView(nowMs: number): void {
    const r = this.reform!;
    const view0 = this.logView!;
    // Members left out must have lost any lease we gave them (we may be re-elected, keeping them).
    for (const m of view0.members) {
      const p = this.peers.get(m.nodeid);
      const kept = r.voters.get(m.nodeid)?.inc === m.incarnation ||
        (p !== undefined && p.inc === m.incarnation && p.lastReplyMs >= r.electedMs && p.matchIndex >= this.lastIndex());
      if (!kept && p !== undefined && p.inc === m.incarnation && nowMs < this.leaseEnd(p) + this.graceMs) return;
    }
    this.reform = null;
    // Our uncommitted tail (possibly committed by the old history without our knowing) is kept, as
    // Raft keeps it; it commits with the new history's first view (see `base`).
    const view = this.logView!;
    const members = new Map<NodeId, ViewMember>();
    for (const [n, g] of r.voters) {
      const m = this.knownMember(n, g.inc);
      if (m !== undefined) members.set(n, m);
      else if (g.fresh) members.set(n, { nodeid: n, incarnation: g.inc, votes: this.specs.get(n)?.votes ?? 0, expectedVotes: this.cfg.expectedVotes });
    }
    // Members that follow us and hold all our log are kept too (they agree with our history).
    for (const m of view.members) {
      const p = this.peers.get(m.nodeid);
      if (!members.has(m.nodeid) && p !== undefined && p.inc === m.incarnation && p.lastReplyMs >= r.electedMs &&
          p.matchIndex >= this.lastIndex()) members.set(m.nodeid, m);
    }
    const list = [...members.values()].sort((a, b) => a.nodeid - b.nodeid);
    const left = view.members.filter((m) => !isMember({ ...view, members: list }, m.nodeid, m.incarnation))
      .map((m) => ({ nodeid: m.nodeid, incarnation: m.incarnation, reason: (members.has(m.nodeid) ? 'restarted' : 'failed') as LeaveReason }));
    this.appendEntry({ k: 'view', history: `${this.me}:${this.inc}:${this.term}`, base: this.commitIndex,
      generation: view.generation + GENERATION_STEP, members: list, quorum: this.computeQuorum(list, view.quorum, false), left, origins: [] });
    for (const m of list) if (m.nodeid !== this.me) this.peerFor(m.nodeid, m.incarnation, nowMs);
    this.broadcastAppends(nowMs);
  }

  private broadcastAppends(nowMs: number): void {
    const view = this.logView;
    for (const n of this.others) {
      // Replicate to members of the latest view, of the committed one and (re-forming) to our voters.
      const r = this.reform?.voters.get(n);
      const inc = memberOf(view, n)?.incarnation ?? (r !== undefined ? r.inc : memberOf(this.appliedView, n)?.incarnation);
      if (inc !== undefined) {
        const p = this.peerFor(n, inc, nowMs);
        this.sendAppend(n, p, nowMs);
      } else {
        this.send(n, { t: 'beacon', inc: this.inc, term: this.term, generation: this.appliedView?.generation ?? 0 });
      }
    }
  }

  private peerFor(n: NodeId, inc: number, nowMs: number): Peer {
    let p = this.peers.get(n);
    if (p === undefined || p.inc !== inc) {
      p = this.newPeer(inc, nowMs);
      this.peers.set(n, p);
    }
    return p;
  }

  private sendAppend(n: NodeId, p: Peer, nowMs: number): void {
    p.lastSentMs = nowMs;
    // Entries sent a heartbeat ago and still not acknowledged were lost (or their answer was): again.
    if (p.nextIndex - 1 > p.matchIndex && nowMs - p.entriesSentMs >= this.heartbeatMs) p.nextIndex = p.matchIndex + 1;
    if (p.nextIndex <= this.logStart) {
      this.sendSnapshotChunk(n, p, nowMs);
      return;
    }
    const prevIndex = Math.min(p.nextIndex - 1, this.lastIndex());
    const from = prevIndex - this.logStart;
    // Pipelining: send entries not sent yet, at most a few batches ahead of the acknowledgements.
    const room = Math.max(0, this.sendWindowEnd(p) - prevIndex);
    const entries = this.log.slice(from, from + Math.min(this.limits.maxBatchEntries, room));
    if (entries.length > 0) {
      p.nextIndex = prevIndex + entries.length + 1;
      p.entriesSentMs = nowMs;
    }
    // A follower learns that a re-formed history's first view (and the old tail before it) is
    // committed only together: never a commit index between the view's base and the view.
    let commit = this.commitIndex;
    const r = this.reformAt();
    if (r !== null && prevIndex + entries.length < r.index) commit = Math.min(commit, r.base);
    // The follower will apply at least up to min(commit, its match) and at most our commit index, and
    // report quorate in the view it then holds: lease only a peer listed in every view from there on
    // (never one that an appended view removes, even if a later one adds it back).
    const appliesTo = Math.min(commit, prevIndex + entries.length);
    const lease = this.listedFrom(n, p.inc, appliesTo) ? this.leaseGrant(p, nowMs) : { echo: 0, ms: 0 };
    p.commitSent = Math.max(p.commitSent, appliesTo);
    this.send(n, { t: 'append', inc: this.inc, term: this.term, prevIndex, prevTerm: this.termAt(prevIndex) ?? 0, entries,
      commit, ts: nowMs, leaseEcho: lease.echo, leaseMs: lease.ms });
  }

  /** Last entry a peer may be sent before more of its acknowledgements arrive (pipelining window). */
  private sendWindowEnd(p: Peer): number {
    return p.matchIndex + MAX_BATCHES_IN_FLIGHT * this.limits.maxBatchEntries;
  }

  /** Whether (n, inc) is a member of the view in force at `fromIndex` and of every later view in our log. */
  private listedFrom(n: NodeId, inc: number, fromIndex: number): boolean {
    // Usual case (every append): no view after fromIndex, so the latest view is the one in force.
    if (fromIndex >= this.logViewIndex) return isMember(this.logView, n, inc);
    for (let i = this.lastIndex(); i > this.logStart; i--) {
      const b = this.entryAt(i).body;
      if (b.k !== 'view') continue;
      if (!isMember(b, n, inc)) return false;
      if (i <= fromIndex) return true;
    }
    return isMember(this.snap.view, n, inc);
  }

  private leaseGrant(p: Peer, nowMs: number): { echo: number; ms: number } {
    if (p.echo === null || p.revoked || nowMs - p.lastReplyMs >= this.tokenMs || this.role !== 'leader') return { echo: 0, ms: 0 };
    // The lease runs from the peer's echo, which it sent before we received it (at echoAtMs): measured
    // from echoAtMs it cannot outlast leaseUntil whatever the clocks' offset. It never outlasts the
    // moment the peer would be suspected either.
    const ms = Math.floor(Math.min(this.leaseMaxMs, this.leaseUntil() - p.echoAtMs, p.lastReplyMs + this.tokenMs - p.echoAtMs));
    if (!(ms > nowMs - p.echoAtMs)) return { echo: 0, ms: 0 };
    p.grantedUntil = Math.max(p.grantedUntil, p.echoAtMs + ms);
    return { echo: p.echo, ms };
  }

  private sendSnapshotChunk(n: NodeId, p: Peer, nowMs: number): void {
    const s = this.snap;
    invariant(s.view !== null && s.index > 0, 'snapshot to send has a view');
    if (p.snapIndex !== s.index) {
      p.snapIndex = s.index;
      p.snapOffset = 0;
    }
    const kv = s.kv.slice(p.snapOffset, p.snapOffset + this.limits.maxSnapshotChunkEntries);
    const meta: SnapshotMeta = { lastIndex: s.index, lastTerm: s.term, view: s.view, viewIndex: s.viewIndex,
      sessions: s.sessions, kvCount: s.kv.length };
    this.send(n, { t: 'snap', inc: this.inc, term: this.term, meta, offset: p.snapOffset, kv,
      done: p.snapOffset + kv.length >= s.kv.length, ts: nowMs });
  }

  private advanceCommit(nowMs: number): void {
    if (this.role !== 'leader') return;
    const view = this.logView;
    if (view === null) return;
    const last = this.lastIndex();
    let newCommit = this.commitIndex;
    for (let n = last; n > this.commitIndex; n--) {
      if (this.termAt(n) !== this.term) break; // only entries of this term commit by counting (Raft)
      let votes = this.qdiskVotesNow();
      for (const m of view.members) {
        if (m.nodeid === this.me) {
          if (m.incarnation === this.inc) votes += m.votes;
          continue;
        }
        const p = this.peers.get(m.nodeid);
        if (p !== undefined && p.inc === m.incarnation && p.matchIndex >= n) votes += m.votes;
      }
      if (votes >= view.quorum) {
        newCommit = n;
        break;
      }
    }
    if (newCommit > this.commitIndex) newCommit = this.leaseSafeCommit(newCommit, nowMs);
    if (newCommit > this.commitIndex) {
      let views = false;
      for (let i = this.commitIndex + 1; i <= newCommit && !views; i++) views = this.entryAt(i).body.k === 'view';
      this.commitIndex = newCommit;
      if (views) {
        // Followers learn a committed view at once, before we apply it: a leader that is leaving stops
        // when it applies its removal, and the node a view removes learns it from this append too.
        this.broadcastAppends(nowMs);
        this.commitNoticeAtMs = Number.POSITIVE_INFINITY;
      } else if (this.commitNoticeAtMs === Number.POSITIVE_INFINITY) {
        // Commands: tell the peers shortly, so that a burst of acknowledgements gives one notice each.
        this.commitNoticeAtMs = nowMs + this.commitNoticeDelayMs;
      }
      this.applyCommitted(nowMs);
    }
  }

  /**
   * Leader: the highest index up to `upTo` that may commit now. A view that removes a member commits
   * only once every lease that member may hold has run out, plus the grace (it may count itself
   * quorate that long). Our own removals wait for this before they are appended, but a view we
   * inherited uncommitted from an earlier leader was appended before leases that leaders after it
   * gave: a member it removes is protected as at our election (priorLeaseUntil). Seed 8787.
   */
  private leaseSafeCommit(upTo: number, nowMs: number): number {
    this.commitBlockedUntilMs = Number.NEGATIVE_INFINITY;
    let prev = this.appliedView;
    for (let i = this.commitIndex + 1; i <= upTo; i++) {
      const b = this.entryAt(i).body;
      if (b.k !== 'view') continue;
      if (prev !== null && b.history === prev.history) {
        let until = Number.NEGATIVE_INFINITY;
        for (const m of prev.members) {
          if (m.nodeid === this.me || m.nodeid === this.replacedLeader) continue;
          const now = memberOf(b, m.nodeid);
          if (now !== undefined) continue; // still a member (or a restarted incarnation: the old process is gone)
          const p = this.peers.get(m.nodeid);
          const leaseEnd = p !== undefined && p.inc === m.incarnation ? this.leaseEnd(p) : this.leaderSinceMs + this.tokenMs;
          until = Math.max(until, leaseEnd + this.graceMs);
        }
        if (nowMs < until) {
          this.commitBlockedUntilMs = until;
          return i - 1;
        }
      }
      prev = b;
    }
    return upTo;
  }

  /** Leader: fold suspected members and queued changes into one new view entry (one view change in flight). */
  private proposeViewChange(nowMs: number): void {
    if (this.role !== 'leader' || this.logView === null || this.reform !== null) return;
    // Several views may be in flight: every view's quorum is a majority of all configured votes, so
    // any two quorums intersect whatever the views (README); an uncommitted view whose new member
    // died must not block the next one. Bounded: one new view per heartbeat, a few in flight.
    if (nowMs - this.lastViewAppendMs < this.heartbeatMs) return;
    let inFlight = 0;
    for (let i = Math.max(this.commitIndex, this.logStart) + 1; i <= this.lastIndex(); i++) if (this.entryAt(i).body.k === 'view') inFlight++;
    if (inFlight >= MAX_VIEWS_IN_FLIGHT) return;
    const view = this.logView;
    const failed: Change[] = [];
    for (const m of view.members) {
      if (m.nodeid === this.me) continue;
      const p = this.peers.get(m.nodeid);
      const lastReply = p !== undefined && p.inc === m.incarnation ? p.lastReplyMs : Number.NEGATIVE_INFINITY;
      const granted = p !== undefined && p.inc === m.incarnation ? this.leaseEnd(p) : Number.NEGATIVE_INFINITY;
      if (nowMs - lastReply >= this.tokenMs && nowMs >= granted + this.graceMs) failed.push({ op: 'remove', nodeid: m.nodeid, inc: m.incarnation, reason: 'failed' });
    }
    // A killed node may still hold a lease (the kill message can be lost): remove it once that ran out.
    const queued: Change[] = [];
    const later: Change[] = [];
    for (const c of this.changes) {
      const p = c.op === 'remove' && c.reason === 'killed' && c.nodeid !== this.me ? this.peers.get(c.nodeid) : undefined;
      if (p !== undefined && nowMs < this.leaseEnd(p) + this.graceMs) later.push(c);
      else queued.push(c);
    }
    if (failed.length + queued.length === 0) return;
    // Never write a view whose members cannot reach its quorum: it could never commit, and as the
    // latest view in the log it would block every election (e.g. a leader cut off with a minority).
    let body = this.buildView(view, [...failed, ...queued], nowMs);
    if (!this.reachable(body)) body = this.buildView(view, queued, nowMs);
    if (body === null || !this.reachable(body)) return; // keep the queued changes for later
    this.changes = later;
    this.lastViewAppendMs = nowMs;
    this.appendEntry(body);
    for (const m of body.members) {
      if (m.nodeid === this.me) continue;
      const p = this.peerFor(m.nodeid, m.incarnation, nowMs);
      // A node added now gets a full token before it is suspected: its replies as a non-member
      // (e.g. a restarted node that voted for us) were not counted, so its lastReplyMs is stale.
      if (!isMember(view, m.nodeid, m.incarnation)) p.lastReplyMs = Math.max(p.lastReplyMs, nowMs);
    }
    this.broadcastAppends(nowMs);
  }

  private reachable(body: ViewBody | null): boolean {
    return body !== null && body.members.reduce((a, m) => a + m.votes, 0) + this.qdiskVotesNow() >= body.quorum;
  }

  /** The view after `changes` (null when nothing would change). */
  private isAlive(m: ViewMember, nowMs: number): boolean {
    if (m.nodeid === this.me) return m.incarnation === this.inc;
    const p = this.peers.get(m.nodeid);
    return p !== undefined && p.inc === m.incarnation && nowMs - p.lastReplyMs < this.tokenMs;
  }

  private buildView(view: ViewBody, changes: readonly Change[], nowMs: number): ViewBody | null {
    if (changes.length === 0) return null;
    const members = new Map(view.members.map((m) => [m.nodeid, { ...m }]));
    const left: { nodeid: NodeId; incarnation: number; reason: LeaveReason }[] = [];
    const origins: RequestOrigin[] = [];
    let allowDecrease = false;
    let removeLeaving = false;
    for (const c of changes) {
      switch (c.op) {
        case 'join': {
          const cur = members.get(c.nodeid);
          if (cur !== undefined && cur.incarnation >= c.inc) break;
          if (cur !== undefined) left.push({ nodeid: c.nodeid, incarnation: cur.incarnation, reason: 'restarted' });
          members.set(c.nodeid, { nodeid: c.nodeid, incarnation: c.inc, votes: c.votes, expectedVotes: c.expectedVotes });
          break;
        }
        case 'remove': {
          const cur = members.get(c.nodeid);
          if (c.origin !== undefined) origins.push(c.origin);
          if (cur === undefined || cur.incarnation !== c.inc) break;
          members.delete(c.nodeid);
          if (!left.some((l) => l.nodeid === c.nodeid)) left.push({ nodeid: c.nodeid, incarnation: cur.incarnation, reason: c.reason });
          if (c.reason === 'removed') {
            allowDecrease = true;
            removeLeaving = true;
          }
          break;
        }
        case 'setVotes': {
          const cur = members.get(c.nodeid);
          origins.push(c.origin);
          if (cur !== undefined) cur.votes = c.votes;
          allowDecrease = true;
          break;
        }
        case 'setExpected':
          origins.push(c.origin);
          for (const m of members.values()) m.expectedVotes = c.expectedVotes;
          allowDecrease = true;
          break;
        case 'recalc':
          allowDecrease = true;
          break;
      }
    }
    if (removeLeaving) {
      // cman_tool leave remove: the survivors recalculate with E = their votes.
      const total = [...members.values()].reduce((a, m) => a + m.votes, 0);
      for (const m of members.values()) m.expectedVotes = Math.max(1, total);
    }
    const list = [...members.values()].sort((a, b) => a.nodeid - b.nodeid);
    // cman computes quorum over the nodes that are members now: when quorum may go down (expected,
    // votes, leave remove, qdisk), members we have not heard from for a token do not count.
    const quorum = this.computeQuorum(allowDecrease ? list.filter((m) => this.isAlive(m, nowMs)) : list, view.quorum, allowDecrease);
    const changed = !sameMembers(list, view.members);
    const body: ViewBody = { k: 'view', history: view.history, base: 0, generation: view.generation + (changed ? GENERATION_STEP : 0), members: list, quorum,
      left, origins };
    if (!changed && origins.length === 0 && quorum === view.quorum &&
        list.every((m, i) => m.votes === view.members[i]!.votes && m.expectedVotes === view.members[i]!.expectedVotes)) return null;
    return body;
  }


  // ------------------------------------------------------------------ applying committed entries

  private applyCommitted(nowMs: number): void {
    while (this.lastApplied < this.commitIndex && this.role !== 'stopped') {
      const idx = this.lastApplied + 1;
      const entry = this.entryAt(idx);
      this.lastApplied = idx;
      if (entry.body.k === 'view') this.applyView(idx, entry.body, nowMs);
      else if (entry.body.k === 'cmd') this.applyCmd(idx, entry.body.origin, entry.body.cmd);
    }
    this.maybeCompact();
    void nowMs;
  }

  private applyView(idx: number, body: ViewBody, nowMs: number): void {
    const prev = this.appliedView;
    for (const l of body.left) {
      if (l.reason !== 'left' && l.reason !== 'removed') continue;
      // Our leader left cleanly and this view is committed: it stopped when it applied it (and reported
      // inquorate since the leave began), so our promise not to vote for another protects nothing. Elect
      // a successor now instead of a token later, while the leases it gave are still running (a new
      // leader respects those leases: priorLeaseUntil).
      if (this.promiseTo === l.nodeid && this.promiseToInc === l.incarnation && this.role === 'follower') {
        this.promiseUntil = Number.NEGATIVE_INFINITY;
        if (this.leaderId === l.nodeid && this.leaderInc === l.incarnation) {
          this.setLeader(null, 0, nowMs);
          this.lastLeaderMs = Number.NEGATIVE_INFINITY;
        }
      }
    }
    this.appliedView = body;
    this.appliedViewIndex = idx;
    for (const l of body.left) {
      this.emit({ kind: 'nodeLeft', nodeid: l.nodeid, incarnation: l.incarnation, reason: l.reason, generation: body.generation });
    }
    for (const m of body.members) {
      if (!isMember(prev, m.nodeid, m.incarnation)) {
        this.emit({ kind: 'nodeJoined', nodeid: m.nodeid, incarnation: m.incarnation, generation: body.generation });
      }
    }
    for (const l of body.left) this.noteRemoved(l.nodeid, l.incarnation, l.reason);
    for (const o of body.origins) this.resolve(o, true, undefined);
    this.checkOwnMembership(body);
  }

  private checkOwnMembership(body: ViewBody): void {
    if (isMember(body, this.me, this.inc)) {
      this.hasState = true;
      return;
    }
    if (!this.hasState) return;
    const mine = body.left.find((l) => l.nodeid === this.me && l.incarnation === this.inc);
    const by = this.leaderId === this.me ? null : this.leaderId;
    if (this.leaving || mine?.reason === 'left' || mine?.reason === 'removed') {
      this.stop('left', by, 'left the cluster');
    } else if (mine?.reason === 'killed') {
      this.stop('killed', by, `cman killed by node ${by ?? this.me} because we were killed by cman_tool or other application`);
    } else {
      this.stop('rejoin', by, 'removed from the cluster while running (not heard for a token); restart to rejoin');
    }
  }

  private applyCmd(idx: number, origin: RequestOrigin, cmd: AppCommand): void {
    const key = `${origin.nodeid}:${origin.inc}`;
    const sess = this.sessions.get(key);
    if (sess !== undefined && origin.seq <= sess.seq) return; // a retry of an applied request
    this.sessions.set(key, { nodeid: origin.nodeid, inc: origin.inc, seq: origin.seq });
    if (this.sessions.size > MAX_SESSIONS) {
      let oldest: string | null = null;
      let oldestInc = Number.POSITIVE_INFINITY;
      for (const [k, s] of this.sessions) if (s.inc < oldestInc) { oldestInc = s.inc; oldest = k; }
      if (oldest !== null) this.sessions.delete(oldest);
    }
    let applied = true;
    const cur = this.kvMap.get(cmd.key);
    switch (cmd.op) {
      case 'put':
        if (cur === undefined && this.kvMap.size >= this.limits.maxKeys) applied = false;
        else this.kvMap.set(cmd.key, { key: cmd.key, value: cmd.value, version: idx });
        break;
      case 'delete':
        applied = cur !== undefined;
        this.kvMap.delete(cmd.key);
        break;
      case 'cas':
        if ((cur?.version ?? 0) !== cmd.ifVersion) applied = false;
        else if (cmd.value === undefined) this.kvMap.delete(cmd.key);
        else if (cur === undefined && this.kvMap.size >= this.limits.maxKeys) applied = false;
        else this.kvMap.set(cmd.key, { key: cmd.key, value: cmd.value, version: idx });
        break;
    }
    const mine = origin.nodeid === this.me && origin.inc === this.inc;
    const p = mine ? this.pending.find((x) => x.seq === origin.seq) : undefined;
    this.emit({ kind: 'committed', index: idx, origin, reqId: p?.reqId ?? null, command: cmd, applied });
    if (mine) this.resolve(origin, applied, applied ? undefined : 'condition failed (version changed)');
  }

  private maybeCompact(): void {
    if (this.lastApplied - this.snap.index < this.limits.maxLogEntries) return;
    // Drop entries up to the previous snapshot (kept as a buffer for followers slightly behind).
    const dropTo = this.snap.index;
    if (dropTo > this.logStart) {
      this.log = this.log.slice(dropTo - this.logStart);
      this.logStartTerm = this.snap.term;
      this.logStart = dropTo;
    }
    this.snap = {
      index: this.lastApplied, term: this.termAt(this.lastApplied) ?? 0, view: this.appliedView, viewIndex: this.appliedViewIndex,
      kv: [...this.kvMap.values()], sessions: [...this.sessions.values()].map((s) => [s.nodeid, s.inc, s.seq]),
    };
  }

  // ------------------------------------------------------------------ messages

  private onMessage(from: NodeId, msg: Message, nowMs: number): void {
    if (from === this.me || !this.specs.has(from)) {
      this.dropped++;
      return;
    }
    switch (msg.t) {
      case 'vote': this.onVote(from, msg, nowMs); break;
      case 'voteResp': this.onVoteResp(from, msg, nowMs); break;
      case 'append': this.onAppend(from, msg, nowMs); break;
      case 'appendResp': this.onAppendResp(from, msg, nowMs); break;
      case 'snap': this.onSnap(from, msg, nowMs); break;
      case 'snapResp': this.onSnapResp(from, msg, nowMs); break;
      case 'beacon': this.onBeacon(from, msg, nowMs); break;
      case 'join': this.onJoin(from, msg, nowMs); break;
      case 'fwd': this.onFwd(from, msg, nowMs); break;
      case 'fwdResp': this.onFwdResp(msg); break;
      case 'kill': this.onKill(from, msg); break;
    }
  }

  /** A node that is not in our latest view but acts with state: kill it if we are the quorate leader (cman's dirty rule). */
  private strangerWithState(from: NodeId, inc: number, nowMs: number): void {
    this.dropped++;
    if (this.role !== 'leader' || !(this.leaseUntil() > nowMs)) return;
    const m = memberOf(this.logView, from);
    if (m !== undefined && m.incarnation === inc) return;
    const key = `${from}:${inc}`;
    // A node that left cleanly and missed the news of its removal: tell it so; it is no rejoiner.
    const departed = this.cleanlyLeft.get(from) === inc;
    if (!this.killSeen.has(key)) {
      if (this.killSeen.size > 256) this.killSeen.clear();
      this.killSeen.set(key, nowMs);
    }
    // two_node: the higher nodeid waits, so both sides do not kill each other.
    if (!departed && this.cfg.twoNode && this.me > from && nowMs - this.killSeen.get(key)! < this.twoNodeKillDelayMs) return;
    const last = this.killSentMs.get(key) ?? Number.NEGATIVE_INFINITY;
    if (nowMs - last < this.heartbeatMs) return;
    if (this.killSentMs.size > 256) this.killSentMs.clear();
    this.killSentMs.set(key, nowMs);
    this.send(from, { t: 'kill', inc: this.inc, victimInc: inc, reason: departed ? 'left' : 'rejoin' });
  }

  /** A member (this incarnation) of the latest view in the log or of the committed view. */
  private knownMember(n: NodeId, inc: number): ViewMember | undefined {
    const m = memberOf(this.logView, n);
    if (m !== undefined && m.incarnation === inc) return m;
    const a = memberOf(this.appliedView, n);
    return a !== undefined && a.incarnation === inc ? a : undefined;
  }

  private isViewMember(from: NodeId, inc: number): boolean {
    return isMember(this.logView, from, inc);
  }

  private onVote(from: NodeId, msg: Extract<Message, { t: 'vote' }>, nowMs: number): void {
    const empty = this.lastIndex() === 0;
    if (!empty) {
      if (this.knownMember(from, msg.inc) === undefined) {
        if (msg.fresh) {
          if (this.role === 'leader') this.send(from, { t: 'beacon', inc: this.inc, term: this.term, generation: this.appliedView?.generation ?? 0 });
          return;
        }
        this.strangerWithState(from, msg.inc, nowMs);
        return;
      }
    }
    // An empty node asked by a member of an existing cluster: do not try to form a new one for a while.
    if (empty && !msg.fresh) this.lastLeaderMs = Math.max(this.lastLeaderMs, nowMs);
    const myLastTerm = this.termAt(this.lastIndex()) ?? 0;
    // A candidate from another history (re-formed after restarts) must contain all we have committed.
    // (Our committed entries are those of the applied view's history: a candidate of that history is
    // compared as in Raft even when our log ends in an uncommitted view of a re-formed history.)
    const sameHistory = empty || msg.history === (this.logView?.history ?? '') || msg.history === (this.appliedView?.history ?? '') ||
      this.commitIndex <= msg.base;
    const upToDate = sameHistory &&
      (msg.lastTerm > myLastTerm || (msg.lastTerm === myLastTerm && msg.lastIndex >= this.lastIndex()));
    const better = sameHistory &&
      (msg.lastTerm > myLastTerm || (msg.lastTerm === myLastTerm && msg.lastIndex > this.lastIndex()));
    if (this.role === 'leader' && msg.term > this.term) {
      if (!better) {
        // A member is electing: it cannot hear us. Re-elect ourselves in a higher term (our followers promised to us).
        this.term = msg.term;
        this.startElection(nowMs, true);
        return;
      }
      // Its log is more up to date than ours (entries of a later term): it must be able to win, and
      // re-electing ourselves would keep knocking it out. Step down (our promises still run out first).
      this.adoptTerm(msg.term, nowMs);
    }
    if (nowMs < this.startedMs + this.tokenMs + this.graceMs) return;
    const promised = nowMs < this.promiseUntil && !(this.promiseTo === from && this.promiseToInc === msg.inc);
    if (promised) return;
    if (msg.term > this.term) this.adoptTerm(msg.term, nowMs);
    const grant = msg.term === this.term && (this.votedFor === null || this.votedFor === from) && upToDate &&
      this.role === 'follower';
    if (grant) {
      this.votedFor = from;
      this.nextElectionMs = nowMs + this.roundMs;
    } else if (!upToDate && this.role === 'follower') {
      // Our log is better than this candidate's: it cannot win with us, so we stand ourselves.
      this.eager = true;
    }
    // We know more committed entries than the candidate: if it needs restarted nodes' votes it will
    // leave the re-formation to us (checkElectionWon), so we stand next, without the stagger.
    if (!empty && this.commitIndex > msg.commit && this.role === 'follower') this.eager = true;
    // `fresh` also for a half-joined node (it holds a log but was never a member of a view it holds): no
    // leader ever counted its acknowledgements or promises, so like an empty node it may help re-form.
    this.send(from, { t: 'voteResp', inc: this.inc, term: this.term, granted: grant, fresh: empty || !this.hasState, better: !upToDate,
      commit: this.commitIndex });
  }

  private onVoteResp(from: NodeId, msg: Extract<Message, { t: 'voteResp' }>, nowMs: number): void {
    const acceptable = this.formation || msg.fresh || this.isViewMember(from, msg.inc);
    if (!acceptable) {
      this.dropped++;
      return;
    }
    if (msg.term > this.term) {
      if (this.role === 'leader') {
        this.term = msg.term;
        this.startElection(nowMs, true);
      } else {
        this.adoptTerm(msg.term, nowMs);
      }
      return;
    }
    if (this.role === 'candidate' && msg.term === this.term && msg.better && !this.reelect && !msg.fresh) {
      // A member has a better log than ours: let it win; back off. (Not for a half-joined node: no
      // member counts its vote, so it cannot win; only its grant counts, and it is refused to us.)
      this.role = 'follower';
      this.peers.clear();
      this.nextElectionMs = nowMs + this.roundMs + this.jitter(this.term + 7) * 4;
      return;
    }
    if (this.role !== 'candidate' || msg.term !== this.term || !msg.granted) return;
    this.granted.set(from, { inc: msg.inc, fresh: msg.fresh, commit: msg.commit });
    this.checkElectionWon(nowMs);
  }

  /** Accept `from` as leader of msg.term if the Raft rules and our filters allow it. */
  private recognizeLeader(from: NodeId, inc: number, term: number, nowMs: number): 'ok' | 'stale' | 'drop' {
    const m = memberOf(this.logView, from);
    if (m !== undefined && m.incarnation > inc) return 'drop';
    if (this.lastIndex() > 0 && this.hasState && m === undefined && this.wasRemoved(from, inc)) return 'drop';
    if (term < this.term) return 'stale';
    if (term === this.abandonedTerm && from === this.abandonedLeader) return 'drop';
    if (term > this.term) this.adoptTerm(term, nowMs);
    if (this.role === 'leader') return 'drop'; // two leaders in one term cannot happen; ignore
    if (this.role === 'candidate') {
      this.role = 'follower';
      this.reelect = false;
      this.peers.clear();
    }
    if (this.leaderId !== null && (this.leaderId !== from || this.leaderInc !== inc)) return 'drop';
    if (this.leaderId === null) this.setLeader(from, inc, nowMs);
    if (this.votedFor === null) this.votedFor = from;
    this.electionOverrideQuorum = null;
    this.lastLeaderMs = nowMs;
    this.promiseUntil = Math.max(this.promiseUntil, nowMs + this.tokenMs);
    this.promiseTo = from;
    this.promiseToInc = inc;
    return 'ok';
  }

  private removedIncs = new Map<NodeId, number>();
  /** Nodes whose latest removal was a clean leave (nodeid -> incarnation): a kill tells them 'left'. */
  private readonly cleanlyLeft = new Map<NodeId, number>();

  private wasRemoved(from: NodeId, inc: number): boolean {
    const r = this.removedIncs.get(from);
    return r !== undefined && r >= inc;
  }

  private onAppend(from: NodeId, msg: Extract<Message, { t: 'append' }>, nowMs: number): void {
    const r = this.recognizeLeader(from, msg.inc, msg.term, nowMs);
    if (r === 'drop') {
      if (this.role === 'leader' && !this.isViewMember(from, msg.inc)) this.strangerWithState(from, msg.inc, nowMs);
      else this.dropped++;
      return;
    }
    if (r === 'stale') {
      if (this.isViewMember(from, msg.inc) || this.lastIndex() === 0) {
        this.send(from, { t: 'appendResp', inc: this.inc, term: this.term, success: false, matchIndex: this.lastIndex(), echo: nowMs, tsEcho: msg.ts });
      } else if (this.role === 'leader') {
        this.strangerWithState(from, msg.inc, nowMs);
      }
      return;
    }
    // The lease is taken only once our log matches the leader's up to everything we have committed:
    // a leader behind our commit index (it re-formed without us) must not make our view quorate.
    const takeLease = (match: number) => {
      if (msg.leaseMs > 0 && match >= this.commitIndex) this.quorateUntil = Math.max(this.quorateUntil, msg.leaseEcho + msg.leaseMs);
    };
    const reply = (success: boolean, matchIndex: number) =>
      this.send(from, { t: 'appendResp', inc: this.inc, term: this.term, success, matchIndex, echo: nowMs, tsEcho: msg.ts });
    if (msg.prevIndex > this.lastIndex()) {
      reply(false, this.lastIndex());
      return;
    }
    let prevIndex = msg.prevIndex;
    let entries = msg.entries;
    if (prevIndex < this.logStart) {
      // Entries up to logStart are committed (and compacted) here already.
      const skip = this.logStart - prevIndex;
      if (skip >= entries.length) {
        takeLease(prevIndex + msg.entries.length);
        reply(true, this.logStart);
        return;
      }
      invariant(entries[skip - 1]!.term === this.logStartTerm, 'leader disagrees with a compacted entry');
      entries = entries.slice(skip);
      prevIndex = this.logStart;
    } else if (this.termAt(prevIndex) !== msg.prevTerm) {
      reply(false, Math.min(prevIndex - 1, this.commitIndex));
      return;
    }
    let idx = prevIndex;
    for (const e of entries) {
      idx++;
      const t = this.termAt(idx);
      if (t === e.term) continue;
      if (t !== undefined) {
        if (idx <= this.commitIndex) {
          // Only after restarts lost a quorum's memory (a re-formed history): we cannot follow it.
          this.stop('rejoin', from, `our committed log (index ${idx}) conflicts with the leader's history; restart to rejoin`);
          return;
        }
        this.log.length = idx - this.logStart - 1;
        this.recomputeLogView();
      }
      this.pushEntry(e);
    }
    const match = prevIndex + entries.length;
    const newCommit = Math.min(msg.commit, match);
    if (newCommit > this.commitIndex) {
      this.commitIndex = newCommit;
      this.applyCommitted(nowMs);
    }
    if (this.role !== 'stopped') {
      takeLease(match);
      reply(true, match);
    }
  }

  private onSnap(from: NodeId, msg: Extract<Message, { t: 'snap' }>, nowMs: number): void {
    const r = this.recognizeLeader(from, msg.inc, msg.term, nowMs);
    if (r !== 'ok') {
      this.dropped++;
      return;
    }
    const meta = msg.meta;
    const reply = (nextOffset: number) => this.send(from, { t: 'snapResp', inc: this.inc, term: this.term,
      lastIndex: meta.lastIndex, nextOffset, echo: nowMs, tsEcho: msg.ts });
    if (meta.kvCount > this.limits.maxKeys || meta.lastIndex === 0) {
      this.dropped++;
      return;
    }
    if (meta.lastIndex <= this.commitIndex) {
      reply(meta.kvCount);
      return;
    }
    const ps = this.pendingSnap;
    if (ps === null || ps.index !== meta.lastIndex || ps.term !== meta.lastTerm) {
      if (msg.offset !== 0) {
        reply(0);
        return;
      }
      this.pendingSnap = { index: meta.lastIndex, term: meta.lastTerm, meta, kv: [] };
    }
    const buf = this.pendingSnap!;
    if (msg.offset === buf.kv.length) buf.kv.push(...msg.kv.slice(0, meta.kvCount - buf.kv.length));
    if (buf.kv.length >= meta.kvCount) {
      this.installSnapshot(buf.meta, buf.kv, nowMs);
      this.pendingSnap = null;
      if (this.role === 'stopped') return;
      reply(meta.kvCount);
      return;
    }
    reply(buf.kv.length);
  }

  private installSnapshot(meta: SnapshotMeta, kv: KvEntry[], nowMs: number): void {
    invariant(meta.lastIndex > this.commitIndex, 'snapshot older than commit index');
    if (this.termAt(meta.lastIndex) === meta.lastTerm) {
      this.log = this.log.slice(meta.lastIndex - this.logStart);
    } else {
      this.log = [];
    }
    this.logStart = meta.lastIndex;
    this.logStartTerm = meta.lastTerm;
    this.snap = { index: meta.lastIndex, term: meta.lastTerm, view: meta.view, viewIndex: meta.viewIndex, kv,
      sessions: meta.sessions.map((s) => [s[0], s[1], s[2]]) };
    this.kvMap.clear();
    for (const e of kv) this.kvMap.set(e.key, e);
    this.sessions.clear();
    for (const [n, i, s] of meta.sessions) this.sessions.set(`${n}:${i}`, { nodeid: n, inc: i, seq: s });
    this.commitIndex = meta.lastIndex;
    this.lastApplied = meta.lastIndex;
    this.recomputeLogView();
    this.appliedView = meta.view;
    this.appliedViewIndex = meta.viewIndex;
    for (const l of meta.view.left) this.noteRemoved(l.nodeid, l.incarnation, l.reason);
    this.emit({ kind: 'snapshotInstalled', index: meta.lastIndex, entries: kv });
    this.checkOwnMembership(meta.view);
    void nowMs;
  }

  private noteRemoved(nodeid: NodeId, inc: number, reason: LeaveReason): void {
    this.removedIncs.set(nodeid, Math.max(inc, this.removedIncs.get(nodeid) ?? -1));
    // One entry per configured node: the latest incarnation that left cleanly.
    if (reason === 'left' || reason === 'removed') this.cleanlyLeft.set(nodeid, inc);
    else if (this.cleanlyLeft.get(nodeid) === inc) this.cleanlyLeft.delete(nodeid);
  }

  private onAppendResp(from: NodeId, msg: Extract<Message, { t: 'appendResp' }>, nowMs: number): void {
    const p = this.replyPeer(from, msg.inc, msg.term, nowMs, msg.echo, msg.tsEcho);
    if (p === null) return;
    if (msg.success) {
      p.matchIndex = Math.max(p.matchIndex, msg.matchIndex);
      p.nextIndex = Math.max(p.nextIndex, p.matchIndex + 1);
      this.advanceCommit(nowMs);
      const shortLease = p.grantedUntil - nowMs < this.tokenMs / 2 && this.leaseUntil() > nowMs &&
        (p.grantedUntil <= nowMs || nowMs - p.lastSentMs >= this.heartbeatMs / 4);
      const unsent = p.nextIndex <= this.lastIndex() && p.nextIndex <= this.sendWindowEnd(p);
      if (this.role === 'leader' && (unsent || shortLease)) {
        this.sendAppend(from, p, nowMs); // the next entries, or refresh a short lease (just after an election)
      }
    } else {
      p.nextIndex = Math.max(1, Math.min(p.nextIndex - 1, msg.matchIndex + 1));
      if (p.nextIndex <= p.matchIndex) p.nextIndex = p.matchIndex + 1;
      this.sendAppend(from, p, nowMs);
    }
  }

  /** Common handling of a follower's reply at the leader; null when it is to be ignored. */
  private replyPeer(from: NodeId, inc: number, term: number, nowMs: number, echo: number, tsEcho: number): Peer | null {
    if (!this.isViewMember(from, inc)) {
      this.dropped++;
      // A restarted node that took our log before its join was written: treat it as a join.
      const m = memberOf(this.logView, from);
      if (this.role === 'leader' && m !== undefined && m.incarnation < inc && !this.wasRemoved(from, inc)) {
        this.onJoin(from, { t: 'join', inc, votes: this.specs.get(from)?.votes ?? 1, expectedVotes: this.cfg.expectedVotes }, nowMs);
      }
      return null;
    }
    if (term > this.term) {
      if (this.role === 'leader') {
        this.term = term;
        this.startElection(nowMs, true);
      } else {
        this.adoptTerm(term, nowMs);
      }
      return null;
    }
    if (this.role !== 'leader' || term < this.term) return null;
    const p = this.peerFor(from, inc, nowMs);
    p.lastReplyMs = nowMs;
    p.ackedTs = Math.max(p.ackedTs, Math.min(tsEcho, nowMs));
    if (p.echo === null || echo > p.echo) {
      p.echo = echo;
      p.echoAtMs = nowMs;
    }
    if (!this.hadLease && this.leaseUntil() > nowMs) {
      // Our lease just became valid (after an election): hand out follower leases at once.
      this.hadLease = true;
      this.broadcastAppends(nowMs);
    }
    return p;
  }

  private onSnapResp(from: NodeId, msg: Extract<Message, { t: 'snapResp' }>, nowMs: number): void {
    const p = this.replyPeer(from, msg.inc, msg.term, nowMs, msg.echo, msg.tsEcho);
    if (p === null) return;
    if (msg.lastIndex !== this.snap.index) {
      p.snapIndex = -1;
      if (p.nextIndex <= this.logStart) this.sendAppend(from, p, nowMs);
      return;
    }
    if (msg.lastIndex === this.snap.index && msg.nextOffset >= this.snap.kv.length) {
      p.matchIndex = Math.max(p.matchIndex, this.snap.index);
      p.nextIndex = Math.max(p.nextIndex, this.snap.index + 1);
      p.snapIndex = -1;
      this.advanceCommit(nowMs);
      this.sendAppend(from, p, nowMs);
    } else if (msg.lastIndex === this.snap.index) {
      p.snapIndex = this.snap.index;
      p.snapOffset = Math.min(msg.nextOffset, this.snap.kv.length);
      this.sendAppend(from, p, nowMs);
    }
  }

  private onBeacon(from: NodeId, msg: Extract<Message, { t: 'beacon' }>, nowMs: number): void {
    if (!this.hasState && this.lastIndex() > 0 && from !== this.leaderId && nowMs - this.lastLeaderMs >= this.tokenMs) {
      // We were half-way into joining another leader that is gone; a clean restart is the safe way in.
      this.stop('rejoin', from, 'joining the cluster did not complete; restart to rejoin');
      return;
    }
    if (this.lastIndex() === 0) {
      // A cluster exists: ask to join it (after our first token: a restarted node waits out its old promises).
      if (nowMs < this.startedMs + this.tokenMs) return;
      this.lastLeaderMs = Math.max(this.lastLeaderMs, nowMs - this.tokenMs / 2);
      const spec = this.specs.get(this.me)!;
      this.send(from, { t: 'join', inc: this.inc, votes: spec.votes, expectedVotes: this.cfg.expectedVotes });
      return;
    }
    // A leader that does not count us as a member (it sends beacons only to non-members) while we
    // have state: we were removed, or we are another history's leader. Announce ourselves, so that
    // a quorate leader applies the dirty rule to us (cman kills such a node).
    if (this.role === 'leader' && !this.isViewMember(from, msg.inc)) this.strangerWithState(from, msg.inc, nowMs);
    else if (this.role !== 'leader') {
      const last = this.beaconReplyMs.get(from) ?? Number.NEGATIVE_INFINITY;
      if (nowMs - last >= this.heartbeatMs) {
        this.beaconReplyMs.set(from, nowMs);
        this.send(from, { t: 'beacon', inc: this.inc, term: this.term, generation: this.appliedView?.generation ?? 0 });
      }
    }
  }

  private onJoin(from: NodeId, msg: Extract<Message, { t: 'join' }>, nowMs: number): void {
    // Only a leader holding a quorum lease admits: a deposed leader that does not know it yet must
    // not count the acknowledgements of nodes that forgot the newer term when they restarted
    // (without a lease, the survivors re-form the cluster with them instead).
    if (this.role !== 'leader') {
      this.dropped++;
      return;
    }
    if (!(this.leaseUntil() > nowMs)) {
      // Without a lease: stand again; with the votes of the restarted nodes we may re-form.
      if (nowMs - this.leaderSinceMs >= this.tokenMs) this.startElection(nowMs, true);
      return;
    }
    const cur = memberOf(this.logView, from);
    if (cur !== undefined && cur.incarnation >= msg.inc) return;
    // (A removed incarnation may ask again: only nodes with an empty log send `join`, so it has no state.)
    if (this.changes.some((c) => c.op === 'join' && c.nodeid === from && c.inc >= msg.inc)) return;
    if (this.changes.length >= this.limits.maxPendingProposals) {
      this.dropped++;
      return;
    }
    this.changes = this.changes.filter((c) => !(c.op === 'join' && c.nodeid === from));
    this.changes.push({ op: 'join', nodeid: from, inc: msg.inc, votes: msg.votes, expectedVotes: msg.expectedVotes });
    this.proposeViewChange(nowMs);
  }

  private onKill(from: NodeId, msg: Extract<Message, { t: 'kill' }>): void {
    if (msg.victimInc !== this.inc) {
      this.dropped++;
      return;
    }
    if (this.leaving || msg.reason === 'left') {
      // We asked to leave (or the cluster removed us after a clean leave): a kill that overtakes the
      // news of our removal is the end of the leave.
      this.stop('left', from, `left the cluster (removal confirmed by node ${from})`);
      return;
    }
    if (msg.reason === 'killed') {
      this.stop('killed', from, `cman killed by node ${from} because we were killed by cman_tool or other application`);
    } else {
      this.stop('rejoin', from, `cman killed by node ${from} because we rejoined the cluster without a full restart`);
    }
  }

  // ------------------------------------------------------------------ local commands

  private onQdisk(available: boolean): void {
    if (available === this.qdiskOn) return;
    this.qdiskOn = available;
    if (this.role === 'leader' && this.cfg.qdiskVotes > 0) this.changes.push({ op: 'recalc' });
  }

  private onLocalCommand(reqId: number, command: LocalCommand, nowMs: number): void {
    const fail = (error: string) => {
      this.rejected++;
      this.emit({ kind: 'commandResult', reqId, ok: false, error });
    };
    if (command.op === 'propose') {
      try {
        validateAppCommand(command.command);
      } catch {
        return fail('malformed command');
      }
      const c = command.command;
      if (c.key.length > this.limits.maxKeyLength) return fail(`key longer than ${this.limits.maxKeyLength}`);
      if ((c.op === 'put' || c.op === 'cas') && jsonLength(c.value ?? null) > this.limits.maxValueJsonLength) {
        return fail(`value longer than ${this.limits.maxValueJsonLength} bytes of JSON`);
      }
      if (!isMember(this.appliedView, this.me, this.inc)) return fail('not a cluster member');
    }
    if (command.op === 'leave') {
      this.leaving = true;
      this.leaveDeadlineMs = nowMs + 2 * this.tokenMs;
      if (!isMember(this.appliedView, this.me, this.inc) || (this.leaderId === null && !this.isQuorate(nowMs))) {
        this.emit({ kind: 'commandResult', reqId, ok: true });
        this.stop('left', null, 'left the cluster');
        return;
      }
    }
    if (this.pending.length >= this.limits.maxPendingProposals) return fail('too many pending requests');
    const p: PendingCommand = { reqId, seq: this.nextSeq++, command, createdMs: nowMs, lastSentMs: Number.NEGATIVE_INFINITY,
      sentTo: null, handledTerm: -1 };
    this.pending.push(p);
    if (command.op === 'setExpectedVotes' && this.leaderId === null) {
      // Reviving an inquorate cluster with no leader: let our own election use the lowered quorum.
      const t = (memberOf(this.logView, this.me)?.votes ?? 0) + this.qdiskVotesNow();
      if (expectedVotesChangeAllowed(t, command.expectedVotes)) {
        this.electionOverrideQuorum = Math.max(Math.floor((command.expectedVotes + 2) / 2), Math.floor((t + 2) / 2));
        this.nextElectionMs = Number.NEGATIVE_INFINITY;
      }
    }
    this.sendPending(nowMs);
  }

  /** Send the oldest pending request to the leader (one in flight per node keeps sequence order). */
  private sendPending(nowMs: number): void {
    const head = this.pending[0];
    if (head === undefined || this.role === 'stopped') return;
    if (this.role === 'leader') {
      if (head.handledTerm === this.term) return;
      head.handledTerm = this.term;
      head.sentTo = this.me;
      head.lastSentMs = nowMs;
      const origin = { nodeid: this.me, inc: this.inc, seq: head.seq };
      const error = this.leaderHandle(origin, head.command, nowMs);
      if (error !== null) this.resolve(origin, false, error);
      return;
    }
    if (this.leaderId === null) return;
    if (head.sentTo === this.leaderId && nowMs - head.lastSentMs < this.tokenMs / 2) return;
    head.sentTo = this.leaderId;
    head.lastSentMs = nowMs;
    this.send(this.leaderId, { t: 'fwd', inc: this.inc, seq: head.seq, command: head.command });
  }

  private expirePending(nowMs: number): void {
    while (this.pending.length > 0 && nowMs - this.pending[0]!.createdMs >= this.commandTimeoutMs) {
      const p = this.pending.shift()!;
      this.emit({ kind: 'commandResult', reqId: p.reqId, ok: false, error: 'timed out waiting for the cluster' });
    }
  }

  private resolve(origin: RequestOrigin, ok: boolean, error: string | undefined): void {
    if (origin.nodeid !== this.me || origin.inc !== this.inc) return;
    const i = this.pending.findIndex((p) => p.seq === origin.seq);
    if (i < 0) return;
    const [p] = this.pending.splice(i, 1);
    this.emit(error === undefined ? { kind: 'commandResult', reqId: p!.reqId, ok } : { kind: 'commandResult', reqId: p!.reqId, ok, error });
  }

  private onFwd(from: NodeId, msg: Extract<Message, { t: 'fwd' }>, nowMs: number): void {
    if (this.role !== 'leader') {
      this.dropped++;
      return;
    }
    if (!this.isViewMember(from, msg.inc)) {
      this.send(from, { t: 'fwdResp', inc: this.inc, seq: msg.seq, ok: false, error: 'not a cluster member' });
      return;
    }
    const origin = { nodeid: from, inc: msg.inc, seq: msg.seq };
    const error = this.leaderHandle(origin, msg.command, nowMs);
    if (error !== null) this.send(from, { t: 'fwdResp', inc: this.inc, seq: msg.seq, ok: false, error });
  }

  private onFwdResp(msg: Extract<Message, { t: 'fwdResp' }>): void {
    if (msg.ok) return;
    this.resolve({ nodeid: this.me, inc: this.inc, seq: msg.seq }, false, msg.error);
  }

  private alreadyQueued(origin: RequestOrigin): boolean {
    const s = this.sessions.get(`${origin.nodeid}:${origin.inc}`);
    if (s !== undefined && s.seq >= origin.seq) return true;
    for (let i = this.commitIndex + 1; i <= this.lastIndex(); i++) {
      const b = this.entryAt(i).body;
      if (b.k === 'cmd' && b.origin.nodeid === origin.nodeid && b.origin.inc === origin.inc && b.origin.seq === origin.seq) return true;
      if (b.k === 'view' && b.origins.some((o) => o.nodeid === origin.nodeid && o.inc === origin.inc && o.seq === origin.seq)) return true;
    }
    return this.changes.some((c) => 'origin' in c && c.origin !== undefined && c.origin.nodeid === origin.nodeid &&
      c.origin.inc === origin.inc && c.origin.seq === origin.seq);
  }

  /** Leader: act on a request (local or forwarded). Returns an error text when refused. */
  private leaderHandle(origin: RequestOrigin, command: LocalCommand, nowMs: number): string | null {
    if (this.alreadyQueued(origin)) return null;
    const view = this.logView;
    if (view === null) return 'no cluster view yet';
    const totalVotes = view.members.filter((m) => this.isAlive(m, nowMs)).reduce((a, m) => a + m.votes, 0) + this.qdiskVotesNow();
    switch (command.op) {
      case 'propose': {
        if (this.reform !== null) return 'the cluster is re-forming; try again';
        if (this.lastIndex() - this.commitIndex >= this.limits.maxLogEntries) {
          this.rejected++;
          return 'too many uncommitted entries; try again';
        }
        this.appendEntry({ k: 'cmd', origin, cmd: command.command });
        this.broadcastAppends(nowMs);
        return null;
      }
      case 'leave':
        this.changes.push({ op: 'remove', nodeid: origin.nodeid, inc: origin.inc, reason: command.remove ? 'removed' : 'left', origin });
        break;
      case 'kill': {
        const m = memberOf(view, command.nodeid);
        if (m === undefined) return `node ${command.nodeid} is not a cluster member`;
        if (m.nodeid !== this.me) {
          this.send(m.nodeid, { t: 'kill', inc: this.inc, victimInc: m.incarnation, reason: 'killed' });
          const p = this.peers.get(m.nodeid);
          if (p !== undefined && p.inc === m.incarnation) p.revoked = true;
        }
        this.changes.push({ op: 'remove', nodeid: m.nodeid, inc: m.incarnation, reason: 'killed', origin });
        break;
      }
      case 'setExpectedVotes':
        if (!expectedVotesChangeAllowed(totalVotes, command.expectedVotes)) return 'Invalid argument';
        this.changes.push({ op: 'setExpected', expectedVotes: command.expectedVotes, origin });
        break;
      case 'setVotes': {
        const m = memberOf(view, command.nodeid);
        if (m === undefined) return `node ${command.nodeid} is not a cluster member`;
        const members = view.members.filter((x) => this.isAlive(x, nowMs)).map((x) => (x.nodeid === m.nodeid ? { ...x, votes: command.votes } : x));
        const t = members.reduce((a, x) => a + x.votes, 0) + this.qdiskVotesNow();
        const q = this.computeQuorum(members, view.quorum, true);
        if (q > t) return 'Invalid argument';
        this.changes.push({ op: 'setVotes', nodeid: m.nodeid, votes: command.votes, origin });
        break;
      }
    }
    this.proposeViewChange(nowMs);
    return null;
  }
}

export function createMembership(config: MembershipConfig): MembershipCore {
  return new Core(config);
}
