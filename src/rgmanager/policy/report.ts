// Views of a scenario for people (clustat layout + action list) and machines (--json).
import type { ClustatModel } from '../clustat-format.js';
import { formatClustatText } from '../clustat-format.js';
import type { Scenario, SimAction } from './scenario.js';

export interface SimulationJson {
  quorate: boolean;
  members: string[];
  services: Record<string, { state: string; owner: string | null; last_owner: string | null; restarts: number; flags: string[] }>;
  actions: SimAction[];
}

export function clustatModel(sc: Scenario, startTimeMs: number): ClustatModel {
  const e = sc.engine;
  const q = e.quorumView();
  return {
    clusterName: e.config.clusterName,
    date: new Date(sc.nowMs),
    quorate: q.quorate,
    members: e.nodeViews().map((n) => ({ name: n.name, nodeid: n.nodeid, online: n.online, rgmanager: n.online })),
    ...(e.config.qdisk !== undefined ? { qdisk: { label: e.config.qdisk.label, online: q.qdiskHeld } } : {}),
    services: e.serviceViews().map((s) => ({
      id: s.id, state: s.state, stateCode: s.stateCode, owner: s.owner, lastOwner: s.lastOwner, flags: s.flags,
      restarts: s.restarts, lastTransitionS: Math.floor((s.lastTransitionMs > 0 ? s.lastTransitionMs : startTimeMs) / 1000),
    })),
  };
}

export function simulationJson(sc: Scenario): SimulationJson {
  const e = sc.engine;
  const services: SimulationJson['services'] = {};
  for (const s of e.serviceViews()) {
    const flags: string[] = [];
    if (s.frozen) flags.push('frozen');
    if (s.partial) flags.push('partial');
    services[s.id] = { state: s.state, owner: s.owner, last_owner: s.lastOwner, restarts: s.restarts, flags };
  }
  return { quorate: e.quorumView().quorate, members: e.nodeViews().filter((n) => n.online).map((n) => n.name), services,
    actions: sc.actions };
}

export function formatActions(actions: readonly SimAction[]): string {
  if (actions.length === 0) return 'Actions: none\n';
  const nodeW = Math.max(4, ...actions.map((a) => (a.node ?? '-').length));
  const opW = Math.max(2, ...actions.map((a) => a.op.length));
  const tW = Math.max(6, ...actions.map((a) => a.target.length));
  const lines = actions.map((a) => `  ${String(a.step).padStart(4)}  ${(a.node ?? '-').padEnd(nodeW)}  ${a.op.padEnd(opW)}  ` +
    `${a.target.padEnd(tW)}  ${a.reason}`);
  return `Actions:\n  ${'step'}  ${'node'.padEnd(nodeW)}  ${'op'.padEnd(opW)}  ${'target'.padEnd(tW)}  reason\n${lines.join('\n')}\n`;
}

export function formatSimulationText(sc: Scenario, startTimeMs: number): string {
  return `${formatClustatText(clustatModel(sc, startTimeMs))}\n${formatActions(sc.actions)}`;
}
