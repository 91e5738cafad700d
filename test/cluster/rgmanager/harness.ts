// Cluster tests of rgmanager and fenced: real clusterd processes on 127.0.2.N, script resources
// that record where and when they run in a temp dir, real BMCs (OpenIPMI ipmi_sim) for fencing.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../../../src/api/index.js';
import type { RgReply, RgRequestParams, RgStatus, RgServiceStatus, FenceLs, FenceHistoryEntry } from '../../../src/api/index.js';
import { TestCluster, waitFor } from '../cman/harness.js';

export { TestCluster, waitFor };

export interface ServiceDef {
  name: string;
  domain?: string;
  recovery?: string;
  maxRestarts?: number;
  restartExpireS?: number;
  /** Add a second script resource with this name as an independent subtree (__independent_subtree="1"). */
  independentChild?: string;
  /** Add a script resource with this name as a non-critical subtree (__independent_subtree="2"). */
  nonCriticalChild?: string;
}

export interface DomainDef { name: string; ordered: boolean; restricted?: boolean; nodes: { name: string; priority: number }[] }

export interface FenceDef {
  /** BMC UDP port on 127.0.0.1 (ipmi_sim), per node name. */
  bmcPort: Record<string, number>;
  passwd?: Record<string, string>;
}

export interface RgConfOptions {
  clusterName: string;
  nodes: string[];
  port: number;
  dir: string;
  services: ServiceDef[];
  domains: DomainDef[];
  fence?: FenceDef;
  postFailDelayS?: number;
  overrideTimeS?: number;
}

/**
 * An LSB-ish script: start/stop/status recorded in <dir>/<svc>.log with ms timestamps and the node;
 * <svc>.on.<node> exists while it runs (created before the start line, removed after the stop line,
 * so a test that sees the file change also sees the line).
 */
export function writeServiceScript(dir: string, svc: string): string {
  const file = path.join(dir, `${svc}.sh`);
  writeFileSync(file, `#!/bin/bash
D=${JSON.stringify(dir)}; S=${JSON.stringify(svc)}; N=\${CLUSTER_NODE_NAME:-unknown}
case "$1" in
  start) [ -e "$D/$S.fail-start.$N" ] && exit 1
         touch "$D/$S.on.$N"; echo "$(date +%s%3N) start $N" >> "$D/$S.log"; exit 0;;
  stop)  echo "$(date +%s%3N) stop $N" >> "$D/$S.log"; rm -f "$D/$S.on.$N"; exit 0;;
  status) [ -e "$D/$S.on.$N" ] && exit 0; exit 3;;
  *) exit 2;;
esac
`);
  chmodSync(file, 0o755);
  return file;
}

export function rgClusterConf(o: RgConfOptions): string {
  const fence = o.fence;
  const nodes = o.nodes.map((n, i) => {
    const methods = fence !== undefined && fence.bmcPort[n] !== undefined
      ? `\n      <fence><method name="1"><device name="bmc-${i + 1}"/></method></fence>\n    ` : '';
    return `    <clusternode name="${n}" nodeid="${i + 1}" votes="1">${methods}</clusternode>`;
  }).join('\n');
  const devices = fence === undefined ? '' : `  <fencedevices>\n${o.nodes.map((n, i) => fence.bmcPort[n] === undefined ? '' :
    `    <fencedevice name="bmc-${i + 1}" agent="fence_ipmilan" ipaddr="127.0.0.1" ipport="${fence.bmcPort[n]}" login="admin" passwd="${fence.passwd?.[n] ?? 'secret'}" lanplus="1" cipher="3" power_wait="1"/>`).filter((l) => l !== '').join('\n')}\n  </fencedevices>`;
  const domains = o.domains.map((d) => `      <failoverdomain name="${d.name}" ordered="${d.ordered ? 1 : 0}" restricted="${d.restricted ? 1 : 0}">\n${
    d.nodes.map((m) => `        <failoverdomainnode name="${m.name}" priority="${m.priority}"/>`).join('\n')}\n      </failoverdomain>`).join('\n');
  const services = o.services.map((s) => {
    const attrs = [`name="${s.name}"`, 'autostart="1"', `recovery="${s.recovery ?? 'relocate'}"`];
    if (s.domain !== undefined) attrs.push(`domain="${s.domain}"`);
    if (s.maxRestarts !== undefined) attrs.push(`max_restarts="${s.maxRestarts}"`, `restart_expire_time="${s.restartExpireS ?? 300}"`);
    const file = writeServiceScript(o.dir, s.name);
    const child = s.independentChild === undefined ? '' : `\n      <script name="${s.independentChild}-script" file="${writeServiceScript(o.dir, s.independentChild)}" __independent_subtree="1">\n        <action name="status" depth="0" interval="1"/>\n      </script>`;
    const nc = s.nonCriticalChild === undefined ? '' : `\n      <script name="${s.nonCriticalChild}-script" file="${writeServiceScript(o.dir, s.nonCriticalChild)}" __independent_subtree="2">\n        <action name="status" depth="0" interval="1"/>\n      </script>`;
    return `    <service ${attrs.join(' ')}>\n      <script name="${s.name}-script" file="${file}">\n        <action name="status" depth="0" interval="1"/>\n      </script>${child}${nc}\n    </service>`;
  }).join('\n');
  return `<?xml version="1.0"?>
<cluster name="${o.clusterName}" config_version="1">
  <cman port="${o.port}"/>
  <totem token="1000"/>
  <fence_daemon post_join_delay="0" post_fail_delay="${o.postFailDelayS ?? 0}" clean_start="1" override_time="${o.overrideTimeS ?? 1}"/>
  <clusternodes>
${nodes}
  </clusternodes>
${devices}
  <rm status_poll_interval="1">
    <failoverdomains>
${domains}
    </failoverdomains>
${services}
  </rm>
</cluster>
`;
}

/** Lines of a service script log: {ms, op, node}. */
export function serviceLog(dir: string, svc: string): { ms: number; op: string; node: string }[] {
  const f = path.join(dir, `${svc}.log`);
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => {
    const [ms, op, node] = l.split(' ');
    return { ms: Number(ms), op: op ?? '', node: node ?? '' };
  });
}

/** Nodes on which the service's script currently says it runs. */
export function runningOn(dir: string, svc: string, nodes: string[]): string[] {
  return nodes.filter((n) => existsSync(path.join(dir, `${svc}.on.${n}`)));
}

export async function api<T>(cluster: TestCluster, node: string, fn: (c: ApiClient) => Promise<T>): Promise<T> {
  const c = await ApiClient.connect({ runDir: cluster.runDir(node), timeoutMs: 2000 });
  try { return await fn(c); } finally { c.close(); }
}

export async function rgStatus(cluster: TestCluster, node: string): Promise<RgStatus | undefined> {
  try { return await api(cluster, node, (c) => c.request('rg.status', {}, 3000)); } catch { return undefined; }
}

export async function service(cluster: TestCluster, node: string, id: string): Promise<RgServiceStatus | undefined> {
  return (await rgStatus(cluster, node))?.services.find((s) => s.id === id);
}

export function rgRequest(cluster: TestCluster, node: string, p: RgRequestParams): Promise<RgReply> {
  return api(cluster, node, (c) => c.request('rg.request', p, 130_000));
}

export async function fenceLs(cluster: TestCluster, node: string): Promise<FenceLs> {
  return api(cluster, node, (c) => c.request('fence.ls', {}, 3000));
}

export async function fenceHistory(cluster: TestCluster, node: string, victim?: string): Promise<readonly FenceHistoryEntry[]> {
  return (await api(cluster, node, (c) => c.request('fence.history', victim !== undefined ? { node: victim } : {}, 3000))).entries;
}

/** Wait until the service is `started` on some node (from `node`'s view); returns the owner. */
export function waitStarted(cluster: TestCluster, node: string, id: string, deadlineMs: number, on?: string): Promise<string> {
  return waitFor(`${id} started${on !== undefined ? ` on ${on}` : ''}`, deadlineMs, async () => {
    const s = await service(cluster, node, id);
    if (s?.state !== 'started' || s.owner === null || s.pending !== null) return undefined;
    return on === undefined || s.owner === on ? s.owner : undefined;
  });
}

/**
 * Wait until every node's rgmanager runs and `id` is started somewhere, then relocate it to `node`
 * if it is elsewhere (which node forms the cluster first decides where services start; failback
 * happens only when a node joins after the start finished).
 */
export async function placeOn(cluster: TestCluster, nodes: string[], id: string, node: string, deadlineMs = 30_000): Promise<void> {
  await waitFor('rgmanager running on every node', deadlineMs, async () => {
    for (const n of nodes) {
      const st = await rgStatus(cluster, n);
      if (st?.rgmanagerRunning !== true || st.nodes.filter((x) => x.online).length !== nodes.length) return false;
    }
    return true;
  });
  // An operation (a failback, a start) may begin between "started" and the request: rgmanager then
  // answers RG_EAGAIN ("Temporary failure; try again") and an admin tries again, as placeService in
  // src/demo/local-cluster.ts does. Bounded by the deadline.
  const endMs = Date.now() + deadlineMs;
  for (;;) {
    const owner = await waitStarted(cluster, node, id, Math.max(1, endMs - Date.now()));
    if (owner === node) return;
    const r = await rgRequest(cluster, node, { op: 'relocate', service: id, target: node });
    if (r.code === 'RG_EAGAIN' && Date.now() < endMs) continue;
    if (r.code !== 'RG_ESUCCESS' || r.owner !== node) throw new Error(`could not place ${id} on ${node}: ${r.message} (${r.reason})`);
    return;
  }
}

/** Start the nodes one after the other, each once the previous one answers on its socket. */
export async function startNodes(cluster: TestCluster, nodes: string[], conf: string): Promise<void> {
  for (const n of nodes) {
    const child = cluster.start(n, conf);
    try {
      await waitFor(`${n} answering`, 20_000, async () => (await cluster.status(n)) !== undefined);
    } catch (err) {
      // Say why: the daemon's exit status and the end of its log.
      const logFile = path.join(cluster.dir, `${n}.log`);
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '(no log)';
      throw new Error(`${(err as Error).message}; clusterd exit=${String(child.exitCode)} signal=${String(child.signalCode)}; log tail:\n${tail}`);
    }
  }
}

/**
 * Kill every clusterd of the cluster and remove its directory. Agents started by a killed daemon
 * may still write into the directory for a moment, so removal is retried (bounded).
 */
export async function cleanupCluster(cluster: TestCluster | undefined): Promise<void> {
  if (cluster === undefined) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await cluster.cleanup();
      return;
    } catch (err) {
      if (attempt >= 10 || (err as NodeJS.ErrnoException).code !== 'ENOTEMPTY') throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
