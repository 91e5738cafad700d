// Which <clusternode> is this machine (cman.md §4.4, verify_nodename), and where every node is.
// Order: --node (exact name, or name without domain); the hostname; the hostname without its
// domain; the cluster.conf names without their domains; then the node whose name (an IP literal
// or a resolvable host name) is one of this machine's addresses.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import type { ClusterConfig, ClusterNode } from '../config/types.js';

const short = (n: string) => (isIP(n) ? n : n.split('.')[0]!);

export class NodeNameError extends Error {}

export async function resolveAddress(name: string): Promise<string> {
  if (isIP(name)) return name;
  try {
    return (await lookup(name, { family: 4 })).address;
  } catch {
    try { return (await lookup(name)).address; } catch (err) {
      throw new NodeNameError(`cannot resolve clusternode name '${name}': ${(err as Error).message}`);
    }
  }
}

/** Every node's address (its name resolved). Throws naming the node that cannot be resolved. */
export async function resolveNodeAddresses(config: ClusterConfig): Promise<Map<number, string>> {
  const m = new Map<number, string>();
  for (const n of config.nodes) m.set(n.nodeid, await resolveAddress(n.name));
  return m;
}

export function localAddresses(): Set<string> {
  const s = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) s.add(a.address);
  return s;
}

export async function findLocalNode(config: ClusterConfig, explicit: string | undefined, addresses: ReadonlyMap<number, string>): Promise<ClusterNode> {
  const nodes = config.nodes;
  if (explicit !== undefined) {
    const n = nodes.find((x) => x.name === explicit) ?? nodes.find((x) => short(x.name) === short(explicit));
    if (n === undefined) throw new NodeNameError(`Cannot find node name '${explicit}' in cluster.conf (${config.file})`);
    return n;
  }
  const host = os.hostname();
  const byName = nodes.find((x) => x.name === host) ?? nodes.find((x) => x.name === short(host)) ?? nodes.find((x) => short(x.name) === short(host));
  if (byName !== undefined) return byName;
  const mine = localAddresses();
  const matches = nodes.filter((x) => mine.has(addresses.get(x.nodeid) ?? ''));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new NodeNameError(`several clusternodes match this machine's addresses (${matches.map((m) => m.name).join(', ')}); use --node NAME`);
  }
  throw new NodeNameError(`Cannot find node name in cluster.conf (${config.file}): hostname '${host}' and the addresses ${[...mine].join(', ')} match no clusternode; use --node NAME`);
}
