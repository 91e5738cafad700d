// What changed between two configs: the input for reconfiguration (cman_tool version -r, rgmanager's
// resource delta) and for humans. Pure; stable order: area order below, then document order.
import type { ClusterConfig, FailoverDomain, FenceMethod, FenceDeviceRef, RawElement, ServiceConfig } from './types.js';
import { staticResourcePrimaries } from './primaries.js';

export type ConfigChangeArea =
  | 'version' | 'cluster' | 'cman' | 'totem' | 'quorumd' | 'fence_daemon' | 'node' | 'fencing' | 'fencedevice'
  | 'domain' | 'service' | 'resource' | 'rm';

export type ConfigChangeKind = 'added' | 'removed' | 'changed';

export interface ConfigChange {
  readonly area: ConfigChangeArea;
  readonly kind: ConfigChangeKind;
  /** What it is about: a node name, `service:web`, `fs:data`, a device or domain name, or the area. */
  readonly subject: string;
  /** The attribute or aspect that changed (`votes`, `methods`, `recovery`, `resources` ...), if any. */
  readonly field?: string;
  readonly from?: string;
  readonly to?: string;
  /** One human line, e.g. `node n3: votes 1 -> 2`. */
  readonly what: string;
}

export interface ConfigDiff {
  readonly versionFrom: number;
  readonly versionTo: number;
  readonly changes: readonly ConfigChange[];
  /** True when nothing but (possibly) config_version changed. */
  readonly empty: boolean;
  /** One human line per change. */
  describe(): string[];
}

const secretKeys = /passw|community|secret|key|snmp_priv/i;

function attrsText(attrs: Readonly<Record<string, string>>): string {
  return Object.entries(attrs).map(([k, v]) => `${k}=${secretKeys.test(k) ? '***' : v}`).join(' ');
}
function deviceRefText(d: FenceDeviceRef): string {
  const a = attrsText(d.args);
  return a === '' ? d.name : `${d.name}(${a})`;
}
function methodsText(ms: readonly FenceMethod[]): string {
  return ms.length === 0 ? '(none)' : ms.map((m) => `${m.name}[${m.devices.map(deviceRefText).join(', ')}]`).join('; ');
}
function domainText(d: FailoverDomain): string {
  const flags = `${d.ordered ? 'ordered' : 'unordered'},${d.restricted ? 'restricted' : 'unrestricted'},${d.nofailback ? 'nofailback' : 'failback'}`;
  return `${flags}: ${d.nodes.map((n) => (d.ordered ? `${n.name}:${n.priority}` : n.name)).join(' ')}`;
}
/** A resource tree as text (tags, attributes, nesting), for comparison and display. */
function treeText(el: RawElement): string {
  const kids = el.children.map(treeText).join(' ');
  return `${el.tag}(${attrsText(el.attrs)}${kids !== '' ? ` ${kids}` : ''})`;
}

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const t of items) if (!m.has(key(t))) m.set(key(t), t);
  return m;
}

export function diffConfig(oldConfig: ClusterConfig, newConfig: ClusterConfig): ConfigDiff {
  const changes: ConfigChange[] = [];
  const push = (c: ConfigChange): void => { changes.push(c); };
  const field = (area: ConfigChangeArea, subject: string, name: string, a: unknown, b: unknown, label = `${subject}`): void => {
    const from = a === undefined ? '(unset)' : String(a);
    const to = b === undefined ? '(unset)' : String(b);
    if (from !== to) push({ area, kind: 'changed', subject, field: name, from, to, what: `${label}: ${name} ${from} -> ${to}` });
  };
  if (oldConfig.configVersion !== newConfig.configVersion) {
    push({ area: 'version', kind: 'changed', subject: 'cluster', field: 'config_version', from: String(oldConfig.configVersion),
      to: String(newConfig.configVersion), what: `config_version ${oldConfig.configVersion} -> ${newConfig.configVersion}` });
  }
  field('cluster', 'cluster', 'name', oldConfig.name, newConfig.name);
  for (const k of ['twoNode', 'expectedVotes', 'port', 'transport', 'clusterId', 'multicastAddress', 'keyfile'] as const) {
    field('cman', 'cman', k, oldConfig.cman[k], newConfig.cman[k]);
  }
  for (const k of ['tokenMs', 'consensusMs', 'joinMs', 'secauth', 'rrpMode'] as const) field('totem', 'totem', k, oldConfig.totem[k], newConfig.totem[k]);
  const oq = oldConfig.quorumd;
  const nq = newConfig.quorumd;
  if (oq === undefined && nq !== undefined) push({ area: 'quorumd', kind: 'added', subject: 'quorumd', what: `quorum disk added (votes ${nq.votes})` });
  else if (oq !== undefined && nq === undefined) push({ area: 'quorumd', kind: 'removed', subject: 'quorumd', what: 'quorum disk removed' });
  else if (oq !== undefined && nq !== undefined) {
    for (const k of ['votes', 'intervalS', 'tko', 'minScore', 'device', 'label', 'masterWins'] as const) field('quorumd', 'quorumd', k, oq[k], nq[k]);
    field('quorumd', 'quorumd', 'heuristics', oq.heuristics.map((h) => `${h.program}:${h.score}`).join('; '), nq.heuristics.map((h) => `${h.program}:${h.score}`).join('; '));
  }
  for (const k of ['postJoinDelayS', 'postFailDelayS', 'cleanStart', 'overrideTimeS'] as const) {
    field('fence_daemon', 'fence_daemon', k, oldConfig.fenceDaemon[k], newConfig.fenceDaemon[k]);
  }

  // nodes and their fencing
  const on = byKey(oldConfig.nodes, (n) => n.name);
  const nn = byKey(newConfig.nodes, (n) => n.name);
  for (const [name, n] of on) if (!nn.has(name)) push({ area: 'node', kind: 'removed', subject: name, what: `node ${name} removed (nodeid ${n.nodeid}, votes ${n.votes})` });
  for (const [name, n] of nn) {
    const o = on.get(name);
    if (o === undefined) {
      push({ area: 'node', kind: 'added', subject: name, what: `node ${name} added (nodeid ${n.nodeid}, votes ${n.votes})` });
      continue;
    }
    field('node', name, 'nodeid', o.nodeid, n.nodeid, `node ${name}`);
    field('node', name, 'votes', o.votes, n.votes, `node ${name}`);
    field('node', name, 'altnames', o.altnames.map((a) => a.name).join(','), n.altnames.map((a) => a.name).join(','), `node ${name}`);
    const om = methodsText(o.fenceMethods);
    const nm = methodsText(n.fenceMethods);
    if (om !== nm) push({ area: 'fencing', kind: 'changed', subject: name, field: 'methods', from: om, to: nm, what: `node ${name}: fencing ${om} -> ${nm}` });
    const ou = o.unfence.map(deviceRefText).join(', ');
    const nu = n.unfence.map(deviceRefText).join(', ');
    if (ou !== nu) push({ area: 'fencing', kind: 'changed', subject: name, field: 'unfence', from: ou, to: nu, what: `node ${name}: unfence ${ou || '(none)'} -> ${nu || '(none)'}` });
  }
  const od = byKey(oldConfig.fenceDevices, (d) => d.name);
  const nd = byKey(newConfig.fenceDevices, (d) => d.name);
  for (const [name, d] of od) if (!nd.has(name)) push({ area: 'fencedevice', kind: 'removed', subject: name, what: `fence device ${name} removed (${d.agent})` });
  for (const [name, d] of nd) {
    const o = od.get(name);
    if (o === undefined) push({ area: 'fencedevice', kind: 'added', subject: name, what: `fence device ${name} added (${d.agent})` });
    else {
      const a = `${o.agent} ${attrsText(o.args)}`;
      const b = `${d.agent} ${attrsText(d.args)}`;
      const same = o.agent === d.agent && JSON.stringify(Object.entries(o.args).sort()) === JSON.stringify(Object.entries(d.args).sort());
      if (!same) push({ area: 'fencedevice', kind: 'changed', subject: name, field: 'settings', from: a, to: b, what: `fence device ${name}: ${a} -> ${b}` });
    }
  }

  // failover domains
  const odom = byKey(oldConfig.rm.failoverDomains, (d) => d.name);
  const ndom = byKey(newConfig.rm.failoverDomains, (d) => d.name);
  for (const [name] of odom) if (!ndom.has(name)) push({ area: 'domain', kind: 'removed', subject: name, what: `failover domain ${name} removed` });
  for (const [name, d] of ndom) {
    const o = odom.get(name);
    if (o === undefined) push({ area: 'domain', kind: 'added', subject: name, what: `failover domain ${name} added (${domainText(d)})` });
    else if (domainText(o) !== domainText(d)) {
      push({ area: 'domain', kind: 'changed', subject: name, field: 'members', from: domainText(o), to: domainText(d), what: `failover domain ${name}: ${domainText(o)} -> ${domainText(d)}` });
    }
  }

  // services
  const trackedServiceAttrs = new Set(['domain', 'autostart', 'exclusive', 'recovery', 'depend', 'depend_mode', 'max_restarts', 'restart_expire_time', 'priority', 'migrate']);
  const svcTree = (s: ServiceConfig): string => s.element.children.map(treeText).join(' ');
  const os = byKey(oldConfig.rm.services, (s) => s.id);
  const ns = byKey(newConfig.rm.services, (s) => s.id);
  for (const [id] of os) if (!ns.has(id)) push({ area: 'service', kind: 'removed', subject: id, what: `${id} removed` });
  for (const [id, s] of ns) {
    const o = os.get(id);
    if (o === undefined) {
      push({ area: 'service', kind: 'added', subject: id, what: `${id} added` });
      continue;
    }
    for (const k of ['domain', 'autostart', 'exclusive', 'recovery', 'depend', 'dependMode', 'maxRestarts', 'restartExpireTimeS', 'priority', 'migrate'] as const) {
      field('service', id, k, o[k], s[k], id);
    }
    const rest = (x: ServiceConfig): string => attrsText(Object.fromEntries(Object.entries(x.element.attrs).filter(([k]) => !trackedServiceAttrs.has(k))));
    if (rest(o) !== rest(s)) {
      push({ area: 'service', kind: 'changed', subject: id, field: 'attributes', from: rest(o), to: rest(s), what: `${id}: attributes ${rest(o)} -> ${rest(s)}` });
    }
    if (svcTree(o) !== svcTree(s)) {
      push({ area: 'service', kind: 'changed', subject: id, field: 'resources', from: svcTree(o), to: svcTree(s), what: `${id}: resource tree changed` });
    }
  }

  // global resources (<rm><resources>), keyed type:primary
  const primaries = staticResourcePrimaries();
  const resKey = (r: RawElement): string => `${r.tag}:${r.attrs[primaries.get(r.tag) ?? 'name'] ?? r.attrs['name'] ?? '?'}`;
  const or = byKey(oldConfig.rm.resources.filter((r) => r.tag !== 'action'), resKey);
  const nr = byKey(newConfig.rm.resources.filter((r) => r.tag !== 'action'), resKey);
  for (const [k] of or) if (!nr.has(k)) push({ area: 'resource', kind: 'removed', subject: k, what: `resource ${k} removed` });
  for (const [k, r] of nr) {
    const o = or.get(k);
    if (o === undefined) push({ area: 'resource', kind: 'added', subject: k, what: `resource ${k} added` });
    else if (treeText(o) !== treeText(r)) push({ area: 'resource', kind: 'changed', subject: k, field: 'attributes', from: attrsText(o.attrs), to: attrsText(r.attrs), what: `resource ${k}: ${attrsText(o.attrs)} -> ${attrsText(r.attrs)}` });
  }
  for (const k of ['statusPollIntervalS', 'transitionThrottlingS', 'centralProcessing', 'disabled'] as const) field('rm', 'rm', k, oldConfig.rm[k], newConfig.rm[k]);

  const frozen = Object.freeze(changes.map((c) => Object.freeze(c)));
  return Object.freeze({
    versionFrom: oldConfig.configVersion,
    versionTo: newConfig.configVersion,
    changes: frozen,
    empty: frozen.every((c) => c.area === 'version'),
    describe: () => frozen.map((c) => c.what),
  });
}
