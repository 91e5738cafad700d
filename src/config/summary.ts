// A human summary of a ClusterConfig: nodes and votes, quorum, fencing, domains, services with
// their resource trees. Used by the demo; reusable by any command that wants an overview.
import { calculateQuorum } from '../cman/quorum.js';
import type { ClusterConfig, FenceDeviceRef, RawElement } from './types.js';
import { staticResourcePrimaries } from './schema.js';

function deviceText(d: FenceDeviceRef): string {
  const args = Object.entries(d.args).map(([k, v]) => `${k}=${v}`).join(' ');
  return `${d.name}${args !== '' ? ` ${args}` : ''}`;
}

/** `type:primary` with a ref resolved to its <resources> definition. */
function resourceLine(config: ClusterConfig, el: RawElement, primaries: ReadonlyMap<string, string>): string {
  const prim = primaries.get(el.tag) ?? 'name';
  const ref = el.attrs['ref'];
  const def = ref !== undefined ? config.rm.resources.find((r) => r.tag === el.tag && r.attrs[prim] === ref) ?? el : el;
  const id = ref ?? def.attrs[prim] ?? '?';
  const details = Object.entries(def.attrs).filter(([k]) => k !== prim && k !== 'ref' && !k.startsWith('__'))
    .map(([k, v]) => `${k}=${v}`).join(' ');
  return `${el.tag}:${id}${ref !== undefined ? ' (ref)' : ''}${details !== '' ? `  ${details}` : ''}`;
}

export function summarizeConfig(config: ClusterConfig): string {
  const out: string[] = [];
  const primaries = staticResourcePrimaries();
  const { cman, totem, quorumd } = config;
  out.push(`Cluster "${config.name}"  config_version ${config.configVersion}  (${config.file})`);
  out.push(`  cluster id ${cman.clusterId}, transport ${cman.transport}${cman.multicastAddress !== undefined ? ` ${cman.multicastAddress}` : ''} port ${cman.port}, token ${totem.tokenMs} ms, consensus ${totem.consensusMs} ms${cman.twoNode ? ', two_node' : ''}`);
  out.push('');
  out.push(`Nodes (${config.nodes.length}):`);
  for (const n of config.nodes) {
    out.push(`  ${n.name.padEnd(16)} nodeid ${String(n.nodeid).padEnd(3)} votes ${n.votes}${n.altnames.length > 0 ? `  altname ${n.altnames.map((a) => a.name).join(',')}` : ''}`);
  }
  const nodeVotes = config.nodes.reduce((a, n) => a + n.votes, 0);
  const qdVotes = quorumd?.votes ?? 0;
  const all = calculateQuorum({
    memberVotes: config.nodes.map((n) => n.votes), memberExpectedVotes: config.nodes.map(() => cman.expectedVotes),
    qdiskVotes: qdVotes, twoNode: cman.twoNode, previousQuorum: 0, allowDecrease: true,
  });
  out.push('');
  out.push('Quorum:');
  out.push(`  node votes ${nodeVotes}${quorumd !== undefined ? ` + quorum disk ${qdVotes}` : ''}; expected votes ${cman.expectedVotes}${cman.expectedVotesExplicit ? '' : ' (sum of node votes)'}`);
  out.push(`  quorum ${all.quorum} (all members${quorumd !== undefined ? ' and the qdisk' : ''}: total ${all.totalVotes}, ${all.quorate ? 'quorate' : 'NOT quorate'})`);
  if (quorumd !== undefined) {
    out.push(`  quorum disk ${quorumd.label !== undefined ? `label ${quorumd.label}` : `device ${quorumd.device ?? '?'}`}: interval ${quorumd.intervalS} s, tko ${quorumd.tko}, min_score ${quorumd.minScore}${quorumd.masterWins ? ', master_wins' : ''}`);
    for (const h of quorumd.heuristics) out.push(`    heuristic "${h.program}" score ${h.score} every ${h.intervalS} s, tko ${h.tko}`);
  }
  out.push('');
  out.push('Fencing:');
  for (const n of config.nodes) {
    out.push(`  ${n.name}${n.fenceMethods.length === 0 ? '  (no fence method!)' : ''}`);
    n.fenceMethods.forEach((m, i) => {
      out.push(`    ${i + 1}. method ${m.name}: ${m.devices.map((d) => deviceText(d)).join(', ')}`);
    });
    if (n.unfence.length > 0) out.push(`    unfence: ${n.unfence.map((d) => deviceText(d)).join(', ')}`);
  }
  if (config.fenceDevices.length > 0) out.push('  devices:');
  for (const f of config.fenceDevices) {
    const where = f.args['ipaddr'] !== undefined ? ` ${f.args['ipaddr']}${f.args['ipport'] !== undefined ? `:${f.args['ipport']}` : ''}` : '';
    out.push(`    ${f.name.padEnd(14)} ${f.agent}${where}`);
  }
  out.push('');
  out.push(`Failover domains (${config.rm.failoverDomains.length}):`);
  for (const d of config.rm.failoverDomains) {
    const flags = [d.ordered ? 'ordered' : 'unordered', d.restricted ? 'restricted' : 'unrestricted', d.nofailback ? 'nofailback' : 'failback'];
    out.push(`  ${d.name}  (${flags.join(', ')}): ${d.nodes.map((n) => (d.ordered ? `${n.name} [${n.priority}]` : n.name)).join(', ')}`);
  }
  out.push('');
  out.push(`Services (${config.rm.services.length}):`);
  for (const s of config.rm.services) {
    const flags = [`recovery ${s.recovery}`, s.autostart ? 'autostart' : 'no autostart'];
    if (s.domain !== undefined) flags.unshift(`domain ${s.domain}`);
    if (s.exclusive) flags.push('exclusive');
    if (s.depend !== undefined) flags.push(`depends on ${s.depend}`);
    if (s.maxRestarts > 0) flags.push(`max_restarts ${s.maxRestarts}/${s.restartExpireTimeS} s`);
    out.push(`  ${s.id}  (${flags.join(', ')})`);
    const dump = (el: RawElement, depth: number): void => {
      for (const ch of el.children) {
        if (ch.tag === 'action') continue;
        out.push(`${'  '.repeat(depth + 2)}${resourceLine(config, ch, primaries)}`);
        dump(ch, depth + 1);
      }
    };
    dump(s.element, 0);
  }
  return out.join('\n') + '\n';
}
