// The node side of rgmanager: carries out the operations the coordinator addressed to this node
// (from the committed service records), reports results, runs the status checks of the services
// it runs, and does the local safety moves: "stop before start" at startup, emergency stop when
// quorum is lost, stop of every local service on SIGTERM.
import type { ClusterConfig } from '../../config/types.js';
import type { Logger } from '../../log/index.js';
import type { JsonValue } from '../../cman/membership/index.js';
import type { Executor, ResourceStatusReport } from '../executor.js';
import type { ResourceForest, TreeNode } from '../tree.js';
import { findRoot } from '../tree.js';
import type { LocalReconfigAccess } from './reconfig.js';
import { KvWriter, kvPrefix, kvValue, type ClusterPort } from './replicated.js';
import { NODES_KEY, failureKey, resultKey, svcKey, type FailureRecord, type NodesRecord, type ResultRecord, type ServiceRecord } from './records.js';
import { victimSafeFor, type VictimRecord } from '../../fenced/daemon.js';

const FLAG_FROZEN = 1;
/** A failure report the coordinator did not act on (stale at that moment) is repeated after this. */
const FAILURE_REPORT_RETRY_MS = 10_000;
/** Longest a start waits for this node's committed state to prove the previous owner fenced or stopped. */
const START_SAFETY_WAIT_MS = 2_000;
const START_SAFETY_POLL_MS = 50;

export class LocalServices {
  private readonly roots = new Map<string, TreeNode>();
  /** Highest operation id carried out per service. */
  private readonly executed = new Map<string, number>();
  /** Services this node runs (started here, not stopped since). */
  private readonly running = new Map<string, number>();
  /** Services the emergency stop stopped (op id they ran with), until quorum is back. */
  private readonly emergencyStopped = new Map<string, number>();
  private readonly busy = new Set<string>();
  /** Services whose status failure was reported (wall clock); re-reported if still failing after FAILURE_REPORT_RETRY_MS. */
  private readonly failureReported = new Map<string, number>();
  private readonly partialReported = new Set<string>();
  private readonly prev = new Map<string, ServiceRecord>();
  private readonly writer: KvWriter;
  private failureSeq = Date.now();
  private statusTimer: NodeJS.Timeout | undefined;
  private statusRunning = false;
  private ready = false;
  private closing = false;
  locked = false;

  constructor(private config: ClusterConfig, private readonly port: ClusterPort, private readonly executor: Executor,
    forest: ResourceForest | undefined, private readonly me: string, private readonly nodeid: number, private readonly log: Logger) {
    for (const s of config.rm.services) {
      const root = forest !== undefined ? findRoot(forest, s.kind, s.name) : undefined;
      if (root !== undefined) this.roots.set(s.id, root);
      else this.log.warn(`no resource tree for ${s.id}; operations on it fail here`, { service: s.id });
    }
    this.writer = new KvWriter(port, () => true, (key, err) => this.log.debug(`write of ${key} failed: ${err.message}`));
  }

  get isReady(): boolean { return this.ready; }

  /** Online reconfiguration (reconfig.ts): running services, holds, and the swap of trees/config. */
  reconfigAccess(): LocalReconfigAccess {
    return {
      running: new Set(this.running.keys()),
      hold: (id) => { this.busy.add(id); return () => this.busy.delete(id); },
      swap: (config, forest) => {
        this.config = config;
        this.roots.clear();
        for (const s of config.rm.services) {
          const root = findRoot(forest, s.kind, s.name);
          if (root !== undefined) this.roots.set(s.id, root);
        }
        for (const id of [...this.running.keys()]) if (!this.roots.has(id)) this.running.delete(id);
      },
    };
  }
  runningServices(): string[] { return [...this.running.keys()]; }

  /** The executor's last status results for a service this node runs (undefined: not running here). */
  resourceReport(id: string, limit: number): ResourceStatusReport[] | undefined {
    const root = this.roots.get(id);
    if (root === undefined || !this.running.has(id)) return undefined;
    return this.executor.statusReport(root, limit);
  }

  /** rgmanager's "stop before start": stop every service here without touching the shared state. */
  async stopBeforeStart(): Promise<void> {
    const ids = [...this.roots.keys()];
    this.log.notice(`stop before start: stopping ${ids.length} service(s) locally`);
    await Promise.all(ids.map(async (id) => {
      const r = await this.executor.stop(this.roots.get(id)!);
      if (!r.ok) this.log.warn(`stop before start of ${id} failed: ${r.failed.map((n) => n.resource.id).join(', ')}`, { service: id });
    }));
    this.ready = true;
    const pollS = Math.max(1, this.config.rm.statusPollIntervalS);
    this.statusTimer = setInterval(() => void this.statusPass(), pollS * 1000);
    this.statusTimer.unref();
    this.rescan();
  }

  /** Operations addressed to us that we could not take yet (stopping, or not yet a member). */
  rescan(): void {
    for (const [key, rec] of kvPrefix<ServiceRecord>(this.port, 'rg/s/')) this.onRecord(key.slice(5), rec);
  }

  /** A committed service record. */
  onRecord(id: string, rec: ServiceRecord): void {
    // `before` is the last record that was not an operation still waiting for this node.
    const before = this.prev.get(id);
    const op = rec.op;
    const forMe = op !== null && op.node === this.me && op.id > (this.executed.get(id) ?? 0);
    if (!forMe) { this.prev.set(id, rec); return; }
    if (!this.ready || this.closing) return;
    // Only operations decided for this incarnation (a replayed log of an earlier life is ignored).
    const mine = this.port.view().members.find((m) => m.nodeid === this.nodeid);
    if (mine === undefined || op.inc !== mine.incarnation) return;
    this.prev.set(id, rec);
    this.executed.set(id, op.id);
    void this.execute(id, rec, before);
  }

  private report(id: string, r: ResultRecord): void {
    this.writer.set(resultKey(id), r as unknown as JsonValue);
  }

  private async execute(id: string, rec: ServiceRecord, before: ServiceRecord | undefined): Promise<void> {
    const op = rec.op!;
    const root = this.roots.get(id);
    const result = (ok: boolean, message: string, outcome?: ResultRecord['outcome']) => {
      this.report(id, { opId: op.id, kind: op.kind, node: this.me, ok, ms: Date.now(), message: message.slice(0, 200), ...(outcome !== undefined ? { outcome } : {}) });
    };
    if (root === undefined) { result(false, 'no resource tree'); return; }
    this.busy.add(id);
    try {
      switch (op.kind) {
        case 'start': {
          const unsafe = await this.safeToStart(id, before);
          if (unsafe !== undefined) {
            this.log.error(`refusing to start ${id}: ${unsafe}`, { service: id, reason: 'safety' });
            result(false, unsafe);
            return;
          }
          if (this.locked) { this.log.warn(`not starting ${id}: rgmanager is locked on this node`, { service: id }); result(false, 'locked'); return; }
          if (!this.port.view().quorate) { this.log.warn(`not starting ${id}: this node is not quorate`, { service: id }); result(false, 'inquorate'); return; }
          this.log.notice(`starting ${id}`, { service: id, reason: op.mode });
          const r = await this.executor.start(root);
          this.failureReported.delete(id);
          this.partialReported.delete(id);
          if (r.ok && !this.port.view().quorate) {
            // Quorum went away while the agents ran: the emergency stop already passed us by.
            this.log.warn(`${id} started while quorum was lost; stopping it at once`, { service: id, reason: 'quorum lost' });
            await this.executor.stop(root);
            result(false, 'quorum lost during start');
            return;
          }
          if (r.ok) {
            this.running.set(id, op.id);
            this.log.notice(`${id} started`, { service: id });
          } else {
            this.log.warn(`start of ${id} failed at ${r.failed.map((n) => n.resource.id).join(', ')}`, { service: id });
          }
          result(r.ok, r.ok ? 'started' : `failed: ${r.failed.map((n) => n.resource.id).join(', ')}`);
          return;
        }
        case 'stop': {
          this.log.notice(`stopping ${id}`, { service: id, reason: op.mode });
          const r = await this.executor.stop(root);
          if (r.ok) this.running.delete(id);
          this.log[r.ok ? 'notice' : 'error'](r.ok ? `${id} stopped` : `stop of ${id} failed at ${r.failed.map((n) => n.resource.id).join(', ')}`, { service: id });
          result(r.ok, r.ok ? 'stopped' : 'stop failed');
          return;
        }
        case 'migrate': {
          this.log.notice(`migrating ${id} to ${op.target ?? '?'}`, { service: id });
          const r = await this.executor.runAgent(root, 'migrate', { args: [op.target ?? ''] });
          const outcome = r.rc === 0 ? 'ok' : r.rc === 150 ? 'relocate' : r.rc === 7 ? 'not-running' : 'error';
          if (outcome === 'ok') this.running.delete(id);
          result(outcome === 'ok', `migrate rc ${r.rc}`, outcome);
          return;
        }
        case 'convalesce': {
          let ok = true;
          const walk = async (n: TreeNode): Promise<void> => {
            if (this.executor.isDisabled(n)) { const r = await this.executor.restartSubtree(n); ok = ok && r.ok; return; }
            for (const c of n.children) await walk(c);
          };
          await walk(root);
          if (ok) this.partialReported.delete(id);
          result(ok, ok ? 'convalesced' : 'convalesce failed');
          return;
        }
      }
    } catch (err) {
      this.log.error(`${op.kind} of ${id} threw: ${(err as Error).message}`, { service: id });
      result(false, (err as Error).message);
    } finally {
      this.busy.delete(id);
    }
  }

  /**
   * unsafeStart, waiting (bounded, START_SAFETY_WAIT_MS) for this node's replicated state to show
   * what the coordinator decided on: the coordinator decides only from committed records, so a
   * node whose copy lags (it applies the log a little later) sees them soon. Never starts early:
   * undefined only once the committed state here proves the previous owner fenced or stopped.
   */
  private async safeToStart(id: string, before: ServiceRecord | undefined): Promise<string | undefined> {
    const deadline = Date.now() + START_SAFETY_WAIT_MS;
    let unsafe = this.unsafeStart(id, before);
    if (unsafe === undefined) return undefined;
    this.log.info(`start of ${id} waits for the replicated state: ${unsafe}`, { service: id, reason: 'safety' });
    while (unsafe !== undefined && Date.now() < deadline && !this.closing) {
      await new Promise((r) => setTimeout(r, START_SAFETY_POLL_MS));
      unsafe = this.unsafeStart(id, before);
    }
    return unsafe;
  }

  /**
   * Safety 3, asserted again where it matters: the record before this start showed the service
   * active on another node; that node must be a member that stopped it (then the record would
   * show it stopped) or be fenced / acknowledged / cleanly gone.
   */
  private unsafeStart(id: string, before: ServiceRecord | undefined): string | undefined {
    if (before === undefined) return undefined;
    const active = ['starting', 'started', 'stopping', 'recoverable', 'migrating'].includes(before.v.state);
    const prevOwner = before.v.owner;
    if (!active || prevOwner === null || prevOwner === this.me) return undefined;
    // The previous owner's stop succeeded (its "stopped" record may have been coalesced away).
    const stop = before.op;
    if (stop !== null && stop.kind === 'stop' && stop.node === prevOwner) {
      const r = kvValue<ResultRecord>(this.port, resultKey(id));
      if (r !== undefined && r.opId === stop.id && r.kind === 'stop' && r.node === prevOwner && r.ok) return undefined;
    }
    const node = this.config.nodes.find((n) => n.name === prevOwner);
    const member = node !== undefined && this.port.view().members.some((m) => m.nodeid === node.nodeid);
    if (member) return `${prevOwner} still runs it`;
    // The victim record must be about the life that ran it (the coordinator's incarnation of the
    // node, rg/n): an older settled record (startup fencing averted, an earlier death) is not.
    const inc = kvValue<NodesRecord>(this.port, NODES_KEY)?.inc[prevOwner] ?? 0;
    if (!victimSafeFor(kvValue<VictimRecord>(this.port, `fence/v/${prevOwner}`), inc)) return `previous owner ${prevOwner} is not fenced`;
    return undefined;
  }

  /** One status pass over the services this node runs (rgmanager's status_poll_interval loop). */
  private async statusPass(): Promise<void> {
    if (this.statusRunning || !this.ready || this.closing) return;
    this.statusRunning = true;
    try {
      for (const [id, opId] of [...this.running]) {
        const reported = this.failureReported.get(id);
        if (this.busy.has(id) || (reported !== undefined && Date.now() - reported < FAILURE_REPORT_RETRY_MS)) continue;
        const rec = kvValue<ServiceRecord>(this.port, svcKey(id));
        if (rec === undefined || rec.v.owner !== this.me || rec.v.state !== 'started' || rec.op !== null || (rec.v.flags & FLAG_FROZEN) !== 0) continue;
        const root = this.roots.get(id)!;
        const r = await this.executor.status(root);
        if (!this.running.has(id) || this.busy.has(id)) continue;
        if (r.ok && r.recoverable.length > 0) {
          this.log.notice(`Some independent resources in ${id} failed; Attempting inline recovery`, { service: id, reason: 'status' });
          let ok = true;
          for (const top of r.recoverable) ok = (await this.executor.restartSubtree(top)).ok && ok;
          if (ok) { this.log.notice(`Inline recovery of ${id} complete`, { service: id }); continue; }
          this.reportFailure(id, opId, 'failure', 'inline recovery failed');
          continue;
        }
        if (r.ok && r.partial.length > 0 && !this.partialReported.has(id)) {
          for (const top of r.partial) await this.executor.disableSubtree(top);
          this.partialReported.add(id);
          this.log.warn(`non-critical part of ${id} failed and was left stopped; run clusvcadm -c ${id}`, { service: id, reason: r.partial.map((n) => n.resource.id).join(', ') });
          this.reportFailure(id, opId, 'partial', r.partial.map((n) => n.resource.id).join(', '));
          continue;
        }
        if (!r.ok) {
          const what = r.failed.map((n) => n.resource.id).join(', ');
          this.log.warn(`status check of ${id} failed: ${what}`, { service: id, reason: 'status' });
          this.reportFailure(id, opId, 'failure', what);
        }
      }
    } finally {
      this.statusRunning = false;
    }
  }

  private reportFailure(id: string, opId: number, kind: 'failure' | 'partial', message: string): void {
    if (kind === 'failure') this.failureReported.set(id, Date.now());
    const rec: FailureRecord = { seq: ++this.failureSeq, kind, node: this.me, opId, ms: Date.now(), message: message.slice(0, 200) };
    this.writer.set(failureKey(id), rec as unknown as JsonValue);
  }

  /**
   * Quorum is back: a service stopped here by the emergency stop whose record still shows it
   * started here (no coordinator recorded the stop) is reported as a status failure, so the
   * policy recovers it (rgmanager re-evaluates after "Quorum Regained").
   */
  quorumRegained(): void {
    const stopped = [...this.emergencyStopped];
    this.emergencyStopped.clear();
    for (const [id, opId] of stopped) {
      const rec = kvValue<ServiceRecord>(this.port, svcKey(id));
      if (rec === undefined || rec.v.owner !== this.me || rec.v.state !== 'started' || rec.op !== null || rec.seq !== opId || this.running.has(id)) continue;
      this.log.notice(`${id} was stopped while quorum was lost; reporting it for recovery`, { service: id, reason: 'quorum regained' });
      this.reportFailure(id, opId, 'failure', 'stopped while quorum was lost (emergency stop)');
    }
  }

  /** Quorum lost: stop everything here at once, without waiting for anyone. */
  async emergencyStop(reason: string): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    for (const id of ids) this.emergencyStopped.set(id, this.running.get(id)!);
    this.log.warn(`emergency stop of ${ids.length} local service(s): ${reason}`, { reason });
    await Promise.all(ids.map(async (id) => {
      const r = await this.executor.stop(this.roots.get(id)!);
      this.running.delete(id);
      this.log[r.ok ? 'notice' : 'error'](`${id} ${r.ok ? 'stopped' : 'stop failed'} (emergency)`, { service: id, reason });
    }));
  }

  /** SIGTERM: stop every local service that is not frozen; the peers take over after we leave. */
  async shutdown(): Promise<void> {
    this.closing = true;
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer);
    const ids = [...this.running.keys()].filter((id) => ((kvValue<ServiceRecord>(this.port, svcKey(id))?.v.flags ?? 0) & FLAG_FROZEN) === 0);
    this.log.notice(`shutting down: stopping ${ids.length} local service(s)`);
    await Promise.all(ids.map(async (id) => {
      const r = await this.executor.stop(this.roots.get(id)!);
      if (r.ok) this.running.delete(id);
      this.log[r.ok ? 'notice' : 'error'](`${id} ${r.ok ? 'stopped' : 'stop failed'} (shutdown)`, { service: id, reason: 'SIGTERM' });
    }));
    this.writer.close();
  }

  close(): void {
    this.closing = true;
    if (this.statusTimer !== undefined) clearInterval(this.statusTimer);
    this.writer.close();
  }
}
