// The declarative option table of a fence agent. One table per agent drives argv parsing, stdin
// `key=value` parsing, validation, `-o metadata` XML and `--help`, so they cannot drift apart.
// Names, letters, defaults and texts follow ClusterLabs fence-agents' lib/fencing.py (facts from
// ../shared/research/fence.md §1 and the upstream metadata in ../shared/peer/fence-agents).
import type { FenceDriver } from './driver.js';
import type { FenceOptions } from './options.js';

/** How a value is checked and how metadata shows it (`<content type=...>`). */
export type OptionType = 'string' | 'integer' | 'second' | 'boolean' | 'select';

export interface OptionSpec {
  /** Canonical name: the metadata parameter name and the key in FenceOptions, e.g. `ip`, `power_timeout`. */
  readonly name: string;
  /** Long option without the dashes; default: `name` with `_` → `-`. */
  readonly long?: string;
  /** One-letter getopt option, e.g. `a` for `-a`. */
  readonly short?: string;
  readonly type: OptionType;
  /** For `select`: the accepted values in their canonical spelling (matched case-insensitively). */
  readonly choices?: readonly string[];
  /** Default value as a string (absent = unset). */
  readonly default?: string;
  /** Metadata `required="1"`; enforced by validation unless `requiredExceptActions` lists the action. */
  readonly required?: boolean;
  /** Enforce presence even if metadata says required="0" (fence_ipmilan's ip, optional only with
   *  --port-as-ip); default: the value of `required`. */
  readonly enforceRequired?: boolean;
  /** Actions for which a required option may be missing (e.g. `plug` for list/monitor). */
  readonly requiredExceptActions?: readonly string[];
  /** Message when a required option is missing, e.g. "Failed: You have to enter fence address". */
  readonly missingMessage?: string;
  /** Older names still accepted (stdin, device args) and listed in metadata as `deprecated="1"`. */
  readonly deprecatedNames?: readonly string[];
  /** Names accepted on stdin / device args only, never shown (RHCS `option`, `operation`). */
  readonly aliases?: readonly string[];
  /** Shown as `--ip=[ip]`; default by type. */
  readonly argName?: string;
  /** Full override of the metadata `<getopt mixed="...">` text (upstream quirks). */
  readonly getoptText?: string;
  /** Omit `<content>` in metadata (upstream omits it for *_path / debug_file). */
  readonly noContent?: boolean;
  /** `-v` style: each occurrence counts one up. */
  readonly counting?: boolean;
  readonly shortdesc: string;
  /** Metadata order: sorted by (order, name); 1 = the agent's main parameters. */
  readonly order: number;
  /** Not listed in metadata (internal switches). */
  readonly hidden?: boolean;
}

/** Debug/progress output of a driver. */
export type DriverLog = (level: 'error' | 'warn' | 'info' | 'debug', message: string) => void;

/** Every action name the layer knows. */
export type ActionName =
  | 'on' | 'off' | 'reboot' | 'status' | 'list' | 'list-status' | 'monitor'
  | 'metadata' | 'manpage' | 'validate-all' | 'diag';

/** Actions that never touch the device. */
export const localActions: readonly ActionName[] = ['metadata', 'manpage', 'validate-all'];

/** A fence agent: its identity, option table and how to make a driver for one run. */
export interface AgentDefinition {
  /** Canonical name, e.g. `fence_apc_snmp`. */
  readonly name: string;
  /** Other names the same agent answers to, with their own defaults (fence_ilo3: lanplus=1...). */
  readonly symlinks?: readonly { readonly name: string; readonly shortdesc: string; readonly defaults?: Readonly<Record<string, string>> }[];
  readonly shortdesc: string;
  readonly longdesc: string;
  readonly vendorUrl: string;
  /** The full option table (use commonOptions() plus the agent's own). */
  readonly options: readonly OptionSpec[];
  /** Actions in metadata order; `on` is listed with automatic="0". */
  readonly actions: readonly ActionName[];
  /** True if the agent addresses plugs (`-n`); plugs are then split by plug_separator. */
  readonly hasPlugs: boolean;
  /** Version printed by -V. */
  readonly version: string;
  /** A driver for one run; must not contact the device before connect(). `log` goes to the
   *  agent's -v output (CLI) or the caller's logger (in-process). */
  createDriver(options: FenceOptions, log: DriverLog): FenceDriver;
}

const connectionOptions: readonly OptionSpec[] = [
  { name: 'ip', short: 'a', type: 'string', required: true, deprecatedNames: ['ipaddr'], aliases: ['hostname'],
    argName: 'ip', shortdesc: 'IP address or hostname of fencing device', order: 1,
    missingMessage: 'Failed: You have to enter fence address' },
  { name: 'ipport', short: 'u', type: 'integer', argName: 'port',
    shortdesc: 'TCP/UDP port to use for connection with device', order: 1 },
  { name: 'username', short: 'l', type: 'string', deprecatedNames: ['login'], aliases: ['user'], argName: 'name',
    shortdesc: 'Login name', order: 1 },
  { name: 'password', short: 'p', type: 'string', deprecatedNames: ['passwd'], argName: 'password',
    shortdesc: 'Login password or passphrase', order: 1 },
  { name: 'password_script', short: 'S', type: 'string', deprecatedNames: ['passwd_script'], argName: 'script',
    shortdesc: 'Script to run to retrieve password', order: 1 },
];

const plugOptions: readonly OptionSpec[] = [
  { name: 'plug', short: 'n', type: 'string', required: true, deprecatedNames: ['port'], argName: 'id',
    requiredExceptActions: ['list', 'list-status', 'monitor', 'metadata', 'manpage'],
    missingMessage: 'Failed: You have to enter plug number or machine identification',
    shortdesc: 'Physical plug number on device, UUID or identification of machine', order: 1 },
  { name: 'plug_separator', type: 'string', default: ',', argName: 'char',
    shortdesc: 'Separator for plug parameter when specifying more than 1 plug', order: 100 },
];

const generalOptions: readonly OptionSpec[] = [
  { name: 'action', short: 'o', type: 'string', default: 'reboot', required: true, aliases: ['option', 'operation'],
    argName: 'action', shortdesc: 'Fencing action', order: 1 },
  { name: 'quiet', short: 'q', type: 'boolean', order: 50,
    shortdesc: 'Disable logging to stderr. Does not affect --verbose or --debug-file or logging to syslog.' },
  { name: 'verbose', short: 'v', type: 'boolean', counting: true, order: 51,
    shortdesc: 'Verbose mode. Multiple -v flags can be stacked on the command line (e.g., -vvv) to increase verbosity.' },
  { name: 'verbose_level', type: 'integer', getoptText: '--verbose-level', order: 52,
    shortdesc: 'Level of debugging detail in output. Defaults to the number of --verbose flags specified on the command line, or to 1 if verbose=1 in a stonith device configuration (i.e., on stdin).' },
  { name: 'debug_file', short: 'D', long: 'debug-file', type: 'string', deprecatedNames: ['debug'], argName: 'debugfile',
    noContent: true, shortdesc: 'Write debug information to given file', order: 53 },
  { name: 'version', short: 'V', type: 'boolean', shortdesc: 'Display version information and exit', order: 54 },
  { name: 'help', short: 'h', type: 'boolean', shortdesc: 'Display help and exit', order: 55 },
];

const timingOptions: readonly OptionSpec[] = [
  { name: 'delay', type: 'second', default: '0', shortdesc: 'Wait X seconds before fencing is started', order: 200 },
  { name: 'disable_timeout', type: 'string', argName: 'true/false', order: 200,
    shortdesc: 'Disable timeout (true/false) (default: true when run from Pacemaker 2.0+)' },
  { name: 'login_timeout', type: 'second', default: '5', shortdesc: 'Wait X seconds for cmd prompt after login', order: 200 },
  { name: 'power_timeout', type: 'second', default: '20', shortdesc: 'Test X seconds for status change after ON/OFF', order: 200 },
  { name: 'power_wait', type: 'second', default: '0', shortdesc: 'Wait X seconds after issuing ON/OFF', order: 200 },
  { name: 'shell_timeout', type: 'second', default: '3', shortdesc: 'Wait X seconds for cmd prompt after issuing command', order: 200 },
  { name: 'stonith_status_sleep', type: 'second', default: '1', order: 200,
    shortdesc: 'Sleep X seconds between status calls during a STONITH action' },
  { name: 'retry_on', type: 'integer', default: '1', argName: 'attempts', shortdesc: 'Count of attempts to retry power on', order: 210 },
];

/** `-m, --method` (onoff | cycle); the engine reads it for reboot. */
export const methodOption: OptionSpec = {
  name: 'method', short: 'm', type: 'select', choices: ['onoff', 'cycle'], default: 'onoff', argName: 'method',
  shortdesc: 'Method to fence', order: 1,
};

/** `--port-as-ip`: the plug value is the device address (resolveOptions copies it to ip). */
export const portAsIpOption: OptionSpec = {
  name: 'port_as_ip', type: 'boolean', shortdesc: 'Make "port/plug" to be an alias to IP address', order: 200,
};

/** What an agent has of the common fencing.py features. */
export interface CommonOptionFeatures {
  /** ip, ipport, username, password, password_script (default true). */
  readonly connection?: boolean;
  /** plug, plug_separator. */
  readonly plugs?: boolean;
  /** Default of ipport (161 for SNMP, 623 for IPMI). */
  readonly ipportDefault?: string;
  /** Overrides of common defaults, e.g. `{ power_wait: '2' }`. */
  readonly defaults?: Readonly<Record<string, string>>;
  /** Field overrides per option, e.g. `{ plug: { required: false, argName: 'ip', shortdesc: '...' } }`. */
  readonly overrides?: Readonly<Record<string, Partial<OptionSpec>>>;
}

/** The common option table of fencing.py, adjusted for one agent. */
export function commonOptions(features: CommonOptionFeatures = {}): OptionSpec[] {
  const list: OptionSpec[] = [...generalOptions];
  if (features.connection !== false) list.push(...connectionOptions);
  if (features.plugs === true) list.push(...plugOptions);
  list.push(...timingOptions);
  return list.map((o) => {
    let d = features.defaults?.[o.name];
    if (o.name === 'ipport' && features.ipportDefault !== undefined) d = features.ipportDefault;
    const withDefault = d !== undefined ? { ...o, default: d } : o;
    const over = features.overrides?.[o.name];
    return over !== undefined ? { ...withDefault, ...over } : withDefault;
  });
}

/** The long option name (without dashes) of a spec. */
export function longName(spec: OptionSpec): string {
  return spec.long ?? spec.name.replace(/_/g, '-');
}

/** `--ip=[ip]`-style argument name of a spec. */
export function argNameOf(spec: OptionSpec): string {
  if (spec.argName !== undefined) return spec.argName;
  if (spec.type === 'second') return 'seconds';
  return spec.type === 'integer' ? 'number' : 'value';
}

/** The getopt text used in metadata and help, e.g. `-a, --ip=[ip]`. */
export function getoptText(spec: OptionSpec): string {
  if (spec.getoptText !== undefined) return spec.getoptText;
  const long = spec.type === 'boolean' ? `--${longName(spec)}` : `--${longName(spec)}=[${argNameOf(spec)}]`;
  return spec.short !== undefined ? `-${spec.short}, ${long}` : long;
}
