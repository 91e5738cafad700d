// rgmanager inside clusterd: the coordinator part (policy, on the membership leader), the local
// part (executor of this node's operations, status checks) and the API (rg.status, rg.request,
// rg.lock). See README.md in this folder for the event order and what is replicated.
import path from 'node:path';
import type { ClusterConfig, ClusterNode } from '../../config/types.js';
import { getLogger, type Logger } from '../../log/index.js';
import { ApiError, type ApiServer } from '../../api/index.js';
import type { RgNodeStatus, RgReply, RgRequestParams, RgResources, RgServiceStatus, RgStateName, RgStatus } from '../../api/rgmanager.js';
import type { JsonValue } from '../../cman/membership/index.js';
import { RG_CODES, SERVICE_STATE_CODES, clusvcadmExitStatus, type RgCodeName } from '../policy/index.js';
import { Executor } from '../executor.js';
import { agentDirs, loadResourceRules, type RuleSet } from '../rules.js';
import { applyLocalReconfig, computeReconfig, reconfigForest, type ReconfigComputation } from './reconfig.js';
import { buildResourceForest, type ResourceForest } from '../tree.js';
import { kvValue, watchKv, type ClusterPort } from './replicated.js';
import { Coordinator } from './coordinator.js';
import { LocalServices } from './local.js';
import { MAX_RESOURCE_ROWS, ResourceQueries, toResourceStatus, type FramePort } from './resources.js';
import {
  answerKey, requestKey, svcKey, upKey, type UpRecord, type AnswerRecord, type FailureRecord, type RequestRecord, type ResultRecord, type ServiceRecord,
} from './records.js';
import { victimNeedsFence, type FenceDaemon, type VictimRecord } from '../../fenced/daemon.js';

/** cman "port" rgmanager binds (clustat's "rgmanager" flag). */
export const PORT_RGMANAGER = 177;
const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
const MAX_PENDING_REQUESTS = 64;
const OPS = new Set(['enable', 'disable', 'stop', 'restart', 'relocate', 'freeze', 'unfreeze', 'migrate', 'convalesce']);

export interface RgDaemonOptions {
  readonly config: ClusterConfig;
  readonly node: ClusterNode;
  readonly port: ClusterPort;
  readonly api: ApiServer;
  readonly fenced: FenceDaemon;
  /** clusterd's run directory (agent metadata cache). */
  readonly runDir?: string;
  /** Environment for every agent (e.g. test directories). */
  readonly agentEnv?: Readonly<Record<string, string>>;
  /** cman's application frames (rg.resources asks the owner); without it only local services answer. */
  readonly frames?: FramePort;
}

export class RgManagerDaemon {
  private readonly log: Logger;
  private coordinator: Coordinator | undefined;
  private local: LocalServices | undefined;
  private executor: Executor | undefined;
  private readonly unwatch: (() => void)[] = [];
  private readonly waiters = new Map<string, (a: AnswerRecord) => void>();
  private reqSeq = 0;
  private readonly incarnation = Date.now().toString(36);
  private stopped = false;
  private announcedInc = 0;
  private rules: RuleSet | undefined;
  private forest: ResourceForest | undefined;
  private pendingConfig: ClusterConfig | undefined;
  private readonly queries: ResourceQueries;
  /** The last reconfiguration's agent runs (the next one waits for them). */
  private reconfigTail: Promise<unknown> = Promise.resolve();
  /** Last rg.service event published per service (JSON), to publish each change once. */
  private readonly published = new Map<string, string>();

  constructor(private opts: RgDaemonOptions) {
    this.log = getLogger('rgmanager', { node: opts.node.name, subsys: 'rgmanager' });
    this.queries = new ResourceQueries(opts.frames, (svc) => this.localResources(svc));
    this.registerApi(opts.api);
  }

  /** This node's answer to rg.resources: null when it does not run the service. */
  private localResources(svc: string): RgResources | null {
    const rows = this.local?.resourceReport(svc, MAX_RESOURCE_ROWS + 1);
    if (rows === undefined) return null;
    const rec = kvValue<ServiceRecord>(this.opts.port, svcKey(svc));
    return { service: svc, owner: this.opts.node.name, state: rec?.v.state ?? 'started', resources: toResourceStatus(rows.slice(0, MAX_RESOURCE_ROWS)),
      truncated: rows.length > MAX_RESOURCE_ROWS, nowMs: Date.now() };
  }

  /** rg.resources: the owner's executor answers (asked over the cluster when that is another node). */
  private async resources(service: unknown): Promise<RgResources> {
    if (typeof service !== 'string' || service === '') throw new ApiError('EINVAL', 'service missing');
    const id = service.includes(':') ? service : `service:${service}`;
    if (!this.opts.config.rm.services.some((s) => s.id === id)) throw new ApiError('ENOENT', `no service ${id}`);
    const rec = kvValue<ServiceRecord>(this.opts.port, svcKey(id));
    const state: RgStateName = rec?.v.state ?? 'stopped';
    const none: RgResources = { service: id, owner: null, state, resources: [], truncated: false, nowMs: Date.now() };
    const owner = rec?.v.owner ?? null;
    if (owner === null || !['started', 'starting', 'stopping', 'recovering', 'migrating'].includes(state)) return none;
    if (owner === this.opts.node.name) return this.localResources(id) ?? { ...none, owner };
    const n = this.opts.config.nodes.find((x) => x.name === owner);
    if (n === undefined || !this.opts.port.view().members.some((m) => m.nodeid === n.nodeid)) return { ...none, owner };
    return (await this.queries.ask(n.nodeid, id, owner)) ?? { ...none, owner };
  }

  /** Load agents and trees, do "stop before start", then take part. */
  async start(): Promise<void> {
    const { config, port } = this.opts;
    if (!config.rm.present || config.rm.disabled) {
      this.log.notice(config.rm.disabled ? 'rgmanager disabled in cluster.conf (<rm disabled="1">)' : 'no <rm> section: rgmanager idle');
    }
    let forest: ResourceForest | undefined;
    if (config.rm.services.length > 0) {
      // Agent metadata (one `meta-data` run per agent, cached in the run dir across restarts).
      const cacheFile = this.opts.runDir !== undefined ? path.join(this.opts.runDir, 'rgmanager-metadata.json') : undefined;
      const loaded = await loadResourceRules(agentDirs(), cacheFile !== undefined ? { cacheFile } : {});
      this.rules = loaded.rules;
      for (const p of loaded.problems) this.log.warn(`agent ${p.agentPath}: ${p.message}`);
      try {
        forest = buildResourceForest(config.rm.element, loaded.rules, config.file);
        for (const p of forest.problems) this.log[p.severity === 'error' ? 'error' : 'warn'](`${p.file}:${p.line}: ${p.where}: ${p.message}`);
      } catch (err) {
        this.log.error(`cannot build the resource trees: ${(err as Error).message}`);
      }
    }
    this.forest = forest;
    // Agents learn where they run as under Pacemaker (OCF_RESKEY_CRM_meta_on_node) and CLUSTER_NODE_NAME.
    const env = { CLUSTER_NODE_NAME: this.opts.node.name, OCF_RESKEY_CRM_meta_on_node: this.opts.node.name, ...this.opts.agentEnv };
    this.executor = new Executor({ logger: this.log, env });
    this.local = new LocalServices(config, port, this.executor, forest, this.opts.node.name, this.opts.node.nodeid, this.log);
    if (this.stopped) return;
    // Watch the records before anything else so no commit is missed.
    this.unwatch.push(watchKv(port, 'rg/', (key, value) => this.onCommitted(key, value)));
    this.unwatch.push(watchKv(port, 'fence/v/', () => this.coordinator?.onFenceRecord()));
    this.unwatch.push(port.events.on('view', (v) => this.onView(v)));
    this.unwatch.push(port.events.on('quorum', (q) => {
      if (!q.quorate) {
        this.log.warn('#1: Quorum Dissolved', { reason: 'quorum lost' });
        void this.local?.emergencyStop('quorum lost');
      } else {
        this.local?.quorumRegained();
      }
    }));
    await this.local.stopBeforeStart();
    if (this.stopped) return;
    this.log.notice(`rgmanager running on ${this.opts.node.name}: ${config.rm.services.length} service(s)`);
    this.onView(port.view());
    const pending = this.pendingConfig;
    this.pendingConfig = undefined;
    if (pending !== undefined) void this.reconfigure(pending);
  }

  /** Owner per service (dry-run display). */
  serviceOwners(): ReadonlyMap<string, string | null> {
    const out = new Map<string, string | null>();
    for (const s of this.opts.config.rm.services) {
      const rec = kvValue<ServiceRecord>(this.opts.port, svcKey(s.id));
      out.set(s.id, rec !== undefined && ['started', 'starting', 'stopping', 'recovering'].includes(rec.v.state) ? rec.v.owner : null);
    }
    return out;
  }

  private onView(v: ReturnType<ClusterPort['view']>): void {
    if (this.stopped || this.local?.isReady !== true) return;
    this.announce(v);
    this.local.rescan();
    const me = this.opts.node.nodeid;
    const leader = v.leader === me && v.members.some((m) => m.nodeid === me);
    if (leader && this.coordinator === undefined) {
      this.coordinator = new Coordinator(this.opts.config, this.opts.port, this.log);
      this.coordinator.activate();
    } else if (!leader && this.coordinator !== undefined) {
      this.log.notice('no longer the coordinator');
      this.coordinator.close();
      this.coordinator = undefined;
    } else if (this.coordinator !== undefined) {
      this.coordinator.onView(v);
    }
  }

  /** Tell the coordinator this incarnation's rgmanager runs (once per incarnation, retried until committed). */
  private announce(v: ReturnType<ClusterPort['view']>): void {
    const me = v.members.find((m) => m.nodeid === this.opts.node.nodeid);
    if (me === undefined || this.announcedInc === me.incarnation) return;
    if (kvValue<UpRecord>(this.opts.port, upKey(this.opts.node.name))?.inc === me.incarnation) { this.announcedInc = me.incarnation; return; }
    this.announcedInc = me.incarnation;
    const inc = me.incarnation;
    const put = (): void => {
      if (this.stopped) return;
      this.opts.port.propose({ op: 'put', key: upKey(this.opts.node.name), value: { inc } }).catch(() => {
        const t = setTimeout(put, 250);
        t.unref();
      });
    };
    put();
  }

  private onCommitted(key: string, value: JsonValue | undefined): void {
    if (key.startsWith('rg/s/') && value !== undefined) {
      const id = key.slice(5);
      const rec = value as unknown as ServiceRecord;
      this.local?.onRecord(id, rec);
      this.publishService(id, rec);
    } else if (key.startsWith('rg/r/') && value !== undefined) {
      this.coordinator?.onResult(key.slice(5), value as unknown as ResultRecord);
    } else if (key.startsWith('rg/f/') && value !== undefined) {
      this.coordinator?.onFailure(key.slice(5), value as unknown as FailureRecord);
    } else if (key.startsWith('rg/q/') && value !== undefined) {
      this.coordinator?.onRequest(key, value as unknown as RequestRecord);
    } else if (key.startsWith('rg/up/')) {
      this.coordinator?.onView(this.opts.port.view());
    } else if (key.startsWith('rg/a/') && value !== undefined) {
      const w = this.waiters.get(key);
      if (w !== undefined) { this.waiters.delete(key); w(value as unknown as AnswerRecord); }
    }
  }

  /**
   * rg.service, once per visible change: a record is also rewritten for the policy's own
   * bookkeeping (hold released, restart times, relocation plan, a new coordinator dropping request
   * ids) and every record is delivered again when cman installs a snapshot; neither is a transition.
   */
  private publishService(id: string, rec: ServiceRecord): void {
    const event = { service: this.serviceStatus(id, rec), reason: rec.why };
    const text = JSON.stringify(event);
    if (this.published.get(id) === text) return;
    this.published.set(id, text);
    this.opts.api.publish('rg.service', event);
  }

  /** SIGTERM: stop local services (peers take over once we have left). */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.coordinator?.close();
    this.coordinator = undefined;
    await this.local?.shutdown();
    for (const u of this.unwatch) u();
  }

  /** Stop without touching services (cman is gone). */
  close(): void {
    this.stopped = true;
    this.coordinator?.close();
    this.local?.close();
    for (const u of this.unwatch) u();
  }

  // --- status --------------------------------------------------------------------------------

  private serviceStatus(id: string, rec: ServiceRecord | undefined): RgServiceStatus {
    const state: RgStateName = rec?.v.state ?? 'stopped';
    const flags = rec?.v.flags ?? 0;
    const op = rec?.op ?? null;
    return {
      id, state, stateCode: SERVICE_STATE_CODES[state], owner: rec?.v.owner ?? null, lastOwner: rec?.v.lastOwner ?? null,
      restarts: rec?.v.restarts ?? 0, flags, frozen: (flags & 1) !== 0, partial: (flags & 2) !== 0,
      lastTransitionMs: rec?.v.lastTransitionMs ?? 0,
      pending: op === null ? null : op.kind === 'migrate' ? `migrate ${op.node} -> ${op.target ?? '?'}` : `${op.kind} on ${op.node}`,
    };
  }

  status(): RgStatus {
    const { config, port, node } = this.opts;
    const v = port.view();
    const leaderName = config.nodes.find((n) => n.nodeid === v.leader)?.name ?? null;
    const nodes: RgNodeStatus[] = [...config.nodes].sort((a, b) => a.nodeid - b.nodeid).map((n) => {
      const online = v.members.some((m) => m.nodeid === n.nodeid);
      const victim = kvValue<VictimRecord>(port, `fence/v/${n.name}`);
      return {
        name: n.name, nodeid: n.nodeid, online, local: n.nodeid === node.nodeid,
        rgmanager: online && kvValue<UpRecord>(port, upKey(n.name))?.inc === v.members.find((m) => m.nodeid === n.nodeid)?.incarnation,
        coordinator: n.nodeid === v.leader && online,
        fence: !victimNeedsFence(victim) ? 'clean' : victim!.st === 'failed' ? 'failed' : 'pending',
      };
    });
    const services = config.rm.services.map((s) => this.serviceStatus(s.id, kvValue<ServiceRecord>(port, svcKey(s.id))));
    return {
      clusterName: config.name, clusterId: config.cman.clusterId, generation: v.generation, quorate: v.quorate,
      localNode: { name: node.name, nodeid: node.nodeid }, coordinator: leaderName,
      rgmanagerRunning: this.local?.isReady === true && !this.stopped,
      nodes, services, fenceHistory: this.opts.fenced.history(), nowMs: Date.now(),
    };
  }

  // --- requests ------------------------------------------------------------------------------

  private reply(service: string, code: RgCodeName, owner: string | null, state: RgStateName | null, reason: string): RgReply {
    return { service, code, codeNumber: RG_CODES[code].code, message: RG_CODES[code].message, exitStatus: clusvcadmExitStatus(code),
      owner, state, node: this.opts.node.name, reason };
  }

  private async request(p: RgRequestParams): Promise<RgReply> {
    const { config, port, node } = this.opts;
    if (typeof p !== 'object' || p === null || typeof p.op !== 'string' || !OPS.has(p.op)) throw new ApiError('EINVAL', 'op must be one of ' + [...OPS].join(', '));
    if (typeof p.service !== 'string' || p.service === '') throw new ApiError('EINVAL', 'service missing');
    if (this.stopped || this.local?.isReady !== true) throw new ApiError('ENOTCONN', 'rgmanager is not running on this node');
    const service = p.service.includes(':') ? p.service : `service:${p.service}`;
    if (!config.rm.services.some((s) => s.id === service)) return this.reply(service, 'RG_ENOSERVICE', null, null, `no service ${service}`);
    let target: string | null = null;
    if (p.target !== undefined) {
      const t = config.nodes.find((n) => n.name === p.target || n.name.split('.')[0] === p.target);
      if (t === undefined) return this.reply(service, 'RG_ENODE', null, null, `no node ${p.target}`);
      target = t.name;
    } else if (p.op === 'enable' && p.followDomain !== true) {
      target = node.name; // plain clusvcadm -e: the local machine
    }
    if (!port.view().quorate) return this.reply(service, 'RG_EQUORUM', null, null, 'this node is not quorate');
    if (this.waiters.size >= MAX_PENDING_REQUESTS) throw new ApiError('EAGAIN', 'too many requests in progress');
    const seq = `${this.incarnation}-${++this.reqSeq}`;
    const qKey = requestKey(node.name, seq);
    const aKey = answerKey(node.name, seq);
    const timeoutMs = p.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const answered = new Promise<AnswerRecord>((resolve, reject) => {
      const timer = setTimeout(() => { this.waiters.delete(aKey); reject(new ApiError('ETIMEDOUT', `no answer from the coordinator within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiters.set(aKey, (a) => { clearTimeout(timer); resolve(a); });
    });
    const rec: RequestRecord = { op: p.op, service, target, ms: Date.now() };
    this.log.notice(`request: ${p.op} ${service}${target !== null ? ` on ${target}` : ''}`, { service, reason: 'clusvcadm' });
    try {
      await port.propose({ op: 'put', key: qKey, value: rec as unknown as JsonValue });
    } catch (err) {
      this.waiters.delete(aKey);
      void answered.catch(() => undefined);
      throw err;
    }
    // The answer may have been committed before we started waiting (very fast coordinator).
    const early = kvValue<AnswerRecord>(port, aKey);
    if (early !== undefined) this.waiters.get(aKey)?.(early);
    const a = await answered;
    void port.propose({ op: 'delete', key: aKey }).catch(() => undefined);
    const out = this.reply(service, a.code, a.owner, a.state, a.reason);
    this.log.notice(`request ${p.op} ${service}: ${a.message}`, { service, reason: a.reason });
    this.opts.api.publish('rg.request', { op: p.op, target, reply: out });
    return out;
  }

  private registerApi(api: ApiServer): void {
    api.handle('rg.status', () => this.status());
    api.handle('rg.request', (p) => this.request(p));
    api.handle('rg.resources', (p) => this.resources((p as { service?: unknown } | null)?.service));
    api.handle('rg.lock', ({ op }) => {
      if (this.local === undefined) throw new ApiError('ENOTCONN', 'rgmanager is not running on this node');
      if (op === 'lock') this.local.locked = true;
      else if (op === 'unlock') this.local.locked = false;
      else if (op !== 'query') throw new ApiError('EINVAL', 'op must be lock, unlock or query');
      this.log.notice(`resource groups ${this.local.locked ? 'locked' : 'unlocked'}`);
      return { locked: this.local.locked };
    });
  }

  /** Agent rules, loaded on demand when the config at start had no services. */
  private async ensureRules(): Promise<RuleSet> {
    if (this.rules === undefined) {
      const cacheFile = this.opts.runDir !== undefined ? path.join(this.opts.runDir, 'rgmanager-metadata.json') : undefined;
      const loaded = await loadResourceRules(agentDirs(), cacheFile !== undefined ? { cacheFile } : {});
      for (const p of loaded.problems) this.log.warn(`agent ${p.agentPath}: ${p.message}`);
      this.rules ??= loaded.rules;
    }
    return this.rules;
  }

  /** Resource trees of a candidate config, or the reason this node cannot run it (config update, prepare). */
  async checkConfig(config: ClusterConfig): Promise<{ forest: ResourceForest } | { error: string }> {
    return reconfigForest(await this.ensureRules(), config);
  }

  /** The plan of an update from the running config (dry run; same computation as reconfigure). */
  async planReconfig(config: ClusterConfig): Promise<ReconfigComputation | { error: string }> {
    await this.ensureRules();
    return this.computeFor(config);
  }

  /** Synchronous (rules loaded): the reconfiguration from the running trees to `config`'s. */
  private computeFor(config: ClusterConfig): ReconfigComputation | { error: string } {
    const f = reconfigForest(this.rules, config);
    if ('error' in f) return f;
    const old = this.forest !== undefined ? { forest: this.forest } : reconfigForest(this.rules, this.opts.config);
    if ('error' in old) return old;
    return computeReconfig(old.forest, f.forest, config);
  }

  /**
   * Online reconfiguration (rgmanager.md §2.8): CONDSTOP / reconfig / CONDSTART of the services
   * this node runs; the coordinator restarts with the new policy config (domains, services), and
   * starts added services per autostart.
   */
  async reconfigure(config: ClusterConfig): Promise<ReconfigComputation | { error: string }> {
    if (this.local === undefined || !this.local.isReady) {
      // Still starting (agents, stop before start): take it at the end of start().
      this.pendingConfig = config;
      return { error: 'rgmanager still starting; the new config is applied when it is up' };
    }
    if (this.rules === undefined) await this.ensureRules(); // (normally loaded by the prepare's check)
    const comp = this.computeFor(config);
    if ('error' in comp) return comp;
    this.opts = { ...this.opts, config };
    this.forest = comp.delta.newForest;
    let applied: Promise<unknown> = Promise.resolve();
    if (this.local !== undefined && this.executor !== undefined) {
      applied = applyLocalReconfig(comp, config, this.local.reconfigAccess(), this.executor, this.reconfigTail).then((r) => {
        for (const run of r.runs) this.log.notice(`reconfiguration: ${run.op} ${run.node.resource.id}: rc ${run.result.rc}`, { reason: 'config update' });
        for (const f of r.failed) this.log.error(`reconfiguration: ${f.resource.id} failed`, { reason: 'reconfig' });
      }, (err: Error) => this.log.error(`reconfiguration failed: ${err.message}`));
    }
    this.reconfigTail = applied;
    for (const s of comp.services) if (s.change !== 'unchanged') this.log.notice(`reconfiguration: ${s.id} ${s.change}`, { service: s.id, reason: 'config update' });
    if (this.coordinator !== undefined) {
      // A fresh coordinator restores every service of the new config from the records (added
      // ones are new and start per autostart) with the new domains.
      this.coordinator.close();
      this.coordinator = undefined;
      for (const s of comp.services) if (s.change === 'removed') void this.opts.port.propose({ op: 'delete', key: svcKey(s.id) }).catch(() => undefined);
      this.onView(this.opts.port.view());
    }
    await applied;
    return comp;
  }

  get isCoordinator(): boolean { return this.coordinator !== undefined; }
}
