// Online-reconfiguration diff of two resource forests (rgmanager's resource_delta and
// resource_tree_delta): which resources and tree nodes must be stopped (old side) and started
// (new side). Pure; rg_test's delta mode and the daemon's reconfiguration both use it.
import type { Resource, ResourceForest, TreeNode } from './tree.js';
import type { NodeFlag, ResourceFlag } from './format.js';
import { formatForest, formatResourceList } from './format.js';
import { operationOrder } from './tree.js';

export type ResourceChange = 'same' | 'changed' | 'reconfig-only';

/** rgmanager's rescmp: same type and the same attributes (names, flags, values), order-free. */
export function compareResources(a: Resource, b: Resource): ResourceChange {
  if (a.type.toLowerCase() !== b.type.toLowerCase()) return 'changed';
  const key = (r: Resource): Map<string, string> => new Map(r.attrs.map((x) => [x.name,
    `${x.value ?? ''}\u0000${x.inherit ?? ''}\u0000${x.primary ? 'p' : ''}${x.unique ? 'u' : ''}${x.required ? 'r' : ''}`]));
  const ka = key(a);
  const kb = key(b);
  let differs = false;
  let onlyReconfig = true;
  for (const name of new Set([...ka.keys(), ...kb.keys()])) {
    if (ka.get(name) === kb.get(name)) continue;
    differs = true;
    const attr = a.attrs.find((x) => x.name === name) ?? b.attrs.find((x) => x.name === name);
    if (attr === undefined || !attr.reconfig) onlyReconfig = false;
  }
  if (!differs) return 'same';
  return onlyReconfig ? 'reconfig-only' : 'changed';
}

export interface ForestDelta {
  readonly oldForest: ResourceForest;
  readonly newForest: ResourceForest;
  readonly resourceFlags: ReadonlyMap<Resource, readonly ResourceFlag[]>;
  readonly nodeFlags: ReadonlyMap<TreeNode, readonly NodeFlag[]>;
  /** Old tree nodes to stop (top of each stopped subtree), in old-tree order. */
  readonly stopNodes: readonly TreeNode[];
  /** New tree nodes to start (top of each started subtree), in new-tree order. */
  readonly startNodes: readonly TreeNode[];
  /** New resources whose only changes are reconfig= parameters (the agent's reconfig op runs). */
  readonly reconfigResources: readonly Resource[];
}

const sameKey = (r: Resource): string => `${r.type.toLowerCase()}\u0000${r.primaryValue}`;

export function diffForests(oldForest: ResourceForest, newForest: ResourceForest): ForestDelta {
  const resourceFlags = new Map<Resource, ResourceFlag[]>();
  const add = <K, F>(m: Map<K, F[]>, k: K, f: F): void => {
    const l = m.get(k) ?? [];
    if (!l.includes(f)) l.push(f);
    m.set(k, l);
  };
  const newByKey = new Map<string, Resource>();
  for (const r of newForest.resources) if (!newByKey.has(sameKey(r))) newByKey.set(sameKey(r), r);
  const matched = new Set<Resource>();
  const reconfigResources: Resource[] = [];
  for (const o of oldForest.resources) {
    const n = newByKey.get(sameKey(o));
    if (n === undefined) {
      add(resourceFlags, o, 'NEEDSTOP');
      continue;
    }
    matched.add(n);
    const c = compareResources(o, n);
    if (c === 'changed') {
      add(resourceFlags, o, 'NEEDSTOP');
      add(resourceFlags, n, 'NEEDSTART');
    } else if (c === 'reconfig-only') {
      add(resourceFlags, n, 'NEEDSTART');
      add(resourceFlags, n, 'RECONFIG');
      reconfigResources.push(n);
    }
  }
  for (const n of newForest.resources) if (!matched.has(n)) add(resourceFlags, n, 'NEEDSTART');

  const nodeFlags = new Map<TreeNode, NodeFlag[]>();
  const stopNodes: TreeNode[] = [];
  const startNodes: TreeNode[] = [];
  const has = (r: Resource, f: ResourceFlag): boolean => resourceFlags.get(r)?.includes(f) ?? false;
  const level = (olds: readonly TreeNode[], news: readonly TreeNode[]): void => {
    const used = new Set<TreeNode>();
    for (const o of olds) {
      if (has(o.resource, 'NEEDSTOP')) {
        add(nodeFlags, o, 'NEEDSTOP');
        stopNodes.push(o);
        continue;
      }
      const m = news.find((n) => !used.has(n) && compareResources(o.resource, n.resource) !== 'changed');
      if (m === undefined) {
        add(nodeFlags, o, 'NEEDSTOP');
        stopNodes.push(o);
        continue;
      }
      used.add(m);
      level(o.children, m.children);
    }
    for (const n of news) {
      const reconfigOnly = has(n.resource, 'RECONFIG');
      if (!used.has(n) || (has(n.resource, 'NEEDSTART') && !reconfigOnly)) {
        add(nodeFlags, n, 'NEEDSTART');
        startNodes.push(n);
      }
    }
  };
  level(oldForest.roots, newForest.roots);
  return { oldForest, newForest, resourceFlags, nodeFlags, stopNodes, startNodes, reconfigResources };
}

/** `rg_test delta A B` output. */
export function formatDelta(d: ForestDelta): string {
  const flags = {
    resource: (r: Resource) => d.resourceFlags.get(r) ?? [],
    node: (n: TreeNode) => d.nodeFlags.get(n) ?? [],
  };
  return d.oldForest.buildWarnings.map((w) => `${w}\n`).join('')
    + d.newForest.buildWarnings.map((w) => `${w}\n`).join('')
    + '=== Old Resource List ===\n' + formatResourceList(d.oldForest, flags)
    + '=== New Resource List ===\n' + formatResourceList(d.newForest, flags)
    + '=== Old Resource Tree ===\n' + formatForest(d.oldForest, flags)
    + '=== New Resource Tree ===\n' + formatForest(d.newForest, flags);
}

function isUnder(n: TreeNode, tops: ReadonlySet<TreeNode>): boolean {
  for (let p = n.parent; p !== undefined; p = p.parent) if (tops.has(p)) return true;
  return false;
}

/**
 * The subtrees to stop for a reconfiguration (rgmanager's condstop), in each old tree's stop
 * order; a flagged node's descendants are covered by stopping it.
 */
export function condStopOrder(d: ForestDelta): TreeNode[] {
  const tops = new Set(d.stopNodes);
  const out: TreeNode[] = [];
  for (const root of d.oldForest.roots) {
    for (const n of operationOrder(root, 'stop')) if (tops.has(n) && !isUnder(n, tops)) out.push(n);
  }
  return out;
}

/** The subtrees to start afterwards (condstart), in each new tree's start order. */
export function condStartOrder(d: ForestDelta): TreeNode[] {
  const tops = new Set(d.startNodes);
  const out: TreeNode[] = [];
  for (const root of d.newForest.roots) {
    for (const n of operationOrder(root, 'start')) if (tops.has(n) && !isUnder(n, tops)) out.push(n);
  }
  return out;
}

/** New tree nodes whose resource changed only in reconfig= parameters (run the `reconfig` op). */
export function reconfigNodes(d: ForestDelta): TreeNode[] {
  const set = new Set(d.reconfigResources);
  const out: TreeNode[] = [];
  for (const root of d.newForest.roots) {
    for (const n of operationOrder(root, 'start')) if (set.has(n.resource)) out.push(n);
  }
  return out;
}
