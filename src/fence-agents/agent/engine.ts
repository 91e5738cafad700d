// The generic action logic of a fence agent (lib/fencing.py fence_action()), on top of a
// FenceDriver: delay, status, on/off with power_wait and status polling up to power_timeout,
// retry_on, reboot as off+on (or one cycle), list/list-status/monitor, and the texts and exit
// codes fence-agents prints. Used by the command line (cli.ts) and the in-process API (api.ts).
//
// Differences from upstream, on purpose:
// - several plugs (`-n 1,3`) are all switched and all confirmed (upstream resolves the first one
//   only in fence_apc_snmp, and confirms "on" when any plug is on);
// - list-status prints the real ON/OFF when the driver can read it (upstream APC: UNKNOWN);
// - reboot reports the moment the OFF half is confirmed (onOffConfirmed) so a cluster can recover
//   without waiting for the ON half; a failed ON half still prints "Success: Rebooted" and exits 0
//   as upstream does, but the outcome says onConfirmed=false and carries the error text.
import { type FenceDriver, type PlugInfo, type PowerState, FenceError, errorLines } from './driver.js';
import type { FenceOptions } from './options.js';
import type { AgentDefinition } from './spec.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface EngineHooks {
  /** Progress and debug lines (fence-agents' -v output). */
  log?(level: LogLevel, message: string): void;
  /** Called once when the OFF half of off/reboot is confirmed by a status read. */
  onOffConfirmed?(info: { readonly elapsedMs: number; readonly plugs: readonly string[] }): void;
  /** Name the agent was invoked as (metadata/help show it). */
  readonly invokedAs?: string;
  /** Aborts waits (delay, polling); the run then fails with "Connection timed out". */
  readonly signal?: AbortSignal;
}

export interface ActionOutcome {
  /** 0 success / status ON, 1 failure, 2 status OFF. */
  readonly exitCode: 0 | 1 | 2;
  /** Result lines for stdout ("Status: ON", "Success: Rebooted", list lines, XML). */
  readonly stdout: readonly string[];
  /** Failure texts (fence-agents' "Failed: ..." plus our explanation on the same line). */
  readonly errors: readonly string[];
  /** The same failures as stderr lines: each upstream text alone, then our explanation. */
  readonly errorLines: readonly string[];
  /** Final power state read (status/on/off/reboot). */
  readonly power?: PowerState;
  /** ms from the start of the run until the OFF half was confirmed (off, reboot). */
  readonly offConfirmedMs?: number;
  /** reboot/on: whether power on was confirmed. */
  readonly onConfirmed?: boolean;
  readonly plugs?: readonly PlugInfo[];
  readonly durationMs: number;
}

function textOf(err: unknown): string {
  return err instanceof FenceError ? err.message : `Failed: Generic error: ${(err as Error).message}`;
}

/** Pause after the first status read that did not show the target state (then doubling). */
const firstPollPauseMs = 25;

/** At most this many status polls per wait, whatever power_timeout says. */
const maxPollsPerWait = 10_000;

function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) { reject(new FenceError('timeout', 'run aborted')); return; }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(new FenceError('timeout', 'run aborted')); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Bound a device call; `ms` 0 = unbounded (disable_timeout). */
async function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms <= 0) return p;
  // the late outcome of a call we stopped waiting for must not become an unhandled rejection
  p.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FenceError('timeout', `${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Run one action of `def` with validated `options`. Never throws. */
export async function runAction(def: AgentDefinition, options: FenceOptions, hooks: EngineHooks = {}): Promise<ActionOutcome> {
  const t0 = performance.now();
  const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
  const log = (level: LogLevel, message: string) => hooks.log?.(level, message);
  const action = options.action;
  const stdout: string[] = [];
  const done = (exitCode: 0 | 1 | 2, extra: Partial<ActionOutcome> = {}, failures: unknown[] = []): ActionOutcome =>
    ({ exitCode, stdout, errors: failures.map(textOf), errorLines: failures.flatMap(errorLines), durationMs: elapsed(), ...extra });

  // metadata.js is loaded only for these two (a status run of a bin/ agent does not need it)
  if (action === 'metadata') return done(0, { stdout: [(await import('./metadata.js')).metadataXml(def, hooks.invokedAs).trimEnd()] });
  if (action === 'manpage') return done(0, { stdout: [(await import('./metadata.js')).usageText(def, hooks.invokedAs).trimEnd()] });
  if (action === 'validate-all') return done(0);

  const plugs = def.hasPlugs ? options.plugs : [''];
  const callMs = (options.ms('login_timeout') + options.ms('shell_timeout')) > 0
    ? options.ms('login_timeout') + options.ms('shell_timeout') + 2000 : 0;
  let driverOrUndefined: FenceDriver | undefined;
  try {
    driverOrUndefined = def.createDriver(options, log);
  } catch (err) {
    return done(1, {}, [err]);
  }
  const driver: FenceDriver = driverOrUndefined;
  let offConfirmedMs: number | undefined;
  const confirmOff = () => {
    if (offConfirmedMs !== undefined) return;
    offConfirmedMs = elapsed();
    log('info', `power OFF confirmed for plug(s) ${plugs.join(',') || '-'} after ${offConfirmedMs} ms`);
    try { hooks.onOffConfirmed?.({ elapsedMs: offConfirmedMs, plugs }); } catch { /* a hook never breaks fencing */ }
  };

  const getAll = async (): Promise<PowerState[]> => {
    const states: PowerState[] = [];
    for (const p of plugs) {
      const s = await bounded(driver.getPower(p), callMs, 'status read');
      log('debug', `plug ${p || '-'} is ${s}`);
      states.push(s);
    }
    return states;
  };
  const setAll = async (state: PowerState) => {
    for (const p of plugs) {
      log('debug', `setting plug ${p || '-'} ${state}`);
      await bounded(driver.setPower(p, state), callMs, `power ${state}`);
    }
    await sleepMs(options.ms('power_wait'), hooks.signal);
  };
  /**
   * Poll until every plug is `target` or power_timeout passes. The first read comes right after
   * power_wait; the pause between reads starts at firstPollPauseMs and doubles up to
   * stonith_status_sleep (fencing.py sleeps stonith_status_sleep every time: a device that
   * switches within 50 ms would cost a whole second).
   */
  const waitFor = async (target: PowerState): Promise<boolean> => {
    const timeoutMs = options.ms('power_timeout');
    const deadline = performance.now() + timeoutMs;
    const maxPauseMs = Math.max(10, options.ms('stonith_status_sleep', 1));
    let pauseMs = Math.min(firstPollPauseMs, maxPauseMs);
    for (let i = 0; i < maxPollsPerWait; i++) {
      const states = await getAll();
      if (states.every((s) => s === target)) return true;
      const left = deadline - performance.now();
      if (timeoutMs > 0 && left <= 0) return false;
      await sleepMs(timeoutMs > 0 ? Math.min(pauseMs, left) : pauseMs, hooks.signal);
      pauseMs = Math.min(pauseMs * 2, maxPauseMs);
    }
    return false;
  };
  /** Switch and confirm, `attempts` times at most. */
  const switchTo = async (target: PowerState, attempts: number): Promise<boolean> => {
    for (let a = 1; a <= Math.max(1, attempts); a++) {
      await setAll(target);
      if (await waitFor(target)) return true;
      log('warn', `power ${target} not confirmed within power_timeout (attempt ${a}/${attempts})`);
    }
    return false;
  };

  // A device that cannot list plugs answers `list`/`list-status` without logging in, as fencing.py does.
  if ((action === 'list' || action === 'list-status') && driver.listPlugs === undefined) {
    stdout.push('NOTICE: List option is not working on this device yet');
    return done(0);
  }

  let connected = false;
  try {
    if ((action === 'off' || action === 'reboot') && options.ms('delay') > 0) {
      log('info', `Delay ${options.ms('delay') / 1000} second(s) before logging in to the fence device`);
      await sleepMs(options.ms('delay'), hooks.signal);
    }
    await bounded(driver.connect(), callMs, 'connect/login');
    connected = true;

    if (action === 'list' || action === 'list-status' || (action === 'monitor' && def.hasPlugs && driver.monitor === undefined)) {
      if (!def.hasPlugs) { stdout.push('N/A'); return done(0); }
      if (driver.listPlugs === undefined) {
        if (action === 'monitor') { await getAll(); return done(0); }
        stdout.push('NOTICE: List option is not working on this device yet');
        return done(0);
      }
      const list = await bounded(driver.listPlugs(), callMs * 4, 'outlet list');
      const sep = options.get('separator') ?? ',';
      if (action === 'list') for (const p of list) stdout.push(`${p.id}${sep}${p.name}`);
      if (action === 'list-status') {
        for (const p of list) stdout.push(`${p.id}${sep}${p.name}${sep}${p.status?.toUpperCase() ?? 'UNKNOWN'}`);
      }
      return done(0, { plugs: list });
    }
    if (action === 'monitor') {
      if (driver.monitor !== undefined) await bounded(driver.monitor(), callMs, 'monitor');
      else await getAll();
      return done(0);
    }
    if (action !== 'status' && action !== 'on' && action !== 'off' && action !== 'reboot') {
      if (driver.extraAction === undefined) return done(1, {}, [new FenceError('usage', undefined, `Failed: Unrecognised action '${action}'`)]);
      stdout.push(...await driver.extraAction(action, plugs));
      return done(0);
    }

    const method = (options.get('method') ?? 'onoff').toLowerCase();
    if (action === 'reboot' && method === 'cycle' && driver.cycle !== undefined) {
      const attempts = 1 + options.int('retry_on', 1);
      for (let a = 1; a <= attempts; a++) {
        try {
          for (const p of plugs) await bounded(driver.cycle(p), callMs, 'power cycle');
          await sleepMs(options.ms('power_wait'), hooks.signal);
          stdout.push('Success: Rebooted');
          return done(0);
        } catch (err) {
          if (a === attempts) throw err;
          log('warn', `power cycle failed (attempt ${a}/${attempts}): ${(err as Error).message}`);
        }
      }
    }

    const states = await getAll();
    const allOff = states.every((s) => s === 'off');
    const allOn = states.every((s) => s === 'on');
    if (action === 'status') {
      const on = !allOff;
      stdout.push(on ? 'Status: ON' : 'Status: OFF');
      return done(on ? 0 : 2, { power: on ? 'on' : 'off' });
    }
    if (action === 'on') {
      if (allOn) { stdout.push('Success: Already ON'); return done(0, { power: 'on', onConfirmed: true }); }
      if (!await switchTo('on', 1 + options.int('retry_on', 1))) throw new FenceError('waiting-on');
      stdout.push('Success: Powered ON');
      return done(0, { power: 'on', onConfirmed: true });
    }
    if (action === 'off') {
      if (allOff) {
        confirmOff();
        stdout.push('Success: Already OFF');
        return done(0, { power: 'off', offConfirmedMs });
      }
      if (!await switchTo('off', 1)) throw new FenceError('waiting-off');
      confirmOff();
      stdout.push('Success: Powered OFF');
      return done(0, { power: 'off', offConfirmedMs });
    }
    // reboot, method onoff
    if (!allOff && !await switchTo('off', 1)) throw new FenceError('waiting-off');
    confirmOff();
    let onConfirmed = false;
    const errors: unknown[] = [];
    try {
      onConfirmed = await switchTo('on', options.int('retry_on', 1));
      if (!onConfirmed) errors.push(new FenceError('waiting-on'));
    } catch (err) {
      errors.push(err);
    }
    for (const line of errors.flatMap(errorLines)) log('error', line);
    stdout.push('Success: Rebooted');
    return done(0, { power: onConfirmed ? 'on' : 'off', offConfirmedMs, onConfirmed }, errors);
  } catch (err) {
    log('debug', `${action} failed after ${elapsed()} ms${connected ? '' : ' (not connected)'}`);
    return done(1, offConfirmedMs !== undefined ? { offConfirmedMs } : {}, [err]);
  } finally {
    await driver.close().catch(() => undefined);
  }
}
