// Byte-exact renderers for cman_tool output (cman.md §2; RHEL6 cman_tool/main.c printf formats).
// Pure: status/nodes snapshots in, text out.
import type { CmanDiag, CmanNodeRow, CmanNodes, CmanStatus } from '../api/cman.js';

export function formatStatus(s: CmanStatus): string {
  const out: string[] = [];
  out.push(`Version: ${s.version}`);
  out.push(`Config Version: ${s.configVersion}`);
  out.push(`Cluster Name: ${s.clusterName}`);
  out.push(`Cluster Id: ${s.clusterId}`);
  out.push('Cluster Member: Yes');
  out.push(`Cluster Generation: ${s.generation}`);
  out.push(`Membership state: ${s.membershipState}`);
  out.push(`Nodes: ${s.nodes}`);
  out.push(`Expected votes: ${s.expectedVotes}`);
  if (s.quorumDeviceVotes !== undefined) out.push(`Quorum device votes: ${s.quorumDeviceVotes}`);
  out.push(`Total votes: ${s.totalVotes}`);
  out.push(`Node votes: ${s.nodeVotes}`);
  out.push(`Quorum: ${s.quorum} ${s.quorate ? ' ' : 'Activity blocked'}`);
  out.push(`Active subsystems: ${s.activeSubsystems}`);
  out.push(`Flags:${s.flags.map((f) => ` ${f}`).join('')} `);
  out.push(`Ports Bound: ${s.portsBound.map((p) => `${p} `).join('')} `);
  out.push(`Node name: ${s.nodeName}`);
  out.push(`Node ID: ${s.nodeId}`);
  out.push(`Multicast addresses: ${s.multicastAddresses.map((a) => `${a} `).join('')}`);
  out.push(`Node addresses: ${s.nodeAddresses.map((a) => `${a} `).join('')}`);
  if (s.flags.includes('DisallowedNodes')) out.push(`Disallowed nodes: ${s.disallowedNodes.map((n) => `${n} `).join('')}`);
  return out.join('\n') + '\n';
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** strftime("%F %H:%M:%S") in local time. */
export function formatJoinTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

export const NODE_FORMAT_FIELDS = ['id', 'name', 'type', 'addr', 'votes', 'exp', 'state'] as const;
export type NodeFormatField = (typeof NODE_FORMAT_FIELDS)[number];

export interface NodesOptions {
  /** -a: print each node's addresses. */
  readonly addresses: boolean;
  /** -n NAME (repeatable): only these nodes. */
  readonly names: readonly string[];
  /** -F id,name,...: fields (unknown names print nothing, as cman_tool does). */
  readonly format: readonly string[] | undefined;
}

function formatField(f: string, n: CmanNodeRow): string {
  switch (f) {
    case 'id': return `${n.nodeid} `;
    case 'name': return `${n.name} `;
    case 'type': return `${n.sts} `;
    case 'votes': return `${n.votes} `;
    case 'exp': return `${n.expectedVotes} `;
    case 'state': return `${n.state} `;
    case 'addr': return `${n.addresses.join(',')} `;
    default: return '';
  }
}

export function formatNodes(r: CmanNodes, opts: NodesOptions): string {
  let out = '';
  if (r.disallowedCount > 0) {
    out += `NOTE: There are ${r.disallowedCount} disallowed nodes,\n`;
    out += '      members list may seem inconsistent across the cluster\n';
  }
  if (opts.format === undefined) out += 'Node  Sts   Inc   Joined               Name\n';
  const rows = [...r.nodes].sort((a, b) => a.nodeid - b.nodeid);
  for (const n of rows) {
    if (opts.names.length > 0 && !opts.names.includes(n.name)) continue;
    if (opts.format === undefined) {
      const joined = n.joinedMs !== undefined && n.sts !== 'X' ? formatJoinTime(n.joinedMs) : ' '.repeat(19);
      out += `${String(n.nodeid).padStart(4)}   ${n.sts}  ${String(n.incarnation).padStart(5)}   ${joined}  ${n.name}\n`;
      if (opts.addresses && n.addresses.length > 0) out += `       Addresses: ${n.addresses.map((a) => `${a} `).join('')}\n`;
    } else {
      out += opts.format.map((f) => formatField(f, n)).join('') + '\n';
    }
  }
  return out;
}

/** `cman_tool version`: "6.2.0 config 14". */
export function formatVersion(s: CmanStatus): string {
  return `${s.version} config ${s.configVersion}\n`;
}

/** `cman_tool diag` (ours): event-loop delay, transport counters, qdisk state. */
export function formatDiag(d: CmanDiag): string {
  const out: string[] = [];
  out.push(`PID: ${d.pid}`);
  out.push(`Uptime: ${d.uptimeS} s`);
  out.push(`RSS: ${(d.rssBytes / 1048576).toFixed(1)} MiB`);
  out.push(`CPU: user ${d.cpuUserMs} ms, system ${d.cpuSystemMs} ms`);
  out.push(`Token timeout: ${d.tokenTimeoutMs} ms`);
  const l = d.loopDelay;
  out.push(`Event loop delay: mean ${l.meanMs.toFixed(2)} ms, p50 ${l.p50Ms.toFixed(2)} ms, p99 ${l.p99Ms.toFixed(2)} ms, max ${l.maxMs.toFixed(2)} ms` +
    (l.p99Ms > d.tokenTimeoutMs / 10 ? ' (TOO HIGH: over a tenth of the token timeout)' : ''));
  const m = d.membership;
  out.push(`Membership: ${m.role}, term ${m.term}, leader ${m.leaderNodeid ?? '(none)'}, log committed ${m.commitIndex} of ${m.lastIndex}`);
  out.push(`Frames: sent ${d.transport.sent}, accepted ${d.transport.accepted}, send errors ${d.transport.sendErrors}`);
  const drops = Object.entries(d.transport.dropped).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
  out.push(`Frames dropped: ${drops.length > 0 ? drops.join(', ') : 'none'}`);
  if (d.qdisk !== undefined) {
    const q = d.qdisk;
    out.push(`Quorum disk: ${q.device}`);
    out.push(`  State: ${q.state}, score ${q.score}/${q.scoreMax} (required ${q.scoreRequired}), master ${q.masterNodeid ?? '(none)'}`);
    out.push(`  Visible set: { ${q.visibleSet.join(' ')} }, quorate set: { ${q.quorateSet.join(' ')} }`);
    out.push(`  Polled: ${q.polled ? 'yes' : 'no'}, votes ${q.votes}, cycles ${q.cycles}, I/O errors ${q.ioErrors}`);
  }
  return out.join('\n') + '\n';
}
