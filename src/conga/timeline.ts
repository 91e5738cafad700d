// Incidents from successive snapshots (pure): a member disappears → its fencing → each service it
// owned running again elsewhere (or stopped) → the incident closes. Durations in ms from the
// snapshot times, which the server takes when a daemon event arrives.
import type { ClusterSnapshot, Incident, IncidentPhase, IncidentPhaseName } from './model.js';

/** Incidents kept (oldest dropped). */
export const MAX_INCIDENTS = 50;
/** Phases per incident (a flapping node cannot grow one without bound). */
const MAX_PHASES = 64;

interface Open {
  id: number;
  node: string;
  startedMs: number;
  phases: IncidentPhase[];
  affected: string[];
  pending: Set<string>;
  fenced: boolean;
  closedMs: number | null;
}

export class IncidentTracker {
  private prev: ClusterSnapshot | undefined;
  private incidents: Open[] = [];
  private nextId = 1;

  /** Feed the next snapshot; returns true when the incident list changed. */
  observe(s: ClusterSnapshot): boolean {
    const prev = this.prev;
    this.prev = s;
    if (prev === undefined) return false;
    let changed = false;
    const was = new Map(prev.members.map((m) => [m.name, m]));
    const prevSvc = new Map((prev.services ?? []).map((v) => [v.id, v]));
    for (const m of s.members) {
      const before = was.get(m.name);
      if (before?.online === true && !m.online) {
        const affected = (prev.services ?? []).filter((v) => v.owner === m.name && v.state === 'started').map((v) => v.id);
        const inc: Open = { id: this.nextId++, node: m.name, startedMs: s.timeMs, phases: [], affected,
          pending: new Set(affected), fenced: false, closedMs: null };
        this.push(inc, 'node lost', m.name, s.timeMs, affected.length > 0 ? `owned ${affected.join(', ')}` : 'owned no services');
        this.incidents.push(inc);
        if (this.incidents.length > MAX_INCIDENTS) this.incidents.shift();
        changed = true;
      }
    }
    // fence history rows that appeared for an open incident's victim
    const seenRows = new Set((prev.fenceHistory ?? []).map((r) => `${r.victim}@${r.startedMs}`));
    for (const r of s.fenceHistory ?? []) {
      if (seenRows.has(`${r.victim}@${r.startedMs}`)) continue;
      for (const inc of this.openFor(r.victim)) {
        if (r.result === 'success' || r.result === 'ok') {
          if (!inc.fenced) {
            inc.fenced = true;
            if (!inc.phases.some((p) => p.name === 'fencing')) this.push(inc, 'fencing', r.victim, r.startedMs, `${r.method ?? '?'} / ${r.device ?? '?'} started${r.by !== null ? ` by ${r.by}` : ''}`);
            this.push(inc, 'fenced', r.victim, r.durationMs !== null ? r.startedMs + r.durationMs : s.timeMs,
              `${r.method ?? 'method ?'} / ${r.device ?? 'device ?'}${r.durationMs !== null ? ` in ${r.durationMs} ms` : ''}`);
            changed = true;
          }
        } else {
          this.push(inc, 'fencing', r.victim, s.timeMs, `attempt ${r.result} (${r.method ?? '?'} / ${r.device ?? '?'})`);
          changed = true;
        }
      }
    }
    for (const m of s.members) {
      const before = was.get(m.name);
      for (const inc of this.openFor(m.name)) {
        if (m.fence !== before?.fence && m.fence !== null) {
          if (m.fence === 'fencing' || m.fence === 'failed') { this.push(inc, 'fencing', m.name, s.timeMs, m.fence === 'failed' ? 'fencing failed; retrying' : 'fencing started'); changed = true; }
          if (m.fence === 'clean' && !inc.fenced) { inc.fenced = true; this.push(inc, 'fenced', m.name, s.timeMs, 'fenced'); changed = true; }
        }
        if (!before?.online && m.online && before !== undefined) { this.push(inc, 'node back', m.name, s.timeMs, 'rejoined'); changed = true; }
      }
    }
    for (const v of s.services ?? []) {
      for (const inc of this.incidents) {
        if (inc.closedMs !== null || !inc.pending.has(v.id)) continue;
        const p = prevSvc.get(v.id);
        if (v.state === 'started' && v.owner !== null && v.owner !== inc.node && (p?.owner !== v.owner || p.state !== 'started')) {
          inc.pending.delete(v.id);
          this.push(inc, 'service recovered', v.id, s.timeMs, `started on ${v.owner}`);
          changed = true;
        } else if ((v.state === 'disabled' || v.state === 'failed') && p?.state !== v.state) {
          inc.pending.delete(v.id);
          this.push(inc, 'service stopped', v.id, s.timeMs, v.state);
          changed = true;
        }
      }
    }
    for (const inc of this.incidents) {
      if (inc.closedMs !== null) continue;
      const fenceKnown = s.features.fencing;
      if (inc.pending.size === 0 && (inc.fenced || !fenceKnown)) {
        inc.closedMs = inc.phases[inc.phases.length - 1]?.atMs ?? s.timeMs;
        changed = true;
      }
    }
    return changed;
  }

  list(): Incident[] {
    return this.incidents.map((i) => ({
      id: i.id, node: i.node, startedMs: i.startedMs, phases: [...i.phases].sort((a, b) => a.atMs - b.atMs), affected: [...i.affected],
      open: i.closedMs === null, totalMs: i.closedMs === null ? null : i.closedMs - i.startedMs,
    })).reverse();
  }

  private openFor(node: string): Open[] {
    return this.incidents.filter((i) => i.node === node && i.closedMs === null);
  }

  private push(inc: Open, name: IncidentPhaseName, subject: string, atMs: number, detail: string): void {
    if (inc.phases.length >= MAX_PHASES) return;
    inc.phases.push({ name, subject, atMs, sinceStartMs: atMs - inc.startedMs, detail });
  }
}
