// Option input for fence agents, as lib/fencing.py takes it:
// - command line (GNU getopt: -a 1.2.3.4, -a1.2.3.4, -vvv, --ip=x, --ip x) if any argument is given,
// - else stdin, one `name=value` per line (name = canonical, long or legacy name, `-`/`_` alike),
// - and the same key/value form for device attributes of cluster.conf (the fence daemon).
// Values are checked against the agent's OptionSpec table; the result is a FenceOptions.
import { execFileSync } from 'node:child_process';
import { type ActionName, type AgentDefinition, type OptionSpec, longName } from './spec.js';
import { FenceError } from './driver.js';

/** A usage problem: fence-agents prints it plus "Please use '-h' for usage" and exits 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Raw values keyed by canonical option name (before defaults). */
export type RawOptions = Map<string, string>;

export interface ParseResult {
  readonly raw: RawOptions;
  /** Warnings fence-agents prints as "WARNING: ..." (unknown stdin keys etc.). */
  readonly warnings: string[];
}

const trueWords = new Set(['1', 'yes', 'on', 'true', 'y', 't']);
const falseWords = new Set(['0', 'no', 'off', 'false', 'n', 'f']);

/** Lookup of every accepted name (canonical, long, legacy, alias; `-` → `_`) to its spec. */
export function nameIndex(specs: readonly OptionSpec[]): Map<string, OptionSpec> {
  const index = new Map<string, OptionSpec>();
  const add = (key: string, spec: OptionSpec) => {
    const k = key.replace(/-/g, '_').toLowerCase();
    if (!index.has(k)) index.set(k, spec);
  };
  for (const s of specs) add(s.name, s);
  for (const s of specs) {
    add(longName(s), s);
    for (const d of s.deprecatedNames ?? []) add(d, s);
    for (const a of s.aliases ?? []) add(a, s);
  }
  return index;
}

function setValue(raw: RawOptions, spec: OptionSpec, value: string): void {
  if (spec.counting === true) {
    raw.set(spec.name, String(Number(raw.get(spec.name) ?? '0') + 1));
  } else {
    raw.set(spec.name, value);
  }
}

/** Parse a command line (without node and script path). Throws UsageError. */
export function parseArgv(specs: readonly OptionSpec[], argv: readonly string[]): ParseResult {
  const raw: RawOptions = new Map();
  const warnings: string[] = [];
  const byShort = new Map<string, OptionSpec>();
  const byLong = new Map<string, OptionSpec>();
  for (const s of specs) {
    if (s.short !== undefined) byShort.set(s.short, s);
    byLong.set(longName(s), s);
  }
  const leftovers: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') { leftovers.push(...argv.slice(i + 1)); break; }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = byLong.get(name);
      if (spec === undefined) throw new UsageError(`Parse error: option --${name} not recognized`);
      if (spec.type === 'boolean') {
        if (eq >= 0) throw new UsageError(`Parse error: option --${name} must not have an argument`);
        setValue(raw, spec, '1');
      } else if (eq >= 0) {
        setValue(raw, spec, arg.slice(eq + 1));
      } else {
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`Parse error: option --${name} requires argument`);
        setValue(raw, spec, next);
        i++;
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] ?? '';
        const spec = byShort.get(letter);
        if (spec === undefined) throw new UsageError(`Parse error: option -${letter} not recognized`);
        if (spec.type === 'boolean') { setValue(raw, spec, '1'); continue; }
        const rest = arg.slice(j + 1);
        if (rest !== '') { setValue(raw, spec, rest); break; }
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`Parse error: option -${letter} requires argument`);
        setValue(raw, spec, next);
        i++;
        break;
      }
    } else {
      leftovers.push(arg);
    }
  }
  if (leftovers.length > 0) warnings.push(`Unused arguments on command line: ${leftovers.join(' ')}`);
  return { raw, warnings };
}

/**
 * Parse `name=value` pairs (stdin lines or cluster.conf device attributes). Unknown names are
 * warnings, never errors (fence-agents ignores them); `nodename` and `agent` are dropped silently.
 */
export function parseKeyValues(specs: readonly OptionSpec[], pairs: Iterable<readonly [string, string]>): ParseResult {
  const raw: RawOptions = new Map();
  const warnings: string[] = [];
  const index = nameIndex(specs);
  for (const [rawName, rawValue] of pairs) {
    const name = rawName.trim().replace(/-/g, '_').toLowerCase();
    if (name === '' || name === 'nodename' || name === 'agent' || name === 'name') continue;
    let value = rawValue.trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const spec = index.get(name);
    if (spec === undefined) {
      warnings.push(`Parse error: Ignoring unknown option '${rawName}=${rawValue}'`);
      continue;
    }
    if (spec.type === 'boolean') {
      const w = value.toLowerCase();
      if (trueWords.has(w)) {
        // verbose=1 on stdin means level 1 (fencing.py); a counting flag is set, not incremented
        raw.set(spec.name, '1');
      } else if (falseWords.has(w)) {
        raw.delete(spec.name);
      } else {
        warnings.push(`Parse error: Ignoring option '${rawName}' because it does not have a boolean value`);
      }
      continue;
    }
    if (value === '' && spec.name !== 'password' && spec.name !== 'plug') {
      warnings.push(`Parse error: Ignoring option '${rawName}' because it does not have value`);
      continue;
    }
    raw.set(spec.name, value);
  }
  return { raw, warnings };
}

/** Split stdin text into pairs: blank lines and `#` comments skipped; a line without `=` warns. */
export function parseStdinText(specs: readonly OptionSpec[], text: string): ParseResult {
  const pairs: [string, string][] = [];
  const warnings: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq < 0) {
      warnings.push(`Parse error: Ignoring unknown option '${t}'`);
      continue;
    }
    pairs.push([t.slice(0, eq), t.slice(eq + 1)]);
  }
  const result = parseKeyValues(specs, pairs);
  return { raw: result.raw, warnings: [...warnings, ...result.warnings] };
}

/** Validated options of one run: canonical name → value, defaults applied. */
export class FenceOptions {
  readonly values: ReadonlyMap<string, string>;
  readonly action: ActionName;
  /** The `-n` value split by plug_separator ([] for agents without plugs or when unset). */
  readonly plugs: readonly string[];

  constructor(values: ReadonlyMap<string, string>, action: ActionName, plugs: readonly string[]) {
    this.values = values;
    this.action = action;
    this.plugs = plugs;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The value, or undefined if unset and without default. */
  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** The value or '' when unset. */
  str(name: string): string {
    return this.values.get(name) ?? '';
  }

  /** A boolean option: set and not "0". */
  flag(name: string): boolean {
    const v = this.values.get(name);
    return v !== undefined && v !== '0' && v !== '';
  }

  /** An integer option (validated before). */
  int(name: string, fallback = 0): number {
    const v = this.values.get(name);
    return v === undefined ? fallback : Number.parseInt(v, 10);
  }

  /** A `second` option in milliseconds (fractions allowed). */
  ms(name: string, fallbackS = 0): number {
    const v = this.values.get(name);
    return Math.round((v === undefined ? fallbackS : Number.parseFloat(v)) * 1000);
  }

  /** Verbosity: verbose_level, else the count of -v. */
  verbosity(): number {
    if (this.values.has('verbose_level')) return this.int('verbose_level');
    return this.int('verbose');
  }
}

const knownActions: readonly string[] = ['on', 'off', 'reboot', 'status', 'list', 'list-status', 'monitor',
  'metadata', 'manpage', 'validate-all', 'diag'];

/** Normalise an action name as fencing.py does (`meta-data` → metadata, lower case). */
export function normaliseAction(action: string): string {
  const a = action.trim().toLowerCase();
  if (a === 'meta-data') return 'metadata';
  if (a === 'stat') return 'status';
  return a;
}

export interface ResolveSettings {
  /** Agent name as invoked (symlink defaults apply). */
  readonly invokedAs?: string;
  /** Run *_script options (password_script ...) to fill their targets (default true). */
  readonly runScripts?: boolean;
  /** Environment for the disable_timeout rule (PCMK_service=pacemaker-fenced). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Scripts that fill another option with their stdout: script option → target option. */
const scriptTargets: Readonly<Record<string, string>> = {
  password_script: 'password',
  snmp_priv_passwd_script: 'snmp_priv_passwd',
};

/**
 * Defaults, type checks, choices, required options, password scripts. Throws UsageError with
 * fence-agents' texts. Help/version/metadata/manpage need no other option.
 */
export function resolveOptions(def: AgentDefinition, raw: RawOptions, settings: ResolveSettings = {}): FenceOptions {
  const values = new Map<string, string>();
  const symlink = def.symlinks?.find((s) => s.name === settings.invokedAs);
  for (const spec of def.options) {
    const d = symlink?.defaults?.[spec.name] ?? spec.default;
    if (d !== undefined) values.set(spec.name, d);
  }
  for (const [k, v] of raw) values.set(k, v);

  const action = normaliseAction(values.get('action') ?? 'reboot');
  values.set('action', action);
  if (values.has('help') || values.has('version') || action === 'metadata' || action === 'manpage') {
    return new FenceOptions(values, (knownActions.includes(action) ? action : 'metadata') as ActionName, []);
  }
  // fencing.py accepts every common action whatever the metadata lists (fence_ipmilan answers
  // `list` with a NOTICE and exit 0); only agent-specific extras (diag) must be declared.
  const commonActions = ['on', 'off', 'reboot', 'status', 'list', 'list-status', 'monitor', 'metadata', 'manpage', 'validate-all'];
  if (!(def.actions as readonly string[]).includes(action) && !commonActions.includes(action)) {
    throw new UsageError(`Failed: Unrecognised action '${action}'`);
  }

  const env = settings.env ?? process.env;
  const disable = (values.get('disable_timeout') ?? '').toLowerCase();
  if (trueWords.has(disable) || (disable === '' && env['PCMK_service'] === 'pacemaker-fenced')) {
    for (const t of ['power_timeout', 'shell_timeout', 'login_timeout']) if (values.has(t)) values.set(t, '0');
  }

  for (const spec of def.options) {
    const v = values.get(spec.name);
    if (v === undefined) continue;
    if (spec.type === 'select' && spec.choices !== undefined) {
      const hit = spec.choices.find((c) => c.toLowerCase() === v.toLowerCase());
      if (hit === undefined) {
        throw new UsageError(`Failed: You have to enter a valid choice for --${longName(spec)} from the valid values: [${(spec.choices ?? []).map((c) => `'${c}'`).join(', ')}]`);
      }
      values.set(spec.name, hit);
    } else if (spec.type === 'integer' && !/^-?\d+$/.test(v.trim())) {
      throw new UsageError(`Failed: The value you have entered for --${longName(spec)} is not a valid integer`);
    } else if (spec.type === 'second' && !/^\d+(\.\d+)?$/.test(v.trim())) {
      throw new UsageError(`Failed: The value you have entered for --${longName(spec)} is not a valid time in seconds`);
    }
  }

  if (settings.runScripts !== false) {
    for (const [scriptOpt, target] of Object.entries(scriptTargets)) {
      const script = values.get(scriptOpt);
      if (script === undefined || script === '' || !def.options.some((o) => o.name === scriptOpt)) continue;
      try {
        const out = execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', timeout: 10_000, maxBuffer: 64 * 1024 });
        values.set(target, out.replace(/\s+$/, ''));
      } catch (err) {
        throw new UsageError(`Failed: Unable to run ${scriptOpt.replace(/_/g, '-')} '${script}': ${(err as Error).message.split('\n')[0] ?? ''}`);
      }
    }
  }

  // fencing.py: with --port-as-ip the plug is the device address
  if (values.has('port_as_ip') && values.get('port_as_ip') !== '0' && values.has('plug') && !values.has('ip')) {
    values.set('ip', values.get('plug') ?? '');
  }
  for (const spec of def.options) {
    if ((spec.enforceRequired ?? spec.required) !== true || spec.name === 'action' || values.has(spec.name)) continue;
    if (spec.requiredExceptActions?.includes(action) === true) continue;
    throw new UsageError(spec.missingMessage ?? `Failed: You have to enter ${longName(spec)}`);
  }

  let plugs: string[] = [];
  if (def.hasPlugs && values.has('plug')) {
    const sep = values.get('plug_separator') ?? ',';
    plugs = (values.get('plug') ?? '').split(sep === '' ? ',' : sep).map((p) => p.trim()).filter((p) => p !== '');
    if (plugs.length === 0 && def.options.find((o) => o.name === 'plug')?.requiredExceptActions?.includes(action) !== true) {
      throw new UsageError('Failed: You have to enter plug number or machine identification');
    }
    if (plugs.length > 64) throw new UsageError('Failed: at most 64 plugs can be given to one run');
  }
  return new FenceOptions(values, action as ActionName, plugs);
}

/** Convenience for the in-process API: device attributes → validated options. */
export function optionsFromArgs(def: AgentDefinition, args: Readonly<Record<string, string>>,
    settings: ResolveSettings = {}): { options: FenceOptions; warnings: string[] } {
  const parsed = parseKeyValues(def.options, Object.entries(args));
  return { options: resolveOptions(def, parsed.raw, settings), warnings: parsed.warnings };
}

export { FenceError };
