// One randomized simulation run: form a cluster, inject faults (loss, duplication, delay and
// reordering, partitions, one-way cuts, crashes, restarts, pauses, leaves, kills, proposals) for a
// while, then heal everything and require convergence within a bound. Safety is checked by the
// Sim after every tick (it throws SimViolation).
import { Sim, SimViolation } from './harness.js';
import type { NodeId } from '../../../src/cman/membership/index.js';

export interface ScenarioResult {
  seed: number;
  nodes: number;
  ok: boolean;
  error?: string;
  /** Virtual ms from healing to convergence. */
  convergeMs: number | null;
  virtualMs: number;
  steps: number;
  messages: number;
  log: string[];
}

export const TOKEN_MS = 1000;
export const FAULT_PHASE_MS = 12 * TOKEN_MS;
/** After healing, the cluster must converge within this (restarts of killed nodes included). */
export const CONVERGE_BOUND_MS = 30 * TOKEN_MS;

/** deadlineTicks: tick each core only when its nextDeadlineMs() is due, as the daemon does. */
export function runScenario(seed: number, nodes?: number, deadlineTicks = process.env['SIM_DEADLINE'] === '1'): ScenarioResult {
  const n = nodes ?? 3 + (seed % 7);
  const sim = new Sim(seed, { nodes: n, tokenMs: TOKEN_MS, tickMs: 20, codec: seed % 10 === 0, deadlineTicks });
  const r = sim.rand;
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const ids = [...sim.nodes.keys()];
  let reqId = 1;
  let convergeMs: number | null = null;
  try {
    sim.startAll();
    if (sim.runUntil(() => sim.converged(), 10 * TOKEN_MS) === null) throw new Error('did not form a cluster within 10 tokens');
    const pausedUntil = new Map<NodeId, number>();
    const faultEnd = sim.nowMs + FAULT_PHASE_MS;
    let nextEventMs = sim.nowMs;
    while (sim.nowMs < faultEnd) {
      if (sim.nowMs >= nextEventMs) {
        nextEventMs = sim.nowMs + Math.floor(r() * TOKEN_MS);
        const x = r();
        if (x < 0.14) {
          const shuffled = [...ids].sort(() => r() - 0.5);
          const k = 1 + Math.floor(r() * (n - 1));
          const groups = r() < 0.7 || n < 3 ? [shuffled.slice(0, k), shuffled.slice(k)]
            : [shuffled.slice(0, k), shuffled.slice(k, k + Math.ceil((n - k) / 2)), shuffled.slice(k + Math.ceil((n - k) / 2))];
          sim.partition(groups.filter((g) => g.length > 0));
        } else if (x < 0.26) {
          sim.heal();
        } else if (x < 0.36) {
          const live = sim.liveNodes();
          if (live.length > 0) sim.crash(pick(live).id);
        } else if (x < 0.48) {
          const dead = [...sim.nodes.values()].filter((s) => s.core === null);
          if (dead.length > 0) sim.start(pick(dead).id);
        } else if (x < 0.56) {
          const live = sim.liveNodes().filter((s) => !s.paused);
          if (live.length > 0) {
            const id = pick(live).id;
            sim.pause(id);
            pausedUntil.set(id, sim.nowMs + Math.floor((0.3 + r() * 2.5) * TOKEN_MS));
          }
        } else if (x < 0.61) {
          const a = pick(ids);
          const b = pick(ids);
          if (a !== b) sim.cut.add(`${a}>${b}`);
        } else if (x < 0.74) {
          sim.faults = { lossRate: r() < 0.3 ? 0 : r() * 0.3, dupRate: r() * 0.1, minDelayMs: 1,
            maxDelayMs: 1 + Math.floor(r() * 0.3 * TOKEN_MS) };
        } else if (x < 0.96) {
          const live = sim.liveNodes();
          if (live.length > 0) {
            const key = `svc${Math.floor(r() * 5)}`;
            sim.command(pick(live).id, reqId++, r() < 0.8
              ? { op: 'propose', command: { op: 'put', key, value: { owner: Math.floor(r() * n) + 1, t: sim.nowMs } } }
              : { op: 'propose', command: { op: 'delete', key } });
          }
        } else if (sim.nowMs > faultEnd - 4 * TOKEN_MS) {
          // no leave/kill near the end: they may complete only after healing
        } else if (x < 0.98) {
          const live = sim.liveNodes();
          if (live.length > 0) sim.command(pick(live).id, reqId++, { op: 'leave', remove: false });
        } else {
          const live = sim.liveNodes();
          if (live.length > 0) sim.command(pick(live).id, reqId++, { op: 'kill', nodeid: pick(ids) });
        }
      }
      sim.tick();
      for (const [id, until] of pausedUntil) {
        if (sim.nowMs >= until) {
          sim.resume(id);
          pausedUntil.delete(id);
        }
      }
    }
    // Heal everything; crashed nodes come back (as an admin or a fence reboot would bring them).
    sim.heal();
    sim.faults = { lossRate: 0, dupRate: 0, minDelayMs: 1, maxDelayMs: 20 };
    for (const id of pausedUntil.keys()) sim.resume(id);
    for (const s of sim.nodes.values()) if (s.core === null && s.restartAtMs === null) sim.start(s.id);
    convergeMs = sim.runUntil(() => sim.converged(), CONVERGE_BOUND_MS);
    if (convergeMs === null) throw new Error(`no convergence within ${CONVERGE_BOUND_MS} ms after healing: ${describe(sim)}`);
    // Stay converged, and every member applies the same replicated state.
    sim.run(3 * TOKEN_MS);
    if (!sim.converged() && sim.runUntil(() => sim.converged(), CONVERGE_BOUND_MS) === null) {
      throw new Error(`converged, then fell apart without faults: ${describe(sim)}`);
    }
    const states = sim.liveNodes().map((s) => JSON.stringify([...s.core!.kv().values()].sort((a, b) => a.key.localeCompare(b.key))));
    if (new Set(states).size !== 1) throw new Error(`replicated state differs between members: ${states.join(' / ')}`);
    return { seed, nodes: n, ok: true, convergeMs, virtualMs: sim.nowMs, steps: sim.coreSteps, messages: sim.messagesDelivered, log: sim.log };
  } catch (err) {
    const msg = err instanceof SimViolation || err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { seed, nodes: n, ok: false, error: msg, convergeMs, virtualMs: sim.nowMs, steps: sim.coreSteps,
      messages: sim.messagesDelivered, log: sim.log };
  }
}

export function describe(sim: Sim): string {
  return [...sim.nodes.values()].map((s) => {
    if (s.core === null) return `node${s.id}: down`;
    const v = s.core.view(sim.nowMs);
    const st = s.core.stats();
    return `node${s.id}(inc ${s.incarnation}${s.paused ? ', paused' : ''}): ${st.role} term ${st.term} leader ${v.leader} ` +
      `gen ${v.generation} idx ${v.index} ${v.quorate ? 'quorate' : 'inquorate'} [${v.members.map((m) => `${m.nodeid}.${m.incarnation}`).join(' ')}] ` +
      `commit ${st.commitIndex}/${st.lastIndex}`;
  }).join('; ');
}
