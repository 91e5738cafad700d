// rg_test's text dumps of the resource list and the resource trees, in the layout of the
// rgmanager regression fixtures (peer/rgmanager-tests/README.md "Exact text format").
import type { Resource, ResourceForest, TreeNode } from './tree.js';
import { resolveAttr } from './tree.js';

export type ResourceFlag = 'NEEDSTART' | 'NEEDSTOP' | 'COMMON' | 'RECONFIG';
export type NodeFlag = 'NEEDSTOP' | 'NEEDSTART' | 'COMMON';

export interface DumpFlags {
  readonly resource?: (r: Resource) => readonly ResourceFlag[];
  readonly node?: (n: TreeNode) => readonly NodeFlag[];
}

const resourceFlagOrder: readonly ResourceFlag[] = ['NEEDSTART', 'NEEDSTOP', 'COMMON', 'RECONFIG'];
const nodeFlagOrder: readonly NodeFlag[] = ['NEEDSTOP', 'NEEDSTART', 'COMMON'];

export function formatResource(r: Resource, flags: readonly ResourceFlag[] = []): string {
  let s = `Resource type: ${r.type}`;
  if (r.inline) s += ' [INLINE]';
  for (const f of resourceFlagOrder) if (flags.includes(f)) s += ` [${f}]`;
  s += '\n';
  if (r.rule.maxInstances > 0) s += `Instances: ${r.refs}/${r.rule.maxInstances}\n`;
  s += `Agent: ${r.rule.agentName}\nAttributes:\n`;
  if (r.attrs.length === 0) s += '  - None -\n';
  for (const a of r.attrs) {
    if (a.value === undefined) {
      s += `  ${a.name} [ inherit("${a.inherit ?? ''}") ]\n`;
      continue;
    }
    const words: string[] = [];
    if (a.primary) words.push('primary');
    if (a.unique) words.push('unique');
    if (a.required) words.push('required');
    if (a.reconfig) words.push('reconfig');
    s += `  ${a.name} = ${a.value}${words.length > 0 ? ` [ ${words.join(' ')} ]` : ''}\n`;
  }
  return s + '\n';
}

export function formatResourceList(forest: ResourceForest, flags: DumpFlags = {}): string {
  return forest.resources.map((r) => formatResource(r, flags.resource?.(r) ?? [])).join('');
}

export function formatTree(node: TreeNode, forest: ResourceForest, flags: DumpFlags = {}): string {
  const indent = '  '.repeat(node.depth);
  const inner = '  '.repeat(node.depth + 1);
  const nf = flags.node?.(node) ?? [];
  let s = `${indent}${node.resource.type}`;
  const words = nodeFlagOrder.filter((f) => nf.includes(f));
  if (words.length > 0) s += ` [ ${words.map((w) => `${w} `).join('')}]`;
  s += ' {\n';
  for (const a of node.resource.attrs) {
    const v = resolveAttr(node, a.name, forest.inheritance);
    // rgmanager prints the indentation even when an inherited value resolves to nothing.
    s += v !== undefined ? `${inner}${a.name} = "${v}";\n` : inner;
  }
  for (const c of node.children) s += formatTree(c, forest, flags);
  return s + `${indent}}\n`;
}

export function formatForest(forest: ResourceForest, flags: DumpFlags = {}): string {
  return forest.roots.map((r) => formatTree(r, forest, flags)).join('');
}

/** `rg_test test CONF`: build warnings, the resource list and the resource trees. */
export function formatTestDump(forest: ResourceForest): string {
  return forest.buildWarnings.map((w) => `${w}\n`).join('')
    + '=== Resources List ===\n' + formatResourceList(forest)
    + '=== Resource Tree ===\n' + formatForest(forest);
}
