// A what-if driver around the policy core: forms the cluster, applies scripted events and lets
// the cluster settle after each one with a simulated executor (starts, stops, migrations and
// fencing succeed unless an event says otherwise). Used by rg_simulate and the placement corpus.
//
// The executor keeps a model of where each service really runs. A node that leaves keeps running
// its services (it may be partitioned, not dead) until it is fenced, acknowledged by hand or
// rejoins after a restart, so a start elsewhere before that is caught as a double start.
import { PolicyEngine } from './engine.js';
import { PolicyInvariantError, type Decision, type PolicyConfig, type PolicyEvent, type RgCodeName, type UserOp } from './types.js';

export interface SimAction {
  /** 0 = cluster formation, then 1.. for each event. */
  readonly step: number;
  /** Node the operation runs on (fence: the fencing node, the lowest online nodeid); null for records. */
  readonly node: string | null;
  readonly op: string;
  /** Service id, or the victim node for fencing. */
  readonly target: string;
  readonly reason: string;
}

export type SimEvent =
  | { kind: 'node-down' | 'node-up' | 'fence-fail' | 'fence-ack' | 'qdisk-fail' | 'qdisk-ok'; node: string }
  | { kind: 'fail' | 'partial' | 'convalesce' | 'disable' | 'stop' | 'restart' | 'freeze' | 'unfreeze'; service: string }
  | { kind: 'enable' | 'relocate'; service: string; node: string | undefined }
  | { kind: 'migrate' | 'start-fail' | 'start-ok' | 'stop-fail' | 'stop-ok' | 'migrate-fail'; service: string; node: string }
  | { kind: 'wait'; seconds: number };

export interface SimReply { readonly step: number; readonly requestId: number; readonly service: string; readonly code: RgCodeName; readonly message: string; readonly owner: string | null }

/** Upper bound on decisions handled while settling one event (a livelock guard). */
const MAX_SETTLE_DECISIONS = 1_000_000;

/** "web" -> "service:web"; "vm:g1" stays (clusvcadm's rule). */
export function serviceId(name: string): string {
  return name.includes(':') ? name : `service:${name}`;
}

/** Parse one `--event` argument; throws an Error with a clear message on bad syntax or names. */
export function parseSimEvent(text: string, engine: PolicyEngine): SimEvent {
  const m = /^([a-z-]+):(.*)$/.exec(text.trim());
  if (m === null) throw new Error(`bad event '${text}': expected KIND:ARG (e.g. node-down:node1)`);
  const kind = m[1]!;
  const arg = m[2]!;
  const node = (n: string): string => {
    if (!engine.hasNode(n)) throw new Error(`bad event '${text}': no node '${n}' in the cluster`);
    return n;
  };
  const svc = (n: string): string => {
    const id = serviceId(n);
    if (n === '' || !engine.hasService(id)) throw new Error(`bad event '${text}': no service '${id}'`);
    return id;
  };
  const svcAt = (required: boolean): { service: string; node: string | undefined } => {
    const at = arg.lastIndexOf('@');
    if (at < 0) {
      if (required) throw new Error(`bad event '${text}': expected ${kind}:SVC@NODE`);
      return { service: svc(arg), node: undefined };
    }
    return { service: svc(arg.slice(0, at)), node: node(arg.slice(at + 1)) };
  };
  switch (kind) {
    case 'node-down': case 'node-up': case 'fence-fail': case 'fence-ack': case 'qdisk-fail': case 'qdisk-ok':
      return { kind, node: node(arg) };
    case 'fail': case 'partial': case 'convalesce': case 'disable': case 'stop': case 'restart': case 'freeze': case 'unfreeze':
      return { kind, service: svc(arg) };
    case 'enable': case 'relocate':
      return { kind, ...svcAt(false) };
    case 'migrate': case 'start-fail': case 'start-ok': case 'stop-fail': case 'stop-ok': case 'migrate-fail': {
      const r = svcAt(true);
      return { kind, service: r.service, node: r.node! };
    }
    case 'wait': {
      if (!/^\d+(\.\d+)?$/.test(arg)) throw new Error(`bad event '${text}': wait needs a number of seconds`);
      return { kind, seconds: Number(arg) };
    }
    default:
      throw new Error(`bad event '${text}': unknown kind '${kind}'`);
  }
}

export class Scenario {
  readonly engine: PolicyEngine;
  readonly actions: SimAction[] = [];
  readonly replies: SimReply[] = [];
  nowMs: number;
  private stepNo = 0;
  private nextRequestId = 1;
  private readonly fenceFail = new Set<string>();
  private readonly startFail = new Set<string>();
  private readonly stopFail = new Set<string>();
  private readonly migrateFail = new Set<string>();
  /** Where each service really runs, per the simulated executor. */
  private readonly running = new Map<string, Set<string>>();

  constructor(config: PolicyConfig, startTimeMs = 0) {
    this.engine = new PolicyEngine(config);
    this.nowMs = startTimeMs;
  }

  /** Step 0: the cluster forms with these nodes online (all when undefined). */
  form(online: readonly string[] | undefined): void {
    const names = online ?? this.engine.config.nodes.map((n) => n.name);
    for (const n of names) if (!this.engine.hasNode(n)) throw new Error(`--online: no node '${n}' in the cluster`);
    this.stepNo = 0;
    this.feed({ type: 'membership', online: names });
  }

  apply(ev: SimEvent): void {
    this.stepNo++;
    const key = 'service' in ev && 'node' in ev ? `${ev.service}@${ev.node}` : '';
    switch (ev.kind) {
      case 'node-down': this.feed({ type: 'node-down', node: ev.node }); return;
      case 'node-up':
        // it rebooted: it runs nothing when it rejoins
        if (this.engine.nodeViews().find((n) => n.name === ev.node)?.online === false) this.powerOff(ev.node);
        this.feed({ type: 'node-up', node: ev.node });
        return;
      case 'fence-fail': this.fenceFail.add(ev.node); return;
      case 'fence-ack':
        this.fenceFail.delete(ev.node);
        // the administrator asserts it is off
        if (this.engine.nodeViews().find((n) => n.name === ev.node)?.online === false) this.powerOff(ev.node);
        this.feed({ type: 'fence-override', node: ev.node });
        return;
      case 'qdisk-fail': this.feed({ type: 'qdisk', node: ev.node, ok: false }); return;
      case 'qdisk-ok': this.feed({ type: 'qdisk', node: ev.node, ok: true }); return;
      case 'fail':
      case 'partial': {
        const owner = this.engine.service(ev.service)?.owner;
        if (owner === null || owner === undefined) {
          this.record(null, 'ignored', ev.service, `${ev.kind}: the service has no owner`);
          return;
        }
        this.feed({ type: ev.kind === 'fail' ? 'status-failure' : 'status-partial', service: ev.service, node: owner });
        return;
      }
      case 'start-fail': this.startFail.add(key); return;
      case 'start-ok': this.startFail.delete(key); return;
      case 'stop-fail': this.stopFail.add(key); return;
      case 'stop-ok': this.stopFail.delete(key); return;
      case 'migrate-fail': this.migrateFail.add(key); return;
      case 'wait':
        this.nowMs += ev.seconds * 1000;
        this.feed({ type: 'tick' });
        return;
      case 'enable': case 'relocate':
        this.request(ev.kind, ev.service, ev.node);
        return;
      case 'migrate':
        this.request('migrate', ev.service, ev.node);
        return;
      default:
        this.request(ev.kind, ev.service, undefined);
    }
  }

  /** Number of user requests issued so far (request ids are 1..requestCount). */
  get requestCount(): number { return this.nextRequestId - 1; }

  private request(op: UserOp, service: string, target: string | undefined): void {
    const requestId = this.nextRequestId++;
    this.feed(target === undefined ? { type: 'request', requestId, op, service } : { type: 'request', requestId, op, service, target });
  }

  private record(node: string | null, op: string, target: string, reason: string): void {
    this.actions.push({ step: this.stepNo, node, op, target, reason });
  }

  private powerOff(node: string): void {
    for (const set of this.running.values()) set.delete(node);
  }

  private fencer(): string | null {
    return this.engine.nodeViews().find((n) => n.online)?.name ?? null;
  }

  /** Feed one event and carry out every decision until nothing is left (the cluster settled). */
  private feed(first: PolicyEvent): void {
    const queue: Decision[] = [...this.engine.step(first, this.nowMs).decisions];
    let handled = 0;
    for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
      if (++handled > MAX_SETTLE_DECISIONS) throw new Error('the cluster does not settle (decision limit reached)');
      const result = this.execute(d);
      if (result !== undefined) queue.push(...this.engine.step(result, this.nowMs).decisions);
    }
  }

  private execute(d: Decision): PolicyEvent | undefined {
    switch (d.op) {
      case 'start': {
        this.record(d.node, 'start', d.service, d.reason);
        if (this.startFail.has(`${d.service}@${d.node}`)) {
          this.record(d.node, 'start-failed', d.service, 'start-fail event');
          this.runningSet(d.service).add(d.node); // half started: the cleanup stop removes it
          return { type: 'start-result', service: d.service, node: d.node, ok: false };
        }
        const set = this.runningSet(d.service);
        set.add(d.node);
        if (set.size > 1) {
          throw new PolicyInvariantError(`${d.service} runs on ${[...set].join(' and ')} at once`);
        }
        return { type: 'start-result', service: d.service, node: d.node, ok: true };
      }
      case 'stop': {
        this.record(d.node, 'stop', d.service, d.reason);
        if (this.stopFail.has(`${d.service}@${d.node}`)) {
          this.record(d.node, 'stop-failed', d.service, 'stop-fail event');
          return { type: 'stop-result', service: d.service, node: d.node, ok: false };
        }
        this.runningSet(d.service).delete(d.node);
        return { type: 'stop-result', service: d.service, node: d.node, ok: true };
      }
      case 'migrate': {
        this.record(d.node, 'migrate', d.service, `to ${d.target}: ${d.reason}`);
        if (this.migrateFail.has(`${d.service}@${d.target}`)) {
          this.record(d.node, 'migrate-failed', d.service, 'migrate-fail event (agent rc 150: still on the source)');
          return { type: 'migrate-result', service: d.service, node: d.node, outcome: 'relocate' };
        }
        const set = this.runningSet(d.service);
        set.delete(d.node);
        set.add(d.target);
        if (set.size > 1) throw new PolicyInvariantError(`${d.service} runs on ${[...set].join(' and ')} at once`);
        return { type: 'migrate-result', service: d.service, node: d.node, outcome: 'ok' };
      }
      case 'convalesce':
        this.record(d.node, 'convalesce', d.service, d.reason);
        return { type: 'convalesce-result', service: d.service, node: d.node, ok: true };
      case 'fence': {
        this.record(this.fencer(), 'fence', d.node, d.reason);
        if (this.fenceFail.has(d.node)) {
          this.record(this.fencer(), 'fence-failed', d.node, 'fence-fail event; retried until fenced or fence_ack_manual');
          return { type: 'fence-result', node: d.node, ok: false };
        }
        this.powerOff(d.node);
        return { type: 'fence-result', node: d.node, ok: true };
      }
      case 'mark':
        this.record(null, `mark-${d.state}`, d.service, d.reason);
        return undefined;
      case 'reply':
        this.replies.push({ step: this.stepNo, requestId: d.requestId, service: d.service, code: d.code, message: d.message, owner: d.owner });
        this.record(null, 'reply', d.service, `${d.code} (${d.message}): ${d.reason}`);
        return undefined;
    }
  }

  private runningSet(service: string): Set<string> {
    let s = this.running.get(service);
    if (s === undefined) { s = new Set(); this.running.set(service, s); }
    return s;
  }

  /** Nodes where the executor model says the service runs. */
  runningOn(service: string): string[] {
    return [...(this.running.get(service) ?? [])].sort();
  }
}
