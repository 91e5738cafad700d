// One winston logger for the whole suite. One line per event: time, level, node, subsystem,
// service (when there is one), message and reason. Configured from <logging> by configureLogging().
import winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'notice' | 'info' | 'debug';

export interface LogFields {
  node?: string;
  subsys?: string;
  service?: string;
  reason?: string;
  [key: string]: string | number | boolean | undefined;
}

export interface LoggingSettings {
  /** Minimum level written. */
  level: LogLevel;
  /** Write to this file as well as stderr (RHCS: /var/log/cluster/<daemon>.log). */
  logfile?: string;
  /** Write to stderr (the daemon runs in the foreground, systemd style). */
  toStderr: boolean;
  /** Node name stamped on every line. */
  node?: string;
}

const levels: Record<LogLevel, number> = { error: 0, warn: 1, notice: 2, info: 3, debug: 4 };

const lineFormat = winston.format.printf((info) => {
  const { timestamp, level, message, node, subsys, service, reason, ...rest } = info as Record<string, unknown>;
  const parts: string[] = [String(timestamp), String(level)];
  if (node !== undefined) parts.push(`node=${String(node)}`);
  if (subsys !== undefined) parts.push(`[${String(subsys)}]`);
  if (service !== undefined) parts.push(`service=${String(service)}`);
  parts.push(String(message));
  if (reason !== undefined) parts.push(`reason="${String(reason)}"`);
  for (const [k, v] of Object.entries(rest)) {
    if (typeof k === 'string' && v !== undefined && typeof v !== 'object') parts.push(`${k}=${String(v)}`);
  }
  return parts.join(' ');
});

function makeLogger(settings: LoggingSettings): winston.Logger {
  const transports: winston.transport[] = [];
  if (settings.toStderr) {
    transports.push(new winston.transports.Console({ stderrLevels: Object.keys(levels) }));
  }
  if (settings.logfile !== undefined) {
    transports.push(new winston.transports.File({ filename: settings.logfile }));
  }
  if (transports.length === 0) transports.push(new winston.transports.Console({ silent: true }));
  return winston.createLogger({
    levels,
    level: settings.level,
    format: winston.format.combine(winston.format.timestamp(), lineFormat),
    defaultMeta: settings.node !== undefined ? { node: settings.node } : {},
    transports,
  });
}

const defaultLevel = (process.env['CLUSTER_LOG_LEVEL'] as LogLevel | undefined) ?? 'warn';
let root = makeLogger({ level: defaultLevel in levels ? defaultLevel : 'warn', toStderr: true });

/** Replace the suite's logger (the daemon calls this once it has read <logging>). */
export function configureLogging(settings: LoggingSettings): void {
  root.close();
  root = makeLogger(settings);
}

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  notice(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

/** A logger for one subsystem; it follows configureLogging() calls made later. */
export function getLogger(subsys: string, base: LogFields = {}): Logger {
  const at = (level: LogLevel) => (message: string, fields: LogFields = {}) => {
    root.log(level, message, { subsys, ...base, ...fields });
  };
  return { error: at('error'), warn: at('warn'), notice: at('notice'), info: at('info'), debug: at('debug') };
}

/** The subset of ClusterConfig.logging this module needs (kept structural: no import cycle). */
export interface LoggingSection {
  readonly toLogfile: boolean;
  readonly logfile: string | undefined;
  readonly logfilePriority: string;
  readonly syslogPriority: string;
  readonly debug: boolean;
  readonly daemons: readonly {
    readonly name: string;
    readonly subsys: string | undefined;
    readonly debug: boolean | undefined;
    readonly toLogfile: boolean | undefined;
    readonly logfile: string | undefined;
    readonly logfilePriority: string | undefined;
  }[];
}

/** syslog priority -> our level (emerg..err = error, warning = warn, notice, info, debug). */
export function levelFromSyslogPriority(priority: string): LogLevel {
  switch (priority) {
    case 'emerg': case 'alert': case 'crit': case 'err': case 'error': return 'error';
    case 'warning': case 'warn': return 'warn';
    case 'notice': return 'notice';
    case 'debug': return 'debug';
    default: return 'info';
  }
}

/**
 * Turn `<logging>` (ClusterConfig.logging) into settings for configureLogging(). `daemon` picks a
 * `<logging_daemon name=...>` whose values override the global ones (RHCS daemon names: corosync,
 * qdiskd, fenced, rgmanager, ...; our suite logs as one daemon, default "clusterd").
 * debug="on" wins over priorities; the more verbose of logfile_priority and syslog_priority is used
 * because stderr stands in for syslog.
 */
export function loggingSettingsFromConfig(logging: LoggingSection, options: { node?: string; daemon?: string; toStderr?: boolean } = {}): LoggingSettings {
  const daemon = logging.daemons.find((d) => d.name === (options.daemon ?? 'clusterd') && d.subsys === undefined);
  const debug = daemon?.debug ?? logging.debug;
  const toLogfile = daemon?.toLogfile ?? logging.toLogfile;
  const logfile = daemon?.logfile ?? logging.logfile;
  const filePriority = daemon?.logfilePriority ?? logging.logfilePriority;
  const a = levels[levelFromSyslogPriority(filePriority)];
  const b = levels[levelFromSyslogPriority(logging.syslogPriority)];
  const level: LogLevel = debug ? 'debug' : (Object.keys(levels) as LogLevel[]).find((l) => levels[l] === Math.max(a, b)) ?? 'info';
  const settings: LoggingSettings = { level, toStderr: options.toStderr ?? true };
  if (toLogfile && logfile !== undefined) settings.logfile = logfile;
  if (options.node !== undefined) settings.node = options.node;
  return settings;
}
