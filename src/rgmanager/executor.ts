// Runs resource agents as child processes with the OCF environment, as rgmanager's res_exec does,
// and walks resource trees in start order / reverse stop order, with status checks by interval
// and depth. The I/O edge of the resource-tree room: trees and rules come from tree.ts/rules.ts.
import { spawn } from 'node:child_process';
import type { ActionRule } from './rules.js';
import type { InheritanceMode, TreeNode } from './tree.js';
import { childOrder, resolvedAttrs } from './tree.js';
import { getLogger, type Logger } from '../log/index.js';
import type { ForestDelta } from './delta.js';
import { condStartOrder, condStopOrder, reconfigNodes } from './delta.js';

export const OCF_SUCCESS = 0;
export const OCF_ERR_GENERIC = 1;
export const OCF_ERR_ARGS = 2;
export const OCF_ERR_UNIMPLEMENTED = 3;
export const OCF_ERR_PERM = 4;
export const OCF_ERR_INSTALLED = 5;
export const OCF_ERR_CONFIGURED = 6;
export const OCF_NOT_RUNNING = 7;

/** How long output may still arrive after an agent exited (pipes held open by its daemons). */
const PIPE_DRAIN_MS = 250;

const ocfTexts = ['success', 'generic error', 'invalid argument(s)', 'function not implemented', 'insufficient privileges',
  'program not installed', 'program not configured', 'not running'];

/** rgmanager's text for an OCF exit code. */
export function ocfText(rc: number): string {
  return ocfTexts[rc] ?? 'unspecified error';
}

export type AgentOp = 'start' | 'stop' | 'status' | 'monitor' | 'recover' | 'reconfig' | 'migrate' | 'validate-all' | 'meta-data';

export interface AgentRunResult {
  /** Exit code (OCF); 1 (generic error) when killed or not startable. */
  readonly rc: number;
  readonly ok: boolean;
  readonly timedOut: boolean;
  /** The operation was not declared by the agent and therefore counted as success, not run. */
  readonly skipped: boolean;
  readonly durationMs: number;
  /** stdout+stderr, truncated to the output limit. */
  readonly output: string;
  readonly error: string | undefined;
}

export interface ExecutorOptions {
  /** Concurrent agent processes (default 8, at least 1). */
  readonly maxConcurrent?: number;
  /** Kept output per run (default 64 KiB); the rest is dropped and counted. */
  readonly outputLimitBytes?: number;
  /** OCF_ROOT handed to agents (default /usr/lib/ocf, where Debian's resource-agents live). */
  readonly ocfRoot?: string;
  /**
   * Upper bound for a run when the resource does not enforce its timeout (rgmanager waits without
   * a limit; we warn at the action's timeout and kill at this bound). Default 600 s.
   */
  readonly hardLimitS?: number;
  /** Used when the agent declares no timeout for the action (default 60 s). */
  readonly defaultTimeoutS?: number;
  readonly inheritance?: InheritanceMode;
  readonly logger?: Logger;
  /** Extra environment for every agent (e.g. CLUSTER_RUN_DIR). */
  readonly env?: Readonly<Record<string, string>>;
  /** Called before and after every agent run (progress for long operations). */
  readonly onRun?: (event: { node: TreeNode; op: AgentOp; phase: 'begin' | 'end'; result?: AgentRunResult }) => void;
  /** Clock for status intervals (default Date.now). */
  readonly nowMs?: () => number;
  /**
   * Run every agent through this command, e.g. ['nsenter', '--net=/var/run/netns/X'] to act
   * inside a network namespace. Empty by default.
   */
  readonly commandPrefix?: readonly string[];
}

export interface TreeOpResult {
  readonly ok: boolean;
  /** Nodes whose agent failed, in the order they ran. */
  readonly failed: readonly TreeNode[];
  /** Non-critical subtrees that failed and were left stopped (service keeps running: PARTIAL). */
  readonly partial: readonly TreeNode[];
  /** Every agent run in order. */
  readonly runs: readonly { readonly node: TreeNode; readonly op: AgentOp; readonly result: AgentRunResult }[];
}

export interface StatusResult extends TreeOpResult {
  /**
   * Independent subtrees (tops) whose members failed and may be restarted inline without
   * touching their siblings. Empty when `ok` is false for the service as a whole.
   */
  readonly recoverable: readonly TreeNode[];
}

class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(private readonly limit: number, private readonly maxWaiters = 10_000) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    if (this.waiters.length >= this.maxWaiters) throw new Error(`more than ${this.maxWaiters} agent runs waiting`);
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.active++;
  }
  release(): void {
    this.active--;
    const w = this.waiters.shift();
    if (w !== undefined) w();
  }
}

interface StatusState {
  /** Last run time per status action index (ms). */
  lastRunMs: Map<number, number>;
  lastOk: boolean;
  failureTimesMs: number[];
  /** The last status check that ran (conga's per-resource view). */
  last?: LastStatusCheck;
  /** Failed status checks since the resource was last started. */
  failures: number;
}

/** A resource's last status check on this node. */
export interface LastStatusCheck {
  /** The agent op that ran: status or monitor (recover when a failed check was followed by recover). */
  readonly op: AgentOp;
  readonly rc: number;
  /** The check's verdict after recover and __max_failures (a tolerated failure counts as ok). */
  readonly ok: boolean;
  /** The agent itself failed but __max_failures forgave it. */
  readonly tolerated: boolean;
  readonly depth: number;
  readonly atMs: number;
  readonly durationMs: number;
  readonly timedOut: boolean;
}

/** What the executor knows about one resource of a tree (statusReport). */
export interface ResourceStatusReport {
  readonly path: string;
  /** type:primary */
  readonly id: string;
  /** Non-critical subtree left stopped (PARTIAL). */
  readonly disabled: boolean;
  readonly last: LastStatusCheck | null;
  readonly failures: number;
}

/** Which agent op implements rgmanager's `status` for this agent (OCF agents only have monitor). */
export function statusOpOf(actions: readonly ActionRule[]): 'status' | 'monitor' | undefined {
  if (actions.some((a) => a.name === 'status')) return 'status';
  if (actions.some((a) => a.name === 'monitor')) return 'monitor';
  return undefined;
}

export class Executor {
  private readonly sem: Semaphore;
  private readonly log: Logger;
  private readonly statusState = new Map<string, StatusState>();
  private readonly restartTimesMs = new Map<string, number[]>();
  /** Non-critical subtrees left stopped (PARTIAL service); status skips them until restarted. */
  private readonly disabled = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly opts: ExecutorOptions = {}) {
    this.sem = new Semaphore(Math.max(1, opts.maxConcurrent ?? 8));
    this.log = opts.logger ?? getLogger('rgmanager');
    this.now = opts.nowMs ?? Date.now;
  }

  /** The OCF environment of one agent run. */
  environment(node: TreeNode, op: AgentOp, timeoutS: number, depth: number | undefined): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith('OCF_')) env[k] = v;
    }
    Object.assign(env, this.opts.env ?? {});
    for (const [name, value] of resolvedAttrs(node, this.opts.inheritance ?? 'ancestor')) env[`OCF_RESKEY_${name}`] = value;
    const r = node.resource;
    env['OCF_RA_VERSION_MAJOR'] = '1';
    env['OCF_RA_VERSION_MINOR'] = '0';
    env['OCF_ROOT'] = this.opts.ocfRoot ?? '/usr/lib/ocf';
    env['OCF_RESOURCE_INSTANCE'] = r.id;
    env['OCF_RESOURCE_TYPE'] = r.type;
    env['OCF_CHECK_LEVEL'] = String(depth ?? 0);
    env['OCF_RESKEY_RGMANAGER_meta_refcnt'] = '0';
    env['OCF_RESKEY_RGMANAGER_meta_timeout'] = node.enforceTimeouts ? '0' : String(timeoutS);
    // Pacemaker-style agents read their timeout in milliseconds from here.
    env['OCF_RESKEY_CRM_meta_timeout'] = String(timeoutS * 1000);
    if (op === 'status' || op === 'monitor') env['OCF_RESKEY_CRM_meta_interval'] = '0';
    env['LANG'] = env['LANG'] ?? 'C';
    return env;
  }

  /** Run one agent operation for a tree node. */
  async runAgent(node: TreeNode, op: AgentOp, options: { depth?: number; args?: readonly string[]; action?: ActionRule } = {}): Promise<AgentRunResult> {
    const r = node.resource;
    const action = options.action ?? r.actions.find((a) => a.name === op && (options.depth === undefined || (a.depth ?? 0) === options.depth))
      ?? r.actions.find((a) => a.name === op);
    if (action === undefined && op !== 'meta-data') {
      return { rc: 0, ok: true, timedOut: false, skipped: true, durationMs: 0, output: '', error: undefined };
    }
    const declared = action?.timeoutS ?? 0;
    const timeoutS = declared > 0 ? declared : this.opts.defaultTimeoutS ?? 60;
    const hardS = this.opts.hardLimitS ?? 600;
    const killAfterS = node.enforceTimeouts ? timeoutS : Math.max(hardS, timeoutS);
    const env = this.environment(node, op, timeoutS, options.depth ?? action?.depth);
    const fields = { service: serviceOf(node), resource: r.id, op };
    this.opts.onRun?.({ node, op, phase: 'begin' });
    await this.sem.acquire();
    let result: AgentRunResult;
    try {
      result = await this.spawnAgent(r.rule.agentPath, [op, ...(options.args ?? [])], env, timeoutS, killAfterS, fields);
    } finally {
      this.sem.release();
    }
    const okCodes = op === 'stop' ? [OCF_SUCCESS, OCF_ERR_INSTALLED] : [OCF_SUCCESS];
    result = { ...result, ok: !result.timedOut && result.error === undefined && okCodes.includes(result.rc) };
    if (!result.ok) {
      this.log.warn(`${op} on ${r.type} "${r.primaryValue}" returned ${result.rc} (${result.timedOut ? 'timed out' : result.error ?? ocfText(result.rc)})`, fields);
    } else {
      this.log.debug(`${op} on ${r.type} "${r.primaryValue}" returned 0 (success)`, fields);
    }
    this.opts.onRun?.({ node, op, phase: 'end', result });
    return result;
  }

  private spawnAgent(file: string, args: string[], env: Record<string, string>, timeoutS: number, killAfterS: number,
    fields: Record<string, string>): Promise<AgentRunResult> {
    const started = this.now();
    const limit = this.opts.outputLimitBytes ?? 64 * 1024;
    return new Promise((resolve) => {
      let out = '';
      let dropped = 0;
      let timedOut = false;
      let settled = false;
      let child: ReturnType<typeof spawn>;
      try {
        const prefix = this.opts.commandPrefix ?? [];
        child = prefix.length > 0
          ? spawn(prefix[0]!, [...prefix.slice(1), file, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
          : spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      } catch (e) {
        resolve({ rc: OCF_ERR_GENERIC, ok: false, timedOut: false, skipped: false, durationMs: 0, output: '', error: `cannot run ${file}: ${(e as Error).message}` });
        return;
      }
      const take = (chunk: Buffer): void => {
        const room = limit - Buffer.byteLength(out);
        if (room <= 0) {
          dropped += chunk.length;
          return;
        }
        const s = chunk.toString('utf8');
        if (chunk.length <= room) out += s;
        else {
          out += chunk.subarray(0, room).toString('utf8');
          dropped += chunk.length - room;
        }
      };
      child.stdout?.on('data', take);
      child.stderr?.on('data', take);
      const warnTimer = killAfterS > timeoutS ? setTimeout(() => {
        this.log.warn(`${args[0]} of ${fields['resource']} has exceeded its timeout of ${timeoutS} s (not enforced; still waiting)`, fields);
      }, timeoutS * 1000) : undefined;
      const killTimer = setTimeout(() => {
        timedOut = true;
        this.log.error(`${args[0]} of ${fields['resource']} timed out after ${killAfterS} s; killing the agent`, fields);
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, killAfterS * 1000);
      const finish = (rc: number, error: string | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(killTimer);
        if (warnTimer !== undefined) clearTimeout(warnTimer);
        // Daemons started by an agent may keep the pipes open: stop reading at exit.
        child.stdout?.destroy();
        child.stderr?.destroy();
        if (dropped > 0) out += `\n[${dropped} bytes of agent output dropped]`;
        for (const line of out.split('\n')) {
          if (line.trim() === '') continue;
          const lvl = /^<(err|crit|alert|emerg)>/.test(line) ? 'error' : /^<warn/.test(line) ? 'warn' : 'info';
          this.log[lvl](line.slice(0, 1024), fields);
        }
        resolve({ rc, ok: false, timedOut, skipped: false, durationMs: this.now() - started, output: out, error });
      };
      child.on('error', (e) => finish(OCF_ERR_GENERIC, `cannot run ${file}: ${e.message}`));
      child.on('exit', (code, signal) => {
        const rc = code ?? OCF_ERR_GENERIC;
        const err = code === null && !timedOut ? `killed by ${signal ?? 'signal'}` : undefined;
        // Normally the pipes close right after exit and deliver the last output; a daemon the
        // agent started may hold them open, so wait for that at most PIPE_DRAIN_MS.
        const drain = setTimeout(() => finish(rc, err), PIPE_DRAIN_MS);
        child.on('close', () => {
          clearTimeout(drain);
          finish(rc, err);
        });
      });
    });
  }

  /** Start a tree: each node before its children; stops at the first failure (non-critical subtrees excepted). */
  async start(root: TreeNode): Promise<TreeOpResult> {
    const runs: { node: TreeNode; op: AgentOp; result: AgentRunResult }[] = [];
    const failed: TreeNode[] = [];
    const partial: TreeNode[] = [];
    const walk = async (n: TreeNode): Promise<boolean> => {
      this.disabled.delete(n.path);
      const result = await this.runAgent(n, 'start');
      runs.push({ node: n, op: 'start', result });
      if (!result.ok) {
        failed.push(n);
        return false;
      }
      this.resetStatusTimers(n);
      for (const c of childOrder(n, 'start')) {
        if (await walk(c)) continue;
        if (c.nonCritical) {
          this.log.warn(`non-critical resource ${c.resource.id} failed to start; leaving it stopped`, { service: serviceOf(c) });
          const stopped = await this.disableSubtree(c);
          runs.push(...stopped.runs);
          partial.push(c);
          continue;
        }
        return false;
      }
      return true;
    };
    const ok = await walk(root);
    return { ok, failed, partial, runs };
  }

  /** Stop a tree: children (in reverse stop order) before the node; runs every stop, ORs the results. */
  async stop(root: TreeNode): Promise<TreeOpResult> {
    const runs: { node: TreeNode; op: AgentOp; result: AgentRunResult }[] = [];
    const failed: TreeNode[] = [];
    const walk = async (n: TreeNode): Promise<boolean> => {
      let ok = true;
      for (const c of childOrder(n, 'stop')) {
        const childOk = await walk(c);
        if (!childOk && !c.nonCritical) ok = false;
      }
      const result = await this.runAgent(n, 'stop');
      runs.push({ node: n, op: 'stop', result });
      this.statusState.delete(n.path);
      if (!result.ok) {
        failed.push(n);
        return false;
      }
      return ok;
    };
    const ok = await walk(root);
    return { ok, failed, partial: [], runs };
  }

  private resetStatusTimers(n: TreeNode): void {
    const t = this.now();
    const st: StatusState = { lastRunMs: new Map(), lastOk: true, failureTimesMs: [], failures: 0 };
    n.resource.actions.forEach((a, i) => {
      if (a.name === 'status' || a.name === 'monitor') st.lastRunMs.set(i, t);
    });
    this.statusState.set(n.path, st);
  }

  /**
   * One status pass over a tree (rgmanager's do_status per node, in start order): per node the
   * due status action with the greatest depth runs; none due = the last result counts. A failure
   * tries `recover` when the agent has it, is forgiven while __max_failures allows, and marks the
   * subtree failed; failures inside independent subtrees are reported as recoverable.
   */
  async status(root: TreeNode, options: { force?: boolean } = {}): Promise<StatusResult> {
    const runs: { node: TreeNode; op: AgentOp; result: AgentRunResult }[] = [];
    const failed: TreeNode[] = [];
    const walk = async (n: TreeNode): Promise<void> => {
      if (this.disabled.has(n.path)) return;
      const ok = await this.statusNode(n, runs, options.force === true);
      if (!ok) {
        failed.push(n);
        return; // the subtree counts as failed with it
      }
      for (const c of childOrder(n, 'status')) await walk(c);
    };
    await walk(root);
    const recoverable: TreeNode[] = [];
    const partial: TreeNode[] = [];
    let fatal = false;
    for (const f of failed) {
      let top: TreeNode | undefined;
      for (let p: TreeNode | undefined = f; p !== undefined; p = p.parent) if (p.independent) top = p;
      if (top === undefined) {
        fatal = true;
        continue;
      }
      if (top.nonCritical) {
        // Non-critical: restarted while its own restart counter allows, else left stopped (PARTIAL).
        if (top.maxRestarts > 0 && this.restartAllowed(top)) {
          if (!recoverable.includes(top)) recoverable.push(top);
        } else if (!partial.includes(top)) partial.push(top);
        continue;
      }
      if (!this.restartAllowed(top)) {
        fatal = true;
        continue;
      }
      if (!recoverable.includes(top)) recoverable.push(top);
    }
    return { ok: !fatal, failed, partial, runs, recoverable: fatal ? [] : recoverable };
  }

  private restartAllowed(top: TreeNode): boolean {
    if (top.maxRestarts <= 0) return true;
    const now = this.now();
    const list = (this.restartTimesMs.get(top.path) ?? []).filter((t) => now - t < top.restartExpireS * 1000);
    if (list.length >= top.maxRestarts) {
      this.restartTimesMs.set(top.path, list);
      return false;
    }
    list.push(now);
    this.restartTimesMs.set(top.path, list);
    return true;
  }

  private async statusNode(n: TreeNode, runs: { node: TreeNode; op: AgentOp; result: AgentRunResult }[], force: boolean): Promise<boolean> {
    const r = n.resource;
    const op = statusOpOf(r.actions);
    if (op === undefined) return true;
    let st = this.statusState.get(n.path);
    if (st === undefined) {
      st = { lastRunMs: new Map(), lastOk: true, failureTimesMs: [], failures: 0 };
      this.statusState.set(n.path, st);
    }
    const now = this.now();
    let best: { i: number; a: ActionRule } | undefined;
    r.actions.forEach((a, i) => {
      if (a.name !== op) return;
      const interval = a.intervalS ?? 0;
      if (interval <= 0 && !force) return;
      const last = st!.lastRunMs.get(i) ?? -Infinity;
      if (!force && now - last < interval * 1000) return;
      if (best === undefined || (a.depth ?? 0) > (best.a.depth ?? 0)) best = { i, a };
    });
    if (best === undefined) return st.lastOk;
    const chosen: { i: number; a: ActionRule } = best;
    r.actions.forEach((a, i) => {
      if (a.name === op && (a.depth ?? 0) <= (chosen.a.depth ?? 0)) st!.lastRunMs.set(i, now);
    });
    let result = await this.runAgent(n, op, { depth: chosen.a.depth ?? 0, action: chosen.a });
    runs.push({ node: n, op, result });
    const checkFailed = !result.ok;
    if (!result.ok && r.actions.some((a) => a.name === 'recover')) {
      this.log.notice(`${r.id} failed its status check; trying recover`, { service: serviceOf(n) });
      result = await this.runAgent(n, 'recover');
      runs.push({ node: n, op: 'recover', result });
    }
    const depth = chosen.a.depth ?? 0;
    const record = (ok: boolean, tolerated: boolean): void => {
      if (checkFailed) st!.failures++;
      st!.last = { op: runs[runs.length - 1]!.op, rc: result.rc, ok, tolerated, depth, atMs: now, durationMs: result.durationMs, timedOut: result.timedOut };
    };
    if (!result.ok && n.maxFailures > 0) {
      st.failureTimesMs = st.failureTimesMs.filter((t) => now - t < n.failureExpireS * 1000);
      st.failureTimesMs.push(now);
      if (st.failureTimesMs.length <= n.maxFailures) {
        this.log.notice(`${r.id} status failure ${st.failureTimesMs.length} of ${n.maxFailures} tolerated within ${n.failureExpireS} s`, { service: serviceOf(n) });
        st.lastOk = true;
        record(true, true);
        return true;
      }
    }
    record(result.ok, false);
    st.lastOk = result.ok;
    return result.ok;
  }

  /**
   * Per resource of a tree (start order, at most `limit` rows): its last status check here and
   * failures since its start. Nothing is run.
   */
  statusReport(root: TreeNode, limit = 256): ResourceStatusReport[] {
    const out: ResourceStatusReport[] = [];
    const walk = (n: TreeNode): void => {
      if (out.length >= limit) return;
      const st = this.statusState.get(n.path);
      out.push({ path: n.path, id: n.resource.id, disabled: this.disabled.has(n.path), last: st?.last ?? null, failures: st?.failures ?? 0 });
      for (const c of childOrder(n, 'status')) walk(c);
    };
    walk(root);
    return out;
  }

  /** Stop a non-critical subtree and leave it disabled: status skips it until it is started again. */
  async disableSubtree(top: TreeNode): Promise<TreeOpResult> {
    const stopped = await this.stop(top);
    this.disabled.add(top.path);
    return stopped;
  }

  /** True when a non-critical subtree was left stopped (the service is PARTIAL). */
  isDisabled(node: TreeNode): boolean {
    return this.disabled.has(node.path);
  }

  /**
   * Online reconfiguration of the trees this node runs (rgmanager's do_condstops/condstarts):
   * stop the NEEDSTOP subtrees of the old trees, run `reconfig` on resources whose only changes
   * are reconfig= parameters, start the NEEDSTART subtrees of the new trees. `running` limits it
   * to the roots (by id, e.g. `service:web`) that are started here.
   */
  async applyDelta(d: ForestDelta, running: ReadonlySet<string>): Promise<TreeOpResult> {
    const rootId = (n: TreeNode): string => {
      let r = n;
      while (r.parent !== undefined) r = r.parent;
      return r.resource.id;
    };
    const runs: { node: TreeNode; op: AgentOp; result: AgentRunResult }[] = [];
    const failed: TreeNode[] = [];
    const partial: TreeNode[] = [];
    let ok = true;
    for (const n of condStopOrder(d)) {
      if (!running.has(rootId(n))) continue;
      // Migratory roots (vm: destroy_on_delete=0) removed from the config keep running.
      if (n.parent === undefined && !n.resource.rule.destroyOnDelete && !d.newForest.roots.some((r) => r.resource.id === n.resource.id)) continue;
      const r = await this.stop(n);
      runs.push(...r.runs);
      failed.push(...r.failed);
      ok &&= r.ok;
    }
    for (const n of reconfigNodes(d)) {
      if (!running.has(rootId(n))) continue;
      const result = await this.runAgent(n, 'reconfig');
      runs.push({ node: n, op: 'reconfig', result });
      if (!result.ok) {
        failed.push(n);
        ok = false;
      }
    }
    for (const n of condStartOrder(d)) {
      // Only trees running here; a root that is new to the config is the service manager's
      // (placement), a changed root that ran here is started again.
      if (!running.has(rootId(n))) continue;
      const r = await this.start(n);
      runs.push(...r.runs);
      failed.push(...r.failed);
      partial.push(...r.partial);
      ok &&= r.ok;
    }
    return { ok, failed, partial, runs };
  }

  /** Inline recovery of an independent subtree: stop it, then start it. */
  async restartSubtree(top: TreeNode): Promise<TreeOpResult> {
    const stopped = await this.stop(top);
    if (!stopped.ok) return stopped;
    const started = await this.start(top);
    return { ...started, runs: [...stopped.runs, ...started.runs] };
  }
}

function serviceOf(node: TreeNode): string {
  let n = node;
  while (n.parent !== undefined) n = n.parent;
  return n.resource.id;
}
