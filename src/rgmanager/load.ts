// Reading a cluster.conf file into a resource forest (rg_test and tools that work on a file,
// without validating the rest of the cluster section as the daemon does).
import { readFile, stat } from 'node:fs/promises';
import { readXml } from '../config/xml.js';
import { MAX_CONFIG_BYTES } from '../config/index.js';
import type { RawElement } from '../config/types.js';
import type { RuleSet } from './rules.js';
import type { BuildOptions, ResourceForest, TreeProblem } from './tree.js';
import { buildResourceForest } from './tree.js';

const emptyRm: RawElement = { tag: 'rm', attrs: {}, children: [], line: 0 };

export interface LoadedForest {
  readonly forest: ResourceForest | undefined;
  /** Problems reading the file (unreadable, malformed XML) and building the trees. */
  readonly problems: readonly TreeProblem[];
}

/** Parse cluster.conf text and build its resource forest; never throws. */
export function forestFromText(text: string, file: string, rules: RuleSet, opts: BuildOptions = {}): LoadedForest {
  const xml = readXml(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!xml.ok) {
    return { forest: undefined, problems: [{ severity: 'error', file, line: xml.finding.line, where: xml.finding.where, message: xml.finding.message }] };
  }
  const root = xml.root;
  if (root.tag !== 'cluster') {
    return { forest: undefined, problems: [{ severity: 'error', file, line: root.line, where: root.tag, message: `root element is <${root.tag}>, expected <cluster>` }] };
  }
  const rm = root.children.find((c) => c.tag === 'rm') ?? emptyRm;
  const forest = buildResourceForest(rm, rules, file, opts);
  return { forest, problems: forest.problems };
}

export async function loadForest(file: string, rules: RuleSet, opts: BuildOptions = {}): Promise<LoadedForest> {
  try {
    const st = await stat(file);
    if (st.size > MAX_CONFIG_BYTES) {
      return { forest: undefined, problems: [{ severity: 'error', file, line: 0, where: 'cluster', message: `file is ${st.size} bytes; the limit is ${MAX_CONFIG_BYTES}` }] };
    }
    return forestFromText(await readFile(file, 'utf8'), file, rules, opts);
  } catch (e) {
    return { forest: undefined, problems: [{ severity: 'error', file, line: 0, where: 'cluster', message: `cannot read: ${(e as Error).message}` }] };
  }
}
