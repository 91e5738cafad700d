// The in-process fencing API for the fence daemon (fenced) and fence_node:
//   fence({agent, args}, nodeDeviceArgs, action, opts) -> FenceResult
// Our own agents (builtinAgents) run inside the calling process: no process start, and for
// reboot the daemon hears when the OFF half is confirmed (opts.onOffConfirmed) while the ON half
// continues. Any other agent name runs as a child process through the stdin protocol (runner.ts).
import { runAction, type LogLevel } from './engine.js';
import { optionsFromArgs, UsageError, normaliseAction } from './options.js';
import { findAgent, runExternalAgent, type ExternalRunOptions } from './runner.js';
import type { AgentDefinition } from './spec.js';
import type { PowerState } from './driver.js';

/** A `<fencedevice>`: agent name and its attributes as written in cluster.conf. */
export interface FenceDeviceInput {
  readonly agent: string;
  readonly args: Readonly<Record<string, string>>;
  /** The device's name, only for messages. */
  readonly name?: string;
}

export interface FenceCallOptions {
  /** Bound on the whole run (default 120 s). */
  readonly timeoutMs?: number;
  /** reboot/off: called once the OFF half is confirmed by a status read (in-process agents;
   *  for external agents when the process exits 0, as that is all we can know). */
  readonly onOffConfirmed?: (info: { readonly elapsedMs: number; readonly plugs: readonly string[] }) => void;
  readonly log?: (level: LogLevel, message: string) => void;
  /** Victim node name, passed as `nodename=` to external agents (RHCS fenced does so). */
  readonly nodename?: string;
  /** Where external agents are searched (default /usr/sbin, /sbin, ...). */
  readonly agentDirs?: readonly string[];
  /** Run even our own agents as child processes (bin/ must be on agentDirs/PATH). */
  readonly external?: boolean;
  /** Output limit etc. for external agents. */
  readonly externalRun?: Omit<ExternalRunOptions, 'timeoutMs'>;
}

export interface FenceResult {
  /** Action succeeded; for status a readable state (exit 0 ON or 2 OFF) counts as ok. */
  readonly ok: boolean;
  /** fence-agents exit code: 0 ok / ON, 1 failure, 2 OFF. */
  readonly exitCode: number;
  readonly action: string;
  /** One line for logs: the result line or the first error. */
  readonly message: string;
  readonly stdout: string;
  readonly errors: readonly string[];
  readonly durationMs: number;
  readonly inProcess: boolean;
  readonly power?: PowerState;
  /** ms from start until the OFF half was confirmed (off / reboot). */
  readonly offConfirmedMs?: number;
  /** reboot/on: ON confirmed. A reboot is ok with onConfirmed=false (fence-agents semantics). */
  readonly onConfirmed?: boolean;
  readonly timedOut: boolean;
}

export type AgentLoader = () => Promise<AgentDefinition>;

const registry = new Map<string, AgentLoader>();

/** Make `name` run in-process (our agents register in src/fence-agents/agents.ts). */
export function registerAgent(name: string, loader: AgentLoader): void {
  registry.set(name, loader);
}

/** Names of agents that run in-process. */
export function inProcessAgents(): string[] {
  return [...registry.keys()].sort();
}

/** The definition of an in-process agent, or undefined. */
export async function loadAgent(name: string): Promise<AgentDefinition | undefined> {
  const loader = registry.get(name);
  return loader === undefined ? undefined : loader();
}

const actionKeys = ['action', 'option', 'operation'];

/** Device attributes, then the node's `<device>` attributes (they win), then the action. */
export function mergeFenceArgs(device: Readonly<Record<string, string>>, node: Readonly<Record<string, string>>,
    action: string | undefined): Record<string, string> {
  const merged: Record<string, string> = { ...device, ...node };
  let chosen = action;
  if (chosen === undefined) for (const k of actionKeys) if (merged[k] !== undefined) chosen = merged[k];
  for (const k of actionKeys) delete merged[k];
  merged['action'] = normaliseAction(chosen ?? 'reboot');
  return merged;
}

function summary(exitCode: number, stdout: readonly string[], errors: readonly string[]): string {
  if (exitCode === 1) return errors[0] ?? stdout[stdout.length - 1] ?? 'Failed';
  return stdout[stdout.length - 1] ?? 'ok';
}

/** Fence (or query) through one device. Never throws. */
export async function fence(device: FenceDeviceInput, nodeDeviceArgs: Readonly<Record<string, string>>,
    action: string | undefined, opts: FenceCallOptions = {}): Promise<FenceResult> {
  const args = mergeFenceArgs(device.args, nodeDeviceArgs, action);
  const act = args['action'] ?? 'reboot';
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const t0 = performance.now();
  const elapsed = () => Math.round((performance.now() - t0) * 10) / 10;
  const fail = (message: string, extra: Partial<FenceResult> = {}): FenceResult => ({
    ok: false, exitCode: 1, action: act, message, stdout: '', errors: [message], durationMs: elapsed(),
    inProcess: true, timedOut: false, ...extra,
  });

  const def = opts.external === true ? undefined : await loadAgent(device.agent);
  if (def === undefined) {
    const agentPath = await findAgent(device.agent, opts.agentDirs);
    if (agentPath === undefined) return fail(`fence agent ${device.agent} not found`, { inProcess: false });
    const withNode = opts.nodename !== undefined ? { ...args, nodename: opts.nodename } : args;
    try {
      const r = await runExternalAgent(agentPath, withNode, { ...opts.externalRun, timeoutMs });
      const stdoutLines = r.stdout.split('\n').filter((l) => l.trim() !== '');
      const errors = r.stderr.split('\n').filter((l) => /ERROR/.test(l)).map((l) => l.replace(/^.*?ERROR: /, ''));
      if (r.timedOut) errors.unshift(`Connection timed out: ${device.agent} killed after ${timeoutMs} ms`);
      const exitCode = r.timedOut ? 1 : r.exitCode;
      if (exitCode === 0 && (act === 'off' || act === 'reboot')) {
        try { opts.onOffConfirmed?.({ elapsedMs: r.durationMs, plugs: [] }); } catch { /* hooks never break fencing */ }
      }
      return {
        ok: exitCode === 0 || (act === 'status' && exitCode === 2), exitCode, action: act,
        message: summary(exitCode === 0 || exitCode === 2 ? 0 : 1, stdoutLines, errors), stdout: r.stdout, errors,
        durationMs: r.durationMs, inProcess: false, timedOut: r.timedOut,
        ...(exitCode === 2 ? { power: 'off' as const } : act === 'status' && exitCode === 0 ? { power: 'on' as const } : {}),
      };
    } catch (err) {
      return fail(`cannot run ${agentPath}: ${(err as Error).message}`, { inProcess: false });
    }
  }

  let options;
  try {
    options = optionsFromArgs(def, args, { invokedAs: device.agent }).options;
  } catch (err) {
    if (err instanceof UsageError) return fail(`${device.name ?? device.agent}: ${err.message}`);
    return fail(`Failed: Generic error: ${(err as Error).message}`);
  }
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => { abort.abort(); resolve('timeout'); }, timeoutMs);
  });
  const run = runAction(def, options, {
    invokedAs: device.agent, signal: abort.signal,
    ...(opts.log !== undefined ? { log: opts.log } : {}),
    ...(opts.onOffConfirmed !== undefined ? { onOffConfirmed: opts.onOffConfirmed } : {}),
  });
  const outcome = await Promise.race([run, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') return fail(`Connection timed out: ${device.agent} did not finish within ${timeoutMs} ms`, { timedOut: true });
  return {
    ok: outcome.exitCode === 0 || (act === 'status' && outcome.exitCode === 2),
    exitCode: outcome.exitCode, action: act,
    message: summary(outcome.exitCode, outcome.stdout, outcome.errors),
    stdout: outcome.stdout.length > 0 ? outcome.stdout.join('\n') + '\n' : '',
    errors: outcome.errors, durationMs: outcome.durationMs, inProcess: true, timedOut: false,
    ...(outcome.power !== undefined ? { power: outcome.power } : {}),
    ...(outcome.offConfirmedMs !== undefined ? { offConfirmedMs: outcome.offConfirmedMs } : {}),
    ...(outcome.onConfirmed !== undefined ? { onConfirmed: outcome.onConfirmed } : {}),
  };
}
