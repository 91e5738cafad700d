// Resource list and resource trees from the <rm> section, built exactly as rgmanager's
// reslist.c/restree.c do (see src/rgmanager/README.md). Pure: the rules (agent metadata) and the
// parsed <rm> element come in, resources, trees and problems go out.
import type { RawElement } from '../config/types.js';
import type { ActionRule, ResourceRule, RuleSet } from './rules.js';
import { parseTimeSpecS } from './rules.js';

export interface TreeProblem {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  readonly line: number;
  /** The resource concerned, e.g. `service:web` or `ip:10.0.0.1`, or the element tag. */
  readonly where: string;
  readonly message: string;
}

export function formatTreeProblem(p: TreeProblem): string {
  return `${p.file}:${p.line}: ${p.where}: ${p.message}`;
}

export interface ResourceAttr {
  readonly name: string;
  /** Undefined when the attribute is an unresolved inheritance marker. */
  readonly value: string | undefined;
  readonly primary: boolean;
  readonly unique: boolean;
  readonly required: boolean;
  readonly reconfig: boolean;
  /** Set only while the attribute is inherited (value undefined). */
  readonly inherit: string | undefined;
}

export interface Resource {
  readonly type: string;
  readonly rule: ResourceRule;
  /** Primary attribute first, then the other parameters in metadata order. */
  readonly attrs: readonly ResourceAttr[];
  /** Defined inside a service rather than under <resources>. */
  readonly inline: boolean;
  /** `type:primaryvalue`: OCF_RESOURCE_INSTANCE and the name in logs. */
  readonly id: string;
  readonly primaryValue: string;
  /** Line of the definition. */
  readonly line: number;
  /** Actions of the rule with the <action> overrides of the definition applied. */
  readonly actions: readonly ActionRule[];
  /** Number of tree nodes that use this resource. */
  readonly refs: number;
  /** __independent_subtree="2|non-critical" on a reference (cleared when referenced twice). */
  readonly nonCritical: boolean;
}

export interface TreeNode {
  readonly resource: Resource;
  readonly parent: TreeNode | undefined;
  readonly children: readonly TreeNode[];
  /** Line of the element at this position of the tree (the ref or the inline definition). */
  readonly line: number;
  readonly depth: number;
  /** Path from the root, e.g. `service:web/fs:data/nfsexport:exp`: unique within a forest. */
  readonly path: string;
  readonly independent: boolean;
  readonly nonCritical: boolean;
  readonly enforceTimeouts: boolean;
  /** Status failures tolerated within failureExpireS (both needed; 0 = off). */
  readonly maxFailures: number;
  readonly failureExpireS: number;
  /** Restarts of an independent subtree tolerated within restartExpireS (both needed). */
  readonly maxRestarts: number;
  readonly restartExpireS: number;
}

/** How `type%attr` inheritance walks the tree. */
export type InheritanceMode =
  /** rgmanager since April 2007 (bug 231521): nearest ancestor of that type. */
  | 'ancestor'
  /** The 2007 fixtures: only the immediate parent, when it is of that type. */
  | 'parent';

export interface BuildOptions {
  readonly inheritance?: InheritanceMode;
  /** Nesting limit of a tree (default 32). */
  readonly maxDepth?: number;
}

export interface ResourceForest {
  readonly file: string;
  /** Global resources (by type, case-insensitive alphabetical, document order), then inline ones. */
  readonly resources: readonly Resource[];
  readonly roots: readonly TreeNode[];
  readonly problems: readonly TreeProblem[];
  /** Lines rg_test prints on stdout while building (rgmanager's "Warning: ..." lines). */
  readonly buildWarnings: readonly string[];
  readonly inheritance: InheritanceMode;
}

interface MutableResource {
  type: string;
  rule: ResourceRule;
  attrs: ResourceAttr[];
  inline: boolean;
  id: string;
  primaryValue: string;
  line: number;
  actions: ActionRule[];
  refs: number;
  nonCritical: boolean;
  /** Attributes written in the definition (collisions are checked on these only). */
  explicit: ReadonlySet<string>;
}

interface MutableNode {
  resource: MutableResource;
  parent: MutableNode | undefined;
  children: MutableNode[];
  line: number;
  depth: number;
  path: string;
  independent: boolean;
  nonCritical: boolean;
  enforceTimeouts: boolean;
  maxFailures: number;
  failureExpireS: number;
  maxRestarts: number;
  restartExpireS: number;
}

const lower = (s: string): string => s.toLowerCase();

function yesValue(v: string | undefined): boolean {
  if (v === undefined) return false;
  const s = v.trim().toLowerCase();
  if (s.startsWith('y')) return true;
  const n = Number(s);
  return s !== '' && Number.isFinite(n) && n !== 0;
}

function nonNegInt(v: string | undefined): number {
  if (v === undefined) return 0;
  const n = Number(v.trim());
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** Children of <rm> that are structure, never resource trees. */
const structuralTags = new Set(['resources', 'resource-defaults', 'failoverdomains', 'events', 'dependencies']);

class Builder {
  readonly problems: TreeProblem[] = [];
  readonly buildWarnings: string[] = [];
  readonly resources: MutableResource[] = [];
  private readonly defaults = new Map<string, Map<string, string>>();
  /** type, attribute, value -> resource, for explicitly written primary/unique values. */
  private readonly uniqueIndex = new Map<string, MutableResource>();
  /** type, primary value -> resource (global and inline). */
  private readonly primaryIndex = new Map<string, MutableResource>();
  /** type, unique+required value -> first global resource with it (ref= by mountpoint etc.). */
  private readonly urIndex = new Map<string, MutableResource>();

  register(r: MutableResource): void {
    this.resources.push(r);
    const t = lower(r.type);
    for (const a of r.attrs) {
      if ((a.primary || a.unique) && a.value !== undefined && r.explicit.has(a.name)) this.uniqueIndex.set(`${t}\u0000${a.name}\u0000${a.value}`, r);
      if (!r.inline && a.unique && a.required && a.value !== undefined) {
        const k = `${t}\u0000${a.value}`;
        if (!this.urIndex.has(k)) this.urIndex.set(k, r);
      }
    }
    const pk = `${t}\u0000${r.primaryValue}`;
    if (!this.primaryIndex.has(pk)) this.primaryIndex.set(pk, r);
  }

  constructor(private readonly rules: RuleSet, private readonly file: string, private readonly maxDepth: number) {}

  problem(severity: 'error' | 'warning', line: number, where: string, message: string): void {
    this.problems.push({ severity, file: this.file, line, where, message });
  }

  loadDefaults(rm: RawElement): void {
    for (const rd of rm.children.filter((c) => c.tag === 'resource-defaults')) {
      for (const el of rd.children) {
        const rule = this.rules.get(el.tag);
        if (rule === undefined) {
          this.problem('error', el.line, el.tag, `resource-defaults for unknown resource type "${el.tag}" (no agent provides it); ignored`);
          continue;
        }
        const map = this.defaults.get(lower(rule.type)) ?? new Map<string, string>();
        for (const [k, v] of Object.entries(el.attrs)) {
          const p = rule.params.find((q) => q.name === k);
          if (p === undefined) {
            this.problem('warning', el.line, rule.type, `resource-defaults: "${k}" is not a parameter of ${rule.type}; ignored`);
            continue;
          }
          if (p.primary || p.unique) {
            this.problem('warning', el.line, rule.type, `resource-defaults: cannot set a default for the ${p.primary ? 'primary' : 'unique'} parameter "${k}"; ignored`);
            continue;
          }
          map.set(k, v);
        }
        this.defaults.set(lower(rule.type), map);
      }
    }
  }

  /** Load one resource definition; undefined (with a problem) when it is invalid. */
  loadResource(el: RawElement, rule: ResourceRule, inline: boolean): MutableResource | undefined {
    const typeDefaults = this.defaults.get(lower(rule.type));
    const attrs: ResourceAttr[] = [];
    for (const p of rule.params) {
      const given = el.attrs[p.name];
      const flags = { primary: p.primary, unique: p.unique, required: p.required, reconfig: p.reconfig };
      if (given !== undefined) {
        attrs.push({ name: p.name, value: given, ...flags, inherit: undefined });
        continue;
      }
      const siteDefault = typeDefaults?.get(p.name);
      if (siteDefault !== undefined) {
        attrs.push({ name: p.name, value: siteDefault, ...flags, inherit: undefined });
      } else if (p.inherit !== undefined) {
        attrs.push({ name: p.name, value: undefined, ...flags, inherit: p.inherit });
      } else if (p.defaultValue !== undefined && rule.copyDefaults) {
        attrs.push({ name: p.name, value: p.defaultValue, ...flags, inherit: undefined });
      }
    }
    const primaryParam = rule.params.find((p) => p.primary);
    const pi = attrs.findIndex((a) => a.primary);
    if (primaryParam === undefined || pi < 0 || attrs[pi]!.value === undefined || attrs[pi]!.value === '') {
      this.problem('error', el.line, el.tag, `${rule.type} without its primary attribute "${primaryParam?.name ?? '?'}"; resource ignored`);
      return undefined;
    }
    const primaryAttr = attrs[pi]!;
    if (pi > 0) {
      attrs.splice(pi, 1);
      attrs.unshift(primaryAttr);
    }
    const primaryValue = primaryAttr.value!;
    const id = `${rule.type}:${primaryValue}`;
    const missing = rule.params.filter((p) => p.required && !attrs.some((a) => a.name === p.name && a.value !== undefined && a.value !== ''));
    if (missing.length > 0) {
      this.problem('error', el.line, id, `required attribute${missing.length > 1 ? 's' : ''} ${missing.map((p) => `"${p.name}"`).join(', ')} missing; resource ignored`);
      return undefined;
    }
    const unknownAttrs = Object.keys(el.attrs).filter((k) => k !== 'ref' && !k.startsWith('__') && !rule.params.some((p) => p.name === k));
    if (unknownAttrs.length > 0) {
      this.problem('warning', el.line, id, `attribute${unknownAttrs.length > 1 ? 's' : ''} ${unknownAttrs.map((k) => `"${k}"`).join(', ')} not known to the ${rule.type} agent; ignored`);
    }
    // Collisions of explicitly written primary/unique values with resources of the same type.
    for (const a of attrs) {
      if (!(a.primary || a.unique) || a.value === undefined || el.attrs[a.name] === undefined) continue;
      const other = this.uniqueIndex.get(`${lower(rule.type)}\u0000${a.name}\u0000${a.value}`);
      if (other !== undefined) {
        this.problem('error', el.line, id, `${a.primary ? 'primary' : 'unique'} attribute collision: ${a.name}="${a.value}" is already used by ${other.id} (line ${other.line}); this definition is ignored`);
        return undefined;
      }
    }
    return {
      type: rule.type,
      rule,
      attrs,
      inline,
      id,
      primaryValue,
      line: el.line,
      actions: this.applyActionOverrides(el, rule, id),
      refs: 0,
      nonCritical: false,
      explicit: new Set(Object.keys(el.attrs)),
    };
  }

  private applyActionOverrides(el: RawElement, rule: ResourceRule, id: string): ActionRule[] {
    const actions = rule.actions.map((a) => ({ ...a }));
    for (const a of el.children.filter((c) => c.tag === 'action')) {
      const name = a.attrs['name'];
      if (name === undefined || name === '') {
        this.problem('error', a.line, id, '<action> without name; ignored');
        continue;
      }
      const timeoutS = a.attrs['timeout'] !== undefined ? parseTimeSpecS(a.attrs['timeout']) : undefined;
      let intervalS = a.attrs['interval'] !== undefined ? parseTimeSpecS(a.attrs['interval']) : undefined;
      if (intervalS !== undefined && intervalS < 1 && a.attrs['interval']!.trim() !== '0') intervalS = 1;
      const depthText = a.attrs['depth'];
      const patch = (x: ActionRule): ActionRule => ({
        ...x,
        timeoutS: timeoutS ?? x.timeoutS,
        intervalS: intervalS ?? x.intervalS,
      });
      if (depthText === '*') {
        let hit = false;
        for (let i = 0; i < actions.length; i++) {
          if (actions[i]!.name === name) {
            actions[i] = patch(actions[i]!);
            hit = true;
          }
        }
        if (!hit) this.problem('warning', a.line, id, `<action name="${name}" depth="*"> matches no action of the ${rule.type} agent; ignored`);
        continue;
      }
      const depth = depthText !== undefined ? Number(depthText) : undefined;
      if (depth !== undefined && (!Number.isInteger(depth) || depth < 0)) {
        this.problem('error', a.line, id, `<action name="${name}"> depth="${depthText}" is not a non-negative integer; ignored`);
        continue;
      }
      const idx = actions.findIndex((x) => x.name === name && (depth === undefined || (x.depth ?? 0) === depth));
      if (idx >= 0) actions[idx] = patch(actions[idx]!);
      else actions.push({ name, timeoutS, intervalS, depth: depth ?? (name === 'status' || name === 'monitor' ? 0 : undefined) });
    }
    return actions;
  }

  loadGlobalResources(rm: RawElement): void {
    const containers = rm.children.filter((c) => c.tag === 'resources');
    const elems = containers.flatMap((c) => c.children);
    for (const el of elems) {
      if (this.rules.get(el.tag) === undefined) {
        this.problem('error', el.line, el.tag, `unknown resource type "${el.tag}" (no agent provides it); resource ignored`);
      }
    }
    for (const rule of this.rules.sorted) {
      for (const el of elems) {
        if (lower(el.tag) !== lower(rule.type)) continue;
        if (el.attrs['ref'] !== undefined) {
          this.problem('error', el.line, rule.type, 'ref= is not allowed inside <resources>; ignored');
          continue;
        }
        const r = this.loadResource(el, rule, false);
        if (r !== undefined) this.register(r);
      }
    }
  }

  private findRef(rule: ResourceRule, ref: string): MutableResource | undefined {
    const byPrimary = this.primaryIndex.get(`${lower(rule.type)}\u0000${ref}`);
    if (byPrimary !== undefined && !byPrimary.inline) return byPrimary;
    // Newer rgmanager: a unique+required attribute (e.g. an fs's mountpoint) also names it.
    return this.urIndex.get(`${lower(rule.type)}\u0000${ref}`);
  }

  private findInline(rule: ResourceRule, ref: string): MutableResource | undefined {
    const r = this.primaryIndex.get(`${lower(rule.type)}\u0000${ref}`);
    return r !== undefined && r.inline ? r : undefined;
  }

  buildRoots(rm: RawElement): MutableNode[] {
    const roots: MutableNode[] = [];
    for (const el of rm.children) {
      if (structuralTags.has(el.tag)) continue;
      const rule = this.rules.get(el.tag);
      if (rule === undefined) {
        this.problem('warning', el.line, el.tag, `<${el.tag}> under <rm> is not a resource type (no agent provides it); ignored`);
        continue;
      }
      const n = this.buildNode(el, rule, undefined);
      if (n !== undefined) roots.push(n);
    }
    return roots;
  }

  private whereOf(parent: MutableNode | undefined, el: RawElement): string {
    const name = el.attrs['ref'] ?? el.attrs['name'];
    const self = name !== undefined ? `${el.tag}:${name}` : el.tag;
    return parent !== undefined ? `${parent.path}/${self}` : self;
  }

  private buildNode(el: RawElement, rule: ResourceRule, parent: MutableNode | undefined): MutableNode | undefined {
    const depth = parent !== undefined ? parent.depth + 1 : 0;
    if (depth >= this.maxDepth) {
      this.problem('error', el.line, this.whereOf(parent, el), `resource tree nested deeper than ${this.maxDepth} levels; subtree ignored`);
      return undefined;
    }
    let res: MutableResource | undefined;
    const ref = el.attrs['ref'];
    if (ref !== undefined) {
      res = this.findRef(rule, ref);
      if (res === undefined) {
        const inlineOne = this.findInline(rule, ref);
        this.problem('error', el.line, this.whereOf(parent, el), inlineOne !== undefined
          ? `reference to ${inlineOne.id}, which is defined inline at line ${inlineOne.line} and cannot be referenced; ignored`
          : `reference to nonexistent resource "${ref}" (type ${rule.type}); ignored`);
        return undefined;
      }
    } else {
      res = this.loadResource(el, rule, true);
      if (res === undefined) return undefined;
      this.register(res);
    }
    // A resource may not contain itself (it would start twice and inherit from itself).
    for (let p = parent; p !== undefined; p = p.parent) {
      if (p.resource === res) {
        this.problem('error', el.line, this.whereOf(parent, el), `reference cycle: ${res.id} is nested inside itself (outer one at line ${p.line}); ignored`);
        return undefined;
      }
    }
    if (rule.maxInstances > 0 && res.refs >= rule.maxInstances) {
      const firstAttr = res.attrs[0]?.name ?? '';
      this.buildWarnings.push(`Warning: Max references exceeded for resource ${firstAttr} (type ${rule.type})`);
      this.problem('warning', el.line, this.whereOf(parent, el), `${res.id} is already used ${res.refs} time(s), its agent allows ${rule.maxInstances}; this reference is ignored`);
      return undefined;
    }
    res.refs++;
    const indep = el.attrs['__independent_subtree'];
    let independent = false;
    let nonCritical = false;
    if (indep !== undefined && parent !== undefined) {
      const v = indep.trim().toLowerCase();
      if (v === '2' || v === 'non-critical') {
        independent = true;
        nonCritical = true;
      } else if (yesValue(v)) {
        independent = true;
      }
    }
    // rgmanager keeps the non-critical flag on the resource and clears it for shared resources.
    if (nonCritical && res.refs === 1) res.nonCritical = true;
    if ((nonCritical || res.nonCritical) && res.refs > 1) {
      this.problem('warning', el.line, res.id, `non-critical flag for ${res.id} is being cleared due to multiple references`);
      res.nonCritical = false;
      nonCritical = false;
    }
    const maxFailures = nonNegInt(el.attrs['__max_failures']);
    const failureExpireS = el.attrs['__failure_expire_time'] !== undefined ? parseTimeSpecS(el.attrs['__failure_expire_time']) : 0;
    const maxRestarts = nonNegInt(el.attrs['__max_restarts']);
    const restartExpireS = el.attrs['__restart_expire_time'] !== undefined ? parseTimeSpecS(el.attrs['__restart_expire_time']) : 0;
    const path = parent !== undefined ? `${parent.path}/${res.id}` : res.id;
    const node: MutableNode = {
      resource: res,
      parent,
      children: [],
      line: el.line,
      depth,
      path,
      independent,
      nonCritical,
      enforceTimeouts: yesValue(el.attrs['__enforce_timeouts']),
      maxFailures: maxFailures > 0 && failureExpireS > 0 ? maxFailures : 0,
      failureExpireS: maxFailures > 0 && failureExpireS > 0 ? failureExpireS : 0,
      maxRestarts: maxRestarts > 0 && restartExpireS > 0 ? maxRestarts : 0,
      restartExpireS: maxRestarts > 0 && restartExpireS > 0 ? restartExpireS : 0,
    };
    if ((maxRestarts > 0) !== (restartExpireS > 0) && (el.attrs['__max_restarts'] !== undefined || el.attrs['__restart_expire_time'] !== undefined)) {
      this.problem('warning', el.line, path, '__max_restarts and __restart_expire_time must both be set; ignored');
    }
    if ((maxFailures > 0) !== (failureExpireS > 0) && (el.attrs['__max_failures'] !== undefined || el.attrs['__failure_expire_time'] !== undefined)) {
      this.problem('warning', el.line, path, '__max_failures and __failure_expire_time must both be set; ignored');
    }
    this.buildChildren(el, rule, node);
    return node;
  }

  private buildChildren(el: RawElement, rule: ResourceRule, node: MutableNode): void {
    const elems = el.children.filter((c) => c.tag !== 'action');
    const listed = (tag: string): boolean => rule.childTypes.some((ct) => lower(ct.type) === lower(tag));
    // Typed pass: child types in metadata order, each in document order.
    for (const ct of rule.childTypes) {
      if (ct.forbid) continue;
      const childRule = this.rules.get(ct.type);
      if (childRule === undefined) continue;
      for (const c of elems) {
        if (lower(c.tag) !== lower(ct.type)) continue;
        const n = this.buildNode(c, childRule, node);
        if (n !== undefined) node.children.push(n);
      }
    }
    // Untyped pass: everything else in document order.
    for (const c of elems) {
      if (listed(c.tag)) {
        const ct = rule.childTypes.find((x) => lower(x.type) === lower(c.tag))!;
        if (ct.forbid) this.problem('warning', c.line, this.whereOf(node, c), `${rule.type} does not allow ${c.tag} children; ignored`);
        continue;
      }
      const childRule = this.rules.get(c.tag);
      if (childRule === undefined) {
        this.problem('error', c.line, this.whereOf(node, c), `unknown resource type "${c.tag}" (no agent provides it); ignored`);
        continue;
      }
      const n = this.buildNode(c, childRule, node);
      if (n !== undefined) node.children.push(n);
    }
  }
}

function freezeNode(n: MutableNode, parent: TreeNode | undefined, map: Map<MutableResource, Resource>): TreeNode {
  const node: { -readonly [K in keyof TreeNode]: TreeNode[K] } = {
    resource: map.get(n.resource)!,
    parent,
    children: [],
    line: n.line,
    depth: n.depth,
    path: n.path,
    independent: n.independent,
    nonCritical: n.nonCritical && n.resource.nonCritical,
    enforceTimeouts: n.enforceTimeouts,
    maxFailures: n.maxFailures,
    failureExpireS: n.failureExpireS,
    maxRestarts: n.maxRestarts,
    restartExpireS: n.restartExpireS,
  };
  node.children = Object.freeze(n.children.map((c) => freezeNode(c, node, map)));
  return Object.freeze(node);
}

/**
 * Build the resource list and the trees of `<rm>`. Never throws on bad input: problems carry
 * file:line and the resource; the rest of the forest is still built.
 */
export function buildResourceForest(rm: RawElement, rules: RuleSet, file: string, opts: BuildOptions = {}): ResourceForest {
  const b = new Builder(rules, file, opts.maxDepth ?? 32);
  b.loadDefaults(rm);
  b.loadGlobalResources(rm);
  const roots = b.buildRoots(rm);
  const map = new Map<MutableResource, Resource>();
  for (const r of b.resources) {
    map.set(r, Object.freeze({
      type: r.type,
      rule: r.rule,
      attrs: Object.freeze(r.attrs.map((a) => Object.freeze({ ...a }))),
      inline: r.inline,
      id: r.id,
      primaryValue: r.primaryValue,
      line: r.line,
      actions: Object.freeze(r.actions.map((a) => Object.freeze({ ...a }))),
      refs: r.refs,
      nonCritical: r.nonCritical,
    }));
  }
  return Object.freeze({
    file,
    resources: Object.freeze(b.resources.map((r) => map.get(r)!)),
    roots: Object.freeze(roots.map((n) => freezeNode(n, undefined, map))),
    problems: Object.freeze(b.problems.slice().sort((x, y) => x.line - y.line)),
    buildWarnings: Object.freeze(b.buildWarnings.slice()),
    inheritance: opts.inheritance ?? 'ancestor',
  });
}

/** The value of attribute `name` on a tree node, following inheritance; undefined when unset. */
export function resolveAttr(node: TreeNode, name: string, mode: InheritanceMode = 'ancestor', depthLimit = 64): string | undefined {
  const a = node.resource.attrs.find((x) => x.name === name);
  if (a === undefined) return undefined;
  if (a.value !== undefined) return a.value;
  if (a.inherit === undefined || depthLimit <= 0) return undefined;
  const parent = node.parent;
  if (parent === undefined) return undefined;
  const pct = a.inherit.indexOf('%');
  if (pct < 0) return resolveAttr(parent, a.inherit, mode, depthLimit - 1);
  const type = a.inherit.slice(0, pct);
  const attrName = a.inherit.slice(pct + 1);
  if (mode === 'parent') {
    return lower(parent.resource.type) === lower(type) ? resolveAttr(parent, attrName, mode, depthLimit - 1) : undefined;
  }
  for (let p: TreeNode | undefined = parent; p !== undefined; p = p.parent) {
    if (lower(p.resource.type) === lower(type)) return resolveAttr(p, attrName, mode, depthLimit - 1);
  }
  return undefined;
}

/** Every resolved attribute of a node (what the agent gets as OCF_RESKEY_*), in list order. */
export function resolvedAttrs(node: TreeNode, mode: InheritanceMode = 'ancestor'): [string, string][] {
  const out: [string, string][] = [];
  for (const a of node.resource.attrs) {
    const v = resolveAttr(node, a.name, mode);
    if (v !== undefined) out.push([a.name, v]);
  }
  return out;
}

export type TreeOp = 'start' | 'stop' | 'status';

const MAX_LEVEL = 100;

/**
 * The children of `node` in the order an operation visits them (rgmanager's _res_op_by_level):
 * with child types, start/status go level 1..100 by start level then the unleveled children;
 * stop goes unleveled children in reverse, then level 1..100 by stop level (reverse within a
 * type). Without child types: list order, reverse for stop.
 */
export function childOrder(node: TreeNode, op: TreeOp): TreeNode[] {
  const kids = node.children;
  const cts = node.resource.rule.childTypes;
  if (cts.length === 0) return op === 'stop' ? [...kids].reverse() : [...kids];
  const levelOf = (n: TreeNode): number => {
    const ct = cts.find((c) => lower(c.type) === lower(n.resource.type));
    if (ct === undefined) return 0;
    return op === 'stop' ? ct.stopLevel : ct.startLevel;
  };
  const out: TreeNode[] = [];
  const unleveled = kids.filter((k) => levelOf(k) === 0);
  if (op === 'stop') out.push(...[...unleveled].reverse());
  for (let level = 1; level <= MAX_LEVEL; level++) {
    for (const ct of cts) {
      const l = op === 'stop' ? ct.stopLevel : ct.startLevel;
      if (l !== level) continue;
      const ofType = kids.filter((k) => lower(k.resource.type) === lower(ct.type));
      out.push(...(op === 'stop' ? ofType.reverse() : ofType));
    }
  }
  if (op !== 'stop') out.push(...unleveled);
  return out;
}

/** All nodes of a tree in execution order: parent before children for start/status, after for stop. */
export function operationOrder(root: TreeNode, op: TreeOp): TreeNode[] {
  const out: TreeNode[] = [];
  const walk = (n: TreeNode): void => {
    if (op !== 'stop') out.push(n);
    for (const c of childOrder(n, op)) walk(c);
    if (op === 'stop') out.push(n);
  };
  walk(root);
  return out;
}

/** The root (service, vm, ...) of that type whose primary value is `name`. */
export function findRoot(forest: ResourceForest, type: string, name: string): TreeNode | undefined {
  return forest.roots.find((r) => lower(r.resource.type) === lower(type) && r.resource.primaryValue === name);
}
