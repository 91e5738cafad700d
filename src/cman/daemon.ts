// The cman part of clusterd: a thin shell around the pure membership core. It feeds the core
// clock ticks, authenticated packets, local commands and the quorum-disk state, carries out its
// outputs (send, views, exit), serves cman's requests on the daemon socket, and re-emits
// membership changes as typed events for the other modules (fenced, rgmanager, conga).
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import type { ClusterConfig, ClusterNode } from '../config/types.js';
import { getLogger, type Logger } from '../log/index.js';
import { ApiError, type ApiServer } from '../api/index.js';
import type { CmanDiag, CmanNodeRow, CmanNodes, CmanStatus, QuorumEvent, StatusFlag } from '../api/cman.js';
import { expectedVotesChangeAllowed } from './quorum.js';
import {
  createMembership, decodeMessage, encodeMessage,
  type LocalCommand, type MembershipCore, type Message, type Output, type ViewInfo, type LeaveReason, type AppCommand, type KvEntry, type RequestOrigin,
} from './membership/index.js';
import { UdpTransport, type FrameKeys, type PeerAddress } from './transport/index.js';
import { QdiskRunner } from './qdisk/runner.js';

/** cman's protocol version as `cman_tool status` prints it (RHEL6). */
export const CMAN_VERSION = '6.2.0';
/** cman "ports" shown in `Ports Bound:` (0 = cman itself, 178 = qdiskd; 177 = rgmanager, 11 = clvmd). */
export const PORT_CMAN = 0;
export const PORT_QDISKD = 178;
/** Transport frame types from this value up carry other modules' messages (not the membership core's). */
export const APP_FRAME_TYPE_MIN = 64;

// --- a small typed event emitter ------------------------------------------------------------

export type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEmitter<M extends { [K in keyof M]: unknown[] }> {
  private readonly listeners = new Map<keyof M, Set<Listener<never[]>>>();
  on<K extends keyof M>(event: K, fn: Listener<M[K]>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) { set = new Set(); this.listeners.set(event, set); }
    set.add(fn as unknown as Listener<never[]>);
    return () => this.off(event, fn);
  }
  off<K extends keyof M>(event: K, fn: Listener<M[K]>): void {
    this.listeners.get(event)?.delete(fn as unknown as Listener<never[]>);
  }
  emit<K extends keyof M>(event: K, ...args: M[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const fn of [...set]) {
      try { (fn as unknown as Listener<M[K]>)(...args); } catch { /* a listener's bug must not stop cman */ }
    }
  }
}

export interface NodeChange {
  readonly nodeid: number;
  readonly name: string;
  readonly incarnation: number;
  readonly generation: number;
}

/** Events the cman module offers the rest of the daemon. */
export interface CmanEvents {
  /** Every committed view change or change of this node's quorate flag. */
  view: [ViewInfo];
  /** Quorum gained or lost on this node. */
  quorum: [QuorumEvent];
  nodeJoined: [NodeChange];
  nodeLeft: [NodeChange & { readonly reason: LeaveReason }];
  leader: [{ readonly leader: number | null; readonly term: number }];
  /** A replicated application command, in log order, once on every member. */
  committed: [{ readonly index: number; readonly origin: RequestOrigin; readonly command: AppCommand; readonly applied: boolean }];
  snapshotInstalled: [{ readonly index: number; readonly entries: readonly KvEntry[] }];
  /** cman is stopping on this node (clean leave, kill, eviction); the process exits next. */
  stopping: [{ readonly reason: string; readonly exitCode: number }];
}

export interface CmanDaemonOptions {
  readonly config: ClusterConfig;
  readonly node: ClusterNode;
  /** Address of every node (its clusternode name resolved), the local one included. */
  readonly addresses: ReadonlyMap<number, string>;
  readonly keys: FrameKeys;
  readonly encrypt: boolean;
  readonly api: ApiServer;
  /** Called once when the process should exit (after cleanup). */
  readonly onExit: (code: number) => void;
}

interface JoinRecord { generation: number; joinedMs: number }

/** The membership core's clock: monotonic milliseconds of this process (a wall-clock step must not stretch a lease). */
const monotonicMs = (): number => performance.now();
/** Requests waiting for a commandResult from the core. */
const MAX_PENDING_COMMANDS = 64;
const MSG_TYPES: readonly Message['t'][] = ['vote', 'voteResp', 'append', 'appendResp', 'snap', 'snapResp', 'beacon', 'join', 'fwd', 'fwdResp', 'kill'];

export class CmanDaemon {
  readonly events = new TypedEmitter<CmanEvents>();
  private readonly log: Logger;
  private readonly core: MembershipCore;
  private readonly transport: UdpTransport;
  private readonly qdisk: QdiskRunner | undefined;
  /** How late the tick timer fired (microseconds): the event-loop delay cman's timing sees, without a timer of its own. */
  private readonly loopDelay: RecordableHistogram = createHistogram();
  private readonly joined = new Map<number, JoinRecord>();
  private readonly names = new Map<number, string>();
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly startedMs = Date.now();
  /** With a quorum disk: tick at least this often (its votes are re-checked on ticks). */
  private readonly qdiskTickMs: number;
  /** One timer, armed for the core's next deadline (core.nextDeadlineMs). */
  private tickTimer: NodeJS.Timeout | undefined;
  private tickAtMs = Number.POSITIVE_INFINITY;
  private nextReqId = 1;
  private lastView: ViewInfo | undefined;
  private viewSeq = 0;
  private lastQuorate: boolean | undefined;
  private leaving = false;
  private stopped = false;
  private qdiskLastPollMs = -Infinity;
  private qdiskAvailable = false;
  private qdiskRegisteredMs: number | undefined;
  private readonly portsBound = new Set<number>([PORT_CMAN]);
  private readonly appFrameHandlers = new Map<number, (from: number, payload: Buffer) => void>();
  private runningConfigVersion: number | undefined;

  constructor(private readonly opts: CmanDaemonOptions) {
    const { config, node } = opts;
    this.log = getLogger('cman', { node: node.name });
    for (const n of config.nodes) this.names.set(n.nodeid, n.name);
    // The core says when it next needs a tick (heartbeats, timeouts, lease ends); between those the
    // process sleeps. With a quorum disk its poll freshness is checked at least every token/30.
    this.qdiskTickMs = Math.max(10, Math.min(100, Math.floor(config.totem.tokenMs / 30)));
    this.core = createMembership({
      nodeId: node.nodeid,
      incarnation: this.startedMs,
      nodes: config.nodes.map((n) => ({ nodeid: n.nodeid, name: n.name, votes: n.votes })),
      expectedVotes: config.cman.expectedVotes,
      twoNode: config.cman.twoNode,
      qdiskVotes: config.quorumd?.votes ?? 0,
      tokenMs: config.totem.tokenMs,
      consensusMs: config.totem.consensusMs,
    });
    const peers: PeerAddress[] = config.nodes.map((n) => ({ nodeid: n.nodeid, address: opts.addresses.get(n.nodeid)!, port: config.cman.port }));
    this.transport = new UdpTransport({
      localNodeid: node.nodeid, bindAddress: opts.addresses.get(node.nodeid)!, port: config.cman.port,
      clusterId: config.cman.clusterId, keys: opts.keys, encrypt: opts.encrypt, peers, incarnation: this.startedMs,
    });
    this.transport.onFrame((h, payload) => {
      // Frame types from APP_FRAME_TYPE_MIN up belong to other modules (config sync, ...).
      if (h.msgType >= APP_FRAME_TYPE_MIN) {
        const fn = this.appFrameHandlers.get(h.msgType);
        if (fn === undefined) throw new Error(`no handler for frame type ${h.msgType}`);
        fn(h.senderNodeid, payload);
        return;
      }
      const r = decodeMessage(payload);
      if (!r.ok) throw new Error(r.error); // counted as malformed-payload by the transport
      this.step({ kind: 'message', from: h.senderNodeid, message: r.message });
    });
    if (config.quorumd !== undefined) {
      this.qdisk = new QdiskRunner(config.quorumd, node.nodeid, {
        cmanMembers: () => (this.lastView?.members ?? []).map((m) => m.nodeid),
        poll: (votes) => { if (votes > 0) this.qdiskLastPollMs = monotonicMs(); },
        kill: (nodeid) => { void this.command({ op: 'kill', nodeid }).catch(() => undefined); },
        stop: (reason) => this.fatal(reason),
        log: (level, msg) => this.log[level](msg, { subsys: 'qdisk' }),
      });
    }
    this.registerApi(opts.api);
  }

  async start(): Promise<void> {
    const { config, node } = this.opts;
    await this.transport.start();
    this.log.notice(`cman starting: cluster ${config.name} (id ${config.cman.clusterId}), node ${node.name} (id ${node.nodeid}), ` +
      `${this.opts.addresses.get(node.nodeid)}:${config.cman.port}, token ${config.totem.tokenMs} ms`);
    this.tick();
    if (this.qdisk !== undefined) {
      try {
        await this.qdisk.start();
        this.qdiskRegisteredMs = Date.now();
        this.portsBound.add(PORT_QDISKD);
      } catch (err) {
        const msg = (err as Error).message;
        if (config.quorumd?.stopCman) { this.fatal(`${msg} (stop_cman=1)`); return; }
        this.log.error(`qdisk not started: ${msg}`, { subsys: 'qdisk' });
      }
    }
  }

  /** Receive authenticated frames of an application type (>= APP_FRAME_TYPE_MIN); a throwing handler counts as malformed. */
  onAppFrame(msgType: number, fn: (from: number, payload: Buffer) => void): void {
    if (msgType < APP_FRAME_TYPE_MIN || msgType > 255) throw new RangeError(`application frame type ${msgType} out of range`);
    this.appFrameHandlers.set(msgType, fn);
  }

  /** Send an authenticated application frame to one configured node; false when it could not be sent (too big, unknown node). */
  sendAppFrame(to: number, msgType: number, payload: Uint8Array): boolean {
    return this.transport.send(to, msgType, this.lastView?.generation ?? 0, payload);
  }

  /** Largest application payload one frame carries. */
  get maxAppPayloadBytes(): number { return this.transport.maxPayloadBytes; }

  /** The config version this node runs after an online update (cman_tool version, status). */
  setRunningConfigVersion(version: number): void { this.runningConfigVersion = version; }

  /** Bind a cman "port" (shown in `cman_tool status` Ports Bound), e.g. 177 for rgmanager. */
  bindPort(port: number): void { this.portsBound.add(port); }

  view(): ViewInfo { return this.core.view(monotonicMs()); }

  /** Replicated key/value state (for rgmanager's service state). */
  kv(): ReadonlyMap<string, KvEntry> { return this.core.kv(); }

  /** Propose an application command to the replicated log (resolves when committed or refused). */
  propose(command: AppCommand): Promise<void> { return this.command({ op: 'propose', command }); }

  /** Clean leave (SIGTERM, `cman_tool leave`): tell the others, then exit 0. */
  async leave(remove: boolean): Promise<void> {
    if (this.leaving || this.stopped) return;
    this.leaving = true;
    this.log.notice(`leaving the cluster${remove ? ' (remove)' : ''}`);
    const limitMs = Math.max(this.opts.config.cman.shutdownTimeoutMs, 2 * this.opts.config.totem.tokenMs);
    const timer = setTimeout(() => void this.shutdown('leave timed out; exiting anyway', 0), limitMs);
    timer.unref();
    this.step({ kind: 'command', reqId: this.nextReqId++, command: { op: 'leave', remove } });
  }

  // --- core driving -------------------------------------------------------------------------

  private tick(): void {
    this.refreshQdisk(this.lastView);
    this.step({ kind: 'tick' });
  }

  /**
   * cman's quorum-device object: MEMBER while qdiskd polled within quorum_dev_poll ms. We add one
   * rule: the votes count only while the qdisk master is this node or a member of this node's
   * view, so the side of a split without the master drops them the moment its view shrinks
   * instead of one quorum_dev_poll later. Returns true when the state changed (and was fed in).
   */
  private refreshQdisk(view: ViewInfo | undefined): boolean {
    if (this.qdisk === undefined) return false;
    const now = monotonicMs();
    const polled = now - this.qdiskLastPollMs <= this.opts.config.cman.quorumDevPollMs;
    const master = this.qdisk.masterNodeid();
    const masterHere = master !== undefined && (master === this.opts.node.nodeid || (view?.members.some((m) => m.nodeid === master) ?? false));
    const available = polled && masterHere;
    if (available === this.qdiskAvailable) return false;
    this.qdiskAvailable = available;
    if (!available && this.qdiskLastPollMs > 0) {
      this.log.warn(polled ? `quorum device master (node ${master ?? '?'}) is not in this partition; qdisk votes withdrawn` : 'lost contact with quorum device', { subsys: 'qdisk' });
    }
    this.step({ kind: 'qdisk', available });
    return true;
  }

  private step(input: Parameters<MembershipCore['step']>[0]): void {
    if (this.stopped) return;
    const stepMs = monotonicMs();
    const outputs = this.core.step(input, stepMs);
    for (const o of outputs) this.carryOut(o);
    this.armTick(stepMs);
  }

  /** Arm the one tick timer for the core's next deadline (an armed earlier timer is kept: an early tick is harmless). */
  private armTick(stepMs: number): void {
    if (this.stopped) return;
    // Asked at the step's own clock: a deadline that fell due while the outputs were carried out is
    // not lost (it would be, asked later: the heartbeat missed, a leader lease lapsed for a moment).
    let at = this.core.nextDeadlineMs(stepMs);
    const now = monotonicMs();
    // With a quorum disk its poll freshness is re-checked on ticks: at least every qdiskTickMs.
    if (this.qdisk !== undefined) at = Math.min(at, now + this.qdiskTickMs);
    if (this.tickTimer !== undefined && this.tickAtMs <= at) return;
    if (this.tickTimer !== undefined) clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    this.tickAtMs = at;
    if (!Number.isFinite(at)) return;
    this.tickTimer = setTimeout(() => {
      const late = monotonicMs() - at;
      if (late > 0) this.loopDelay.record(Math.max(1, Math.round(late * 1000)));
      this.tickTimer = undefined;
      this.tickAtMs = Number.POSITIVE_INFINITY;
      this.tick();
    }, Math.max(0, Math.ceil(at - now)));
  }

  private send(to: number | undefined, message: Message): void {
    const bytes = encodeMessage(message);
    const known = MSG_TYPES.indexOf(message.t);
    const type = known < 0 ? 0xffff : known; // the frame's type field is informational
    const gen = this.lastView?.generation ?? 0;
    if (to === undefined) this.transport.broadcast(type, gen, bytes);
    else this.transport.send(to, type, gen, bytes);
  }

  private carryOut(o: Output): void {
    switch (o.kind) {
      case 'send': this.send(o.to, o.message); break;
      case 'broadcast': this.send(undefined, o.message); break;
      case 'view': this.onView(o.view); break;
      case 'leader': this.events.emit('leader', { leader: o.leader, term: o.term }); break;
      case 'nodeJoined': {
        this.joined.set(o.nodeid, { generation: o.generation, joinedMs: Date.now() });
        this.log.notice(`node ${this.nameOf(o.nodeid)} (id ${o.nodeid}) joined, generation ${o.generation}`);
        this.events.emit('nodeJoined', { nodeid: o.nodeid, name: this.nameOf(o.nodeid), incarnation: o.incarnation, generation: o.generation });
        break;
      }
      case 'nodeLeft': {
        this.log.notice(`node ${this.nameOf(o.nodeid)} (id ${o.nodeid}) left: ${o.reason}, generation ${o.generation}`, { reason: o.reason });
        this.events.emit('nodeLeft', { nodeid: o.nodeid, name: this.nameOf(o.nodeid), incarnation: o.incarnation, generation: o.generation, reason: o.reason });
        break;
      }
      case 'committed':
        this.events.emit('committed', { index: o.index, origin: o.origin, command: o.command, applied: o.applied });
        break;
      case 'snapshotInstalled':
        this.events.emit('snapshotInstalled', { index: o.index, entries: o.entries });
        break;
      case 'commandResult': {
        const p = this.pending.get(o.reqId);
        if (p === undefined) break;
        this.pending.delete(o.reqId);
        clearTimeout(p.timer);
        if (o.ok) p.resolve();
        else this.log.info(`command refused: ${o.error ?? 'refused'}`);
        if (!o.ok) p.reject(new ApiError(/not found|unknown/i.test(o.error ?? '') ? 'ENOENT' : 'EINVAL', o.error ?? 'refused'));
        break;
      }
      case 'exit': {
        const by = o.by !== null ? this.nameOf(o.by) : 'unknown';
        // The core reports every end of a clean leave as 'left' (also a kill that overtakes the news
        // of our removal), so 'killed' and 'rejoin' here are real kills.
        if (o.reason === 'left') { void this.shutdown(o.message || 'left the cluster', 0); break; }
        const why = o.reason === 'killed'
          ? `cman killed by node ${o.by ?? 0} (${by}) because we were killed by cman_tool or other application`
          : `cman killed by node ${o.by ?? 0} (${by}) because we rejoined the cluster without a full restart`;
        this.log.error(why, { reason: o.message });
        void this.shutdown(why, 1);
        break;
      }
    }
  }

  private onView(v: ViewInfo): void {
    // Settle the qdisk votes against this view first; the core then emits a corrected view.
    const seq = this.viewSeq;
    if (this.refreshQdisk(v)) {
      if (this.viewSeq === seq) this.onView(this.core.view(monotonicMs()));
      return;
    }
    this.viewSeq += 1;
    const now = Date.now();
    for (const m of v.members) if (!this.joined.has(m.nodeid)) this.joined.set(m.nodeid, { generation: v.generation, joinedMs: now });
    this.lastView = v;
    this.events.emit('view', v);
    if (v.quorate !== this.lastQuorate) {
      if (this.lastQuorate !== undefined || v.quorate) {
        if (v.quorate) this.log.notice(this.lastQuorate === undefined ? 'quorum gained, activity allowed' : 'quorum regained, resuming activity');
        else this.log.warn('quorum lost, blocking activity');
      }
      this.lastQuorate = v.quorate;
      const ev: QuorumEvent = { quorate: v.quorate, quorum: v.quorum, totalVotes: v.totalVotes, generation: v.generation };
      this.events.emit('quorum', ev);
      this.opts.api.publish('cman.quorum', ev);
    }
    this.opts.api.publish('cman.membership', this.status());
  }

  private command(command: LocalCommand): Promise<void> {
    if (this.stopped || this.leaving) return Promise.reject(new ApiError('ENOTCONN', 'cman is shutting down'));
    if (this.pending.size >= MAX_PENDING_COMMANDS) return Promise.reject(new ApiError('EAGAIN', 'too many commands in progress'));
    const reqId = this.nextReqId++;
    const timeoutMs = 4 * this.opts.config.totem.tokenMs + this.opts.config.totem.consensusMs;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new ApiError('ETIMEDOUT', `no agreement within ${timeoutMs} ms (is the cluster quorate?)`));
      }, timeoutMs);
      this.pending.set(reqId, { resolve, reject, timer });
      this.step({ kind: 'command', reqId, command });
    });
  }

  private fatal(reason: string): void {
    this.log.error(`stopping: ${reason}`);
    void this.shutdown(reason, 1);
  }

  /** Stop everything (idempotent), then call onExit. */
  async shutdown(reason: string, exitCode: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.events.emit('stopping', { reason, exitCode });
    if (this.tickTimer !== undefined) clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    for (const [, p] of this.pending) { clearTimeout(p.timer); p.reject(new ApiError('ENOTCONN', 'cman stopped')); }
    this.pending.clear();
    await this.qdisk?.stop();
    await this.transport.close();
    this.log.notice(`cman stopped: ${reason}`);
    this.opts.onExit(exitCode);
  }

  // --- API --------------------------------------------------------------------------------------

  private nameOf(nodeid: number): string { return this.names.get(nodeid) ?? `Node${nodeid}`; }

  private nodeidOf(name: string): number {
    for (const [id, n] of this.names) if (n === name || n.split('.')[0] === name) return id;
    if (/^\d+$/.test(name) && this.names.has(Number(name))) return Number(name);
    throw new ApiError('ENOENT', `no node named ${name}`);
  }

  status(): CmanStatus {
    const { config, node } = this.opts;
    const v = this.core.view(monotonicMs());
    const me = v.members.find((m) => m.nodeid === node.nodeid);
    const flags: StatusFlag[] = [];
    if (config.cman.twoNode) flags.push('2node');
    if (this.leaving) flags.push('Shutdown');
    return {
      version: CMAN_VERSION,
      configVersion: this.runningConfigVersion ?? config.configVersion,
      clusterName: config.name,
      clusterId: config.cman.clusterId,
      generation: v.generation,
      membershipState: this.leaving ? 'Leaving' : me !== undefined ? 'Cluster-Member' : 'Joining',
      nodes: v.members.length,
      expectedVotes: v.expectedVotes,
      quorumDeviceVotes: this.qdisk !== undefined && this.qdiskAvailable ? config.quorumd!.votes : undefined,
      totalVotes: v.totalVotes,
      nodeVotes: me?.votes ?? node.votes,
      quorum: v.quorum,
      quorate: v.quorate,
      activeSubsystems: this.opts.api.clientCount + (this.qdisk !== undefined ? 1 : 0),
      flags,
      portsBound: [...this.portsBound].sort((a, b) => a - b),
      nodeName: node.name,
      nodeId: node.nodeid,
      multicastAddresses: config.cman.multicastAddress !== undefined ? [config.cman.multicastAddress] : [],
      nodeAddresses: [this.opts.addresses.get(node.nodeid)!],
      disallowedNodes: [],
    };
  }

  nodes(): CmanNodes {
    const v = this.core.view(monotonicMs());
    const members = new Map(v.members.map((m) => [m.nodeid, m]));
    const rows: CmanNodeRow[] = this.opts.config.nodes.map((n) => {
      const m = members.get(n.nodeid);
      const j = this.joined.get(n.nodeid);
      return {
        nodeid: n.nodeid, name: n.name, sts: m !== undefined ? 'M' : 'X', state: m !== undefined ? 'Member' : 'Dead',
        incarnation: j?.generation ?? 0, joinedMs: m !== undefined ? j?.joinedMs : undefined,
        votes: m?.votes ?? n.votes, expectedVotes: m?.expectedVotes ?? this.opts.config.cman.expectedVotes,
        addresses: [this.opts.addresses.get(n.nodeid) ?? n.name],
      };
    });
    if (this.qdisk !== undefined && this.qdiskRegisteredMs !== undefined) {
      rows.push({
        nodeid: 0, name: this.qdisk.name, sts: this.qdiskAvailable ? 'M' : 'X', state: this.qdiskAvailable ? 'Member' : 'Dead',
        incarnation: 0, joinedMs: this.qdiskRegisteredMs, votes: this.opts.config.quorumd!.votes, expectedVotes: 0, addresses: [],
      });
    }
    return { nodes: rows, disallowedCount: 0 };
  }

  diag(): CmanDiag {
    const h = this.loopDelay;
    const ms = (us: number) => (Number.isFinite(us) && h.count > 0 ? us / 1000 : 0);
    const cpu = process.cpuUsage();
    return {
      pid: process.pid,
      uptimeS: Math.round((Date.now() - this.startedMs) / 1000),
      rssBytes: process.memoryUsage.rss(),
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      tokenTimeoutMs: this.opts.config.totem.tokenMs,
      loopDelay: { meanMs: ms(h.mean), p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) },
      transport: this.transport.counterSnapshot(),
      qdisk: this.qdisk?.diag(),
      membership: (({ role, term, leader, commitIndex, lastIndex }) => ({ role, term, leaderNodeid: leader, commitIndex, lastIndex }))(this.core.stats()),
    };
  }

  private registerApi(api: ApiServer): void {
    api.handle('cman.status', () => this.status());
    api.handle('cman.nodes', () => this.nodes());
    api.handle('cman.diag', () => this.diag());
    api.handle('cman.setExpected', async ({ expectedVotes }) => {
      if (!Number.isInteger(expectedVotes) || expectedVotes < 1) throw new ApiError('EINVAL', 'expected votes must be a positive integer');
      const v = this.core.view(monotonicMs());
      if (!expectedVotesChangeAllowed(v.totalVotes, expectedVotes)) {
        throw new ApiError('EINVAL', `expected votes ${expectedVotes} would make quorum out of range for ${v.totalVotes} votes`);
      }
      await this.command({ op: 'setExpectedVotes', expectedVotes });
      return { expectedVotes };
    });
    api.handle('cman.setVotes', async ({ votes, nodeName }) => {
      if (!Number.isInteger(votes) || votes < 0 || votes > 255) throw new ApiError('EINVAL', 'votes must be an integer in 0..255');
      const nodeid = nodeName !== undefined ? this.nodeidOf(nodeName) : this.opts.node.nodeid;
      await this.command({ op: 'setVotes', nodeid, votes });
      return { nodeid, votes };
    });
    api.handle('cman.kill', async ({ nodeName }) => {
      const nodeid = this.nodeidOf(nodeName);
      // cman_kill_node() is fire-and-forget: the victim is told at once and exits; removing it
      // from the view may wait for quorum (a kill that leaves the cluster inquorate).
      this.command({ op: 'kill', nodeid }).catch((err: Error) => this.log.warn(`kill of node ${nodeid}: ${err.message}`));
      return { nodeid };
    });
    api.handle('cman.leave', ({ remove }) => {
      setImmediate(() => void this.leave(remove));
      return { leaving: true };
    });
  }
}
