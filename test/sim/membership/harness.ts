// A seeded, deterministic cluster simulator for the membership core: many nodes in one process,
// a virtual clock, and a network that loses, delays, duplicates and reorders messages, with
// partitions, crashes, restarts and pauses. Used by the simulation tests, the unit tests and the
// benchmark. Nothing here reads the wall clock.
import { createMembership, decodeMessage, encodeMessage } from '../../../src/cman/membership/index.js';
import type { MembershipConfig, MembershipCore, Message, NodeId, Output, ViewInfo, LocalCommand } from '../../../src/cman/membership/index.js';

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimOptions {
  nodes: number;
  tokenMs: number;
  consensusMs?: number;
  tickMs?: number;
  twoNode?: boolean;
  votes?: number[];
  expectedVotes?: number;
  qdiskVotes?: number;
  /** Round-trip every message through encodeMessage/decodeMessage. */
  codec?: boolean;
  limits?: MembershipConfig['limits'];
  /** Tick a node only once its core's nextDeadlineMs() is due (as the daemon does), not every tickMs. */
  deadlineTicks?: boolean;
}

interface InFlight {
  at: number;
  seq: number;
  from: NodeId;
  to: NodeId;
  message: Message;
}

export interface SimNode {
  id: NodeId;
  core: MembershipCore | null;
  incarnation: number;
  paused: boolean;
  /** Messages held while paused (delivered on resume), bounded. */
  held: InFlight[];
  lastView: ViewInfo | null;
  exits: { reason: string; atMs: number }[];
  restartAtMs: number | null;
  /** With deadlineTicks: when the core next needs a tick. */
  deadlineMs: number;
  /** Tick inputs given to this node's cores. */
  ticks: number;
  results: Map<number, { ok: boolean; error?: string }>;
  committed: { index: number; key: string }[];
}

export interface NetFaults {
  lossRate: number;
  dupRate: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export class SimViolation extends Error {
  override name = 'SimViolation';
}

export class Sim {
  readonly nodes = new Map<NodeId, SimNode>();
  readonly rand: () => number;
  nowMs = 0;
  readonly tickMs: number;
  faults: NetFaults;
  /** Group of each node; messages cross groups only when equal. */
  readonly group = new Map<NodeId, number>();
  /** Directed links that drop everything: "from>to". */
  readonly cut = new Set<string>();
  private queue: InFlight[] = [];
  private seq = 0;
  private nextIncarnation = 1;
  /** Per history: index -> fingerprint of the committed entry (log agreement). */
  readonly committedAt = new Map<string, Map<number, string>>();
  /** Per history: generation -> member list (view agreement). */
  readonly generationMembers = new Map<string, Map<number, string>>();
  messagesDelivered = 0;
  coreSteps = 0;
  qdiskHolderGroup: number | null = null;
  checkSafety = true;
  /** Restart nodes this long after they exit (fencing + reboot). */
  restartDelayMs: number;
  readonly log: string[] = [];

  constructor(readonly seed: number, readonly opts: SimOptions) {
    this.rand = rng(seed);
    this.tickMs = opts.tickMs ?? Math.max(1, Math.floor(opts.tokenMs / 20));
    this.faults = { lossRate: 0, dupRate: 0, minDelayMs: 1, maxDelayMs: Math.max(2, Math.floor(opts.tokenMs / 20)) };
    this.restartDelayMs = 2 * opts.tokenMs;
    for (let i = 1; i <= opts.nodes; i++) {
      this.nodes.set(i, { id: i, core: null, incarnation: 0, paused: false, held: [], lastView: null, exits: [],
        restartAtMs: null, deadlineMs: 0, ticks: 0, results: new Map(), committed: [] });
      this.group.set(i, 0);
    }
  }

  config(id: NodeId, incarnation: number): MembershipConfig {
    const votes = this.opts.votes ?? [];
    const nodes = [...this.nodes.keys()].map((n) => ({ nodeid: n, name: `node${n}`, votes: votes[n - 1] ?? 1 }));
    const expectedVotes = this.opts.expectedVotes ?? (nodes.reduce((a, n) => a + n.votes, 0) + (this.opts.qdiskVotes ?? 0));
    return { nodeId: id, incarnation, nodes, expectedVotes, twoNode: this.opts.twoNode ?? false,
      qdiskVotes: this.opts.qdiskVotes ?? 0, tokenMs: this.opts.tokenMs, consensusMs: this.opts.consensusMs ?? this.opts.tokenMs,
      ...(this.opts.limits !== undefined ? { limits: this.opts.limits } : {}) };
  }

  start(id: NodeId): void {
    const n = this.nodes.get(id)!;
    n.incarnation = this.nextIncarnation++;
    n.core = createMembership(this.config(id, n.incarnation));
    n.paused = false;
    n.held = [];
    n.lastView = null;
    n.restartAtMs = null;
    this.note(`start node${id} inc ${n.incarnation}`);
    this.stepNode(n, { kind: 'tick' });
  }

  startAll(): void {
    for (const id of this.nodes.keys()) this.start(id);
  }

  crash(id: NodeId): void {
    const n = this.nodes.get(id)!;
    if (n.core === null) return;
    n.core = null;
    n.lastView = null;
    n.held = [];
    this.note(`crash node${id}`);
  }

  pause(id: NodeId): void {
    const n = this.nodes.get(id)!;
    if (n.core !== null) n.paused = true;
  }

  resume(id: NodeId): void {
    const n = this.nodes.get(id)!;
    if (!n.paused) return;
    n.paused = false;
    const held = n.held;
    n.held = [];
    for (const m of held) this.deliver(m);
  }

  partition(groups: NodeId[][]): void {
    this.group.clear();
    groups.forEach((g, i) => g.forEach((id) => this.group.set(id, i)));
    for (const id of this.nodes.keys()) if (!this.group.has(id)) this.group.set(id, groups.length);
    this.note(`partition ${groups.map((g) => g.join(',')).join(' | ')}`);
    this.updateQdisk();
  }

  heal(): void {
    for (const id of this.nodes.keys()) this.group.set(id, 0);
    this.cut.clear();
    this.note('heal');
    this.updateQdisk();
  }

  /** With a qdisk: its votes go to the nodes in the group that holds the qdisk master. */
  setQdiskHolder(group: number | null): void {
    this.qdiskHolderGroup = group;
    this.updateQdisk();
  }

  private updateQdisk(): void {
    if ((this.opts.qdiskVotes ?? 0) === 0) return;
    for (const n of this.nodes.values()) {
      if (n.core === null) continue;
      const on = this.qdiskHolderGroup !== null && this.group.get(n.id) === this.qdiskHolderGroup;
      this.stepNode(n, { kind: 'qdisk', available: on });
    }
  }

  command(id: NodeId, reqId: number, command: LocalCommand): void {
    const n = this.nodes.get(id)!;
    if (n.core !== null && !n.paused) this.stepNode(n, { kind: 'command', reqId, command });
  }

  private note(s: string): void {
    if (this.log.length < 20000) this.log.push(`${this.nowMs}: ${s}`);
  }

  private connected(a: NodeId, b: NodeId): boolean {
    return this.group.get(a) === this.group.get(b) && !this.cut.has(`${a}>${b}`);
  }

  private stepNode(n: SimNode, input: Parameters<MembershipCore['step']>[0]): void {
    if (n.core === null) return;
    this.coreSteps++;
    const outs = n.core.step(input, this.nowMs);
    this.handleOutputs(n, outs);
    if (n.core !== null) n.deadlineMs = n.core.nextDeadlineMs(this.nowMs);
  }

  private handleOutputs(n: SimNode, outs: Output[]): void {
    // Entries committed in this step belong to the history the node is in after the step (a re-formed
    // history commits the old tail together with its first view).
    const after = outs.filter((o) => o.kind === 'view').pop();
    const stepHistory = after?.kind === 'view' ? after.view.history : n.lastView?.history ?? '?';
    for (const o of outs) {
      switch (o.kind) {
        case 'send': this.transmit(n.id, o.to, o.message); break;
        case 'broadcast': for (const to of this.nodes.keys()) if (to !== n.id) this.transmit(n.id, to, o.message); break;
        case 'view': n.lastView = o.view; this.recordView(n, o.view); break;
        case 'committed': {
          const history = stepHistory;
          this.recordEntry(n, history, o.index, `cmd:${JSON.stringify(o.origin)}:${JSON.stringify(o.command)}:${o.applied}`);
          if (n.committed.length < 10_000) n.committed.push({ index: o.index, key: o.command.key });
          break;
        }
        case 'commandResult': n.results.set(o.reqId, o.error !== undefined ? { ok: o.ok, error: o.error } : { ok: o.ok }); break;
        case 'exit':
          n.exits.push({ reason: o.reason, atMs: this.nowMs });
          this.note(`node${n.id} exit ${o.reason}: ${o.message}`);
          n.core = null;
          n.lastView = null;
          n.restartAtMs = this.nowMs + this.restartDelayMs;
          return;
        default: break;
      }
    }
  }

  private recordView(n: SimNode, v: ViewInfo): void {
    if (v.index === 0) return;
    const fp = `view:${v.generation}:${v.quorum}:${v.members.map((m) => `${m.nodeid}.${m.incarnation}.${m.votes}.${m.expectedVotes}`).join(',')}`;
    this.recordEntry(n, v.history, v.index, fp);
    let g = this.generationMembers.get(v.history);
    if (g === undefined) this.generationMembers.set(v.history, (g = new Map()));
    const members = v.members.map((m) => `${m.nodeid}.${m.incarnation}`).join(',');
    const prev = g.get(v.generation);
    if (prev === undefined) g.set(v.generation, members);
    else if (prev !== members && this.checkSafety && !this.opts.twoNode) {
      this.violation(`safety 1: generation ${v.generation} of history ${v.history} has members [${prev}] and [${members}] (node${n.id})`);
    }
  }

  private recordEntry(n: SimNode, history: string, index: number, fp: string): void {
    if (!this.checkSafety || this.opts.twoNode) return;
    let h = this.committedAt.get(history);
    if (h === undefined) this.committedAt.set(history, (h = new Map()));
    const prev = h.get(index);
    if (prev === undefined) h.set(index, fp);
    else if (prev !== fp) this.violation(`log agreement: index ${index} of history ${history}: ${prev} vs ${fp} (node${n.id})`);
  }

  violation(what: string): never {
    throw new SimViolation(`${what} at ${this.nowMs} ms`);
  }

  private transmit(from: NodeId, to: NodeId, message: Message): void {
    if (!this.nodes.has(to)) return;
    if (!this.connected(from, to)) return;
    if (this.rand() < this.faults.lossRate) return;
    let msg = message;
    if (this.opts.codec) {
      const d = decodeMessage(encodeMessage(message));
      if (!d.ok) this.violation(`codec rejected our own message ${message.t}: ${d.error}`);
      msg = d.message;
    }
    const copies = this.rand() < this.faults.dupRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.faults.minDelayMs + Math.floor(this.rand() * (this.faults.maxDelayMs - this.faults.minDelayMs + 1));
      this.queue.push({ at: this.nowMs + delay, seq: this.seq++, from, to, message: msg });
    }
  }

  private deliver(m: InFlight): void {
    const n = this.nodes.get(m.to)!;
    if (n.core === null) return;
    if (!this.connected(m.from, m.to)) return;
    if (n.paused) {
      if (n.held.length < 1000) n.held.push(m);
      return;
    }
    this.messagesDelivered++;
    if (this.traceMessages && m.message.t !== 'append' && m.message.t !== 'appendResp') {
      this.log.push(`${this.nowMs}: ${m.from}->${m.to} ${JSON.stringify(m.message)}`);
    } else if (this.traceMessages && m.message.t === 'append' && m.message.entries.some((e) => e.body.k === 'view')) {
      const views = m.message.entries.filter((e) => e.body.k === 'view').map((e) => JSON.stringify(e.body));
      this.log.push(`${this.nowMs}: ${m.from}->${m.to} append prev ${m.message.prevIndex} commit ${m.message.commit} views ${views.join(' ')}`);
    }
    this.stepNode(n, { kind: 'message', from: m.from, message: m.message });
  }

  /** Advance the virtual clock by one tick: deliver due messages, tick every node, check safety. */
  tick(): void {
    this.nowMs += this.tickMs;
    if (this.queue.length > 0) {
      const due: InFlight[] = [];
      const rest: InFlight[] = [];
      for (const m of this.queue) (m.at <= this.nowMs ? due : rest).push(m);
      this.queue = rest;
      due.sort((a, b) => a.at - b.at || a.seq - b.seq);
      for (const m of due) this.deliver(m);
    }
    for (const n of this.nodes.values()) {
      if (n.core === null) {
        if (n.restartAtMs !== null && this.nowMs >= n.restartAtMs) this.start(n.id);
        continue;
      }
      if (!n.paused && (!this.opts.deadlineTicks || this.nowMs >= n.deadlineMs)) {
        n.ticks++;
        this.stepNode(n, { kind: 'tick' });
      }
    }
    if (this.trace) {
      const line = [...this.nodes.values()].map((n) => {
        if (n.core === null) return `${n.id}:down`;
        const v = n.core.view(this.nowMs);
        const st = n.core.stats();
        return `${n.id}.${n.incarnation}${n.paused ? 'P' : ''}:${st.role[0]}${st.term} g${v.generation}/${v.index}${v.quorate ? 'Q' : '-'}` +
          `L${v.leader ?? '_'}[${v.members.map((m) => (m.incarnation === m.nodeid ? `${m.nodeid}` : `${m.nodeid}.${m.incarnation}`)).join(',')}]h${v.history}`;
      }).join(' ');
      if (line !== this.lastTrace) {
        this.lastTrace = line;
        this.log.push(`${this.nowMs}: ${line}`);
      }
    }
    if (this.checkSafety) this.checkQuorateViews();
  }

  trace = process.env['SIM_TRACE'] === '1';
  traceMessages = process.env['SIM_MSGS'] === '1';
  private lastTrace = '';

  run(ms: number, each?: () => void): void {
    const end = this.nowMs + ms;
    while (this.nowMs < end) {
      this.tick();
      each?.();
    }
  }

  /** Run until `cond` holds (checked after every tick) or `ms` pass; returns the virtual time it took, or null. */
  runUntil(cond: () => boolean, ms: number): number | null {
    const start = this.nowMs;
    const end = this.nowMs + ms;
    while (this.nowMs < end) {
      this.tick();
      if (cond()) return this.nowMs - start;
    }
    return null;
  }

  liveNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.core !== null);
  }

  view(id: NodeId): ViewInfo | null {
    const n = this.nodes.get(id)!;
    return n.core === null ? null : n.core.view(this.nowMs);
  }

  /** Safety 2 (and 1 across partitions): quorate nodes never disagree about who is in the cluster. */
  checkQuorateViews(): void {
    if (this.opts.twoNode) return;
    const quorate: { id: NodeId; inc: number; v: ViewInfo }[] = [];
    for (const n of this.nodes.values()) {
      if (n.core === null) continue;
      const v = n.core.view(this.nowMs);
      if (v.quorate) quorate.push({ id: n.id, inc: n.incarnation, v });
    }
    // Two quorate nodes: the one with the older view must be a member (same incarnation) of the newer
    // view, or both report the same view. A re-formed history continues the log (higher indices) and
    // contains the survivors; a cluster formed from scratch beside a quorate one fails this.
    for (const a of quorate) {
      for (const b of quorate) {
        if (a === b || b.v.index < a.v.index) continue;
        if (b.v.index === a.v.index) {
          if (b.v.history !== a.v.history || b.v.generation !== a.v.generation) {
            this.violation(`safety 1: node${a.id} and node${b.id} are quorate in different views at index ${a.v.index} ` +
              `(${a.v.history} g${a.v.generation} vs ${b.v.history} g${b.v.generation})`);
          }
          continue;
        }
        if (!b.v.members.some((m) => m.nodeid === a.id && m.incarnation === a.inc)) {
          this.violation(`safety 2: node${a.id} quorate in generation ${a.v.generation} (${a.v.history}) but not a member of ` +
            `node${b.id}'s quorate generation ${b.v.generation} (${b.v.history}) [${b.v.members.map((m) => m.nodeid).join(',')}]`);
        }
      }
    }
  }

  /** All live, unpaused nodes are quorate in one view whose members are exactly them. */
  converged(): boolean {
    const live = this.liveNodes();
    if (live.length === 0 || live.some((n) => n.paused)) return false;
    if ([...this.nodes.values()].some((n) => n.core === null && n.restartAtMs !== null)) return false;
    let first: ViewInfo | null = null;
    for (const n of live) {
      const v = n.core!.view(this.nowMs);
      if (!v.quorate) return false;
      if (first === null) first = v;
      else if (v.history !== first.history || v.generation !== first.generation || v.index !== first.index) return false;
    }
    const members = first!.members;
    if (members.length !== live.length) return false;
    return live.every((n) => members.some((m) => m.nodeid === n.id && m.incarnation === n.incarnation));
  }

  pendingMessages(): number {
    return this.queue.length;
  }
}
