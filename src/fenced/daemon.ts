// fenced inside clusterd. Every member runs it; only the coordinator (the membership leader)
// fences, and only while quorate. Victims, their state and the fence history live in the
// replicated key/value state (committed through the membership log), so a new coordinator
// continues where the old one stopped and every node can answer fence_tool ls / clustat.
//
// Keys (values are small JSON):
//   fence/v/<node>    victim record {st, gen, inc, ms, how, master, attempt, reason}
//                     st: pending | failed  (needs fencing)
//                         fenced | override | external | averted | left  (settled)
//   fence/h/<n>       history ring (64 entries, n = seq % 64), FenceHistoryEntry
//   fence/ack/<node>  fence_ack_manual request {ms, by}
//   fence/init        startup fencing done {ms}
import type { ClusterConfig, ClusterNode } from '../config/types.js';
import { getLogger, type Logger } from '../log/index.js';
import { ApiError, type ApiServer } from '../api/index.js';
import type { FenceHistoryEntry, FenceLs, FenceNodeRow, FenceNodeResult, FenceVictimEvent } from '../api/fenced.js';
import type { JsonValue, ViewInfo } from '../cman/membership/index.js';
import { KvWriter, kvPrefix, kvValue, watchKv, type ClusterPort } from '../rgmanager/daemon/replicated.js';
import { deviceRuns, fenceNode, statusNode, unfenceNode, type FenceRunResult } from './run.js';

const ipmilanModule = () => import('../fence-agents/fence_ipmilan.js');

export const HISTORY_SLOTS = 64;
const MAX_BACKOFF_S = 60;

export type VictimState = 'pending' | 'failed' | 'fenced' | 'override' | 'external' | 'averted' | 'left';

export interface VictimRecord {
  readonly st: VictimState;
  /** Generation of the view the node left in (or of the startup round). */
  readonly gen: number;
  /** Incarnation of the node that left (0 for startup victims). */
  readonly inc: number;
  /** Wall clock of the last change. */
  readonly ms: number;
  readonly master: string;
  readonly attempt: number;
  readonly reason: string;
  /** Wall clock when the victim was known safe (fenced/override/external), else 0. */
  readonly safeMs: number;
}

export function victimNeedsFence(r: VictimRecord | undefined): boolean {
  return r !== undefined && (r.st === 'pending' || r.st === 'failed');
}

/** Settled states after which the victim's services may move. */
export function victimSafe(r: VictimRecord | undefined): boolean {
  return r !== undefined && (r.st === 'fenced' || r.st === 'override' || r.st === 'external' || r.st === 'averted' || r.st === 'left');
}

/**
 * The record settles the life of the node that ran as incarnation `inc` (0: not known, any
 * settled record counts). A record about another life does not: in particular a startup victim
 * (incarnation 0, "averted" when the node joined during post_join_delay) says nothing about a later
 * death of that node, whose own record is still to come.
 */
export function victimSafeFor(r: VictimRecord | undefined, inc: number): boolean {
  return victimSafe(r) && (inc === 0 || r!.inc === inc);
}

export interface FenceDaemonOptions {
  readonly config: ClusterConfig;
  readonly node: ClusterNode;
  readonly port: ClusterPort;
  readonly api: ApiServer;
}

interface Task {
  readonly victim: string;
  cancelled: boolean;
  wake: (() => void) | undefined;
}

export class FenceDaemon {
  private readonly log: Logger;
  private readonly writer: KvWriter;
  private readonly tasks = new Map<string, Task>();
  private readonly unwatch: (() => void)[] = [];
  private coordinator = false;
  private stopped = false;
  /** This daemon holds one use of the IPMI session pool (start() .. stop()). */
  private ipmiPool = false;
  private victimNow = 0;
  private nextSeq = 0;
  private unfenced = false;
  private lastView: ViewInfo | undefined;
  /**
   * How each node last left, as every member saw it in the committed views (one entry per
   * configured node). A master that takes over after the old master itself left uses it so that a
   * clean leave it did not witness as master is not mistaken for a failure.
   */
  private readonly departures = new Map<string, { readonly inc: number; readonly gen: number; readonly reason: string }>();

  /** Online reconfiguration (config propagation): later fence operations use the new devices and methods. */
  setConfig(config: ClusterConfig): void { this.opts = { ...this.opts, config }; }

  constructor(private opts: FenceDaemonOptions) {
    this.log = getLogger('fenced', { node: opts.node.name, subsys: 'fenced' });
    this.writer = new KvWriter(opts.port, () => !this.stopped && this.opts.port.view().leader === this.opts.node.nodeid,
      (key, err) => this.log.debug(`write of ${key} failed: ${err.message}`), true);
    this.registerApi(opts.api);
  }

  start(): void {
    const { port } = this.opts;
    this.unwatch.push(port.events.on('view', (v) => this.onView(v)));
    this.unwatch.push(port.events.on('nodeLeft', (c) => this.onNodeLeft(c.name, c.generation, c.incarnation, c.reason)));
    this.unwatch.push(watchKv(port, 'fence/', (key, value) => this.onCommitted(key, value)));
    this.onView(port.view());
    // Keep a logged-in session to each BMC between in-process fence runs (DESIGN.md "Fencing,
    // fast and safe"); loaded on demand so a cluster without IPMI devices never loads the client.
    if (!this.ipmiPool) {
      this.ipmiPool = true;
      void ipmilanModule().then((m) => m.enableIpmiSessionPool({ keepAliveMs: 20_000, idleCloseMs: 600_000 }));
    }
  }

  stop(): void {
    if (this.ipmiPool) {
      this.ipmiPool = false;
      void ipmilanModule().then((m) => m.closeIpmiSessionPool());
    }
    this.stopped = true;
    for (const t of this.tasks.values()) { t.cancelled = true; t.wake?.(); }
    this.tasks.clear();
    this.writer.close();
    for (const u of this.unwatch) u();
  }

  // --- state ---------------------------------------------------------------------------------

  victim(name: string): VictimRecord | undefined { return kvValue<VictimRecord>(this.opts.port, `fence/v/${name}`); }

  /** The victim record as this master is about to write it, else as committed. */
  private victimLatest(name: string): VictimRecord | undefined {
    const p = this.writer.peek(`fence/v/${name}`);
    return p === undefined ? this.victim(name) : p === null ? undefined : p as unknown as VictimRecord;
  }

  history(): FenceHistoryEntry[] {
    return kvPrefix<FenceHistoryEntry>(this.opts.port, 'fence/h/').map(([, e]) => e).sort((a, b) => a.seq - b.seq);
  }

  private nodeByName(name: string): ClusterNode | undefined {
    return this.opts.config.nodes.find((n) => n.name === name || n.name.split('.')[0] === name || String(n.nodeid) === name);
  }


  private isMember(name: string, v: ViewInfo = this.opts.port.view()): boolean {
    const n = this.nodeByName(name);
    return n !== undefined && v.members.some((m) => m.nodeid === n.nodeid);
  }

  private setVictim(name: string, rec: VictimRecord): void {
    this.writer.set(`fence/v/${name}`, rec as unknown as JsonValue);
  }

  private addHistory(e: Omit<FenceHistoryEntry, 'seq'>): void {
    const seq = Math.max(this.nextSeq, ...this.history().map((h) => h.seq + 1));
    this.nextSeq = seq + 1;
    this.writer.set(`fence/h/${seq % HISTORY_SLOTS}`, { ...e, seq } as unknown as JsonValue);
  }

  // --- events --------------------------------------------------------------------------------

  private onView(v: ViewInfo): void {
    this.lastView = v;
    const me = this.opts.node.nodeid;
    const was = this.coordinator;
    this.coordinator = v.leader === me && v.members.some((m) => m.nodeid === me);
    if (was && !this.coordinator) {
      this.log.notice('no longer the fence master; leaving fencing to the new coordinator');
      for (const t of this.tasks.values()) { t.cancelled = true; t.wake?.(); }
      this.tasks.clear();
      this.writer.clear();
    }
    if (v.quorate && v.members.some((m) => m.nodeid === me) && !this.unfenced) {
      this.unfenced = true;
      void this.unfenceSelf();
    }
    if (!this.coordinator) return;
    if (!v.quorate) {
      if (this.tasks.size > 0) this.log.warn('quorum lost: fencing paused until quorum returns');
      return;
    }
    if (!was) this.log.notice(`this node is the fence master (coordinator, generation ${v.generation})`);
    // Startup fencing, once per cluster history.
    if (kvValue(this.opts.port, 'fence/init') === undefined) {
      this.writer.set('fence/init', { ms: Date.now(), gen: v.generation, master: this.opts.node.name });
      if (!this.opts.config.fenceDaemon.cleanStart) {
        for (const n of this.opts.config.nodes) {
          if (this.isMember(n.name, v) || this.victim(n.name) !== undefined) continue;
          if (this.opts.config.fenceDaemon.skipUndefined && n.fenceMethods.length === 0) continue;
          this.log.notice(`startup fencing: ${n.name} is not a member`, { reason: 'startup' });
          this.setVictim(n.name, { st: 'pending', gen: v.generation, inc: 0, ms: Date.now(), master: this.opts.node.name, attempt: 0, reason: 'startup', safeMs: 0 });
        }
      }
    }
    this.recordMembers(v);
    this.scheduleVictims();
  }

  /**
   * fence/m/<node> = the incarnation last seen a member. A node missing from the view whose last
   * incarnation has no victim record yet becomes one (covers a master change that missed nodeLeft).
   */
  private recordMembers(v: ViewInfo): void {
    for (const n of this.opts.config.nodes) {
      const m = v.members.find((x) => x.nodeid === n.nodeid);
      const pendingSeen = this.writer.peek(`fence/m/${n.name}`);
      const seen = (pendingSeen ?? kvValue(this.opts.port, `fence/m/${n.name}`)) as { inc: number } | undefined;
      if (m !== undefined) {
        if (seen?.inc !== m.incarnation) this.writer.set(`fence/m/${n.name}`, { inc: m.incarnation });
        continue;
      }
      if (seen === undefined) continue;
      const rec = this.victimLatest(n.name);
      if (rec !== undefined && rec.inc === seen.inc) continue;
      const gone = this.departures.get(n.name);
      if (gone !== undefined && gone.inc === seen.inc) {
        // Seen leaving (cleanly or restarted) before this node became master: record it as the
        // master of that moment would have.
        this.settleDeparture(n.name, gone.gen, gone.inc, gone.reason);
        continue;
      }
      this.log.notice(`${n.name} (incarnation ${seen.inc}) is gone and was never dealt with; queued for fencing`, { reason: 'failed' });
      this.setVictim(n.name, { st: 'pending', gen: v.generation, inc: seen.inc, ms: Date.now(), master: this.opts.node.name, attempt: 0, reason: 'failed', safeMs: 0 });
    }
  }

  private onNodeLeft(name: string, gen: number, inc: number, reason: string): void {
    const configured = this.nodeByName(name);
    if (configured !== undefined) this.departures.set(configured.name, { inc, gen, reason });
    // The live view, not the cached flag: the first view of a new leader reports its nodeLeft first.
    const v = this.opts.port.view();
    if (v.leader !== this.opts.node.nodeid || this.stopped) return;
    this.settleDeparture(name, gen, inc, reason);
  }

  /** The master's record of a departure: a clean leave needs no fencing, a restart averts it. */
  private settleDeparture(name: string, gen: number, inc: number, reason: string): void {
    const clean = reason === 'left' || reason === 'removed';
    const restarted = reason === 'restarted';
    const st: VictimState = clean ? 'left' : restarted ? 'averted' : 'pending';
    this.log.notice(clean ? `${name} left the cluster cleanly; no fencing` : restarted ? `${name} restarted (new incarnation); fence averted`
      : `${name} left the cluster (${reason}); queued for fencing`, { reason });
    this.setVictim(name, { st, gen, inc, ms: Date.now(), master: this.opts.node.name, attempt: 0, reason, safeMs: st === 'pending' ? 0 : Date.now() });
  }

  private onCommitted(key: string, value: JsonValue | undefined): void {
    if (key.startsWith('fence/h/') && value !== undefined) {
      this.opts.api.publish('fence.history', value as unknown as FenceHistoryEntry);
      const seq = (value as unknown as FenceHistoryEntry).seq;
      if (seq >= this.nextSeq) this.nextSeq = seq + 1;
    } else if (key.startsWith('fence/v/') && value !== undefined) {
      const r = value as unknown as VictimRecord;
      const victim = key.slice('fence/v/'.length);
      const ev: FenceVictimEvent = { victim, nodeid: this.nodeByName(victim)?.nodeid ?? 0,
        state: r.st === 'left' ? 'averted' : r.st === 'external' ? 'fenced' : r.st, message: r.reason };
      this.opts.api.publish('fence.victim', ev);
      if (this.coordinator) this.scheduleVictims();
    } else if (key.startsWith('fence/ack/') && value !== undefined) {
      const victim = key.slice('fence/ack/'.length);
      const t = this.tasks.get(victim);
      if (t !== undefined) t.wake?.();
      else if (this.coordinator) this.scheduleVictims();
    }
  }

  /** Start a task for every victim that needs fencing and has none. */
  private scheduleVictims(): void {
    const v = this.lastView ?? this.opts.port.view();
    if (!this.coordinator || !v.quorate || this.stopped) return;
    for (const [key, rec] of kvPrefix<VictimRecord>(this.opts.port, 'fence/v/')) {
      const name = key.slice('fence/v/'.length);
      if (!victimNeedsFence(rec) || this.tasks.has(name)) continue;
      const task: Task = { victim: name, cancelled: false, wake: undefined };
      this.tasks.set(name, task);
      void this.runVictim(task, rec).finally(() => { if (this.tasks.get(name) === task) this.tasks.delete(name); });
    }
  }

  private sleep(task: Task, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { task.wake = undefined; resolve(); }, ms);
      task.wake = () => { clearTimeout(t); task.wake = undefined; resolve(); };
    });
  }

  private ackFor(name: string, sinceMs: number): { ms: number; by: string } | undefined {
    const a = kvValue<{ ms: number; by: string }>(this.opts.port, `fence/ack/${name}`);
    return a !== undefined && a.ms >= sinceMs ? a : undefined;
  }

  /** The per-victim loop on the fence master: delay, fence, retry with back-off until done. */
  private async runVictim(task: Task, rec: VictimRecord): Promise<void> {
    const name = task.victim;
    const node = this.nodeByName(name);
    const fd = this.opts.config.fenceDaemon;
    const master = this.opts.node.name;
    const queuedMs = rec.ms;
    const settle = (st: VictimState, reason: string) => {
      const now = Date.now();
      this.setVictim(name, { ...rec, st, ms: now, master, reason, safeMs: now, attempt: rec.attempt });
    };
    if (node === undefined) { settle('averted', 'not in cluster.conf'); return; }
    const delayS = rec.reason === 'startup' ? fd.postJoinDelayS : rec.attempt === 0 ? fd.postFailDelayS : 0;
    if (delayS < 0) { this.log.notice(`fencing of ${name} waits for post_join_delay=-1 (forever): acknowledge with fence_ack_manual`); }
    if (delayS !== 0) {
      this.log.notice(`delaying fencing of ${name} by ${delayS < 0 ? 'forever' : `${delayS} s`} (${rec.reason === 'startup' ? 'post_join_delay' : 'post_fail_delay'})`);
      const until = delayS < 0 ? Infinity : Date.now() + delayS * 1000;
      while (!task.cancelled && Date.now() < until) {
        if (this.isMember(name)) break;
        if (this.ackFor(name, queuedMs) !== undefined) break;
        await this.sleep(task, Math.min(500, until - Date.now()));
      }
    }
    let attempt = rec.attempt;
    let backoffS = Math.max(1, fd.overrideTimeS);
    while (!task.cancelled && !this.stopped) {
      const v = this.opts.port.view();
      if (!this.coordinator || !v.quorate) return; // resumes when quorum / the role returns
      const ack = this.ackFor(name, queuedMs);
      if (ack !== undefined) {
        this.log.notice(`fence ${name} overridden by administrator intervention (fence_ack_manual on ${ack.by})`, { reason: 'fence_ack_manual' });
        this.addHistory({ victim: name, victimNodeid: node.nodeid, method: null, device: null, agent: null, action: null, result: 'override',
          how: 'override', message: `acknowledged by hand on ${ack.by}`, master, startedMs: ack.ms, durationMs: 0, offConfirmedMs: null, attempt });
        settle('override', `fence_ack_manual on ${ack.by}`);
        return;
      }
      if (this.isMember(name, v) && rec.inc !== 0) {
        const m = v.members.find((x) => x.nodeid === node.nodeid);
        if (m !== undefined && m.incarnation !== rec.inc) {
          this.log.notice(`averting fence of ${name}: it rejoined as a new member`, { reason: 'rejoined' });
          this.addHistory({ victim: name, victimNodeid: node.nodeid, method: null, device: null, agent: null, action: null, result: 'averted',
            how: 'averted', message: 'rejoined clean before it was fenced', master, startedMs: Date.now(), durationMs: 0, offConfirmedMs: null, attempt });
          settle('averted', 'rejoined clean');
          return;
        }
      } else if (this.isMember(name, v) && rec.reason === 'startup') {
        this.log.notice(`averting startup fence of ${name}: it joined`, { reason: 'joined' });
        settle('averted', 'joined during post_join_delay');
        return;
      }
      this.victimNow = node.nodeid;
      this.log.notice(`fencing node ${name}${attempt > 0 ? ` (retry ${attempt})` : ''}`, { reason: rec.reason });
      let safeMs = 0;
      const startedMs = Date.now();
      const r: FenceRunResult = await fenceNode(this.opts.config, node, {
        log: (level, msg) => this.log[level](msg),
        cancelled: () => task.cancelled,
        onSafe: (at) => {
          safeMs = at;
          if (task.cancelled) return;
          // Recovery may start now: the victim's power is confirmed off (the on half goes on).
          this.log.notice(`fence ${name} success (power off confirmed ${at - startedMs} ms after start)`);
          this.setVictim(name, { ...rec, st: 'fenced', ms: at, master, reason: 'agent', safeMs: at, attempt });
        },
      });
      this.victimNow = 0;
      for (const d of r.devices) {
        this.addHistory({ victim: name, victimNodeid: node.nodeid, method: d.methodName, device: d.deviceName, agent: d.agent, action: d.action,
          result: d.result.ok ? 'success' : 'failed', how: d.result.ok ? 'agent' : 'failed', message: d.result.message, master,
          startedMs: d.startedMs, durationMs: Math.round(d.result.durationMs), offConfirmedMs: d.offConfirmedMs, attempt });
      }
      if (r.outcome === 'success') {
        if (safeMs === 0 && !task.cancelled) this.setVictim(name, { ...rec, st: 'fenced', ms: Date.now(), master, reason: 'agent', safeMs: r.safeAtMs ?? Date.now(), attempt });
        return;
      }
      if (task.cancelled) return;
      attempt += 1;
      const why = r.outcome === 'undefined' ? 'no fence method' : r.devices.map((d) => `${d.deviceName}: ${d.result.message}`).join('; ');
      this.log.error(`fence ${name} failed (attempt ${attempt}): ${why}; retrying in ${backoffS} s (fence_ack_manual ${name} overrides)`, { reason: why });
      this.setVictim(name, { ...rec, st: 'failed', ms: Date.now(), master, reason: why.slice(0, 300), safeMs: 0, attempt });
      await this.sleep(task, backoffS * 1000);
      backoffS = Math.min(MAX_BACKOFF_S, backoffS * 2);
    }
  }

  private async unfenceSelf(): Promise<void> {
    const node = this.opts.node;
    if (node.unfence.length === 0) return;
    const r = await unfenceNode(this.opts.config, node, { log: (level, msg) => this.log[level](msg) });
    if (r.outcome === 'success') this.log.notice(`unfence ${node.name} success`);
    else this.log.error(`unfence ${node.name} failed: ${r.devices.filter((d) => !d.result.ok).map((d) => `${d.deviceName}: ${d.result.message}`).join('; ')}`);
  }

  // --- API ------------------------------------------------------------------------------------

  ls(): FenceLs {
    const v = this.opts.port.view();
    const victims = kvPrefix<VictimRecord>(this.opts.port, 'fence/v/').filter(([, r]) => victimNeedsFence(r));
    const hist = this.history();
    return {
      memberCount: v.members.length,
      victimCount: victims.length,
      victimNow: this.coordinator ? this.victimNow : 0,
      masterNodeid: v.leader ?? 0,
      waitState: !v.quorate ? 'quorum' : victims.length > 0 ? 'fencing' : 'none',
      members: v.members.map((m) => m.nodeid).sort((a, b) => a - b),
      nodes: this.opts.config.nodes.map((n): FenceNodeRow => {
        const r = this.victim(n.name);
        const last = [...hist].reverse().find((h) => h.victim === n.name && (h.result === 'success' || h.result === 'override' || h.result === 'external'));
        return {
          nodeid: n.nodeid, name: n.name, member: v.members.some((m) => m.nodeid === n.nodeid), victim: victimNeedsFence(r),
          lastFenceMaster: last !== undefined ? this.nodeByName(last.master)?.nodeid ?? 0 : 0,
          lastFenceHow: last === undefined ? 'none' : last.how === 'override' ? 'override' : last.how === 'external' ? 'external' : 'agent',
          lastFencedMs: last?.startedMs ?? 0,
        };
      }).sort((a, b) => a.nodeid - b.nodeid),
    };
  }

  private registerApi(api: ApiServer): void {
    api.handle('fence.ls', () => this.ls());
    api.handle('fence.history', ({ node, limit }) => {
      let entries = this.history();
      if (node !== undefined) entries = entries.filter((e) => e.victim === node);
      if (limit !== undefined && limit > 0) entries = entries.slice(-limit);
      return { entries };
    });
    api.handle('fence.ackManual', async ({ node }) => {
      const n = typeof node === 'string' ? this.nodeByName(node) : undefined;
      if (n === undefined) throw new ApiError('ENOENT', `no node named ${String(node)} in cluster.conf`);
      const r = this.victim(n.name);
      if (!victimNeedsFence(r)) throw new ApiError('ENOENT', `${n.name} is not waiting to be fenced`);
      const ms = Date.now();
      await this.opts.port.propose({ op: 'put', key: `fence/ack/${n.name}`, value: { ms, by: this.opts.node.name } });
      this.log.notice(`fence_ack_manual: ${n.name} acknowledged as fenced by the administrator`, { reason: 'fence_ack_manual' });
      // Wait (bounded) until the master commits the override.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        if (victimSafe(this.victim(n.name))) return { node: n.name, overridden: true };
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new ApiError('ETIMEDOUT', `the fence master did not take the acknowledgement for ${n.name} within 30 s`);
    });
    api.handle('fence.node', async ({ node, mode, method, record }) => {
      const n = typeof node === 'string' ? this.nodeByName(node) : undefined;
      if (n === undefined) throw new ApiError('ENOENT', `no node named ${String(node)} in cluster.conf`);
      const m = mode ?? 'fence';
      const log = (level: 'error' | 'warn' | 'notice' | 'info' | 'debug', msg: string) => this.log[level](msg);
      const opt = { log, ...(method !== undefined ? { onlyMethod: method } : {}) };
      if (m === 'status') {
        const r = await statusNode(this.opts.config, n, opt);
        return this.nodeResult(n.name, m, r, r.power);
      }
      if (m === 'unfence') return this.nodeResult(n.name, m, await unfenceNode(this.opts.config, n, opt), null);
      this.log.notice(`fence_node ${n.name} requested from this node`);
      const startedMs = Date.now();
      const r = await fenceNode(this.opts.config, n, opt);
      if (r.outcome === 'success' && record !== false) {
        // fenced_external: the victim counts as fenced. Written by whoever runs fence_node.
        const rec = this.victim(n.name);
        const now = Date.now();
        await this.opts.port.propose({ op: 'put', key: `fence/v/${n.name}`, value: {
          st: 'external', gen: rec?.gen ?? this.opts.port.view().generation, inc: rec?.inc ?? 0, ms: now, master: this.opts.node.name,
          attempt: rec?.attempt ?? 0, reason: 'fence_node', safeMs: r.safeAtMs ?? now } }).catch(() => undefined);
        const seq = Math.max(this.nextSeq, ...this.history().map((h) => h.seq + 1));
        await this.opts.port.propose({ op: 'put', key: `fence/h/${seq % HISTORY_SLOTS}`, value: {
          seq, victim: n.name, victimNodeid: n.nodeid, method: null, device: null, agent: null, action: null, result: 'external', how: 'external',
          message: `fence_node on ${this.opts.node.name}`, master: this.opts.node.name, startedMs, durationMs: now - startedMs,
          offConfirmedMs: r.safeAtMs, attempt: 0 } }).catch(() => undefined);
      }
      return this.nodeResult(n.name, m, r, null);
    });
  }

  private nodeResult(node: string, mode: 'fence' | 'unfence' | 'status', r: FenceRunResult, power: 'on' | 'off' | null): FenceNodeResult {
    return { node, mode, outcome: r.outcome, exitCode: r.outcome === 'success' ? 0 : r.outcome === 'failed' ? 1 : 2, power, runs: deviceRuns(r) };
  }

  get isCoordinator(): boolean { return this.coordinator; }
}
