// rg_test: rgmanager's resource-tree test tool.
//   rg_test [AGENTDIR] rules
//   rg_test [AGENTDIR] test CONF [--json]
//   rg_test [AGENTDIR] test CONF start|stop|status TYPE NAME
//   rg_test [AGENTDIR] noop CONF start|stop|status TYPE NAME
//   rg_test [AGENTDIR] delta A.conf B.conf
import { existsSync, statSync } from 'node:fs';
import { agentDirs, builtinAgentDir, loadResourceRules } from '../rgmanager/rules.js';
import type { RuleSet } from '../rgmanager/rules.js';
import { loadForest } from '../rgmanager/load.js';
import { findRoot, formatTreeProblem, operationOrder, resolvedAttrs } from '../rgmanager/tree.js';
import type { InheritanceMode, ResourceForest, TreeNode, TreeOp, TreeProblem } from '../rgmanager/tree.js';
import { formatTestDump } from '../rgmanager/format.js';
import { diffForests, formatDelta } from '../rgmanager/delta.js';
import { Executor, ocfText } from '../rgmanager/executor.js';

const usage = `usage: rg_test [AGENTDIR] [options] MODE ...
  rg_test [AGENTDIR] rules                          list the resource types (agents) found
  rg_test [AGENTDIR] test CONF                      print the resource list and resource trees
  rg_test [AGENTDIR] test CONF start|stop|status TYPE NAME
                                                    really run the agents of one tree locally
  rg_test [AGENTDIR] noop CONF start|stop|status TYPE NAME
                                                    print the order of the agent runs, run nothing
  rg_test [AGENTDIR] delta A.conf B.conf            what a change from A to B stops and starts

AGENTDIR replaces our agents/ folder (${builtinAgentDir}); directories in CLUSTER_AGENT_PATH
(colon-separated) are searched after it. CLUSTER_METADATA_CACHE=FILE keeps the agents' parsed
meta-data between runs (an agent is asked again when its size, mtime or inode changes).
options:
  --json                 test CONF: machine-readable resource list and trees
  --inheritance=MODE     type%attr lookup: ancestor (rgmanager since 2007, default) or parent
                         (the immediate parent only, as the 2007 regression fixtures assume)
  -h, --help             this text
exit status: 0 success, 1 failure (agent failed, config errors), 2 usage error`;

const modes = new Set(['test', 'noop', 'delta', 'rules']);

interface Args {
  agentDir: string | undefined;
  json: boolean;
  inheritance: InheritanceMode;
  rest: string[];
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { agentDir: undefined, json: false, inheritance: 'ancestor', rest: [] };
  for (const x of argv) {
    if (x === '-h' || x === '--help' || x === '-?') return 'help';
    if (x === '--json') a.json = true;
    else if (x.startsWith('--inheritance=')) {
      const v = x.slice('--inheritance='.length);
      if (v !== 'ancestor' && v !== 'parent') return `--inheritance must be ancestor or parent, not "${v}"`;
      a.inheritance = v;
    } else if (x.startsWith('--')) return `unknown option ${x}`;
    else a.rest.push(x);
  }
  const first = a.rest[0];
  if (first !== undefined && !modes.has(first)) {
    a.agentDir = first;
    a.rest.shift();
    if (!existsSync(a.agentDir) || !statSync(a.agentDir).isDirectory()) return `${a.agentDir} is not a directory (expected AGENTDIR or a mode: test, noop, delta, rules)`;
  }
  return a;
}

function printProblems(problems: readonly TreeProblem[]): boolean {
  let errors = false;
  for (const p of problems) {
    process.stderr.write(`${p.severity === 'error' ? 'Error' : 'Warning'}: ${formatTreeProblem(p)}\n`);
    if (p.severity === 'error') errors = true;
  }
  return errors;
}

async function rulesFor(args: Args): Promise<RuleSet> {
  const cacheFile = process.env['CLUSTER_METADATA_CACHE'];
  const { rules, problems } = await loadResourceRules(agentDirs(args.agentDir ?? builtinAgentDir), cacheFile !== undefined && cacheFile !== '' ? { cacheFile } : {});
  for (const p of problems) process.stderr.write(`Warning: ${p.message}\n`);
  process.stderr.write(`Loaded ${rules.sorted.length} resource rules\n`);
  return rules;
}

async function forestOf(file: string, rules: RuleSet, args: Args): Promise<{ forest: ResourceForest; errors: boolean } | undefined> {
  const { forest, problems } = await loadForest(file, rules, { inheritance: args.inheritance });
  const errors = printProblems(problems);
  if (forest === undefined) return undefined;
  return { forest, errors };
}

const verbs: Record<TreeOp, [string, string, string]> = {
  start: ['Starting', 'Start of', 'start'],
  stop: ['Stopping', 'Stop of', 'stop'],
  status: ['Checking status of', 'Status check of', 'status'],
};

function forestJson(forest: ResourceForest): unknown {
  const node = (n: TreeNode): unknown => ({
    type: n.resource.type,
    id: n.resource.id,
    line: n.line,
    attributes: Object.fromEntries(resolvedAttrs(n, forest.inheritance)),
    independent: n.independent,
    nonCritical: n.nonCritical,
    enforceTimeouts: n.enforceTimeouts,
    children: n.children.map(node),
  });
  return {
    file: forest.file,
    resources: forest.resources.map((r) => ({
      type: r.type, id: r.id, inline: r.inline, line: r.line, agent: r.rule.agentName, refs: r.refs, maxInstances: r.rule.maxInstances,
      attributes: r.attrs.map((a) => ({ name: a.name, value: a.value, inherit: a.inherit, primary: a.primary, unique: a.unique, required: a.required, reconfig: a.reconfig })),
    })),
    trees: forest.roots.map(node),
    problems: forest.problems,
  };
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (typeof args === 'string') {
    process.stderr.write(`rg_test: ${args}\n${usage}\n`);
    return 2;
  }
  const [mode, ...rest] = args.rest;
  if (mode === undefined) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  process.stderr.write('Running in test mode.\n');
  const rules = await rulesFor(args);
  if (mode === 'rules') {
    for (const r of rules.sorted) {
      const primary = r.params.find((p) => p.primary)?.name ?? '';
      process.stdout.write(`${r.type}\t${r.agentPath}\tprimary=${primary}${r.maxInstances > 0 ? `\tmaxinstances=${r.maxInstances}` : ''}\n`);
    }
    return 0;
  }
  if (mode === 'delta') {
    if (rest.length !== 2) {
      process.stderr.write(`rg_test: delta needs two files\n${usage}\n`);
      return 2;
    }
    const a = await forestOf(rest[0]!, rules, args);
    const b = await forestOf(rest[1]!, rules, args);
    if (a === undefined || b === undefined) return 1;
    process.stdout.write(formatDelta(diffForests(a.forest, b.forest)));
    return a.errors || b.errors ? 1 : 0;
  }
  if (mode !== 'test' && mode !== 'noop') {
    process.stderr.write(`rg_test: unknown mode ${mode}\n${usage}\n`);
    return 2;
  }
  const [file, op, type, name] = rest;
  if (file === undefined || (op !== undefined && (type === undefined || name === undefined)) || rest.length > 4) {
    process.stderr.write(`rg_test: ${mode} needs CONF${mode === 'noop' ? ' start|stop TYPE NAME' : ' [start|stop|status TYPE NAME]'}\n${usage}\n`);
    return 2;
  }
  const loaded = await forestOf(file, rules, args);
  if (loaded === undefined) return 1;
  const { forest } = loaded;
  if (op === undefined) {
    if (mode === 'noop') {
      process.stderr.write(`rg_test: noop needs start|stop TYPE NAME\n`);
      return 2;
    }
    process.stdout.write(args.json ? `${JSON.stringify(forestJson(forest), null, 2)}\n` : formatTestDump(forest));
    return loaded.errors ? 1 : 0;
  }
  if (op !== 'start' && op !== 'stop' && op !== 'status') {
    process.stderr.write(`rg_test: unknown operation ${op} (start, stop or status)\n`);
    return 2;
  }
  for (const w of forest.buildWarnings) process.stdout.write(`${w}\n`);
  const tree = findRoot(forest, type!, name!);
  if (tree === undefined) {
    process.stderr.write(`No resource ${name} of type ${type} found\n`);
    return 1;
  }
  const [begin, end, tag] = verbs[op];
  process.stdout.write(`${begin} ${name}...\n`);
  if (mode === 'noop') {
    for (const n of operationOrder(tree, op)) process.stdout.write(`[${tag}] ${n.resource.id}\n`);
    process.stdout.write(`${end} ${name} complete\n`);
    return 0;
  }
  const executor = new Executor({
    inheritance: args.inheritance,
    onRun: (e) => {
      if (e.phase === 'begin') process.stdout.write(`[${e.op}] ${e.node.resource.id}\n`);
      else if (e.result !== undefined && !e.result.ok) {
        process.stdout.write(`[${e.op}] ${e.node.resource.id} failed: returned ${e.result.rc} (${e.result.timedOut ? 'timed out' : e.result.error ?? ocfText(e.result.rc)})\n`);
      }
    },
  });
  const result = op === 'start' ? await executor.start(tree) : op === 'stop' ? await executor.stop(tree) : await executor.status(tree, { force: true });
  if (result.ok) {
    process.stdout.write(`${end} ${name} complete\n`);
    return 0;
  }
  process.stdout.write(`${op === 'status' ? 'Status check of' : `Failed to ${op}`} ${name}${op === 'status' ? ' failed' : ''}\n`);
  return 1;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  process.stderr.write(`rg_test: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
