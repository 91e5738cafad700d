// libfence's part: run a node's fence methods (or unfence / status devices) through the fence
// layer's fence() API. Our own agents run in-process; any other agent through the stdin runner.
//
// Methods in document order; the first method whose devices all succeed wins. Inside a method the
// devices whose action is not "on" run first, in parallel (dual power: every "off" before any
// "on"); the victim is safe once every one of them has its OFF confirmed (for reboot: the off half,
// confirmed by a status read) - `onSafe` fires then, and recovery may start while the "on" half
// and the "on" devices finish. A failing off device fails its method; a failing "on" after the
// victim is safe is reported (history) but does not make the fence fail: the victim is off.
import type { ClusterConfig, ClusterNode, FenceDeviceRef } from '../config/types.js';
import { fence, mergeFenceArgs, type FenceResult } from '../fence-agents/index.js';
import type { FenceDeviceRun } from '../api/fenced.js';

export interface DeviceOutcome {
  readonly method: number;
  readonly methodName: string;
  readonly device: number;
  readonly deviceName: string;
  readonly agent: string;
  readonly action: string;
  readonly startedMs: number;
  readonly result: FenceResult;
  /** Wall clock when OFF was confirmed, or null. */
  readonly offConfirmedMs: number | null;
}

export interface FenceRunResult {
  readonly outcome: 'success' | 'failed' | 'undefined';
  /** Wall clock when the victim became safe (success only). */
  readonly safeAtMs: number | null;
  readonly devices: readonly DeviceOutcome[];
  /** Method that succeeded (1-based) or 0. */
  readonly method: number;
}

export interface FenceRunOptions {
  readonly timeoutMs?: number;
  /** Only this method (1-based). */
  readonly onlyMethod?: number;
  /** Called once, when the victim is safe (all off-phase devices confirmed OFF). */
  readonly onSafe?: (atMs: number, method: number) => void;
  /** One line per device result, as fenced logs them. */
  readonly log?: (level: 'error' | 'warn' | 'notice' | 'info' | 'debug', message: string) => void;
  /** Abort between methods (e.g. the victim was acknowledged by hand meanwhile). */
  readonly cancelled?: () => boolean;
}

const DEFAULT_DEVICE_TIMEOUT_MS = 120_000;

function deviceAction(config: ClusterConfig, ref: FenceDeviceRef): string {
  const dev = config.fenceDevices.find((d) => d.name === ref.name);
  return mergeFenceArgs(dev?.args ?? {}, ref.args, undefined)['action'] ?? 'reboot';
}

async function runDevice(config: ClusterConfig, node: ClusterNode, methodIndex: number, methodName: string, deviceIndex: number,
    ref: FenceDeviceRef, action: string | undefined, opts: FenceRunOptions, onOff: () => void): Promise<DeviceOutcome> {
  const dev = config.fenceDevices.find((d) => d.name === ref.name);
  const startedMs = Date.now();
  const act = action ?? deviceAction(config, ref);
  if (dev === undefined) {
    const msg = `fence device ${ref.name} is not defined in <fencedevices>`;
    return { method: methodIndex, methodName, device: deviceIndex, deviceName: ref.name, agent: '?', action: act, startedMs, offConfirmedMs: null,
      result: { ok: false, exitCode: 1, action: act, message: msg, stdout: '', errors: [msg], durationMs: 0, inProcess: true, timedOut: false } };
  }
  let offConfirmedMs: number | null = null;
  const nodeArgs: Record<string, string> = { ...ref.args };
  if (action !== undefined) { delete nodeArgs['action']; delete nodeArgs['option']; }
  const result = await fence({ agent: dev.agent, args: dev.args, name: dev.name }, nodeArgs, action, {
    timeoutMs: opts.timeoutMs ?? DEFAULT_DEVICE_TIMEOUT_MS,
    nodename: node.name,
    onOffConfirmed: () => { offConfirmedMs = Date.now(); onOff(); },
  });
  if (offConfirmedMs === null && result.ok && (act === 'off' || act === 'reboot')) offConfirmedMs = startedMs + (result.offConfirmedMs ?? result.durationMs);
  opts.log?.(result.ok ? 'notice' : 'error',
    `${action === 'status' ? 'status' : methodName === 'unfence' ? 'unfence' : 'fence'} ${node.name} dev ${methodIndex}.${deviceIndex} agent ${dev.agent} result: ${result.ok ? 'success' : 'error from agent'} (${result.message})`);
  return { method: methodIndex, methodName, device: deviceIndex, deviceName: dev.name, agent: dev.agent, action: act, startedMs, result, offConfirmedMs };
}

/** Fence `node` with its methods. Never throws. */
export async function fenceNode(config: ClusterConfig, node: ClusterNode, opts: FenceRunOptions = {}): Promise<FenceRunResult> {
  const methods = node.fenceMethods;
  if (methods.length === 0 || methods.every((m) => m.devices.length === 0)) {
    opts.log?.('error', `fence ${node.name}: no method (fence ${node.name} undefined)`);
    return { outcome: 'undefined', safeAtMs: null, devices: [], method: 0 };
  }
  const all: DeviceOutcome[] = [];
  let safeFired = false;
  for (let mi = 0; mi < methods.length && mi < 8; mi++) {
    if (opts.onlyMethod !== undefined && opts.onlyMethod !== mi + 1) continue;
    if (opts.cancelled?.() === true) break;
    const m = methods[mi]!;
    const refs = m.devices.slice(0, 8).map((ref, di) => ({ ref, di: di + 1, action: deviceAction(config, ref) }));
    if (refs.length === 0) continue;
    const offPhase = refs.filter((r) => r.action !== 'on' && r.action !== 'enable');
    const onPhase = refs.filter((r) => r.action === 'on' || r.action === 'enable');
    // Off phase in parallel; "safe" once every off device confirmed OFF.
    let confirmed = 0;
    let markSafe: (() => void) | undefined;
    const safe = new Promise<void>((resolve) => { markSafe = resolve; });
    const onOff = () => { confirmed += 1; if (confirmed === offPhase.length) markSafe?.(); };
    const offRuns = offPhase.map((r) => runDevice(config, node, mi + 1, m.name, r.di, r.ref, undefined, opts, onOff));
    const offDone = Promise.all(offRuns);
    const first = await Promise.race([safe.then(() => 'safe' as const), offDone.then(() => 'done' as const)]);
    if (first === 'safe' && offPhase.length > 0 && !safeFired) { safeFired = true; opts.onSafe?.(Date.now(), mi + 1); }
    const offResults = await offDone;
    all.push(...offResults);
    const offOk = offResults.every((r) => r.result.ok);
    if (!offOk) continue; // this method failed; try the next one
    const safeAt = Date.now();
    if (!safeFired) { safeFired = true; opts.onSafe?.(safeAt, mi + 1); }
    const onResults = await Promise.all(onPhase.map((r) => runDevice(config, node, mi + 1, m.name, r.di, r.ref, undefined, opts, () => undefined)));
    all.push(...onResults);
    for (const r of onResults) if (!r.result.ok) opts.log?.('warn', `fence ${node.name}: power on through ${r.deviceName} failed after the node was off: ${r.result.message}`);
    return { outcome: 'success', safeAtMs: Math.min(safeAt, ...offResults.map((r) => r.offConfirmedMs ?? safeAt)), devices: all, method: mi + 1 };
  }
  return { outcome: 'failed', safeAtMs: null, devices: all, method: 0 };
}

/** fence_node -U: every <unfence> device, all attempted; success only if all succeed. */
export async function unfenceNode(config: ClusterConfig, node: ClusterNode, opts: FenceRunOptions = {}): Promise<FenceRunResult> {
  if (node.unfence.length === 0) return { outcome: 'undefined', safeAtMs: null, devices: [], method: 0 };
  const runs = await Promise.all(node.unfence.map((ref, i) => runDevice(config, node, 1, 'unfence', i + 1, ref, undefined, opts, () => undefined)));
  return { outcome: runs.every((r) => r.result.ok) ? 'success' : 'failed', safeAtMs: null, devices: runs, method: 1 };
}

/** fence_node -S: status through every device of every method; on if any says on. */
export async function statusNode(config: ClusterConfig, node: ClusterNode, opts: FenceRunOptions = {}): Promise<FenceRunResult & { power: 'on' | 'off' | null }> {
  const jobs: Promise<DeviceOutcome>[] = [];
  node.fenceMethods.forEach((m, mi) => {
    if (opts.onlyMethod !== undefined && opts.onlyMethod !== mi + 1) return;
    m.devices.forEach((ref, di) => jobs.push(runDevice(config, node, mi + 1, m.name, di + 1, ref, 'status', opts, () => undefined)));
  });
  if (jobs.length === 0) return { outcome: 'undefined', safeAtMs: null, devices: [], method: 0, power: null };
  const done = await Promise.all(jobs);
  const readable = done.filter((r) => r.result.ok);
  const power = readable.length === 0 ? null : readable.some((r) => r.result.exitCode === 0) ? 'on' : 'off';
  return { outcome: readable.length === done.length ? 'success' : 'failed', safeAtMs: null, devices: done, method: 0, power };
}

export function deviceRuns(r: FenceRunResult): FenceDeviceRun[] {
  return r.devices.map((d) => ({
    method: d.method, device: d.device, deviceName: d.deviceName, agent: d.agent, ok: d.result.ok,
    result: d.result.ok ? 'success' : 'error from agent', message: d.result.message,
  }));
}
