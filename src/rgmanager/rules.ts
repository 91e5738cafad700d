// Resource rules (resource types) learned from agent metadata, as rgmanager's resrules.c does:
// every executable in the agent directories is run with `meta-data` and its <resource-agent> XML
// is parsed into a rule. Parsing is pure (parseAgentMetadata); loading runs the agents
// (loadResourceRules) in parallel with a limit and caches the result per file (path, size, mtime).
import { execFile } from 'node:child_process';
import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import type { ResourceTypeInfo } from '../config/types.js';

export interface ParamRule {
  readonly name: string;
  readonly primary: boolean;
  readonly unique: boolean;
  readonly required: boolean;
  /** Changeable without a restart (the agent's `reconfig` op is run instead). */
  readonly reconfig: boolean;
  /** Inheritance spec: `attr` (parent's attr) or `type%attr` (nearest ancestor of that type). */
  readonly inherit: string | undefined;
  /** `<content default=...>`. */
  readonly defaultValue: string | undefined;
}

export interface ChildTypeRule {
  readonly type: string;
  /** 1..100, 0 = no level (started after the leveled children, stopped before them). */
  readonly startLevel: number;
  readonly stopLevel: number;
  readonly forbid: boolean;
}

export interface ActionRule {
  readonly name: string;
  /** Undefined when the metadata gives none. */
  readonly timeoutS: number | undefined;
  /** Status/monitor only; 0 = never run by the status poller. */
  readonly intervalS: number | undefined;
  /** OCF_CHECK_LEVEL for status/monitor. */
  readonly depth: number | undefined;
}

export interface ResourceRule {
  /** `<resource-agent name=...>`: the XML tag in cluster.conf. */
  readonly type: string;
  /** Absolute path of the agent executable. */
  readonly agentPath: string;
  /** Basename of the agent (what rg_test prints after `Agent:`). */
  readonly agentName: string;
  readonly version: string;
  /** 0 = unlimited. */
  readonly maxInstances: number;
  readonly initOnAdd: boolean;
  readonly destroyOnDelete: boolean;
  readonly params: readonly ParamRule[];
  readonly childTypes: readonly ChildTypeRule[];
  readonly actions: readonly ActionRule[];
  /** True when the metadata declared no primary parameter and `name` was added as primary. */
  readonly syntheticPrimary: boolean;
  /**
   * rgmanager copies `<content default>` values into the resource (and so into OCF_RESKEY_*).
   * Plain OCF agents (no primary parameter, no rgmanager section, e.g. heartbeat's Dummy)
   * apply their own defaults, as under Pacemaker, so theirs are not copied.
   */
  readonly copyDefaults: boolean;
}

export class MetadataError extends Error {
  constructor(readonly agentPath: string, message: string) {
    super(`${agentPath}: ${message}`);
    this.name = 'MetadataError';
  }
}

const unitSeconds: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/**
 * rgmanager's expand_time: "30", "30s", "5m", "1h30m" -> seconds. An unknown suffix gives 0,
 * as rgmanager does. Fractions are not accepted (integers only).
 */
export function parseTimeSpecS(text: string): number {
  const s = text.trim().toLowerCase();
  if (s === '') return 0;
  let total = 0;
  const re = /(\d+)\s*([a-z]*)/gy;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (m === null) return 0;
    const n = Number(m[1]);
    const unit = m[2] ?? '';
    if (unit === '') total += n;
    else {
      const mult = unitSeconds[unit] ?? unitSeconds[unit.charAt(0)];
      if (mult === undefined || unit.length > 1 && !['sec', 'secs', 'min', 'mins'].includes(unit)) return 0;
      total += n * mult;
    }
    pos = re.lastIndex;
    while (s.charAt(pos) === ' ') pos++;
  }
  return total;
}

function flagOn(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  const s = String(v).trim().toLowerCase();
  if (s === '') return false;
  if (s.startsWith('y')) return true;
  const n = Number(s);
  return Number.isFinite(n) && n !== 0;
}

function asArray<T>(v: T | T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

type XmlObj = Record<string, unknown>;

function attr(o: XmlObj, name: string): string | undefined {
  const v = o[`@_${name}`];
  return v === undefined ? undefined : String(v);
}

const metaParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (tagName) => ['parameter', 'action', 'child', 'special', 'attributes', 'content'].includes(tagName),
  processEntities: true,
});

/** Reserved type names (rgmanager reserves `action`; the others are structural tags of <rm>). */
const reservedTypes = new Set(['action', 'resources', 'resource-defaults', 'failoverdomains', 'events']);

/** Parse one agent's meta-data XML into a rule. Throws MetadataError naming the agent. */
export function parseAgentMetadata(xml: string, agentPath: string): ResourceRule {
  let doc: XmlObj;
  try {
    doc = metaParser.parse(xml, true) as XmlObj;
  } catch (e) {
    throw new MetadataError(agentPath, `meta-data is not well-formed XML: ${(e as Error).message.split('\n')[0]}`);
  }
  const raRaw = doc['resource-agent'];
  if (raRaw === undefined) throw new MetadataError(agentPath, 'meta-data has no <resource-agent> element');
  const ra: XmlObj = typeof raRaw === 'object' && raRaw !== null && !Array.isArray(raRaw) ? raRaw as XmlObj : {};
  const type = attr(ra, 'name');
  if (type === undefined || type.trim() === '') throw new MetadataError(agentPath, '<resource-agent> has no name attribute');
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(type)) throw new MetadataError(agentPath, `resource type name "${type}" is not a valid XML tag name`);
  if (reservedTypes.has(type.toLowerCase())) throw new MetadataError(agentPath, `resource type name "${type}" is reserved`);

  const params: ParamRule[] = [];
  const paramsEl = ra['parameters'] as XmlObj | undefined;
  for (const p of asArray(paramsEl?.['parameter'] as XmlObj | XmlObj[] | undefined)) {
    const name = attr(p, 'name');
    if (name === undefined || name === '') throw new MetadataError(agentPath, `${type}: <parameter> without name`);
    if (params.some((q) => q.name === name)) throw new MetadataError(agentPath, `${type}: parameter "${name}" declared twice`);
    const content = asArray(p['content'] as XmlObj | XmlObj[] | undefined)[0];
    const inheritRaw = attr(p, 'inherit');
    const rule: ParamRule = {
      name,
      primary: flagOn(attr(p, 'primary')),
      unique: flagOn(attr(p, 'unique')),
      required: flagOn(attr(p, 'required')),
      reconfig: flagOn(attr(p, 'reconfig')),
      inherit: inheritRaw !== undefined && inheritRaw !== '' ? inheritRaw : undefined,
      defaultValue: content !== undefined ? attr(content, 'default') : undefined,
    };
    if (rule.inherit !== undefined && (rule.primary || rule.unique || rule.required)) {
      throw new MetadataError(agentPath, `${type}: parameter "${name}" has inherit= together with primary/unique/required`);
    }
    params.push(rule);
  }
  const primaries = params.filter((p) => p.primary);
  if (primaries.length > 1) throw new MetadataError(agentPath, `${type}: more than one primary parameter (${primaries.map((p) => p.name).join(', ')})`);
  const hasRgmanagerSection = asArray(ra['special'] as XmlObj | XmlObj[] | undefined).some((sp) => attr(sp, 'tag') === 'rgmanager');
  const copyDefaults = primaries.length > 0 || hasRgmanagerSection;
  let syntheticPrimary = false;
  if (primaries.length === 0) {
    // OCF agents (e.g. heartbeat's Dummy) have no primary parameter; rgmanager needs one to
    // name the resource, so `name` becomes the primary (required, unique) parameter.
    const idx = params.findIndex((p) => p.name === 'name');
    const named: ParamRule = { name: 'name', primary: true, unique: true, required: true, reconfig: false, inherit: undefined, defaultValue: undefined };
    if (idx >= 0) params.splice(idx, 1);
    params.unshift(named);
    syntheticPrimary = true;
  }

  let maxInstances = 0;
  let initOnAdd = true;
  let destroyOnDelete = true;
  const childTypes: ChildTypeRule[] = [];
  for (const sp of asArray(ra['special'] as XmlObj | XmlObj[] | undefined)) {
    if (attr(sp, 'tag') !== 'rgmanager') continue;
    const attributes = asArray(sp['attributes'] as XmlObj | XmlObj[] | undefined)[0];
    if (attributes !== undefined) {
      const mi = attr(attributes, 'maxinstances');
      if (mi !== undefined) {
        const n = Number(mi);
        if (!Number.isInteger(n) || n < 0) throw new MetadataError(agentPath, `${type}: maxinstances="${mi}" is not a non-negative integer`);
        maxInstances = n;
      }
      const ia = attr(attributes, 'init_on_add');
      if (ia !== undefined) initOnAdd = flagOn(ia);
      const dd = attr(attributes, 'destroy_on_delete');
      if (dd !== undefined) destroyOnDelete = flagOn(dd);
    }
    for (const c of asArray(sp['child'] as XmlObj | XmlObj[] | undefined)) {
      const ct = attr(c, 'type');
      if (ct === undefined || ct === '') throw new MetadataError(agentPath, `${type}: <child> without type`);
      const level = (which: string): number => {
        const v = attr(c, which);
        if (v === undefined) return 0;
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 100) throw new MetadataError(agentPath, `${type}: <child type="${ct}"> ${which}="${v}" is not 0..100`);
        return n;
      };
      childTypes.push({ type: ct, startLevel: level('start'), stopLevel: level('stop'), forbid: flagOn(attr(c, 'forbid')) });
    }
  }

  const actions: ActionRule[] = [];
  const actionsEl = ra['actions'] as XmlObj | undefined;
  for (const a of asArray(actionsEl?.['action'] as XmlObj | XmlObj[] | undefined)) {
    const name = attr(a, 'name');
    if (name === undefined || name === '') throw new MetadataError(agentPath, `${type}: <action> without name`);
    const t = attr(a, 'timeout');
    const i = attr(a, 'interval');
    const d = attr(a, 'depth');
    let intervalS = i !== undefined ? parseTimeSpecS(i) : undefined;
    if (intervalS !== undefined && i !== undefined && i.trim() !== '0' && intervalS < 1) intervalS = 1;
    const isStatus = name === 'status' || name === 'monitor';
    actions.push({
      name,
      timeoutS: t !== undefined ? parseTimeSpecS(t) : undefined,
      intervalS,
      depth: isStatus && d !== undefined && /^\d+$/.test(d) ? Number(d) : isStatus ? 0 : undefined,
    });
  }

  return {
    type,
    agentPath,
    agentName: path.basename(agentPath),
    version: attr(ra, 'version') ?? '1.0',
    maxInstances,
    initOnAdd,
    destroyOnDelete,
    params,
    childTypes,
    actions,
    syntheticPrimary,
    copyDefaults,
  };
}

/** Rules by type; lookups are case-insensitive. Iteration order: type name, case-insensitive. */
export class RuleSet {
  private readonly byLower = new Map<string, ResourceRule>();
  readonly sorted: readonly ResourceRule[];

  constructor(rules: Iterable<ResourceRule>) {
    const list: ResourceRule[] = [];
    for (const r of rules) {
      const k = r.type.toLowerCase();
      if (this.byLower.has(k)) continue;
      this.byLower.set(k, r);
      list.push(r);
    }
    list.sort((a, b) => compareTypeNames(a.type, b.type));
    this.sorted = list;
  }

  get(type: string): ResourceRule | undefined {
    return this.byLower.get(type.toLowerCase());
  }
}

export function compareTypeNames(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Our own agents/ folder in the repository (dist/src/rgmanager -> repo root). */
export const builtinAgentDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../agents');

/** Agent directories in search order: ours (or the given one), then CLUSTER_AGENT_PATH entries. */
export function agentDirs(first: string = builtinAgentDir, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [first];
  for (const d of (env['CLUSTER_AGENT_PATH'] ?? '').split(':')) {
    if (d !== '' && !dirs.includes(d)) dirs.push(d);
  }
  return dirs;
}

export interface RuleProblem {
  readonly agentPath: string;
  readonly message: string;
}

export interface LoadedRules {
  readonly rules: RuleSet;
  /** Agents that could not be loaded (broken metadata, crash, timeout) and duplicate types. */
  readonly problems: readonly RuleProblem[];
}

export interface LoadRulesOptions {
  /** Concurrent `meta-data` runs (default 4). */
  readonly maxParallel?: number;
  /** Per-agent limit for `meta-data` (default 10 s). */
  readonly metadataTimeoutMs?: number;
  /** Limit on one agent's metadata size (default 256 KiB). */
  readonly maxMetadataBytes?: number;
  /**
   * A JSON file that keeps parsed metadata across processes (keyed by path, size, mtime, inode),
   * so rg_test and daemon restarts do not rerun every agent. Off when undefined.
   */
  readonly cacheFile?: string;
}

interface DiskCache {
  readonly version: 1;
  readonly entries: Record<string, { key: string; rule?: ResourceRule; error?: string }>;
}

async function readDiskCache(file: string): Promise<void> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as DiskCache;
    if (data.version !== 1 || typeof data.entries !== 'object') return;
    for (const [p, e] of Object.entries(data.entries)) {
      if (metadataCache.has(p) || typeof e.key !== 'string') continue;
      if (e.rule !== undefined) metadataCache.set(p, { key: e.key, result: e.rule });
      else if (e.error !== undefined) metadataCache.set(p, { key: e.key, result: new MetadataError(p, e.error.replace(`${p}: `, '')) });
    }
  } catch {
    // no cache yet, or unreadable: rebuild it
  }
}

async function writeDiskCache(file: string, paths: readonly string[]): Promise<void> {
  const entries: DiskCache['entries'] = {};
  for (const p of paths) {
    const e = metadataCache.get(p);
    if (e === undefined) continue;
    entries[p] = e.result instanceof MetadataError ? { key: e.key, error: e.result.message } : { key: e.key, rule: e.result };
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify({ version: 1, entries } satisfies DiskCache));
    await rename(tmp, file);
  } catch {
    // a cache that cannot be written only costs time
  }
}

interface CacheEntry {
  readonly key: string;
  readonly result: ResourceRule | MetadataError;
}
const metadataCache = new Map<string, CacheEntry>();
const MAX_CACHE_ENTRIES = 4096;

function skipFile(name: string): boolean {
  return name.startsWith('.') || name.endsWith('~') || /\.rpm[a-z]*$/.test(name) || /\.(dpkg-[a-z]+|orig|rej|bak|swp)$/.test(name);
}

function runMetadata(agentPath: string, timeoutMs: number, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(agentPath, ['meta-data'], {
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: maxBytes,
      env: { ...process.env, LANG: 'C', LC_ALL: 'C', OCF_ROOT: process.env['OCF_ROOT'] ?? '/usr/lib/ocf' },
    }, (err, stdout) => {
      if (err !== null) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        if (e.killed === true) reject(new MetadataError(agentPath, `meta-data did not finish within ${timeoutMs} ms (killed)`));
        else if (typeof e.code === 'number') reject(new MetadataError(agentPath, `meta-data exited with status ${e.code}`));
        else reject(new MetadataError(agentPath, `cannot run meta-data: ${e.message}`));
        return;
      }
      resolve(stdout);
    });
  });
}

/** Load (or reuse from cache) the rule of one agent file. */
export async function loadAgentRule(agentPath: string, opts: LoadRulesOptions = {}): Promise<ResourceRule> {
  const st = await stat(agentPath);
  const key = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const hit = metadataCache.get(agentPath);
  if (hit !== undefined && hit.key === key) {
    if (hit.result instanceof MetadataError) throw hit.result;
    return hit.result;
  }
  let result: ResourceRule | MetadataError;
  try {
    const xml = await runMetadata(agentPath, opts.metadataTimeoutMs ?? 10_000, opts.maxMetadataBytes ?? 256 * 1024);
    result = parseAgentMetadata(xml, agentPath);
  } catch (e) {
    result = e instanceof MetadataError ? e : new MetadataError(agentPath, String(e));
  }
  if (metadataCache.size >= MAX_CACHE_ENTRIES) metadataCache.clear();
  metadataCache.set(agentPath, { key, result });
  if (result instanceof MetadataError) throw result;
  return result;
}

async function listAgents(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  names.sort();
  const out: string[] = [];
  for (const n of names) {
    if (skipFile(n)) continue;
    const p = path.join(dir, n);
    try {
      const st = await stat(p);
      if (st.isFile() && (st.mode & 0o111) !== 0) out.push(p);
    } catch {
      // vanished or unreadable: not an agent
    }
  }
  return out;
}

/**
 * Run every executable in `dirs` with `meta-data` (in parallel, at most maxParallel at once) and
 * build the rule set. The first directory wins when two agents declare the same type.
 */
export async function loadResourceRules(dirs: readonly string[], opts: LoadRulesOptions = {}): Promise<LoadedRules> {
  const files: string[] = [];
  for (const d of dirs) files.push(...await listAgents(d));
  if (opts.cacheFile !== undefined) await readDiskCache(opts.cacheFile);
  const results: (ResourceRule | MetadataError)[] = new Array(files.length);
  const limit = Math.max(1, opts.maxParallel ?? 4);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const f = files[i]!;
      try {
        results[i] = await loadAgentRule(f, opts);
      } catch (e) {
        results[i] = e instanceof MetadataError ? e : new MetadataError(f, String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, files.length) }, worker));
  if (opts.cacheFile !== undefined) await writeDiskCache(opts.cacheFile, files);
  const problems: RuleProblem[] = [];
  const chosen = new Map<string, ResourceRule>();
  for (const r of results) {
    if (r instanceof MetadataError) {
      problems.push({ agentPath: r.agentPath, message: r.message });
      continue;
    }
    const k = r.type.toLowerCase();
    const prev = chosen.get(k);
    if (prev !== undefined) {
      problems.push({ agentPath: r.agentPath, message: `${r.agentPath}: resource type "${r.type}" already provided by ${prev.agentPath}; ignored` });
      continue;
    }
    chosen.set(k, r);
  }
  return { rules: new RuleSet(chosen.values()), problems };
}

/** What the config validator needs to know about the loaded types (its schema grows with them). */
export function resourceTypeInfo(rules: RuleSet): Map<string, ResourceTypeInfo> {
  const m = new Map<string, ResourceTypeInfo>();
  for (const r of rules.sorted) {
    m.set(r.type, { parameters: r.params.map((p) => ({ name: p.name, required: p.required, primary: p.primary, unique: p.unique })) });
  }
  return m;
}

/** Forget the in-process metadata cache (tests; a daemon reloading its agents). */
export function clearMetadataCache(): void {
  metadataCache.clear();
}
