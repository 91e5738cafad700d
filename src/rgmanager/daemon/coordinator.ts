// The rgmanager coordinator: runs the policy core on the membership leader. Its inputs come from
// committed records only (membership views, fence records, executor results, status failures,
// user requests); its outputs are the service records it writes back (state, operation in
// flight with an id) and the answers to requests. A new coordinator restores the policy from the
// records and goes on (safety property 5).
import type { ClusterConfig } from '../../config/types.js';
import type { Logger } from '../../log/index.js';
import { PolicyEngine, policyConfigFromCluster, type Decision, type PolicyEvent } from '../policy/index.js';
import type { JsonValue, ViewInfo } from '../../cman/membership/index.js';
import { KvWriter, kvPrefix, kvValue, type ClusterPort } from './replicated.js';
import { restoreEngine, saveNodes, saveService, serviceOp, type SavedService } from './engine-state.js';
import {
  NODES_KEY, answerKey, svcKey, upKey, type UpRecord, type AnswerRecord, type FailureRecord, type NodesRecord, type OpRecord, type RequestRecord,
  type ResultRecord, type ServiceRecord,
} from './records.js';
import { victimSafeFor, type VictimRecord } from '../../fenced/daemon.js';

const MAX_WHY = 200;

export class Coordinator {
  private readonly engine: PolicyEngine;
  private readonly ids: string[];
  private readonly index = new Map<string, number>();
  private readonly seq: number[];
  private readonly why: string[];
  private readonly incs = new Map<string, number>();
  private readonly requests = new Map<number, { node: string; seq: string; key: string }>();
  private readonly seenRequests = new Set<string>();
  private readonly seenFailures = new Map<string, number>();
  private nextRequestId = 1;
  private answers: { key: string; answer: AnswerRecord; requestKey: string }[] = [];
  /** Services whose record may have changed since the last persist (config indices). */
  private readonly dirty = new Set<number>();
  /** Every record may have changed (activation, membership, quorum, fencing). */
  private allDirty = true;
  /** A persist waits for the writer to drain (records deferred by its limit on waiting writes). */
  private persistQueued = false;
  private readonly writer: KvWriter;
  private tickTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly config: ClusterConfig, private readonly port: ClusterPort, private readonly log: Logger) {
    this.engine = new PolicyEngine(policyConfigFromCluster(config));
    this.ids = config.rm.services.map((s) => s.id);
    this.ids.forEach((id, i) => this.index.set(id, i));
    this.seq = this.ids.map(() => 0);
    this.why = this.ids.map(() => '');
    this.writer = new KvWriter(port, () => !this.closed, (key, err) =>
      this.log[/condition failed/.test(err.message) ? 'warn' : 'debug'](`write of ${key} failed: ${err.message}`), true);
  }

  /** Restore from the replicated records, then catch up with the present. */
  activate(): void {
    const saved = new Map<number, SavedService>();
    for (const [i, id] of this.ids.entries()) {
      const r = kvValue<ServiceRecord>(this.port, svcKey(id));
      if (r === undefined) continue;
      saved.set(i, r.e);
      this.seq[i] = r.seq;
      this.why[i] = r.why;
    }
    const nodes = kvValue<NodesRecord>(this.port, NODES_KEY);
    for (const [name, inc] of Object.entries(nodes?.inc ?? {})) this.incs.set(name, inc);
    restoreEngine(this.engine, saved, nodes?.e, Date.now());
    this.log.notice(`coordinator active: policy restored from ${saved.size} service record(s)`);
    this.onView(this.port.view());
    // Results and failures committed but not yet taken by the previous coordinator.
    for (const [key, r] of kvPrefix<ResultRecord>(this.port, 'rg/r/')) this.onResult(key.slice(5), r);
    // Failures not yet acted on (they name the instance still recorded as running) are taken up.
    for (const [key, r] of kvPrefix<FailureRecord>(this.port, 'rg/f/')) this.onFailure(key.slice(5), r);
    for (const [key, r] of kvPrefix<RequestRecord>(this.port, 'rg/q/')) {
      if (kvValue(this.port, key.replace(/^rg\/q\//, 'rg/a/')) === undefined) this.onRequest(key, r);
    }
    this.tickTimer = setInterval(() => this.step({ type: 'tick' }), 1000);
    this.tickTimer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    this.writer.close();
  }

  // --- inputs -------------------------------------------------------------------------------

  /**
   * rgmanager's membership: cman members whose rgmanager runs in their current incarnation
   * (rg/up), as rgmanager counts only members listening on its port. Quorum is cman's, of its
   * committed view (all cman members' votes, the qdisk votes when this partition holds the qdisk
   * master, `cman_tool expected` / `votes` changes), not recomputed from rgmanager's members.
   */
  onView(v: ViewInfo): void {
    const online: string[] = [];
    for (const m of v.members) {
      const n = this.config.nodes.find((x) => x.nodeid === m.nodeid);
      if (n === undefined) continue;
      this.incs.set(n.name, m.incarnation);
      if (kvValue<UpRecord>(this.port, upKey(n.name))?.inc === m.incarnation) online.push(n.name);
    }
    const quorum = { quorate: v.quorate, totalVotes: v.totalVotes, expectedVotes: v.expectedVotes, quorum: v.quorum, qdiskHeld: v.qdiskVotes > 0 };
    const before = this.engine.quorumView();
    if (before.quorate !== quorum.quorate) {
      this.log.notice(`policy: cman ${quorum.quorate ? 'quorate' : 'inquorate'} (votes ${quorum.totalVotes}, expected ${quorum.expectedVotes}, quorum ${quorum.quorum}${quorum.qdiskHeld ? ', qdisk' : ''})`);
    }
    this.step({ type: 'membership', online, quorum });
  }

  onFenceRecord(): void { this.syncFences(); }

  onResult(service: string, r: ResultRecord): void {
    const si = this.index.get(service);
    if (si === undefined) return;
    const op = serviceOp(this.engine, si);
    if (op === undefined || r.opId !== this.seq[si] || op.kind !== r.kind || this.config.nodes[op.node]?.name !== r.node) return; // stale
    this.log.info(`${r.kind} of ${service} on ${r.node} ${r.ok ? 'succeeded' : 'failed'}`, { service, reason: r.message });
    if (r.kind === 'start') this.step({ type: 'start-result', service, node: r.node, ok: r.ok });
    else if (r.kind === 'stop') this.step({ type: 'stop-result', service, node: r.node, ok: r.ok });
    else if (r.kind === 'convalesce') this.step({ type: 'convalesce-result', service, node: r.node, ok: r.ok });
    else this.step({ type: 'migrate-result', service, node: r.node, outcome: r.outcome ?? (r.ok ? 'ok' : 'error') });
  }

  onFailure(service: string, r: FailureRecord): void {
    if ((this.seenFailures.get(service) ?? -1) >= r.seq) return;
    this.seenFailures.set(service, r.seq);
    const si = this.index.get(service);
    if (si === undefined || serviceOp(this.engine, si) !== undefined || r.opId !== this.seq[si]) return; // acted on, or an older instance
    const v = this.engine.service(service);
    if (v === undefined || v.owner !== r.node || v.state !== 'started') return; // stale
    this.log.notice(`status ${r.kind === 'failure' ? 'failure' : 'partial failure'} of ${service} on ${r.node}`, { service, reason: r.message });
    this.step(r.kind === 'failure' ? { type: 'status-failure', service, node: r.node } : { type: 'status-partial', service, node: r.node });
  }

  onRequest(key: string, r: RequestRecord): void {
    if (this.seenRequests.has(key)) return;
    this.seenRequests.add(key);
    const [, , node, seq] = key.split('/');
    if (node === undefined || seq === undefined) return;
    const requestId = this.nextRequestId++;
    this.requests.set(requestId, { node, seq, key });
    this.log.notice(`request ${r.op} ${r.service}${r.target !== null ? ` -> ${r.target}` : ''} from ${node}`, { service: r.service, reason: `clusvcadm on ${node}` });
    this.step({ type: 'request', requestId, op: r.op, service: r.service, ...(r.target !== null ? { target: r.target } : {}) });
  }

  // --- the step -----------------------------------------------------------------------------

  private step(ev: PolicyEvent): void {
    if (this.closed) return;
    let decisions: Decision[];
    try {
      decisions = this.engine.step(ev, Date.now()).decisions;
    } catch (err) {
      this.log.error(`policy refused ${ev.type}: ${(err as Error).message}`);
      return;
    }
    this.markDirty(ev, decisions);
    for (const d of decisions) this.carryOut(d);
    this.syncFences(decisions.length > 0 || ev.type !== 'tick');
  }

  /**
   * Which records a step may have changed: the services its decisions name and the event's own
   * service; node-level events (membership, quorum, fencing) can touch any service without a
   * decision (a hold released, a fenced node's services settled), so they mark all.
   */
  private markDirty(ev: PolicyEvent, decisions: readonly Decision[]): void {
    switch (ev.type) {
      case 'membership': case 'node-down': case 'node-up': case 'qdisk': case 'fence-result': case 'fence-override':
        this.allDirty = true;
        return;
      case 'tick':
        break;
      default: {
        const si = this.index.get(ev.service);
        if (si !== undefined) this.dirty.add(si);
      }
    }
    for (const d of decisions) {
      if (d.op === 'fence') continue;
      const si = this.index.get(d.service);
      if (si !== undefined) this.dirty.add(si);
    }
  }

  private carryOut(d: Decision): void {
    switch (d.op) {
      case 'start': case 'stop': case 'migrate': case 'convalesce': {
        const si = this.index.get(d.service);
        if (si === undefined) return;
        this.seq[si] = (this.seq[si] ?? 0) + 1;
        this.why[si] = d.reason.slice(0, MAX_WHY);
        const what = d.op === 'migrate' ? `migrate ${d.service} from ${d.node} to ${d.target}` : d.op === 'stop' ? `stop ${d.service} on ${d.node} (${d.mode})`
          : `${d.op} ${d.service} on ${d.node}`;
        this.log.notice(what, { service: d.service, reason: d.reason });
        if (d.op === 'start') this.assertStartSafe(d.service, d.node);
        return;
      }
      case 'mark': {
        const si = this.index.get(d.service);
        if (si !== undefined) this.why[si] = d.reason.slice(0, MAX_WHY);
        this.log.notice(`${d.service} is ${d.state}${d.owner !== null ? ` on ${d.owner}` : ''}`, { service: d.service, reason: d.reason });
        return;
      }
      case 'fence':
        this.log.info(`policy waits for fencing of ${d.node}`, { reason: d.reason });
        return;
      case 'reply': {
        const req = this.requests.get(d.requestId);
        if (req === undefined) return;
        this.requests.delete(d.requestId);
        const v = this.engine.service(d.service);
        const answer: AnswerRecord = { code: d.code, message: d.message, owner: d.owner, state: v?.state ?? null, reason: d.reason.slice(0, MAX_WHY) };
        this.log.notice(`answer to ${req.node}: ${d.service} ${d.message}`, { service: d.service, reason: d.reason });
        // Written after the service records (persist), so whoever reads the answer sees the new state.
        this.answers.push({ key: answerKey(req.node, req.seq), answer, requestKey: req.key });
        return;
      }
    }
  }

  /** Safety 3 in the daemon: a start never follows an owner that left unfenced. */
  private assertStartSafe(service: string, node: string): void {
    const rec = kvValue<ServiceRecord>(this.port, svcKey(service));
    const prev = rec?.v.owner ?? null;
    if (prev === null || prev === node) return;
    const member = this.port.view().members.some((m) => this.config.nodes.find((n) => n.nodeid === m.nodeid)?.name === prev);
    const victim = kvValue<VictimRecord>(this.port, `fence/v/${prev}`);
    if (!member && !victimSafeFor(victim, this.incs.get(prev) ?? 0)) {
      this.log.error(`INVARIANT: start of ${service} on ${node} decided while its owner ${prev} is neither a member nor fenced`, { service });
    }
  }

  /** Feed the policy the fence records that settle nodes it waits for; then write the records. */
  private syncFences(write = true): void {
    for (const nv of this.engine.nodeViews()) {
      if (nv.online || nv.fence === 'clean') continue;
      const rec = kvValue<VictimRecord>(this.port, `fence/v/${nv.name}`);
      // Only a record about the incarnation that left: an older settled record (a startup victim
      // averted with incarnation 0, an earlier death) must not let its services move before fenced
      // has even queued this death.
      if (!victimSafeFor(rec, this.incs.get(nv.name) ?? 0)) continue;
      if (nv.fence !== 'fencing') continue; // the policy asks for it in its next step (needs quorum)
      const ev: PolicyEvent = rec!.st === 'override' ? { type: 'fence-override', node: nv.name } : { type: 'fence-result', node: nv.name, ok: true };
      this.log.notice(`${nv.name} is safe (${rec!.st}); its services may recover`, { reason: rec!.reason });
      let decisions: Decision[] = [];
      try { decisions = this.engine.step(ev, Date.now()).decisions; } catch (err) { this.log.error(`policy refused ${ev.type}: ${(err as Error).message}`); }
      this.markDirty(ev, decisions);
      for (const d of decisions) this.carryOut(d);
      write = true;
    }
    if (write) this.persist();
  }

  /**
   * Write the records of the services the last steps touched (all after a node-level event) and
   * the node record; the writer still skips a record equal to the committed one.
   */
  private persist(): void {
    const nodes: NodesRecord = { e: saveNodes(this.engine), inc: Object.fromEntries(this.incs) };
    this.writer.set(NODES_KEY, nodes as unknown as JsonValue);
    const which: Iterable<number> = this.allDirty ? this.ids.keys() : [...this.dirty].sort((a, b) => a - b);
    this.allDirty = false;
    this.dirty.clear();
    let deferred = false;
    for (const si of which) {
      const id = this.ids[si]!;
      if (!this.writer.hasRoom(svcKey(id))) {
        // Too many writes waiting (thousands of services at activation): write it once they drain.
        this.dirty.add(si);
        deferred = true;
        continue;
      }
      const v = this.engine.service(id)!;
      const op = serviceOp(this.engine, si);
      const name = (i: number) => this.config.nodes[i]?.name ?? '?';
      const opRec: OpRecord | null = op === undefined ? null : {
        id: this.seq[si]!, kind: op.kind, node: name(op.node), inc: this.incs.get(name(op.node)) ?? 0, target: op.kind === 'migrate' ? name(op.target) : null,
        mode: op.kind === 'stop' ? op.purpose : this.why[si]!,
      };
      const rec: ServiceRecord = {
        v: { state: v.state, owner: v.owner, lastOwner: v.lastOwner, restarts: v.restarts, flags: v.flags, lastTransitionMs: v.lastTransitionMs },
        op: opRec, seq: this.seq[si]!, why: this.why[si]!, e: saveService(this.engine, si),
      };
      this.writer.set(svcKey(id), rec as unknown as JsonValue);
    }
    if (deferred && !this.persistQueued) {
      this.persistQueued = true;
      void this.writer.idle('rg/s/').then(() => {
        this.persistQueued = false;
        if (!this.closed) this.persist();
      });
    }
    const answers = this.answers;
    this.answers = [];
    if (answers.length === 0) return;
    void this.writer.idle('rg/s/').then(() => {
      for (const a of answers) {
        this.writer.set(a.key, a.answer as unknown as JsonValue);
        this.writer.set(a.requestKey, undefined);
      }
    });
  }
}
