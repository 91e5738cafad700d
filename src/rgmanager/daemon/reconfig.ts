// rgmanager online reconfiguration (rgmanager.md §2.8): what a new cluster.conf changes in the
// resource trees, as a plan per service (pure: the dry run prints it) and as the executor's
// CONDSTOP / reconfig / CONDSTART on the services this node runs (the daemon applies it). Both
// come from ONE function, `computeReconfig`, over delta.ts's `diffForests`, so the dry run, the
// daemon and the rg_test delta fixtures cannot disagree.
import type { ClusterConfig } from '../../config/types.js';
import type { Executor, TreeOpResult } from '../executor.js';
import { condStartOrder, condStopOrder, diffForests, reconfigNodes, type ForestDelta } from '../delta.js';
import { buildResourceForest, type ResourceForest, type TreeNode } from '../tree.js';
import type { RuleSet } from '../rules.js';
import type { ConfigHooks } from '../../cman/config-sync/sync.js';

export type ServiceChange = 'added' | 'removed' | 'changed' | 'unchanged';

/** What the reconfiguration does to one service (resource ids in the order they run). */
export interface ServicePlan {
  readonly id: string;
  readonly change: ServiceChange;
  /** Resources stopped (CONDSTOP), in stop order; a stopped subtree lists every resource in it. */
  readonly stop: readonly string[];
  /** Resources whose agent runs `reconfig` (only reconfig="1" parameters changed). */
  readonly reconfig: readonly string[];
  /** Resources started again (CONDSTART), in start order. */
  readonly start: readonly string[];
  /** An added service: starts per autostart (true) or is disabled (false). */
  readonly autostart?: boolean;
  /** A removed migratory service (vm) keeps running (rgmanager: "removed from the config, but I am not stopping it"). */
  readonly keepsRunning?: boolean;
}

export interface ReconfigComputation {
  readonly delta: ForestDelta;
  readonly services: readonly ServicePlan[];
}

function rootOf(n: TreeNode): TreeNode {
  let r = n;
  while (r.parent !== undefined) r = r.parent;
  return r;
}

/** Every resource of a subtree in the given operation's order. */
function subtreeIds(top: TreeNode, op: 'start' | 'stop'): string[] {
  const out: string[] = [];
  const walk = (n: TreeNode): void => {
    if (op === 'start') out.push(n.resource.id);
    for (const c of op === 'start' ? n.children : [...n.children].reverse()) walk(c);
    if (op === 'stop') out.push(n.resource.id);
  };
  walk(top);
  return out;
}

/**
 * The reconfiguration from `oldForest` to `newForest`: the resource delta (rgmanager's
 * resource_delta + resource_tree_delta) and, per service root, what stops, reconfigures and
 * starts. `newConfig` gives added services' autostart.
 */
export function computeReconfig(oldForest: ResourceForest, newForest: ResourceForest, newConfig?: ClusterConfig): ReconfigComputation {
  const delta = diffForests(oldForest, newForest);
  const plans = new Map<string, { change: ServiceChange; stop: string[]; reconfig: string[]; start: string[]; autostart?: boolean; keepsRunning?: boolean }>();
  const oldIds = new Set(oldForest.roots.map((r) => r.resource.id));
  const newIds = new Set(newForest.roots.map((r) => r.resource.id));
  for (const r of oldForest.roots) {
    const id = r.resource.id;
    if (!newIds.has(id)) {
      const migratory = !r.resource.rule.destroyOnDelete;
      plans.set(id, { change: 'removed', stop: migratory ? [] : subtreeIds(r, 'stop'), reconfig: [], start: [], ...(migratory ? { keepsRunning: true } : {}) });
    } else {
      plans.set(id, { change: 'unchanged', stop: [], reconfig: [], start: [] });
    }
  }
  for (const r of newForest.roots) {
    const id = r.resource.id;
    if (oldIds.has(id)) continue;
    const svc = newConfig?.rm.services.find((s) => s.id === id);
    plans.set(id, { change: 'added', stop: [], reconfig: [], start: subtreeIds(r, 'start'), autostart: svc?.autostart ?? true });
  }
  for (const n of condStopOrder(delta)) {
    const p = plans.get(rootOf(n).resource.id);
    if (p === undefined || p.change !== 'unchanged' && p.change !== 'changed') continue;
    p.change = 'changed';
    p.stop.push(...subtreeIds(n, 'stop'));
  }
  for (const n of reconfigNodes(delta)) {
    const p = plans.get(rootOf(n).resource.id);
    if (p === undefined || p.change === 'added') continue;
    p.change = 'changed';
    p.reconfig.push(n.resource.id);
  }
  for (const n of condStartOrder(delta)) {
    const p = plans.get(rootOf(n).resource.id);
    if (p === undefined || p.change === 'added') continue;
    p.change = 'changed';
    p.start.push(...subtreeIds(n, 'start'));
  }
  const services: ServicePlan[] = [...plans.entries()].map(([id, p]) => ({ id, ...p }));
  return { delta, services };
}

/** Human lines for the dry run: one per service that changes. */
export function formatServicePlans(services: readonly ServicePlan[], owners: ReadonlyMap<string, string | null> = new Map()): string[] {
  const lines: string[] = [];
  for (const s of services) {
    if (s.change === 'unchanged') continue;
    const on = owners.get(s.id);
    const where = on !== undefined && on !== null ? ` (running on ${on})` : on === null ? ' (not running)' : '';
    if (s.change === 'added') {
      lines.push(`  service ${s.id}: added; ${s.autostart === false ? 'disabled (autostart="0")' : 'starts per its domain (autostart)'}: ${s.start.join(', ')}`);
    } else if (s.change === 'removed') {
      lines.push(s.keepsRunning === true ? `  service ${s.id}: removed from the config; keeps running (migratory)` : `  service ${s.id}: removed; stops${where}: ${s.stop.join(', ')}`);
    } else {
      const parts: string[] = [];
      if (s.stop.length > 0) parts.push(`stop ${s.stop.join(', ')}`);
      if (s.reconfig.length > 0) parts.push(`reconfigure ${s.reconfig.join(', ')}`);
      if (s.start.length > 0) parts.push(`start ${s.start.join(', ')}`);
      lines.push(`  service ${s.id}${where}: ${parts.join('; ')}`);
    }
  }
  return lines;
}

/** The running services of this node (root ids) and a way to keep other work off them meanwhile. */
export interface LocalReconfigAccess {
  readonly running: ReadonlySet<string>;
  /** Mark a service busy (no status check or operation interleaves); returns the release. */
  hold(id: string): () => void;
  /** Swap the trees and config the local part uses (before any agent runs). */
  swap(config: ClusterConfig, forest: ResourceForest): void;
}

/**
 * Apply a reconfiguration on this node: swap to the new trees at once (operations committed after
 * the new config address new trees), then CONDSTOP / reconfig / CONDSTART the services this node
 * runs, through the executor's applyDelta on the same delta the plan came from.
 */
export async function applyLocalReconfig(comp: ReconfigComputation, config: ClusterConfig, access: LocalReconfigAccess,
  executor: Executor, after: Promise<unknown> = Promise.resolve()): Promise<TreeOpResult> {
  const running = new Set(access.running);
  const touched = comp.services.filter((s) => running.has(s.id) && s.change !== 'unchanged').map((s) => s.id);
  const releases = touched.map((id) => access.hold(id));
  access.swap(config, comp.delta.newForest);
  try {
    // A previous reconfiguration's agents run first (its delta led to the trees this one starts from).
    await after.catch(() => undefined);
    return await executor.applyDelta(comp.delta, running);
  } finally {
    for (const r of releases) r();
  }
}

/** The resource trees of a config with this node's agent rules, or why they cannot be built (errors). */
export function reconfigForest(rules: RuleSet | undefined, config: ClusterConfig): { forest: ResourceForest } | { error: string } {
  if (rules === undefined) return { error: 'rgmanager has not loaded its agents yet' };
  try {
    const forest = buildResourceForest(config.rm.element, rules, config.file);
    const errors = forest.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) return { error: errors.map((p) => `${p.file}:${p.line}: ${p.where}: ${p.message}`).join('; ') };
    return { forest };
  } catch (err) {
    return { error: `cannot build the resource trees: ${(err as Error).message}` };
  }
}

/** What reconfig needs of the rgmanager daemon (RgManagerDaemon implements it). */
export interface RgReconfigTarget {
  checkConfig(config: ClusterConfig): Promise<{ forest: ResourceForest } | { error: string }>;
  planReconfig(config: ClusterConfig): Promise<ReconfigComputation | { error: string }>;
  reconfigure(config: ClusterConfig): Promise<ReconfigComputation | { error: string }>;
  serviceOwners(): ReadonlyMap<string, string | null>;
}

/** Register rgmanager's check / dry-run plan / online reconfiguration with config propagation. */
export function registerRgReconfig(hooks: ConfigHooks, rg: RgReconfigTarget): void {
  hooks.register({
    name: 'rgmanager',
    check: async (config) => { const r = await rg.checkConfig(config); return 'error' in r ? r.error : undefined; },
    plan: async (config) => {
      const r = await rg.planReconfig(config);
      if ('error' in r) return [`  cannot compute the service changes: ${r.error}`];
      const lines = formatServicePlans(r.services, rg.serviceOwners());
      return lines.length > 0 ? lines : ['  no service changes'];
    },
    activate: (config) => rg.reconfigure(config),
  });
}
