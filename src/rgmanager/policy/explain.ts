// "Why is service X where it is?" in plain words, from the policy core's own state.
import { PolicyEngine, SCORE_NAMES, BEST, ILLEGAL } from './engine.js';

export function explainService(engine: PolicyEngine, id: string): string[] {
  const v = engine.service(id);
  if (v === undefined) throw new Error(`no service '${id}'`);
  const cfg = engine.config.services.find((s) => s.id === id)!;
  const det = engine.details(id);
  const q = engine.quorumView();
  const nodes = engine.nodeViews();
  const lines: string[] = [];

  const where = v.owner !== null ? `${v.state} on ${v.owner}` : v.state;
  lines.push(`${id} is ${where} (state ${v.stateCode})${v.lastOwner !== null ? `, last owner ${v.lastOwner}` : ''}` +
    `${v.pending !== null ? `; in flight: ${v.pending}` : ''}.`);
  if (det.note !== '') lines.push(`Last decision: ${det.note}.`);

  lines.push(q.quorate
    ? `Quorum: quorate (${q.totalVotes} votes present, quorum ${q.quorum}${q.qdiskHeld ? ', quorum disk votes included' : ''}).`
    : `Quorum: NOT quorate (${q.totalVotes} votes present, quorum ${q.quorum}): every service is stopped and nothing starts until quorum returns.`);

  if (v.frozen) lines.push('Frozen: yes - no status checks, no failover, no start or stop until clusvcadm -U.');
  if (v.partial) lines.push('Partial: a non-critical resource failed; clusvcadm -c restarts it.');
  if (det.hold) lines.push('Held: not started automatically until the membership changes or a user enables it (user stop, or every start failed).');

  const pendingFence = nodes.filter((n) => n.fence !== 'clean');
  for (const n of pendingFence) {
    const mine = v.owner === n.name;
    lines.push(`Fencing of ${n.name}: ${n.fence}${n.fence === 'failed' ? ' (retrying; fence_ack_manual overrides)' : ''}.` +
      (mine ? ` ${id} stays recorded on ${n.name} and cannot move until ${n.name} is fenced.` : ''));
  }

  if (cfg.depend !== undefined) {
    const dep = engine.service(cfg.depend);
    const state = dep === undefined ? 'does not exist' : `is ${dep.state}${dep.owner !== null ? ` on ${dep.owner}` : ''}`;
    const ok = dep?.state === 'started';
    lines.push(`Depends on ${cfg.depend} (${cfg.dependMode}), which ${state}: ${ok ? 'satisfied' :
      cfg.dependMode === 'hard' ? 'not satisfied - it cannot start, and is stopped if running' : 'not satisfied - it cannot start, but keeps running'}.`);
  }

  const restartLimit = cfg.maxRestarts > 0 ? `${cfg.maxRestarts}${cfg.restartExpireTimeS > 0 ? ` within ${cfg.restartExpireTimeS} s` : ' (never forgotten)'}` : 'unlimited';
  lines.push(`Recovery: ${cfg.recovery}; restarts ${det.restartsInWindow} in the window, limit ${restartLimit}` +
    `${cfg.maxRestarts > 0 && det.restartsInWindow >= cfg.maxRestarts ? ' - the next failure exceeds it' : ''}.`);
  if (!cfg.autostart) lines.push('Autostart: off - it stays disabled at quorum formation until enabled.');

  const dom = cfg.domain === undefined ? undefined : engine.config.domains.find((d) => d.name.toLowerCase() === cfg.domain!.toLowerCase());
  if (cfg.domain !== undefined && dom === undefined) lines.push(`Domain '${cfg.domain}' does not exist: treated as no domain (any node).`);
  else if (dom === undefined) lines.push('Domain: none - every online node ranks BEST.');
  else {
    const attrs = [dom.ordered ? 'ordered' : 'unordered', dom.restricted ? 'restricted' : 'unrestricted', dom.nofailback ? 'nofailback' : 'failback'];
    lines.push(`Domain ${dom.name} (${attrs.join(', ')}).`);
  }
  if (cfg.exclusive) lines.push('Exclusive: yes - it only starts on a node running no other service, and nothing else starts beside it.');

  lines.push('Node ranking (node_should_start; ties go to the node with fewest services, then the lowest node id):');
  const ranks = engine.rankings(id);
  for (const r of ranks) {
    const parts: string[] = [];
    if (!r.online) parts.push('offline');
    else {
      if (dom !== undefined) parts.push(r.member ? `member${dom.ordered ? `, priority ${r.priority}` : ''}` : 'not a member');
      parts.push(`runs ${r.services} service${r.services === 1 ? '' : 's'}${r.exclusiveRunning > 0 ? ' (one exclusive)' : ''}`);
      if (!r.exclusiveOk) parts.push(cfg.exclusive ? 'not empty: excluded for an exclusive service' : 'runs an exclusive service: excluded');
    }
    const here = v.owner === r.node ? '  <- owner' : '';
    lines.push(`  ${r.node.padEnd(16)} id ${String(r.nodeid).padStart(3)}  ${SCORE_NAMES[r.score]!.padEnd(7)} ${parts.join('; ')}${here}`);
  }

  // Conclusion.
  const eligible = ranks.filter((r) => r.score === BEST && r.exclusiveOk);
  if (v.state === 'started' && v.owner !== null) {
    const own = ranks.find((r) => r.node === v.owner)!;
    const better = ranks.filter((r) => r.online && r.score > own.score && r.exclusiveOk);
    if (own.score === ILLEGAL) lines.push(`Why here: it was started on ${v.owner} by request or restart; the domain would not choose it.`);
    else if (better.length === 0) lines.push(`Why here: ${v.owner} ranks ${SCORE_NAMES[own.score]} and no online node ranks higher.`);
    else lines.push(`Why here: ${better.map((b) => b.node).join(', ')} rank${better.length === 1 ? 's' : ''} higher, but failback happens only ` +
      `when a node joins (a manual relocate, or a node that was already up, does not pull it back).`);
  } else if (v.state === 'stopped' && !v.frozen) {
    if (!q.quorate) lines.push('Why not running: the cluster is not quorate.');
    else if (dom?.restricted === true && !ranks.some((r) => r.online && r.member)) lines.push(`Why not running: restricted domain ${dom.name} has no member online.`);
    else if (eligible.length === 0) lines.push('Why not running: no online node ranks BEST and satisfies exclusivity.');
    else if (det.hold) lines.push('Why not running: held (see above).');
    else lines.push(`Why not running: see the dependency and fencing lines above.`);
  } else if (v.state === 'disabled') {
    lines.push('Why not running: disabled (by the administrator, autostart=0, or the recovery policy); clusvcadm -e starts it.');
  } else if (v.state === 'failed') {
    lines.push('Why not running: a stop failed; only clusvcadm -d (then -e) clears it.');
  }
  return lines;
}
