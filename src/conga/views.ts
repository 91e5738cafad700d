// Read-only views derived from the running configuration (pure): a service's resource tree and
// failover domain, the fence devices per node and method.
// (No parser import here: parsing and diffing run in a worker, see validate.ts.)
import type { ClusterConfig, RawElement } from '../config/types.js';

const SECRET = /passw|community|secret|key|snmp_priv/i;

export interface TreeRow {
  readonly depth: number;
  readonly type: string;
  readonly name: string;
  /** Line in cluster.conf. */
  readonly line: number;
  readonly attrs: Readonly<Record<string, string>>;
  /** A ref= to a shared resource. */
  readonly shared: boolean;
}

export interface ServiceDetail {
  readonly id: string;
  readonly tree: readonly TreeRow[];
  readonly domain: null | {
    readonly name: string; readonly ordered: boolean; readonly restricted: boolean; readonly nofailback: boolean;
    readonly nodes: readonly { readonly name: string; readonly priority: number; readonly rank: number }[];
  };
  readonly recovery: string;
  readonly maxRestarts: number;
  readonly restartExpireTimeS: number;
  readonly autostart: boolean;
  readonly exclusive: boolean;
  readonly depend: string | null;
}

const MAX_TREE_ROWS = 500;

function primaryName(el: RawElement): string {
  return el.attrs['name'] ?? el.attrs['ref'] ?? el.attrs['address'] ?? el.attrs['mountpoint'] ?? el.attrs['file'] ?? '';
}

function cleanAttrs(a: Readonly<Record<string, string>>): Record<string, string> {
  const o: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) o[k] = SECRET.test(k) ? '***' : v;
  return o;
}

export function serviceDetail(config: ClusterConfig, id: string): ServiceDetail | undefined {
  const svc = config.rm.services.find((s) => s.id === id);
  if (svc === undefined) return undefined;
  const shared = new Map<string, RawElement>();
  for (const r of config.rm.resources) {
    const key = primaryName(r);
    if (key !== '') shared.set(`${r.tag}:${key}`, r);
  }
  const rows: TreeRow[] = [];
  const walk = (el: RawElement, depth: number): void => {
    if (rows.length >= MAX_TREE_ROWS || depth > 32) return;
    if (el.tag === 'action') return; // <action> overrides belong to their resource, they are no resource
    const ref = el.attrs['ref'];
    const def = ref !== undefined ? shared.get(`${el.tag}:${ref}`) : undefined;
    const attrs = { ...(def?.attrs ?? {}), ...el.attrs };
    rows.push({ depth, type: el.tag, name: primaryName(def ?? el) || ref || '', line: el.line, attrs: cleanAttrs(attrs), shared: def !== undefined });
    for (const c of def?.children ?? []) walk(c, depth + 1);
    for (const c of el.children) walk(c, depth + 1);
  };
  walk(svc.element, 0);
  const d = svc.domain !== undefined ? config.rm.failoverDomains.find((x) => x.name.toLowerCase() === svc.domain!.toLowerCase()) : undefined;
  let domain: ServiceDetail['domain'] = null;
  if (d !== undefined) {
    const sorted = [...d.nodes].sort((a, b) => (d.ordered ? (a.priority || 101) - (b.priority || 101) : 0));
    let rank = 0; let lastPrio = NaN;
    domain = {
      name: d.name, ordered: d.ordered, restricted: d.restricted, nofailback: d.nofailback,
      nodes: sorted.map((n, i) => {
        if (!d.ordered) rank = 1;
        else if (n.priority !== lastPrio) { rank = i + 1; lastPrio = n.priority; }
        return { name: n.name, priority: n.priority, rank };
      }),
    };
  }
  return {
    id, tree: rows, domain, recovery: svc.recovery, maxRestarts: svc.maxRestarts, restartExpireTimeS: svc.restartExpireTimeS,
    autostart: svc.autostart, exclusive: svc.exclusive, depend: svc.depend ?? null,
  };
}

export interface FenceLayout {
  readonly nodes: readonly {
    readonly name: string;
    readonly methods: readonly { readonly name: string; readonly devices: readonly { readonly name: string; readonly agent: string; readonly args: Readonly<Record<string, string>> }[] }[];
  }[];
  readonly devices: readonly { readonly name: string; readonly agent: string; readonly args: Readonly<Record<string, string>> }[];
  readonly postFailDelayS: number;
  readonly postJoinDelayS: number;
}

export function fenceLayout(config: ClusterConfig): FenceLayout {
  const agentOf = new Map(config.fenceDevices.map((d) => [d.name, d.agent]));
  return {
    nodes: config.nodes.map((n) => ({
      name: n.name,
      methods: n.fenceMethods.map((m) => ({
        name: m.name,
        devices: m.devices.map((d) => ({ name: d.name, agent: agentOf.get(d.name) ?? '?', args: cleanAttrs(d.args) })),
      })),
    })),
    devices: config.fenceDevices.map((d) => ({ name: d.name, agent: d.agent, args: cleanAttrs(d.args) })),
    postFailDelayS: config.fenceDaemon.postFailDelayS,
    postJoinDelayS: config.fenceDaemon.postJoinDelayS,
  };
}

