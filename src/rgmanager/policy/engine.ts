// The placement and recovery policy core: a deterministic state machine
//   step(event, nowMs) -> decisions
// No I/O, no clock of its own. The state is owned by the engine and updated in place (10,000
// services must not be copied per event); clone() branches it for what-if questions.
// Rules and deviations from rgmanager: README.md in this folder.
import { calculateQuorum } from '../../cman/quorum.js';
import {
  FLAG_FROZEN, FLAG_PARTIAL, PolicyInvariantError, RG_CODES, SERVICE_STATE_CODES,
  type Decision, type FenceStatus, type MigrateOutcome, type NodeView, type PolicyConfig, type PolicyEvent,
  type QuorumView, type RgCodeName, type ServiceStateName, type ServiceView, type StopMode, type UserOp,
  type EngineSnapshot, type NodesSnapshot, type OperationSnapshot, type ServiceSnapshot,
} from './types.js';

/** node_should_start scores (rgmanager fo_domain.c). */
export const ILLEGAL = 0;
export const GOOD = 1;
export const BETTER = 2;
export const BEST = 3;
export const SCORE_NAMES = ['ILLEGAL', 'GOOD', 'BETTER', 'BEST'] as const;

const NONE = -1;
/** Limit on restart timestamps kept per service (the threshold never needs more than max_restarts). */
const MAX_RESTART_HISTORY = 1024;

type Purpose =
  | 'disable' | 'stop' | 'emergency' | 'dependency'   // stop, then a final state
  | 'recover'                                          // status failure: stop, then the recovery policy
  | 'relocate'                                         // stop (user/failback), then the relocation plan
  | 'restart'                                          // user restart: stop, then start on the same node
  | 'cleanup';                                         // a start failed: stop, then continue the plan

interface Relocation {
  kind: 'user' | 'failback' | 'recovery' | 'enable';
  /** Node the service comes from (restart-locally candidate), or NONE. */
  origin: number;
  preferred: number;
  tried: number[];
  /** Set when every other node failed or none was legal: the start runs on the origin. */
  local: boolean;
}

interface Op {
  kind: 'start' | 'stop' | 'migrate' | 'convalesce';
  node: number;
  /** migrate destination. */
  target: number;
  purpose: Purpose;
}

interface Svc {
  readonly index: number;
  state: ServiceStateName;
  owner: number;
  lastOwner: number;
  restarts: number;
  restartTimesMs: number[];
  lastTransitionMs: number;
  touched: boolean;
  flags: number;
  op: Op | undefined;
  reloc: Relocation | undefined;
  requestId: number | undefined;
  /** Not auto-started until the membership changes or a user request (user stop, all starts failed). */
  hold: boolean;
  /** Last placement note, for explain(). */
  note: string;
}

interface NodeRt {
  online: boolean;
  qdiskOk: boolean;
  fence: FenceStatus;
  fenceRetryAtMs: number;
}

interface DomainRt {
  readonly name: string;
  readonly ordered: boolean;
  readonly restricted: boolean;
  readonly nofailback: boolean;
  /** Priority per node index; -1 = not a member. */
  readonly prio: Int32Array;
  /** Member node indices. */
  readonly members: number[];
  anyOnline: boolean;
  bestPrioOnline: number;
}

interface SvcCfg {
  readonly id: string;
  readonly domain: number;
  readonly autostart: boolean;
  readonly exclusive: boolean;
  readonly recovery: string;
  readonly depend: number;
  readonly dependId: string | undefined;
  readonly dependMode: 'hard' | 'soft';
  readonly maxRestarts: number;
  readonly restartExpireMs: number;
  readonly migratory: boolean;
  /** Services depending on this one. */
  readonly dependents: number[];
}

export interface StepResult {
  readonly decisions: Decision[];
}

function assert(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new PolicyInvariantError(msg);
}

const ACTIVE_STATES: ReadonlySet<ServiceStateName> = new Set(['starting', 'started', 'stopping', 'recoverable', 'migrating']);

export class PolicyEngine {
  readonly config: PolicyConfig;
  private readonly nodeNames: string[];
  private readonly nodeIds: number[];
  private readonly nodeIndexByName = new Map<string, number>();
  /** Node indices sorted by nodeid (tie-break order). */
  private readonly nodesById: number[];
  private readonly svcCfg: SvcCfg[];
  private readonly svcIndexById = new Map<string, number>();
  private readonly domains: DomainRt[];

  private nodes: NodeRt[];
  private svcs: Svc[];
  /** Active services per node (owner, plus a migration's destination). */
  private count: Int32Array;
  private exclusiveCount: Int32Array;
  private quorum: QuorumView;
  private previousQuorum = 0;
  /** Quorum comes from the caller (cman's view), not from calculateQuorum over `online`. */
  private externalQuorum = false;
  private out: Decision[] = [];
  /** Services whose state changed in this step (invariants are checked on them). */
  private changed: number[] = [];
  private now = 0;

  constructor(config: PolicyConfig) {
    this.config = config;
    this.nodeNames = config.nodes.map((n) => n.name);
    this.nodeIds = config.nodes.map((n) => n.nodeid);
    config.nodes.forEach((n, i) => {
      if (this.nodeIndexByName.has(n.name)) throw new RangeError(`duplicate node name ${n.name}`);
      this.nodeIndexByName.set(n.name, i);
    });
    this.nodesById = config.nodes.map((_, i) => i).sort((a, b) => (this.nodeIds[a] ?? 0) - (this.nodeIds[b] ?? 0));
    const domainIndex = new Map<string, number>();
    this.domains = [];
    for (const d of config.domains) {
      const key = d.name.toLowerCase();
      if (domainIndex.has(key)) continue; // rgmanager: duplicate domain ignored (#31)
      const prio = new Int32Array(config.nodes.length).fill(-1);
      const members: number[] = [];
      for (const m of d.members) {
        const ni = this.nodeIndexByName.get(m.node);
        if (ni === undefined || (prio[ni] ?? -1) >= 0) continue; // unknown or duplicate member (#30)
        prio[ni] = d.ordered && m.priority >= 1 && m.priority <= 100 ? m.priority : 0;
        members.push(ni);
      }
      domainIndex.set(key, this.domains.length);
      this.domains.push({ name: d.name, ordered: d.ordered, restricted: d.restricted, nofailback: d.nofailback,
        prio, members, anyOnline: false, bestPrioOnline: 0 });
    }
    config.services.forEach((s, i) => {
      if (this.svcIndexById.has(s.id)) throw new RangeError(`duplicate service ${s.id}`);
      this.svcIndexById.set(s.id, i);
    });
    const dependents: number[][] = config.services.map(() => []);
    this.svcCfg = config.services.map((s, i) => {
      const dep = s.depend !== undefined ? this.svcIndexById.get(s.depend) ?? NONE : NONE;
      if (dep >= 0 && dep !== i) dependents[dep]?.push(i);
      return {
        id: s.id,
        domain: s.domain !== undefined ? domainIndex.get(s.domain.toLowerCase()) ?? NONE : NONE,
        autostart: s.autostart, exclusive: s.exclusive, recovery: s.recovery,
        depend: dep === i ? NONE : dep, dependId: s.depend, dependMode: s.dependMode,
        maxRestarts: Math.max(0, s.maxRestarts), restartExpireMs: Math.max(0, s.restartExpireTimeS) * 1000,
        migratory: s.migratory, dependents: dependents[i] ?? [],
      };
    });
    this.nodes = config.nodes.map(() => ({ online: false, qdiskOk: config.qdisk !== undefined, fence: 'clean', fenceRetryAtMs: 0 }));
    this.svcs = config.services.map((_, index) => ({
      index, state: 'stopped', owner: NONE, lastOwner: NONE, restarts: 0, restartTimesMs: [], lastTransitionMs: 0,
      touched: false, flags: 0, op: undefined, reloc: undefined, requestId: undefined, hold: false, note: '',
    }));
    this.count = new Int32Array(config.nodes.length);
    this.exclusiveCount = new Int32Array(config.nodes.length);
    this.quorum = { quorate: false, totalVotes: 0, expectedVotes: config.expectedVotes, quorum: 0, qdiskHeld: false };
  }

  /** An independent copy (for what-if questions). */
  clone(): PolicyEngine {
    const c = new PolicyEngine(this.config);
    c.nodes = this.nodes.map((n) => ({ ...n }));
    c.svcs = this.svcs.map((s) => ({ ...s, restartTimesMs: [...s.restartTimesMs], op: s.op && { ...s.op },
      reloc: s.reloc && { ...s.reloc, tried: [...s.reloc.tried] } }));
    c.count = Int32Array.from(this.count);
    c.exclusiveCount = Int32Array.from(this.exclusiveCount);
    c.quorum = { ...this.quorum };
    c.previousQuorum = this.previousQuorum;
    c.externalQuorum = this.externalQuorum;
    c.now = this.now;
    return c;
  }

  // ---------------------------------------------------------------- views

  quorumView(): QuorumView { return this.quorum; }

  nodeViews(): NodeView[] {
    return this.nodesById.map((i) => {
      const n = this.nodes[i]!;
      return { name: this.nodeNames[i]!, nodeid: this.nodeIds[i]!, online: n.online, qdisk: n.qdiskOk, fence: n.fence };
    });
  }

  serviceViews(): ServiceView[] { return this.svcs.map((s) => this.view(s)); }

  service(id: string): ServiceView | undefined {
    const i = this.svcIndexById.get(id);
    return i === undefined ? undefined : this.view(this.svcs[i]!);
  }

  hasNode(name: string): boolean { return this.nodeIndexByName.has(name); }
  hasService(id: string): boolean { return this.svcIndexById.has(id); }

  private view(s: Svc): ServiceView {
    const op = s.op;
    return {
      id: this.svcCfg[s.index]!.id, state: s.state, stateCode: SERVICE_STATE_CODES[s.state],
      owner: this.name(s.owner), lastOwner: this.name(s.lastOwner), restarts: s.restarts,
      lastTransitionMs: s.lastTransitionMs, frozen: (s.flags & FLAG_FROZEN) !== 0, partial: (s.flags & FLAG_PARTIAL) !== 0,
      flags: s.flags,
      pending: op === undefined ? null
        : op.kind === 'migrate' ? `migrate ${this.name(op.node)} -> ${this.name(op.target)}` : `${op.kind} on ${this.name(op.node)}`,
    };
  }

  private name(i: number): string | null { return i >= 0 ? this.nodeNames[i] ?? null : null; }
  private nm(i: number): string { return this.nodeNames[i] ?? `#${i}`; }
  private sid(i: number): string { return this.svcCfg[i]!.id; }

  // ---------------------------------------------------------------- the step function

  step(event: PolicyEvent, nowMs: number): StepResult {
    assert(Number.isFinite(nowMs), 'nowMs must be finite');
    this.now = Math.max(this.now, nowMs);
    this.out = [];
    this.changed = [];
    let gained: number[] = [];
    /** Services to re-evaluate; undefined = all. */
    let scope: number[] | undefined;
    switch (event.type) {
      case 'membership': {
        const online = new Set<number>();
        for (const n of event.online) online.add(this.nodeIdx(n));
        if (event.quorum !== undefined) this.takeQuorum(event.quorum);
        gained = this.applyMembership(online);
        break;
      }
      case 'node-down': {
        const online = this.onlineSet();
        online.delete(this.nodeIdx(event.node));
        gained = this.applyMembership(online);
        break;
      }
      case 'node-up': {
        const online = this.onlineSet();
        online.add(this.nodeIdx(event.node));
        gained = this.applyMembership(online);
        break;
      }
      case 'qdisk': {
        this.nodes[this.nodeIdx(event.node)]!.qdiskOk = event.ok;
        this.recomputeQuorum(true);
        break;
      }
      case 'fence-result': this.onFenceResult(this.nodeIdx(event.node), event.ok); break;
      case 'fence-override': this.onFenceOverride(this.nodeIdx(event.node)); break;
      case 'start-result': {
        const si = this.svcIdx(event.service);
        this.onStartResult(si, this.nodeIdx(event.node), event.ok);
        // A successful start changes no node's count, no domain and no hold: only the service
        // itself (quorum loss) and its dependents can be affected.
        if (this.svcs[si]!.state === 'started') scope = [si, ...this.svcCfg[si]!.dependents].sort((a, b) => a - b);
        break;
      }
      case 'stop-result': this.onStopResult(this.svcIdx(event.service), this.nodeIdx(event.node), event.ok); break;
      case 'migrate-result': this.onMigrateResult(this.svcIdx(event.service), this.nodeIdx(event.node), event.outcome); break;
      case 'convalesce-result': this.onConvalesceResult(this.svcIdx(event.service), this.nodeIdx(event.node), event.ok); break;
      case 'status-failure': this.onStatusFailure(this.svcIdx(event.service), this.nodeIdx(event.node)); break;
      case 'status-partial': {
        const s = this.svcs[this.svcIdx(event.service)]!;
        const ni = this.nodeIdx(event.node);
        if (s.state === 'started' && s.op === undefined && s.owner === ni && this.nodes[ni]!.online) s.flags |= FLAG_PARTIAL;
        break;
      }
      case 'request': this.onRequest(event.requestId, event.op, event.service, event.target); break;
      case 'tick': break;
    }
    this.requestFences();
    this.evaluate(gained, scope);
    this.checkInvariants();
    return { decisions: this.out };
  }

  private nodeIdx(name: string): number {
    const i = this.nodeIndexByName.get(name);
    if (i === undefined) throw new RangeError(`unknown node '${name}'`);
    return i;
  }

  private svcIdx(id: string): number {
    const i = this.svcIndexById.get(id);
    if (i === undefined) throw new RangeError(`unknown service '${id}'`);
    return i;
  }

  private onlineSet(): Set<number> {
    const s = new Set<number>();
    this.nodes.forEach((n, i) => { if (n.online) s.add(i); });
    return s;
  }

  // ---------------------------------------------------------------- membership, quorum, fencing

  private applyMembership(online: Set<number>): number[] {
    const lost: number[] = [];
    const gained: number[] = [];
    for (const i of this.nodesById) {
      const was = this.nodes[i]!.online;
      const is = online.has(i);
      if (was && !is) lost.push(i);
      if (!was && is) gained.push(i);
    }
    if (lost.length === 0 && gained.length === 0) return [];
    for (const i of lost) {
      const n = this.nodes[i]!;
      n.online = false;
      n.fence = 'needed';
      n.fenceRetryAtMs = 0;
    }
    for (const i of gained) this.nodes[i]!.online = true;
    this.recomputeQuorum(false);
    for (const i of gained) {
      const n = this.nodes[i]!;
      if (n.fence !== 'clean') {
        // fenced: "averting fence" - the node rejoined as a clean member, so it restarted
        // (cman's dirty rule) and runs none of its former services.
        n.fence = 'clean';
        this.nodeIsClean(i, 'rejoined clean; fence averted');
      }
    }
    // A membership change re-evaluates held services (rgmanager: next node transition).
    for (const s of this.svcs) s.hold = false;
    return gained;
  }

  private takeQuorum(q: QuorumView): void {
    assert(Number.isFinite(q.quorum) && Number.isFinite(q.totalVotes) && Number.isFinite(q.expectedVotes), 'quorum values must be finite');
    this.externalQuorum = true;
    this.quorum = { quorate: q.quorate, totalVotes: q.totalVotes, expectedVotes: q.expectedVotes, quorum: q.quorum, qdiskHeld: q.qdiskHeld };
    this.previousQuorum = q.quorum;
  }

  private recomputeQuorum(allowDecrease: boolean): void {
    if (this.externalQuorum) return; // cman's view decides (membership events carry it)
    const votes: number[] = [];
    let qdiskHeld = false;
    this.nodes.forEach((n, i) => {
      if (!n.online) return;
      votes.push(this.config.nodes[i]!.votes);
      if (n.qdiskOk) qdiskHeld = true;
    });
    qdiskHeld = qdiskHeld && this.config.qdisk !== undefined;
    const r = calculateQuorum({
      memberVotes: votes, memberExpectedVotes: votes.map(() => this.config.expectedVotes),
      qdiskVotes: qdiskHeld ? this.config.qdisk!.votes : 0, twoNode: this.config.twoNode,
      previousQuorum: this.previousQuorum, allowDecrease,
    });
    this.previousQuorum = r.quorum; // cman's ratchet: the next calculation starts from here

    this.quorum = { quorate: votes.length > 0 && r.quorate, totalVotes: r.totalVotes, expectedVotes: r.expectedVotes,
      quorum: r.quorum, qdiskHeld };
  }

  /** Ask for every fence that is due (only a quorate partition fences). */
  private requestFences(): void {
    if (!this.quorum.quorate) return;
    for (const i of this.nodesById) {
      const n = this.nodes[i]!;
      if (n.fence === 'needed' || (n.fence === 'failed' && this.now >= n.fenceRetryAtMs)) {
        const retry = n.fence === 'failed';
        n.fence = 'fencing';
        this.out.push({ op: 'fence', node: this.nm(i), reason: retry ? 'retrying after a failed fence' : `${this.nm(i)} left the cluster` });
      }
    }
  }

  private onFenceResult(i: number, ok: boolean): void {
    const n = this.nodes[i]!;
    if (n.fence !== 'fencing') return; // stale
    if (ok) {
      n.fence = 'clean';
      this.nodeIsClean(i, `${this.nm(i)} fenced`);
    } else {
      n.fence = 'failed';
      n.fenceRetryAtMs = this.now + this.config.fenceRetryS * 1000;
    }
  }

  private onFenceOverride(i: number): void {
    const n = this.nodes[i]!;
    if (n.online || n.fence === 'clean') return;
    n.fence = 'clean';
    this.nodeIsClean(i, `fencing of ${this.nm(i)} acknowledged by hand (fence_ack_manual)`);
  }

  /** The node is known to run nothing (fenced, acknowledged, or rejoined fresh): settle its services. */
  private nodeIsClean(ni: number, why: string): void {
    for (const s of this.svcs) {
      const op = s.op;
      if (op?.kind === 'migrate' && op.target === ni && s.owner !== ni) {
        // The destination died mid-migration; the vm is still on the source.
        this.uncount(ni, s.index);
        s.op = undefined;
        this.reply(s, 'RG_EFAIL', `migration target ${this.nm(ni)} died`);
        continue;
      }
      if (s.owner !== ni) continue;
      if (op?.kind === 'migrate') this.uncount(op.target, s.index);
      s.op = undefined;
      if (s.state === 'failed') {
        this.setState(s, 'failed', NONE, why);
        continue;
      }
      const purpose = op?.kind === 'stop' ? op.purpose : undefined;
      if (purpose === 'disable') {
        this.setState(s, 'disabled', NONE, why);
        this.mark(s, why);
        this.reply(s, 'RG_ESUCCESS', why);
        continue;
      }
      s.flags &= ~FLAG_PARTIAL;
      this.setState(s, 'stopped', NONE, why);
      this.mark(s, (s.flags & FLAG_FROZEN) !== 0 ? `${why}; frozen, stays stopped` : `${why}; service recovers`);
      if (purpose === 'relocate' && s.reloc !== undefined) {
        s.reloc.origin = NONE; // the old owner is gone; it cannot be the restart-locally fallback
        this.relocationStep(s);
      } else {
        s.reloc = undefined;
        if (purpose === 'stop') this.reply(s, 'RG_ESUCCESS', why);
        else this.reply(s, 'RG_EFAIL', `${why} during the operation`);
      }
    }
  }

  // ---------------------------------------------------------------- domains and scores

  private refreshDomains(): void {
    for (const d of this.domains) {
      d.anyOnline = false;
      d.bestPrioOnline = Number.MAX_SAFE_INTEGER;
      for (const m of d.members) {
        if (!this.nodes[m]!.online) continue;
        d.anyOnline = true;
        const p = d.prio[m]!;
        if (p < d.bestPrioOnline) d.bestPrioOnline = p;
      }
    }
  }

  /** node_in_domain: 0 no member online, 1 not a member, 2 member but not best, 3 best member online. */
  private nodeInDomain(d: DomainRt, ni: number): number {
    if (!d.anyOnline) return 0;
    const p = d.prio[ni]!;
    if (p < 0) return 1;
    return p > d.bestPrioOnline ? 2 : 3;
  }

  /** node_should_start (fo_domain.c). Assumes refreshDomains() is current. */
  private score(si: number, ni: number): number {
    if (!this.nodes[ni]!.online) return ILLEGAL;
    const di = this.svcCfg[si]!.domain;
    if (di < 0) return BEST;
    const d = this.domains[di]!;
    const s = this.svcs[si]!;
    const running = (s.state === 'started' || s.state === 'starting') && s.owner >= 0 && this.nodes[s.owner]!.online;
    switch (this.nodeInDomain(d, ni)) {
      case 0: return d.restricted ? ILLEGAL : BEST;
      case 1: return d.restricted ? ILLEGAL : GOOD;
      case 2:
        if (!d.ordered) return BEST;
        return d.nofailback && running && s.owner === ni ? BEST : BETTER;
      default:
        return d.nofailback && running && s.owner !== ni ? BETTER : BEST;
    }
  }

  /** Exclusivity: may service si run on node ni (ignoring si itself)? */
  private exclusiveOk(si: number, ni: number): boolean {
    const s = this.svcs[si]!;
    const self = s.owner === ni && ACTIVE_STATES.has(s.state) ? 1 : 0;
    if (this.svcCfg[si]!.exclusive) return this.count[ni]! - self === 0;
    return this.exclusiveCount[ni]! === 0;
  }

  /** Among candidates: fewest active services, then lowest nodeid (nodesById order). */
  private pickLeastLoaded(cands: number[]): number {
    let best = NONE;
    for (const ni of cands) if (best === NONE || this.count[ni]! < this.count[best]!) best = ni;
    return best;
  }

  /** best_target_node: highest score (exclusive: empty nodes only, +2), then the tie-break. */
  private bestTarget(si: number, exclude: ReadonlySet<number>): number {
    let bestScore = GOOD;
    let cands: number[] = [];
    const excl = this.svcCfg[si]!.exclusive;
    for (const ni of this.nodesById) {
      if (exclude.has(ni)) continue;
      let sc = this.score(si, ni);
      if (sc === ILLEGAL || !this.exclusiveOk(si, ni)) continue;
      if (excl) sc += 2;
      if (sc > bestScore) { bestScore = sc; cands = [ni]; } else if (sc === bestScore) cands.push(ni);
    }
    return this.pickLeastLoaded(cands);
  }

  // ---------------------------------------------------------------- counting and transitions

  private countIn(ni: number, si: number): void {
    this.count[ni]!++;
    if (this.svcCfg[si]!.exclusive) this.exclusiveCount[ni]!++;
  }

  private uncount(ni: number, si: number): void {
    this.count[ni]!--;
    if (this.svcCfg[si]!.exclusive) this.exclusiveCount[ni]!--;
    assert(this.count[ni]! >= 0 && this.exclusiveCount[ni]! >= 0, `service count of ${this.nm(ni)} went negative`);
  }

  /** Every change of state/owner goes through here so the per-node counts stay right. */
  private setState(s: Svc, state: ServiceStateName, owner: number, _why: string): void {
    const wasActive = s.owner >= 0 && ACTIVE_STATES.has(s.state);
    const isActive = owner >= 0 && ACTIVE_STATES.has(state);
    if (wasActive) this.uncount(s.owner, s.index);
    if (isActive) this.countIn(owner, s.index);
    this.changed.push(s.index);
    if (s.owner >= 0 && owner !== s.owner) s.lastOwner = s.owner;
    s.owner = owner;
    if (s.state !== state) s.lastTransitionMs = this.now;
    s.state = state;
    s.touched = true;
  }

  private mark(s: Svc, reason: string): void {
    this.out.push({ op: 'mark', service: this.sid(s.index), state: s.state, owner: this.name(s.owner), reason });
  }

  private reply(s: Svc, code: RgCodeName, reason: string, requestId = s.requestId): void {
    if (requestId === undefined) return;
    if (requestId === s.requestId) s.requestId = undefined;
    this.out.push({ op: 'reply', requestId, service: this.sid(s.index), code, message: RG_CODES[code].message,
      owner: this.name(s.owner), reason });
  }

  private startOn(s: Svc, ni: number, recovery: boolean, reason: string): void {
    assert(this.quorum.quorate, `start of ${this.sid(s.index)} while inquorate`);
    assert(s.op === undefined, `start of ${this.sid(s.index)} with an operation in flight`);
    assert(s.owner === NONE, `start of ${this.sid(s.index)} on ${this.nm(ni)} while ${this.nm(s.owner)} still owns it`);
    assert(this.nodes[ni]!.online, `start of ${this.sid(s.index)} on offline ${this.nm(ni)}`);
    s.op = { kind: 'start', node: ni, target: NONE, purpose: 'cleanup' };
    this.setState(s, 'starting', ni, reason);
    s.note = reason;
    this.out.push({ op: 'start', service: this.sid(s.index), node: this.nm(ni), recovery, reason });
  }

  private stopOn(s: Svc, purpose: Purpose, mode: StopMode, state: ServiceStateName, reason: string): void {
    assert(s.op === undefined && s.owner >= 0, `stop of ${this.sid(s.index)} without an owner or with an operation in flight`);
    assert(this.nodes[s.owner]!.online, `stop of ${this.sid(s.index)} on offline ${this.nm(s.owner)}`);
    s.op = { kind: 'stop', node: s.owner, target: NONE, purpose };
    this.setState(s, state, s.owner, reason);
    this.out.push({ op: 'stop', service: this.sid(s.index), node: this.nm(s.owner), mode, reason });
  }

  private dependencyMissing(si: number): boolean {
    const dep = this.svcCfg[si]!.depend;
    if (this.svcCfg[si]!.dependId === undefined) return false;
    if (dep < 0) return true; // depends on a service that does not exist
    return this.svcs[dep]!.state !== 'started';
  }

  // ---------------------------------------------------------------- results

  private onStartResult(si: number, ni: number, ok: boolean): void {
    const s = this.svcs[si]!;
    if (s.op?.kind !== 'start' || s.op.node !== ni || !this.nodes[ni]!.online) return; // stale
    s.op = undefined;
    if (ok) {
      this.setState(s, 'started', ni, 'start succeeded');
      const reloc = s.reloc;
      s.reloc = undefined;
      if (reloc?.local && reloc.kind === 'user') this.reply(s, 'RG_ERELO', 'relocation failed; running on the original owner');
      else this.reply(s, 'RG_ESUCCESS', `running on ${this.nm(ni)}`);
      return;
    }
    // A failed start: stop what may be half up (recoverable), then try elsewhere.
    if (s.reloc === undefined) s.reloc = { kind: 'recovery', origin: ni, preferred: NONE, tried: [], local: false };
    if (!s.reloc.tried.includes(ni)) s.reloc.tried.push(ni);
    s.note = `start failed on ${this.nm(ni)}`;
    this.stopOn(s, 'cleanup', 'recover', 'recoverable', `start failed on ${this.nm(ni)}; stopping before trying another node`);
  }

  private onStopResult(si: number, ni: number, ok: boolean): void {
    const s = this.svcs[si]!;
    const op = s.op;
    if (op?.kind !== 'stop' || op.node !== ni || !this.nodes[ni]!.online) return; // stale
    s.op = undefined;
    if (!ok) {
      s.flags &= ~FLAG_PARTIAL;
      s.reloc = undefined;
      if (op.purpose === 'disable' && s.state === 'failed') {
        // Deviation: rgmanager marks it disabled anyway ("some resources may still be
        // allocated", RG_EWARNING), after which an enable could start it on a second node.
        // It stays failed on this node until a stop succeeds (or the node is fenced).
        this.reply(s, 'RG_EFAIL', `stop failed again on ${this.nm(ni)}; still failed there`);
        return;
      }
      this.setState(s, 'failed', ni, `stop failed on ${this.nm(ni)}`);
      s.lastOwner = ni; // clustat shows (last owner) for failed services
      this.mark(s, `stop failed on ${this.nm(ni)}; needs clusvcadm -d then -e`);
      this.reply(s, op.purpose === 'relocate' ? 'RG_EABORT' : 'RG_EFAIL', `stop failed on ${this.nm(ni)}`);
      return;
    }
    switch (op.purpose) {
      case 'disable':
        this.setState(s, 'disabled', NONE, 'stopped for disable');
        this.reply(s, 'RG_ESUCCESS', 'disabled');
        return;
      case 'stop':
        this.setState(s, 'stopped', NONE, 'stopped by user');
        s.hold = true;
        this.reply(s, 'RG_ESUCCESS', 'stopped');
        return;
      case 'emergency':
      case 'dependency':
        this.setState(s, 'stopped', NONE, op.purpose);
        return;
      case 'restart':
        this.setState(s, 'stopped', NONE, 'stopped for restart');
        if (!this.quorum.quorate) return this.reply(s, 'RG_EQUORUM', 'quorum lost');
        s.reloc = { kind: 'recovery', origin: ni, preferred: NONE, tried: [ni], local: false };
        this.startOn(s, ni, false, 'user restart');
        return;
      case 'recover':
        this.setState(s, 'recovering', NONE, 'stopped after a failure');
        this.applyRecoveryPolicy(s, ni);
        return;
      case 'relocate':
        this.setState(s, 'stopped', NONE, 'stopped for relocation');
        this.relocationStep(s);
        return;
      case 'cleanup':
        this.setState(s, 'recovering', NONE, 'stopped after a failed start');
        this.relocationStep(s);
        return;
    }
  }

  private onMigrateResult(si: number, ni: number, outcome: MigrateOutcome): void {
    const s = this.svcs[si]!;
    const op = s.op;
    if (op?.kind !== 'migrate' || op.node !== ni || !this.nodes[ni]!.online) return; // stale
    s.op = undefined;
    this.uncount(op.target, si);
    if (outcome === 'ok') {
      this.setState(s, 'started', op.target, 'migrated');
      this.reply(s, 'RG_ESUCCESS', `migrated to ${this.nm(op.target)}`);
    } else if (outcome === 'relocate' || outcome === 'not-running') {
      this.setState(s, 'started', ni, 'migration refused');
      this.reply(s, outcome === 'relocate' ? 'RG_ERELO' : 'RG_EFAIL', `migration to ${this.nm(op.target)} failed; still on ${this.nm(ni)}`);
    } else {
      this.setState(s, 'failed', ni, 'migration failed');
      s.lastOwner = ni;
      this.mark(s, `migration to ${this.nm(op.target)} failed`);
      this.reply(s, 'RG_EFAIL', `migration to ${this.nm(op.target)} failed`);
    }
  }

  private onConvalesceResult(si: number, ni: number, ok: boolean): void {
    const s = this.svcs[si]!;
    if (s.op?.kind !== 'convalesce' || s.op.node !== ni) return;
    s.op = undefined;
    if (ok) s.flags &= ~FLAG_PARTIAL;
    this.reply(s, ok ? 'RG_ESUCCESS' : 'RG_EFAIL', ok ? 'convalesced' : 'convalesce failed');
  }

  private onStatusFailure(si: number, ni: number): void {
    const s = this.svcs[si]!;
    // A report from a node that already left counts for nothing: its services wait for the fence.
    if (s.state !== 'started' || s.owner !== ni || s.op !== undefined || (s.flags & FLAG_FROZEN) !== 0 || !this.nodes[ni]!.online) return;
    s.note = `status check failed on ${this.nm(ni)}`;
    this.stopOn(s, 'recover', 'recover', 'recoverable', `status check failed on ${this.nm(ni)}`);
  }

  /** handle_recover_req after the recovery stop. */
  private applyRecoveryPolicy(s: Svc, ni: number): void {
    const cfg = this.svcCfg[s.index]!;
    if (!this.quorum.quorate) { this.setState(s, 'stopped', NONE, 'inquorate'); return; }
    if (cfg.recovery === 'disable') {
      this.setState(s, 'disabled', NONE, 'recovery policy disable');
      this.mark(s, 'recovery policy is disable');
      return;
    }
    if (cfg.recovery !== 'relocate') {
      if (cfg.restartExpireMs > 0) s.restartTimesMs = s.restartTimesMs.filter((t) => this.now - t < cfg.restartExpireMs);
      if (cfg.maxRestarts > 0 && s.restartTimesMs.length >= cfg.maxRestarts) {
        s.restartTimesMs = [];
        s.restarts = 0;
        if (cfg.recovery === 'restart-disable') {
          this.setState(s, 'disabled', NONE, 'restart threshold exceeded');
          this.mark(s, `restart threshold (${cfg.maxRestarts}) exceeded; disabling`);
          return;
        }
        s.note = `restart threshold (${cfg.maxRestarts}) exceeded; relocating`;
        s.reloc = { kind: 'recovery', origin: ni, preferred: NONE, tried: [], local: false };
        this.relocationStep(s);
        return;
      }
      s.restartTimesMs.push(this.now);
      if (s.restartTimesMs.length > MAX_RESTART_HISTORY) s.restartTimesMs.shift();
      s.restarts = s.restartTimesMs.length;
      if (!this.nodes[ni]!.online) { this.setState(s, 'stopped', NONE, 'owner gone'); return; }
      if (this.dependencyMissing(s.index) && this.svcCfg[s.index]!.dependMode === 'hard') {
        this.setState(s, 'stopped', NONE, 'dependency missing');
        return;
      }
      s.reloc = { kind: 'recovery', origin: ni, preferred: NONE, tried: [ni], local: false };
      this.startOn(s, ni, true, `restart after failure (${s.restarts}${cfg.maxRestarts > 0 ? `/${cfg.maxRestarts}` : ''})`);
      return;
    }
    s.restartTimesMs = [];
    s.restarts = 0;
    s.reloc = { kind: 'recovery', origin: ni, preferred: NONE, tried: [], local: false };
    this.relocationStep(s);
  }

  /** handle_relocate_req: next candidate, restart locally, or give up (stopped). */
  private relocationStep(s: Svc): void {
    const r = s.reloc;
    assert(r !== undefined && s.op === undefined && s.owner === NONE, 'relocation step in a bad state');
    if (!this.quorum.quorate) {
      this.setState(s, 'stopped', NONE, 'inquorate');
      s.reloc = undefined;
      this.reply(s, 'RG_EQUORUM', 'quorum lost');
      return;
    }
    if (this.dependencyMissing(s.index) && this.svcCfg[s.index]!.dependMode === 'hard') {
      this.setState(s, 'stopped', NONE, 'dependency missing');
      s.reloc = undefined;
      this.mark(s, `dependency ${this.svcCfg[s.index]!.dependId} missing`);
      this.reply(s, 'RG_EDEPEND', 'dependency missing');
      return;
    }
    this.refreshDomains();
    if (r.local) {
      // the restart-locally start failed too
      this.giveUp(s, `start failed everywhere, also on ${this.nm(r.origin)}`);
      return;
    }
    const p = r.preferred;
    if (p >= 0 && !r.tried.includes(p) && this.nodes[p]!.online && this.score(s.index, p) > ILLEGAL && this.exclusiveOk(s.index, p)) {
      const why = r.kind === 'failback' ? `failback to better node ${this.nm(p)}` : r.kind === 'enable' ? `enable on requested node ${this.nm(p)}`
        : `relocate to requested node ${this.nm(p)}`;
      this.startOn(s, p, r.kind === 'recovery', why);
      return;
    }
    const exclude = new Set(r.tried);
    if (r.origin >= 0) exclude.add(r.origin);
    const t = this.bestTarget(s.index, exclude);
    if (t >= 0) {
      const why = r.kind === 'failback' ? `failback to better node ${this.nm(t)}` : r.kind === 'enable' ? `enable on best node ${this.nm(t)}`
        : r.kind === 'user' ? `relocate to best node ${this.nm(t)}` : `recovery on ${this.nm(t)}`;
      this.startOn(s, t, r.kind === 'recovery', why);
      return;
    }
    const o = r.origin;
    if (o >= 0 && this.nodes[o]!.online && !r.tried.includes(o) && (r.tried.length === 0 || r.kind !== 'recovery')) {
      r.local = true;
      this.startOn(s, o, r.kind === 'recovery', `failed to relocate; restarting locally on ${this.nm(o)}`);
      return;
    }
    this.giveUp(s, r.tried.length > 0 ? `start failed on ${r.tried.map((n) => this.nm(n)).join(', ')}; no other node`
      : 'no node may run it');
  }

  private giveUp(s: Svc, why: string): void {
    s.reloc = undefined;
    s.hold = true;
    s.note = why;
    this.setState(s, 'stopped', NONE, why);
    this.mark(s, why);
    this.reply(s, 'RG_EFAIL', why);
  }

  // ---------------------------------------------------------------- user requests

  private onRequest(requestId: number, op: UserOp, service: string, targetName: string | undefined): void {
    const si = this.svcIndexById.get(service);
    const fail = (code: RgCodeName, reason: string): void => {
      this.out.push({ op: 'reply', requestId, service, code, message: RG_CODES[code].message,
        owner: si === undefined ? null : this.name(this.svcs[si]!.owner), reason });
    };
    if (si === undefined) return fail('RG_ENOSERVICE', `no service ${service}`);
    const s = this.svcs[si]!;
    const cfg = this.svcCfg[si]!;
    if (!this.quorum.quorate) return fail('RG_EQUORUM', 'the cluster is not quorate');
    let target = NONE;
    if (targetName !== undefined) {
      const t = this.nodeIndexByName.get(targetName);
      if (t === undefined) return fail('RG_ENODE', `no node ${targetName}`);
      target = t;
    }
    if (s.op !== undefined) return fail('RG_EAGAIN', `operation in flight: ${this.view(s).pending}`);
    if (s.owner >= 0 && !this.nodes[s.owner]!.online) return fail('RG_EFENCE', `owner ${this.nm(s.owner)} awaits fencing`);
    const frozen = (s.flags & FLAG_FROZEN) !== 0;
    if (frozen && op !== 'freeze' && op !== 'unfreeze') return fail('RG_EFROZEN', 'service is frozen');
    this.refreshDomains();
    const done = (code: RgCodeName, reason: string): void => { s.requestId = requestId; this.reply(s, code, reason); };

    switch (op) {
      case 'freeze':
      case 'unfreeze':
        if (s.state !== 'stopped' && s.state !== 'started' && s.state !== 'disabled') return fail('RG_EAGAIN', `state ${s.state}`);
        if (op === 'freeze') s.flags |= FLAG_FROZEN; else s.flags &= ~FLAG_FROZEN;
        return done('RG_ESUCCESS', op === 'freeze' ? 'frozen' : 'unfrozen');

      case 'enable': {
        if (s.state === 'started') return fail('RG_ERUN', `running on ${this.nm(s.owner)}`);
        if (s.state === 'failed') return fail('RG_EFAIL', 'failed: disable it first');
        if (target >= 0 && !this.nodes[target]!.online) return fail('RG_ENODE', `${this.nm(target)} is offline`);
        if (this.dependencyMissing(si)) return fail('RG_EDEPEND', `dependency ${cfg.dependId} is not started`);
        if (target >= 0) {
          if (this.score(si, target) === ILLEGAL) return fail('RG_EFAIL', `${this.nm(target)} may not run it (restricted domain)`);
          if (!this.exclusiveOk(si, target)) return fail('RG_EEXCL', `${this.nm(target)} violates exclusivity`);
        } else if (this.bestTarget(si, new Set()) < 0) {
          const anyLegal = this.nodesById.some((n) => this.score(si, n) > ILLEGAL);
          return fail(anyLegal ? 'RG_EEXCL' : 'RG_EDOMAIN', anyLegal ? 'every allowed node violates exclusivity' : 'no allowed node online');
        }
        s.requestId = requestId;
        s.hold = false;
        s.restartTimesMs = [];
        s.restarts = 0;
        s.reloc = { kind: 'enable', origin: NONE, preferred: target, tried: [], local: false };
        this.relocationStep(s);
        return;
      }

      case 'disable':
        if (s.state === 'started') {
          s.requestId = requestId;
          this.stopOn(s, 'disable', 'disable', 'stopping', 'user disable');
          return;
        }
        if (s.state === 'failed' && s.owner >= 0) {
          s.requestId = requestId;
          s.op = { kind: 'stop', node: s.owner, target: NONE, purpose: 'disable' };
          this.out.push({ op: 'stop', service, node: this.nm(s.owner), mode: 'disable', reason: 'user disable of a failed service' });
          return;
        }
        this.setState(s, 'disabled', NONE, 'user disable');
        this.mark(s, 'user disable');
        return done('RG_ESUCCESS', 'disabled');

      case 'stop':
        if (s.state === 'started') {
          s.requestId = requestId;
          this.stopOn(s, 'stop', 'user', 'stopping', 'user stop');
          return;
        }
        if (s.state === 'failed') return fail('RG_EFAIL', 'failed: only disable is allowed');
        s.hold = true;
        return done('RG_ESUCCESS', `already ${s.state}`);

      case 'restart':
        if (s.state === 'started') {
          s.requestId = requestId;
          this.stopOn(s, 'restart', 'restart', 'stopping', 'user restart');
          return;
        }
        if (s.state === 'stopped') return this.onRequest(requestId, 'enable', service, undefined);
        return fail(s.state === 'failed' ? 'RG_EFAIL' : 'RG_EINVAL', `cannot restart a ${s.state} service`);

      case 'relocate': {
        if (s.state === 'disabled' || s.state === 'failed' || s.state === 'uninitialized') return fail('RG_EINVAL', `service is ${s.state}`);
        if (target >= 0 && target === s.owner) return fail('RG_ERUN', `already running on ${this.nm(target)}`);
        if (target >= 0 && this.nodes[target]!.online && !this.exclusiveOk(si, target)) {
          return fail('RG_EDEPEND', `${this.nm(target)} violates exclusivity`);
        }
        const preferred = target >= 0 && this.nodes[target]!.online ? target : NONE; // offline preferred target: ignored
        s.requestId = requestId;
        s.reloc = { kind: 'user', origin: s.owner, preferred, tried: [], local: false };
        if (s.state === 'started') this.stopOn(s, 'relocate', 'relocate', 'stopping', 'user relocate');
        else { s.hold = false; this.relocationStep(s); }
        return;
      }

      case 'migrate': {
        if (!cfg.migratory) return fail('RG_EINVAL', `${service} cannot migrate (not a vm without children)`);
        if (target < 0) return fail('RG_EINVAL', 'migration requires a target member');
        if (!this.nodes[target]!.online) return fail('RG_ENODE', `${this.nm(target)} is offline`);
        if (s.state !== 'started') return fail('RG_EINVAL', `service is ${s.state}`);
        if (target === s.owner) return fail('RG_ERUN', `already running on ${this.nm(target)}`);
        if (this.score(si, target) === ILLEGAL) return fail('RG_EDEPEND', `${this.nm(target)} is not allowed by the domain`);
        if (!this.exclusiveOk(si, target)) return fail('RG_EDEPEND', `${this.nm(target)} violates exclusivity`);
        s.requestId = requestId;
        this.migrate(s, target, 'user migrate');
        return;
      }

      case 'convalesce':
        if (s.state !== 'started') return fail('RG_EINVAL', `service is ${s.state}`);
        if ((s.flags & FLAG_PARTIAL) === 0) return fail('RG_ERUN', 'not partial');
        s.requestId = requestId;
        s.op = { kind: 'convalesce', node: s.owner, target: NONE, purpose: 'cleanup' };
        this.out.push({ op: 'convalesce', service, node: this.nm(s.owner), reason: 'user convalesce' });
        return;
    }
  }

  private migrate(s: Svc, target: number, reason: string): void {
    assert(s.op === undefined && s.state === 'started' && s.owner >= 0, 'migrate in a bad state');
    s.op = { kind: 'migrate', node: s.owner, target, purpose: 'relocate' };
    this.countIn(target, s.index);
    this.setState(s, 'migrating', s.owner, reason);
    this.out.push({ op: 'migrate', service: this.sid(s.index), node: this.nm(s.owner), target: this.nm(target), reason });
  }

  // ---------------------------------------------------------------- evaluation (eval_groups)

  private evaluate(gained: number[], scope: readonly number[] | undefined): void {
    const svcs = scope === undefined ? this.svcs : scope.map((i) => this.svcs[i]!);
    if (!this.quorum.quorate) {
      // "#1: Quorum Dissolved": emergency stop of every service running on a member.
      for (const s of svcs) {
        if (s.op === undefined && s.owner >= 0 && this.nodes[s.owner]!.online && (s.state === 'started')) {
          s.reloc = undefined;
          this.stopOn(s, 'emergency', 'emergency', 'stopping', 'quorum lost: emergency stop');
        }
      }
      return;
    }
    this.refreshDomains();
    for (const s of svcs) {
      if (s.op !== undefined) continue;
      const si = s.index;
      const cfg = this.svcCfg[si]!;
      const frozen = (s.flags & FLAG_FROZEN) !== 0;
      if (s.state === 'started') {
        if (!this.nodes[s.owner]!.online || frozen) continue;
        if (cfg.dependMode === 'hard' && this.dependencyMissing(si)) {
          s.note = `dependency ${cfg.dependId} missing`;
          this.stopOn(s, 'dependency', 'dependency', 'stopping', `dependency ${cfg.dependId} missing`);
          continue;
        }
        if (gained.length > 0) this.considerFailback(s, gained);
        continue;
      }
      if (s.state !== 'stopped' || frozen || s.hold) continue;
      if (!s.touched && !cfg.autostart) {
        this.setState(s, 'disabled', NONE, 'autostart=0');
        this.mark(s, 'autostart is off');
        continue;
      }
      if (this.dependencyMissing(si)) { s.note = `dependency ${cfg.dependId} not started`; continue; }
      let cands: number[] = [];
      for (const ni of this.nodesById) {
        if (this.score(si, ni) === BEST && this.exclusiveOk(si, ni)) cands.push(ni);
      }
      const t = this.pickLeastLoaded(cands);
      cands = [];
      if (t >= 0) {
        this.startOn(s, t, false, cfg.domain >= 0 ? `best node of domain ${this.domains[cfg.domain]!.name}` : 'best node (no domain)');
        continue;
      }
      const d = cfg.domain >= 0 ? this.domains[cfg.domain] : undefined;
      const why = !this.nodes.some((n) => n.online) ? 'no node online'
        : d !== undefined && d.restricted && !d.anyOnline ? 'restricted domain unavailable'
          : cfg.exclusive ? 'no empty node for an exclusive service' : 'no allowed node is free (exclusive services)';
      if (s.note !== why) {
        s.note = why;
        s.touched = true;
        this.mark(s, why);
      }
    }
  }

  /** consider_relocate: a node came up that ranks better than the owner. */
  private considerFailback(s: Svc, gained: number[]): void {
    const si = s.index;
    const ownerScore = this.score(si, s.owner);
    let best = NONE;
    let bestScore = ownerScore;
    for (const ni of gained) {
      if (!this.nodes[ni]!.online) continue;
      const sc = this.score(si, ni);
      if (sc > bestScore && this.exclusiveOk(si, ni)) { best = ni; bestScore = sc; }
      else if (sc === bestScore && best >= 0 && this.count[ni]! < this.count[best]!) best = ni;
    }
    if (best < 0) return;
    const why = `failback to better node ${this.nm(best)} (${SCORE_NAMES[bestScore]} > ${SCORE_NAMES[ownerScore]})`;
    s.note = why;
    if (this.svcCfg[si]!.migratory) { this.migrate(s, best, why); return; }
    s.reloc = { kind: 'failback', origin: s.owner, preferred: best, tried: [], local: false };
    this.stopOn(s, 'relocate', 'relocate', 'stopping', why);
  }

  // ---------------------------------------------------------------- invariants

  private checkInvariants(): void {
    for (const i of this.changed) {
      const s = this.svcs[i]!;
      const active = ACTIVE_STATES.has(s.state);
      assert(!active || s.owner >= 0, `${this.sid(s.index)} is ${s.state} without an owner`);
      if (s.state === 'starting') assert(s.op?.kind === 'start', `${this.sid(s.index)} starting without a start in flight`);
      if (s.op !== undefined) assert(s.op.node === s.owner || s.op.kind === 'start', `${this.sid(s.index)} operation on a non-owner`);
    }
  }

  /** Expensive full check (tests): per-node counts match the services. */
  // ---------------------------------------------------------------- snapshot / restore

  /** The operation in flight of the service with config index `index` (node indices), if any. */
  operation(index: number): OperationSnapshot | undefined {
    const op = this.svcs[index]?.op;
    return op === undefined ? undefined : { kind: op.kind, node: op.node, target: op.target, purpose: op.purpose };
  }

  /** Request ids the engine still has to answer. */
  pendingRequestIds(): number[] {
    return this.svcs.map((s) => s.requestId).filter((r): r is number => r !== undefined);
  }

  /** The engine's record of the service with config index `index` (JSON-safe, small). */
  serviceSnapshot(index: number): ServiceSnapshot {
    const s = this.svcs[index];
    if (s === undefined) throw new RangeError(`no service with index ${index}`);
    const keep = Math.min(32, Math.max(1, this.svcCfg[index]!.maxRestarts + 1));
    return {
      st: s.state, ow: s.owner, lo: s.lastOwner, rs: s.restarts, rt: s.restartTimesMs.slice(-keep), lt: s.lastTransitionMs,
      tc: s.touched, fl: s.flags, op: s.op === undefined ? null : { kind: s.op.kind, node: s.op.node, target: s.op.target, purpose: s.op.purpose },
      rl: s.reloc === undefined ? null : { kind: s.reloc.kind, origin: s.reloc.origin, preferred: s.reloc.preferred, tried: [...s.reloc.tried], local: s.reloc.local },
      rq: s.requestId ?? null, hd: s.hold,
    };
  }

  /** The engine's per-node state and quorum. */
  nodesSnapshot(): NodesSnapshot {
    return { n: this.nodes.map((n) => [n.online, n.qdiskOk, n.fence, n.fenceRetryAtMs] as const), pq: this.previousQuorum, q: { ...this.quorum },
      ...(this.externalQuorum ? { ext: true } : {}) };
  }

  /** Everything needed to continue in another engine built from the same config (see restore()). */
  snapshot(): EngineSnapshot {
    return { services: this.svcs.map((s) => this.serviceSnapshot(s.index)), nodes: this.nodesSnapshot() };
  }

  /**
   * Load a snapshot (e.g. from the replicated records) into this engine, built from the same
   * config. Services given as null/undefined keep their current state; a node snapshot of another
   * node count is ignored. Per-node counts are recomputed; pending request ids are dropped (the
   * requests of a dead coordinator are answered by the requesters' timeouts). Throws
   * PolicyInvariantError when the snapshot names unknown nodes or breaks an invariant.
   */
  restore(snap: { readonly services: ReadonlyMap<number, ServiceSnapshot> | readonly (ServiceSnapshot | null | undefined)[]; readonly nodes?: NodesSnapshot | undefined }, nowMs: number): void {
    const nodeOk = (i: number, what: string) => assert(Number.isInteger(i) && i >= -1 && i < this.nodes.length, `snapshot: bad node index ${i} (${what})`);
    const nodes = snap.nodes;
    if (nodes !== undefined && nodes.n.length === this.nodes.length) {
      this.nodes = nodes.n.map(([online, qdiskOk, fence, fenceRetryAtMs]) => ({ online, qdiskOk, fence, fenceRetryAtMs }));
      this.previousQuorum = nodes.pq;
      this.quorum = { ...nodes.q };
      this.externalQuorum = nodes.ext === true;
    }
    const entries: [number, ServiceSnapshot | null | undefined][] = snap.services instanceof Map ? [...snap.services.entries()]
      : (snap.services as readonly (ServiceSnapshot | null | undefined)[]).map((r, i) => [i, r]);
    for (const [index, r] of entries) {
      const s = this.svcs[index];
      if (s === undefined || r === null || r === undefined) continue;
      assert(SERVICE_STATE_CODES[r.st] !== undefined, `snapshot: unknown state ${String(r.st)} of ${this.sid(index)}`);
      nodeOk(r.ow, 'owner'); nodeOk(r.lo, 'last owner');
      if (r.op !== null) { nodeOk(r.op.node, 'operation'); nodeOk(r.op.target, 'migration target'); }
      s.state = r.st; s.owner = r.ow; s.lastOwner = r.lo; s.restarts = r.rs; s.restartTimesMs = [...r.rt]; s.lastTransitionMs = r.lt;
      s.touched = r.tc; s.flags = r.fl;
      s.op = r.op === null ? undefined : { kind: r.op.kind, node: r.op.node, target: r.op.target, purpose: r.op.purpose as Purpose };
      s.reloc = r.rl === null ? undefined : { kind: r.rl.kind, origin: r.rl.origin, preferred: r.rl.preferred, tried: [...r.rl.tried], local: r.rl.local };
      s.requestId = undefined; s.hold = r.hd;
    }
    this.count = new Int32Array(this.nodes.length);
    this.exclusiveCount = new Int32Array(this.nodes.length);
    for (const s of this.svcs) {
      if (s.owner >= 0 && ACTIVE_STATES.has(s.state)) this.countIn(s.owner, s.index);
      if (s.op?.kind === 'migrate' && s.op.target >= 0) this.countIn(s.op.target, s.index);
    }
    this.now = Math.max(this.now, nowMs);
  }

  verifyCounts(): void {
    const c = new Int32Array(this.nodes.length);
    for (const s of this.svcs) {
      if (s.owner >= 0 && ACTIVE_STATES.has(s.state)) c[s.owner]!++;
      if (s.op?.kind === 'migrate') c[s.op.target]!++;
    }
    c.forEach((v, i) => assert(v === this.count[i], `count of ${this.nm(i)} is ${this.count[i]}, expected ${v}`));
  }

  // ---------------------------------------------------------------- explain() support

  /** Scores of every node for a service, for explain(). */
  rankings(id: string): { node: string; nodeid: number; online: boolean; score: number; member: boolean; priority: number;
    services: number; exclusiveRunning: number; exclusiveOk: boolean }[] {
    const si = this.svcIdx(id);
    this.refreshDomains();
    const di = this.svcCfg[si]!.domain;
    return this.nodesById.map((ni) => ({
      node: this.nm(ni), nodeid: this.nodeIds[ni]!, online: this.nodes[ni]!.online, score: this.score(si, ni),
      member: di >= 0 && this.domains[di]!.prio[ni]! >= 0, priority: di >= 0 ? this.domains[di]!.prio[ni]! : -1,
      services: this.count[ni]!, exclusiveRunning: this.exclusiveCount[ni]!, exclusiveOk: this.exclusiveOk(si, ni),
    }));
  }

  /** Internal details of one service, for explain(). */
  details(id: string): { note: string; hold: boolean; domain: string | undefined; restartsInWindow: number; nowMs: number } {
    const si = this.svcIdx(id);
    const s = this.svcs[si]!;
    const cfg = this.svcCfg[si]!;
    const inWindow = cfg.restartExpireMs > 0 ? s.restartTimesMs.filter((t) => this.now - t < cfg.restartExpireMs).length
      : s.restartTimesMs.length;
    return { note: s.note, hold: s.hold, domain: cfg.domain >= 0 ? this.domains[cfg.domain]!.name : undefined,
      restartsInWindow: inWindow, nowMs: this.now };
  }
}
