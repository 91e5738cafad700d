// Parse + validate cluster.conf text into a frozen ClusterConfig with RHEL6 defaults resolved.
// Order: size limit -> safe XML (xml.ts) -> RHEL6 schema (schema.ts) -> model + cross-references
// (model.ts). Never throws on bad input: every fault becomes a ConfigProblem with a line.
import { open } from 'node:fs/promises';
import type { ConfigProblem, ParseOptions, ParseResult, RawElement, ResourceTypeInfo } from './types.js';
import { readXml } from './xml.js';
import { validateStructure, knownTags, staticResourcePrimaries } from './schema.js';
import { buildModel, Problems, describeElement } from './model.js';
import { closest } from './suggest.js';

/** Largest cluster.conf accepted (4 MiB). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** Elements that hold resources (children there are resource types). */
const resourceContainers = new Set(['resources', 'resource-defaults']);

/** Parse and validate cluster.conf text; never throws on bad input. */
export function parseClusterConf(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const problems = new Problems(file);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) {
    problems.add('error', 0, 'cluster', `file is ${bytes} bytes; the limit is ${MAX_CONFIG_BYTES} bytes (4 MiB)`);
    return { config: undefined, problems: problems.sorted() };
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const xml = readXml(body);
  if (!xml.ok) {
    problems.add('error', xml.finding.line, xml.finding.where, xml.finding.message);
    return { config: undefined, problems: problems.sorted() };
  }
  const root = deepFreeze(xml.root);

  const extraTypes: ReadonlyMap<string, ResourceTypeInfo> = options.resourceTypes ?? new Map<string, ResourceTypeInfo>();
  const primaries = new Map(staticResourcePrimaries());
  for (const [type, info] of extraTypes) {
    const p = info.parameters.find((x) => x.primary)?.name ?? info.parameters.find((x) => x.unique && x.required)?.name;
    if (p !== undefined && !primaries.has(type)) primaries.set(type, p);
  }
  const tags = knownTags();
  for (const f of validateStructure(root)) {
    if (f.unknownChild !== undefined) {
      const parent = parentOf(root, f.element);
      const inResources = parent !== undefined && (resourceContainers.has(parent.tag) || primaries.has(parent.tag));
      if ((inResources || parent?.tag === 'rm') && extraTypes.has(f.unknownChild)) continue; // known from agent metadata
      if (inResources) {
        const hint = closest(f.unknownChild, [...primaries.keys(), ...extraTypes.keys()]);
        problems.add('warning', f.element.line, describeElement(f.element),
          `unknown resource type '${f.unknownChild}' (no agent metadata for it; rgmanager ignores it)${hint !== undefined ? `; did you mean '${hint}'?` : ''}`);
      } else {
        const hint = closest(f.unknownChild, tags);
        problems.add('warning', f.element.line, describeElement(f.element),
          `unknown element <${f.unknownChild}> inside <${parent?.tag ?? '?'}>${hint !== undefined ? `; did you mean '${hint}'?` : ''} (not in the RHEL6 schema; ignored)`);
      }
      continue;
    }
    if (f.attribute !== undefined && f.severity === 'warning' && extraTypes.get(f.element.tag)?.parameters.some((p) => p.name === f.attribute)) {
      continue; // an agent parameter the static schema does not list
    }
    problems.add(f.severity, f.element.line, describeElement(f.element, f.attribute), f.message);
  }

  const config = buildModel(root, body, file, problems, { primaries, extraTypes });
  const sorted = problems.sorted();
  const failed = sorted.some((p) => p.severity === 'error');
  const keep = config !== undefined && (!failed || options.allowErrors === true);
  return { config: keep ? deepFreeze(config) : undefined, problems: sorted };
}

let parentIndex: WeakMap<RawElement, RawElement> | undefined;
let parentIndexRoot: RawElement | undefined;
function parentOf(root: RawElement, el: RawElement): RawElement | undefined {
  if (parentIndexRoot !== root || parentIndex === undefined) {
    parentIndex = new WeakMap();
    parentIndexRoot = root;
    const stack = [root];
    while (stack.length > 0) {
      const e = stack.pop() as RawElement;
      for (const c of e.children) {
        parentIndex.set(c, e);
        stack.push(c);
      }
    }
  }
  return parentIndex.get(el);
}

/** Read a file (refusing more than MAX_CONFIG_BYTES) and parse it; never throws. */
export async function loadClusterConf(path: string, options: ParseOptions = {}): Promise<ParseResult> {
  let text: string;
  try {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      if (!st.isFile()) {
        return { config: undefined, problems: [{ severity: 'error', file: path, line: 0, where: 'cluster', message: 'not a regular file' }] };
      }
      if (st.size > MAX_CONFIG_BYTES) {
        return { config: undefined, problems: [{ severity: 'error', file: path, line: 0, where: 'cluster',
          message: `file is ${st.size} bytes; the limit is ${MAX_CONFIG_BYTES} bytes (4 MiB)` }] };
      }
      const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
      let len = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, len, buf.length - len, len);
        if (bytesRead === 0) break;
        len += bytesRead;
        if (len > MAX_CONFIG_BYTES) {
          return { config: undefined, problems: [{ severity: 'error', file: path, line: 0, where: 'cluster',
            message: `file is larger than ${MAX_CONFIG_BYTES} bytes (4 MiB)` }] };
        }
      }
      text = buf.subarray(0, len).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message;
    return { config: undefined, problems: [{ severity: 'error', file: path, line: 0, where: 'cluster', message: `cannot read: ${why}` }] };
  }
  return parseClusterConf(text, path, options);
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}: ${p.where}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`;
}
