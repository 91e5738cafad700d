// RawElement tree -> ClusterConfig with RHEL6 defaults (research/cman.md §1, §3.2, §3.3, §4.1-4.3,
// §5.1; research/rgmanager.md §3, §4), plus the cross-reference checks the schema cannot express.
import type {
  ClusterConfig, ClusterNode, CmanConfig, CmanTransport, ConfigProblem, FailoverDomain, FailoverDomainNode,
  FenceDaemonConfig, FenceDevice, FenceDeviceRef, FenceMethod, Heuristic, LoggingConfig, LoggingDaemonConfig,
  QuorumdConfig, RawElement, RecoveryPolicy, ResourceTypeInfo, RmConfig, ServiceConfig, Severity, TotemConfig,
} from './types.js';
import { closest } from './suggest.js';

/** Collects problems; sorted by line at the end (stable). */
export class Problems {
  private readonly list: ConfigProblem[] = [];
  constructor(private readonly file: string) {}
  add(severity: Severity, line: number, where: string, message: string): void {
    this.list.push({ severity, file: this.file, line, where, message });
  }
  at(severity: Severity, el: RawElement, attribute: string | undefined, message: string): void {
    this.add(severity, el.line, describeElement(el, attribute), message);
  }
  /** By line (stable); a second error for the same place and line is dropped (schema first). */
  sorted(): ConfigProblem[] {
    const seen = new Set<string>();
    const unique = this.list.filter((q) => {
      if (q.severity !== 'error') return true;
      const k = `${q.line}|${q.where}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    return unique.map((p, i) => ({ p, i })).sort((a, b) => a.p.line - b.p.line || a.i - b.i).map((x) => x.p);
  }
}

/** `clusternode[name=n1]/@nodeid`, `ip[address=10.0.0.1]`, `fs[ref=data]`, `totem/@token`. */
export function describeElement(el: RawElement, attribute?: string): string {
  const key = ['name', 'ref', 'address', 'InstanceName', 'SID', 'program'].find((k) => el.attrs[k] !== undefined);
  const base = key !== undefined ? `${el.tag}[${key}=${el.attrs[key] ?? ''}]` : el.tag;
  return attribute !== undefined ? `${base}/@${attribute}` : base;
}

// ---- value readers ---------------------------------------------------------------------------

/** C atoi(): leading blanks, optional sign, digits; anything else stops (no digits -> 0). */
export function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const n = Number.parseInt(m[1] as string, 10);
  return Math.max(-2147483648, Math.min(2147483647, n));
}

const integerRe = /^\s*[+-]?\d+\s*$/;

interface Ctx {
  readonly p: Problems;
}

/** An integer attribute: an error (and the default) when it is not an integer or out of range. */
function intAttr(c: Ctx, el: RawElement | undefined, name: string, def: number, min = -Infinity, max = Infinity): number {
  const v = el?.attrs[name];
  if (el === undefined || v === undefined) return def;
  if (!integerRe.test(v)) {
    c.p.at('error', el, name, `'${v}' is not an integer`);
    return def;
  }
  const n = Number.parseInt(v, 10);
  if (n < min || n > max) {
    c.p.at('error', el, name, `${n} is out of range (${min === -Infinity ? '' : min}..${max === Infinity ? '' : max})`);
    return def;
  }
  return n;
}

function optIntAttr(c: Ctx, el: RawElement | undefined, name: string, min = -Infinity, max = Infinity): number | undefined {
  if (el?.attrs[name] === undefined) return undefined;
  const v = intAttr(c, el, name, Number.NaN, min, max);
  return Number.isNaN(v) ? undefined : v;
}

/**
 * A boolean the daemons read with atoi() (cman two_node, qdiskd, failover domains, rm): a
 * non-number is read as 0, which an admin writing "yes" does not expect, so it gets a warning.
 */
function atoiBool(c: Ctx, el: RawElement | undefined, name: string, def: boolean): boolean {
  const v = el?.attrs[name];
  if (el === undefined || v === undefined) return def;
  if (!integerRe.test(v)) {
    const asYes = /^\s*(yes|y|on|true)\s*$/i.test(v);
    c.p.at('warning', el, name, `'${v}' is read with atoi() as 0 (off)${asYes ? '; write 1 to turn it on' : '; write 1 or 0'}`);
  }
  return atoi(v) !== 0;
}

/** yes/no booleans (`<logging to_syslog="yes">`, `<cman upgrading>`, totem secauth "on"). */
function yesNoBool(c: Ctx, el: RawElement | undefined, name: string, def: boolean): boolean {
  const v = el?.attrs[name];
  if (el === undefined || v === undefined) return def;
  const s = v.trim().toLowerCase();
  if (['yes', 'on', 'true', '1', 'y'].includes(s)) return true;
  if (['no', 'off', 'false', '0', 'n'].includes(s)) return false;
  c.p.at('warning', el, name, `'${v}' is not yes/no (or on/off, 1/0); using ${def ? 'yes' : 'no'}`);
  return def;
}

/** rgmanager time values: `30`, `30s`, `5m`, `1h30m` (s m h d w y); undefined when invalid. */
export function parseTimeS(v: string): number | undefined {
  const s = v.trim();
  if (s === '') return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  const re = /(\d+)([smhdwy]?)/gy;
  let pos = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += Number(m[1]) * (unit[m[2] || 's'] ?? 1);
    pos = re.lastIndex;
    if (m[2] === '') break;
  }
  return pos === s.length && pos > 0 ? total : undefined;
}

function timeAttr(c: Ctx, el: RawElement, name: string, def: number): number {
  const v = el.attrs[name];
  if (v === undefined) return def;
  const t = parseTimeS(v);
  if (t === undefined) {
    c.p.at('error', el, name, `'${v}' is not a time (seconds, or with a suffix s/m/h/d/w/y such as 5m or 1h30m)`);
    return def;
  }
  return t;
}

const child = (el: RawElement | undefined, tag: string): RawElement | undefined => el?.children.find((c) => c.tag === tag);
const childrenOf = (el: RawElement | undefined, tag: string): RawElement[] => el?.children.filter((c) => c.tag === tag) ?? [];
const emptyElement = (tag: string): RawElement => ({ tag, attrs: {}, children: [], line: 0 });
const without = (attrs: Readonly<Record<string, string>>, ...names: string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (!names.includes(k)) out[k] = v;
  return out;
};

// ---- cluster id (research/cman.md §4.3) -------------------------------------------------------

/** cman's default cluster id: id = (id << 1) + byte, kept to 16 bits. */
export function clusterIdShiftAdd(name: string): number {
  let id = 0;
  for (const b of Buffer.from(name, 'utf8')) id = ((id << 1) + b) & 0xffff;
  return id;
}

/** `hash_cluster_id="yes"`: FNV-1a 32 folded to 16 bits. */
export function clusterIdFnv(name: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return ((h >>> 16) ^ (h & 0xffff)) & 0xffff;
}

/** cman's default IPv4 multicast address for a cluster id (note the `% 255`). */
export function defaultMulticastAddress(clusterId: number): string {
  return `239.192.${clusterId >> 8}.${clusterId % 255}`;
}

// ---- the model --------------------------------------------------------------------------------

export interface ModelOptions {
  /** Resource type -> primary attribute (static schema plus agent metadata). */
  readonly primaries: ReadonlyMap<string, string>;
  readonly extraTypes: ReadonlyMap<string, ResourceTypeInfo>;
}

const recoveryPolicies: readonly RecoveryPolicy[] = ['restart', 'relocate', 'disable', 'restart-disable'];

export function buildModel(root: RawElement, text: string, file: string, p: Problems, opts: ModelOptions): ClusterConfig | undefined {
  const c: Ctx = { p };
  const name = root.attrs['name'] ?? '';
  if (root.attrs['name'] !== undefined) {
    if (name.trim() === '') p.at('error', root, 'name', 'the cluster name is empty');
    else if (Buffer.byteLength(name) > 15) p.at('error', root, 'name', `'${name}' is ${Buffer.byteLength(name)} characters; cman requires 15 or fewer`);
  }
  let configVersion = 0;
  const cv = root.attrs['config_version'];
  if (cv !== undefined) {
    if (!/^\s*\+?\d+\s*$/.test(cv)) p.at('error', root, 'config_version', `'${cv}' is not a non-negative integer`);
    else {
      configVersion = Number.parseInt(cv, 10);
      if (configVersion > 0xffffffff) p.at('error', root, 'config_version', `${cv} is larger than 4294967295`);
    }
  }

  // -- nodes
  const nodesEl = child(root, 'clusternodes');
  const nodes: ClusterNode[] = [];
  const nodeByName = new Map<string, ClusterNode>();
  const nodeById = new Map<number, ClusterNode>();
  const fenceDevicesEl = child(root, 'fencedevices');
  const fenceDevices: FenceDevice[] = [];
  const deviceByName = new Map<string, FenceDevice>();
  for (const fd of childrenOf(fenceDevicesEl, 'fencedevice')) {
    const dn = fd.attrs['name'] ?? '';
    const dev: FenceDevice = { name: dn, agent: fd.attrs['agent'] ?? '', args: without(fd.attrs, 'name', 'agent'), line: fd.line };
    const prev = deviceByName.get(dn);
    if (prev !== undefined) p.at('error', fd, 'name', `duplicate fence device name (first defined on line ${prev.line})`);
    else deviceByName.set(dn, dev);
    if (fd.attrs['agent'] !== undefined && !/^fence_[A-Za-z0-9_]+$/.test(fd.attrs['agent'])) {
      p.at('warning', fd, 'agent', `'${fd.attrs['agent']}' does not look like a fence agent (fence_*)`);
    }
    fenceDevices.push(dev);
  }
  const deviceRef = (d: RawElement, nodeName: string): FenceDeviceRef => {
    const dn = d.attrs['name'] ?? '';
    if (d.attrs['name'] !== undefined && !deviceByName.has(dn)) {
      const hint = closest(dn, deviceByName.keys());
      p.at('error', d, 'name', `no <fencedevice name="${dn}"> in <fencedevices>${hint !== undefined ? `; did you mean '${hint}'?` : ''} (node ${nodeName} cannot be fenced this way)`);
    }
    return { name: dn, args: without(d.attrs, 'name'), line: d.line };
  };
  let anyAltname = false;
  for (const n of childrenOf(nodesEl, 'clusternode')) {
    const nn = n.attrs['name'] ?? '';
    const nodeid = optIntAttr(c, n, 'nodeid', 1, 0xffffffff) ?? 0;
    const votes = intAttr(c, n, 'votes', 1, 0, 255);
    const weight = optIntAttr(c, n, 'weight', 0);
    const altnames = childrenOf(n, 'altname').map((a) => ({
      name: a.attrs['name'] ?? '', port: optIntAttr(c, a, 'port', 1, 65535), mcast: a.attrs['mcast'],
    }));
    if (altnames.length > 0) anyAltname = true;
    const fenceMethods: FenceMethod[] = [];
    const methodNames = new Map<string, number>();
    for (const m of childrenOf(child(n, 'fence'), 'method')) {
      const mn = m.attrs['name'] ?? '';
      const prevLine = methodNames.get(mn);
      if (prevLine !== undefined) p.at('warning', m, 'name', `duplicate method name for node ${nn} (first on line ${prevLine})`);
      methodNames.set(mn, m.line);
      const devices = childrenOf(m, 'device').map((d) => deviceRef(d, nn));
      if (devices.length === 0) p.at('warning', m, undefined, `fence method of node ${nn} has no <device>: it can never succeed`);
      if (devices.length > 8) p.at('warning', m, undefined, `${devices.length} devices in one method; fenced uses at most 8`);
      fenceMethods.push({ name: mn, devices, line: m.line });
    }
    if (fenceMethods.length > 8) p.at('warning', child(n, 'fence') ?? n, undefined, `${fenceMethods.length} fence methods; fenced tries at most 8`);
    const unfenceEl = child(n, 'unfence');
    const unfence = childrenOf(unfenceEl, 'device').map((d) => {
      const ref = deviceRef(d, nn);
      const action = d.attrs['action'];
      if (action !== undefined && action !== 'on' && action !== 'enable') {
        p.at('warning', d, 'action', `unfence devices should use action="on" (or "enable"), not '${action}'`);
      }
      return ref;
    });
    const node: ClusterNode = { name: nn, nodeid, votes, weight, altnames, fenceMethods, unfence, line: n.line };
    if (n.attrs['name'] !== undefined) {
      const prev = nodeByName.get(nn);
      if (prev !== undefined) p.at('error', n, 'name', `duplicate node name (first on line ${prev.line})`);
      else nodeByName.set(nn, node);
    }
    if (nodeid > 0) {
      const prev = nodeById.get(nodeid);
      if (prev !== undefined) p.at('error', n, 'nodeid', `nodeid ${nodeid} is already used by node ${prev.name} (line ${prev.line})`);
      else nodeById.set(nodeid, node);
    }
    nodes.push(node);
  }
  if (nodesEl !== undefined && nodes.length === 0) p.at('error', nodesEl, undefined, 'no <clusternode> defined');
  const fencedNodes = nodes.filter((n) => n.fenceMethods.some((m) => m.devices.length > 0));
  for (const n of nodes) {
    if (!fencedNodes.includes(n)) {
      p.add('warning', n.line, `clusternode[name=${n.name}]`, 'no fence method with a device: if this node fails, fencing fails and its services cannot be recovered');
    }
  }

  // -- cman
  const cmanEl = child(root, 'cman');
  const twoNode = atoiBool(c, cmanEl, 'two_node', false);
  const evExplicit = optIntAttr(c, cmanEl, 'expected_votes', 1);
  const sumVotes = nodes.reduce((a, n) => a + n.votes, 0);
  const expectedVotes = evExplicit ?? sumVotes;
  if (twoNode && cmanEl !== undefined) {
    if (nodes.length !== 2 || nodes.some((n) => n.votes !== 1)) {
      p.at('error', cmanEl, 'two_node', `two_node needs exactly two nodes with 1 vote each (found ${nodes.length} node${nodes.length === 1 ? '' : 's'}, votes ${nodes.map((n) => n.votes).join('+') || '0'})`);
    }
    if (evExplicit !== undefined && evExplicit !== 1) p.at('error', cmanEl, 'expected_votes', `with two_node="1" expected_votes must be 1, not ${evExplicit}`);
  }
  const broadcast = cmanEl !== undefined && yesNoBool(c, cmanEl, 'broadcast', false);
  let transport: CmanTransport = (cmanEl?.attrs['transport'] as CmanTransport | undefined) ?? (broadcast ? 'udpb' : 'udp');
  if (!['udp', 'udpb', 'udpu', 'rdma'].includes(transport)) transport = 'udp'; // the schema reported it
  if (broadcast && cmanEl?.attrs['transport'] !== undefined && transport !== 'udpb') {
    p.at('error', cmanEl, 'broadcast', `broadcast="yes" conflicts with transport="${transport}"`);
  }
  const explicitClusterId = optIntAttr(c, cmanEl, 'cluster_id', 0, 65535);
  const hashId = cmanEl !== undefined && yesNoBool(c, cmanEl, 'hash_cluster_id', false);
  const clusterId = explicitClusterId ?? (hashId ? clusterIdFnv(name) : clusterIdShiftAdd(name));
  const mcastEl = child(cmanEl, 'multicast');
  const multicastAddress = mcastEl?.attrs['addr'] ?? (transport === 'udp' ? defaultMulticastAddress(clusterId) : undefined);
  if (cmanEl?.attrs['nodename'] !== undefined) p.at('warning', cmanEl, 'nodename', 'nodename is set internally by cman and must not be written in cluster.conf');

  // -- totem (research/cman.md §4.1)
  const totemEl = child(root, 'totem');
  if (totemEl?.attrs['transport'] !== undefined) p.at('error', totemEl, 'transport', 'transport must not be set in <totem>; use <cman transport="..."/>');
  const tokenMs = intAttr(c, totemEl, 'token', 10000, 1);
  const consensusExplicit = optIntAttr(c, totemEl, 'consensus', 1);
  const consensusMs = consensusExplicit ?? (nodes.length > 2 ? tokenMs + 2000 : Math.min(2000, Math.max(200, Math.floor(0.2 * tokenMs))));
  const rrpRaw = totemEl?.attrs['rrp_mode'];
  let rrpMode: TotemConfig['rrpMode'] = anyAltname ? 'passive' : 'none';
  if (rrpRaw !== undefined) {
    if (rrpRaw === 'none' || rrpRaw === 'active' || rrpRaw === 'passive') rrpMode = rrpRaw;
    else p.at('error', totemEl as RawElement, 'rrp_mode', `'${rrpRaw}' is not one of none, active, passive`);
  }
  const totem: TotemConfig = {
    tokenMs,
    consensusMs,
    joinMs: intAttr(c, totemEl, 'join', 60, 1),
    failRecvConst: intAttr(c, totemEl, 'fail_recv_const', 2500, 1),
    tokenRetransmitsBeforeLossConst: optIntAttr(c, totemEl, 'token_retransmits_before_loss_const', 1),
    missCountConst: optIntAttr(c, totemEl, 'miss_count_const', 1),
    secauth: totemEl?.attrs['secauth'] !== undefined ? yesNoBool(c, totemEl, 'secauth', true) : true,
    keyfile: totemEl?.attrs['keyfile'] ?? cmanEl?.attrs['keyfile'],
    rrpMode,
    netmtu: optIntAttr(c, totemEl, 'netmtu', 576, 65535),
    windowSize: optIntAttr(c, totemEl, 'window_size', 1),
    maxMessages: optIntAttr(c, totemEl, 'max_messages', 1),
    line: totemEl?.line ?? 0,
  };
  if (totemEl?.attrs['token'] !== undefined && (tokenMs < 5000 || tokenMs > 300000)) {
    p.at('warning', totemEl, 'token', `token ${tokenMs} ms is outside the range Red Hat supports on RHEL6 (5000..300000)`);
  }
  if (consensusExplicit !== undefined && consensusExplicit < 1.2 * tokenMs) {
    p.at('warning', totemEl as RawElement, 'consensus', `consensus ${consensusExplicit} ms is below 1.2 x token (${Math.ceil(1.2 * tokenMs)} ms): membership may not converge`);
  }
  if (anyAltname && nodes.some((n) => n.altnames.length === 0)) {
    const n = nodes.find((x) => x.altnames.length === 0) as ClusterNode;
    p.add('warning', n.line, `clusternode[name=${n.name}]`, 'redundant ring: this node has no <altname> although others do; it will not be on the second ring');
  }

  const cman: CmanConfig = {
    twoNode,
    expectedVotes,
    expectedVotesExplicit: evExplicit !== undefined,
    port: intAttr(c, cmanEl, 'port', 5405, 1, 65535),
    transport,
    clusterId,
    keyfile: cmanEl?.attrs['keyfile'],
    multicastAddress,
    quorumDevPollMs: intAttr(c, cmanEl, 'quorum_dev_poll', tokenMs, 0),
    shutdownTimeoutMs: intAttr(c, cmanEl, 'shutdown_timeout', 5000, 0),
    upgrading: cmanEl !== undefined && yesNoBool(c, cmanEl, 'upgrading', false),
    line: cmanEl?.line ?? 0,
  };

  // -- quorumd (research/cman.md §3.2, §3.3)
  const qEl = child(root, 'quorumd');
  let quorumd: QuorumdConfig | undefined;
  if (qEl !== undefined) quorumd = buildQuorumd(c, qEl, tokenMs, nodes, cman);

  // two-node fence race (research/peers.md §2.4 rule 7)
  if (twoNode && quorumd === undefined && nodes.length === 2) {
    const hasDelay = nodes.some((n) => n.fenceMethods.some((m) => m.devices.some((d) => d.args['delay'] !== undefined || deviceByName.get(d.name)?.args['delay'] !== undefined)));
    if (!hasDelay && cmanEl !== undefined) {
      p.at('warning', cmanEl, 'two_node', 'two_node without a quorum disk or a fence delay: after a network split both nodes may fence each other (set delay="15" on one node\'s fence <device>)');
    }
  }

  // -- fence_daemon (research/cman.md §5.1)
  const fdEl = child(root, 'fence_daemon');
  const fenceDaemon: FenceDaemonConfig = {
    postJoinDelayS: intAttr(c, fdEl, 'post_join_delay', 6, -1),
    postFailDelayS: intAttr(c, fdEl, 'post_fail_delay', 0, -1),
    cleanStart: atoiBool(c, fdEl, 'clean_start', false),
    overrideTimeS: intAttr(c, fdEl, 'override_time', 3, 0),
    overridePath: fdEl?.attrs['override_path'] ?? '/var/run/cluster/fenced_override',
    skipUndefined: atoiBool(c, fdEl, 'skip_undefined', false),
    line: fdEl?.line ?? 0,
  };

  const logging = buildLogging(c, child(root, 'logging'));
  const rm = buildRm(c, child(root, 'rm'), nodeByName, opts);

  return {
    file,
    name,
    configVersion,
    alias: root.attrs['alias'],
    cman,
    totem,
    quorumd,
    fenceDaemon,
    nodes,
    fenceDevices,
    logging,
    rm,
    root,
    text,
  };
}

function buildQuorumd(c: Ctx, q: RawElement, tokenMs: number, nodes: readonly ClusterNode[], cman: CmanConfig): QuorumdConfig {
  const p = c.p;
  const intervalS = Math.max(1, intAttr(c, q, 'interval', 1, 0));
  const tkoDefault = Math.max(1, Math.floor((tokenMs / 1000 - intervalS) / 2));
  const tko = intAttr(c, q, 'tko', tkoDefault, 1);
  if (tko < 4) p.at('warning', q, q.attrs['tko'] !== undefined ? 'tko' : undefined, `qdisk tko ${tko} is below 4 (qdiskd warns; a slow disk may evict a healthy node)`);
  const tkoUp = Math.max(2, intAttr(c, q, 'tko_up', Math.floor(tko / 3), 0));
  const upgradeWait = Math.max(1, intAttr(c, q, 'upgrade_wait', 2, 0));
  let masterWait = intAttr(c, q, 'master_wait', Math.floor(tko / 2), 0);
  if (masterWait <= tkoUp) masterWait = tkoUp + 1;
  const heuristics: Heuristic[] = [];
  const absmax = intervalS * (tko - 1);
  const autoInterval = absmax <= 4 ? 1 : absmax <= 22 ? 2 : absmax <= 39 ? 3 : absmax <= 50 ? 4 : 5;
  const hEls = childrenOf(q, 'heuristic');
  if (hEls.length > 10) p.at('error', hEls[10] as RawElement, undefined, `qdiskd supports at most 10 heuristics (found ${hEls.length})`);
  for (const h of hEls) {
    const score = intAttr(c, h, 'score', 1);
    const hi = h.attrs['interval'] !== undefined ? intAttr(c, h, 'interval', 2) : autoInterval;
    const ht = h.attrs['tko'] !== undefined ? intAttr(c, h, 'tko', 1) : Math.max(1, Math.floor(absmax / (hi > 0 ? hi : 2)));
    if ((h.attrs['program'] ?? '').trim() === '') p.at('error', h, 'program', 'heuristic program is empty');
    heuristics.push({ program: h.attrs['program'] ?? '', score: score <= 0 ? 1 : score, intervalS: hi <= 0 ? 2 : hi, tko: ht <= 0 ? 1 : ht, line: h.line });
  }
  const maxScore = heuristics.length === 0 ? 1 : heuristics.reduce((a, h) => a + h.score, 0);
  const minScoreRaw = intAttr(c, q, 'min_score', 0);
  const minScore = minScoreRaw > 0 ? minScoreRaw : Math.floor(maxScore / 2) + 1;
  if (minScore > maxScore) p.at('error', q, 'min_score', `min_score ${minScore} is more than the heuristics can score (${maxScore}): no node could ever be alive`);
  const votesExplicit = optIntAttr(c, q, 'votes', 0);
  if (votesExplicit === undefined && nodes.some((n) => n.votes !== 1)) {
    p.at('error', q, undefined, 'qdisk votes must be set when any node has more than 1 vote (the default is nodes - 1 for 1-vote nodes)');
  }
  const votes = votesExplicit ?? Math.max(0, nodes.length - 1);
  let masterWins = atoiBool(c, q, 'master_wins', false);
  if (q.attrs['master_wins'] === undefined && votesExplicit === undefined && heuristics.length === 0 && nodes.length === 2) masterWins = true;
  if (masterWins && q.attrs['master_wins'] !== undefined && (heuristics.length > 0 || nodes.length > 2)) {
    p.at('warning', q, 'master_wins', 'qdiskd turns master_wins off when heuristics are configured or there are more than 2 nodes');
    masterWins = false;
  }
  if (q.attrs['device'] === undefined && q.attrs['label'] === undefined) p.at('error', q, undefined, 'quorumd needs device= or label= (qdiskd cannot find its disk)');
  if (nodes.length > 16) p.at('error', q, undefined, `a quorum disk supports at most 16 nodes (found ${nodes.length})`);
  for (const n of nodes) if (n.nodeid > 16) p.add('error', n.line, `clusternode[name=${n.name}]/@nodeid`, `nodeid ${n.nodeid} cannot use the quorum disk (nodeids 1..16 only)`);
  // Timer relations (research/cman.md §3.2, peers.md §2.4 rule 2)
  if (tokenMs < 10000) {
    p.at('warning', q, undefined, `token ${tokenMs} ms is below 10000 ms: qdiskd refuses to start ("Token timeout is too fast to use with qdiskd")`);
  }
  const cycleMs = intervalS * (masterWait + upgradeWait + tko) * 1000;
  if (cycleMs >= tokenMs) {
    p.at('warning', q, undefined, `interval x (master_wait + upgrade_wait + tko) = ${cycleMs} ms is not below token ${tokenMs} ms: qdiskd refuses to start; use token >= ${cycleMs + intervalS * 1000}`);
  } else if (tokenMs <= 2 * intervalS * tko * 1000) {
    p.at('warning', q, undefined, `token ${tokenMs} ms should be more than twice the qdisk timeout (interval x tko = ${intervalS * tko * 1000} ms)`);
  }
  if (cman.expectedVotesExplicit) {
    const nodeVotes = nodes.reduce((a, n) => a + n.votes, 0);
    if (cman.expectedVotes !== nodeVotes + votes) {
      p.add('warning', cman.line, 'cman/@expected_votes', `expected_votes ${cman.expectedVotes} differs from node votes + qdisk votes (${nodeVotes} + ${votes} = ${nodeVotes + votes}); cman does not add qdisk votes itself`);
    }
  } else if (votes > 0) {
    p.add('warning', q.line, 'quorumd/@votes', `expected_votes is not set: cman uses the node votes only (${nodes.reduce((a, n) => a + n.votes, 0)}), so the qdisk's ${votes} votes raise the quorum needed; set <cman expected_votes="${nodes.reduce((a, n) => a + n.votes, 0) + votes}"/>`);
  }
  return {
    intervalS, tko, tkoUp, upgradeWait, masterWait, votes, minScore,
    device: q.attrs['device'], label: q.attrs['label'],
    cmanLabel: q.attrs['cman_label'] ?? q.attrs['device'] ?? q.attrs['label'] ?? 'Quorum Disk',
    reboot: atoiBool(c, q, 'reboot', true),
    allowKill: atoiBool(c, q, 'allow_kill', true),
    masterWins,
    ioTimeout: atoiBool(c, q, 'io_timeout', false),
    paranoid: atoiBool(c, q, 'paranoid', false),
    stopCman: atoiBool(c, q, 'stop_cman', false),
    maxErrorCycles: intAttr(c, q, 'max_error_cycles', 0, 0),
    statusFile: q.attrs['status_file'],
    heuristics,
    line: q.line,
  };
}

const syslogPriorities = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

function buildLogging(c: Ctx, el: RawElement | undefined): LoggingConfig {
  const prio = (e: RawElement | undefined, n: string, def: string): string => {
    const v = e?.attrs[n];
    if (e === undefined || v === undefined) return def;
    if (!syslogPriorities.includes(v)) {
      c.p.at('error', e, n, `'${v}' is not a syslog priority (${syslogPriorities.join(', ')})`);
      return def;
    }
    return v;
  };
  const debugOf = (e: RawElement | undefined): boolean | undefined => {
    const v = e?.attrs['debug'];
    if (e === undefined || v === undefined) return undefined;
    if (v !== 'on' && v !== 'off') c.p.at('warning', e, 'debug', `'${v}' is not on/off; only "on" turns debugging on`);
    return v === 'on';
  };
  const daemons: LoggingDaemonConfig[] = childrenOf(el, 'logging_daemon').map((d) => ({
    name: d.attrs['name'] ?? '',
    subsys: d.attrs['subsys'],
    debug: debugOf(d),
    toLogfile: d.attrs['to_logfile'] !== undefined ? yesNoBool(c, d, 'to_logfile', true) : undefined,
    logfile: d.attrs['logfile'],
    logfilePriority: d.attrs['logfile_priority'] !== undefined ? prio(d, 'logfile_priority', 'info') : undefined,
    line: d.line,
  }));
  return {
    toSyslog: yesNoBool(c, el, 'to_syslog', true),
    toLogfile: yesNoBool(c, el, 'to_logfile', true),
    logfile: el?.attrs['logfile'] ?? '/var/log/cluster/cluster.log',
    syslogFacility: el?.attrs['syslog_facility'] ?? 'local4',
    syslogPriority: prio(el, 'syslog_priority', 'info'),
    logfilePriority: prio(el, 'logfile_priority', 'info'),
    debug: debugOf(el) ?? false,
    daemons,
  };
}

/** Every element in a subtree, depth first, with its parent. */
function* walk(el: RawElement, parent: RawElement | undefined = undefined): Generator<[RawElement, RawElement | undefined]> {
  yield [el, parent];
  for (const ch of el.children) yield* walk(ch, el);
}

function buildRm(c: Ctx, rmEl: RawElement | undefined, nodeByName: ReadonlyMap<string, ClusterNode>, opts: ModelOptions): RmConfig {
  const p = c.p;
  const el = rmEl ?? emptyElement('rm');
  // failover domains (rgmanager.md §4)
  const domains: FailoverDomain[] = [];
  const domainByName = new Map<string, FailoverDomain>();
  for (const d of childrenOf(child(el, 'failoverdomains'), 'failoverdomain')) {
    const dn = d.attrs['name'] ?? '';
    const ordered = atoiBool(c, d, 'ordered', false);
    const seen = new Map<string, number>();
    const dnodes: FailoverDomainNode[] = [];
    for (const fn of childrenOf(d, 'failoverdomainnode')) {
      const nn = fn.attrs['name'] ?? '';
      if (fn.attrs['name'] !== undefined && !nodeByName.has(nn)) {
        const hint = closest(nn, nodeByName.keys());
        p.at('error', fn, 'name', `'${nn}' is not a <clusternode> name${hint !== undefined ? `; did you mean '${hint}'?` : ''}`);
      }
      const prev = seen.get(nn);
      if (prev !== undefined) p.at('error', fn, 'name', `node ${nn} is listed twice in failover domain ${dn} (first on line ${prev})`);
      seen.set(nn, fn.line);
      let priority = 0;
      if (fn.attrs['priority'] !== undefined) {
        const pr = intAttr(c, fn, 'priority', 0);
        if (integerRe.test(fn.attrs['priority']) && (pr < 1 || pr > 100)) p.at('error', fn, 'priority', `priority ${pr} is out of range (1..100; 1 is the most preferred)`);
        else if (ordered) priority = pr;
      }
      dnodes.push({ name: nn, priority, line: fn.line });
    }
    if (dnodes.length === 0) p.at('warning', d, undefined, `failover domain ${dn} has no nodes`);
    const dom: FailoverDomain = {
      name: dn, ordered, restricted: atoiBool(c, d, 'restricted', false), nofailback: atoiBool(c, d, 'nofailback', false), nodes: dnodes, line: d.line,
    };
    const key = dn.toLowerCase();
    const prev = domainByName.get(key);
    if (prev !== undefined) p.at('error', d, 'name', `duplicate failover domain name (first on line ${prev.line})`);
    else domainByName.set(key, dom);
    domains.push(dom);
  }

  // global resources: type -> primary value -> element
  const resourcesEl = child(el, 'resources');
  const globals = new Map<string, Map<string, RawElement>>();
  const inlineDefs = new Map<string, Map<string, RawElement>>();
  for (const r of resourcesEl?.children ?? []) {
    if (r.tag === 'action') continue;
    const prim = opts.primaries.get(r.tag);
    if (prim === undefined) continue; // unknown type: warned by the schema pass
    const val = r.attrs[prim];
    if (r.attrs['ref'] !== undefined) {
      p.at('error', r, 'ref', 'a resource in <resources> must be a definition, not a ref=');
      continue;
    }
    if (val === undefined) continue; // required attribute missing: reported by the schema pass
    const byType = globals.get(r.tag) ?? new Map<string, RawElement>();
    globals.set(r.tag, byType);
    const prev = byType.get(val);
    if (prev !== undefined) p.at('error', r, prim, `duplicate ${r.tag} resource ${prim}="${val}" (first on line ${prev.line}); rgmanager drops the second (primary attribute collision)`);
    else byType.set(val, r);
  }
  // Unique attributes from agent metadata across globals.
  for (const [type, info] of opts.extraTypes) {
    for (const param of info.parameters.filter((x) => x.unique && !x.primary)) {
      const seen = new Map<string, RawElement>();
      for (const r of childrenOf(resourcesEl, type)) {
        const v = r.attrs[param.name];
        if (v === undefined) continue;
        const prev = seen.get(v);
        if (prev !== undefined) p.at('error', r, param.name, `unique attribute collision: ${type} ${param.name}="${v}" is also used on line ${prev.line}`);
        else seen.set(v, r);
      }
    }
  }

  const findGlobal = (type: string, value: string): RawElement | undefined => {
    const byType = globals.get(type);
    const hit = byType?.get(value);
    if (hit !== undefined) return hit;
    // Newer rgmanager also accepts a unique+required attribute (e.g. fs by mountpoint).
    const uniq = opts.extraTypes.get(type)?.parameters.filter((x) => x.unique && x.required).map((x) => x.name) ?? (type === 'fs' || type === 'clusterfs' || type === 'netfs' ? ['mountpoint'] : []);
    for (const r of byType?.values() ?? []) if (uniq.some((u) => r.attrs[u] === value)) return r;
    return undefined;
  };

  // service roots: <service> and <vm> directly under <rm>
  const services: ServiceConfig[] = [];
  const serviceById = new Map<string, ServiceConfig>();
  for (const s of el.children) {
    if (s.tag !== 'service' && s.tag !== 'vm') continue;
    let def = s;
    const ref = s.attrs['ref'];
    if (ref !== undefined) {
      const target = globals.get(s.tag)?.get(ref);
      if (target === undefined) {
        const hint = closest(ref, globals.get(s.tag)?.keys() ?? []);
        p.at('error', s, 'ref', `no <${s.tag} name="${ref}"> in <rm><resources>${hint !== undefined ? `; did you mean '${hint}'?` : ''}`);
        continue;
      }
      def = target;
    }
    const sn = def.attrs['name'] ?? '';
    if (def.attrs['name'] === undefined) continue; // reported by the schema pass
    const id = `${s.tag}:${sn}`;
    const recoveryRaw = def.attrs['recovery'];
    let recovery: RecoveryPolicy = 'restart';
    if (recoveryRaw !== undefined) {
      if ((recoveryPolicies as readonly string[]).includes(recoveryRaw)) recovery = recoveryRaw as RecoveryPolicy;
      else p.at('error', def, 'recovery', `'${recoveryRaw}' is not one of ${recoveryPolicies.join(', ')}`);
    }
    const dm = def.attrs['depend_mode'];
    if (dm !== undefined && dm !== 'hard' && dm !== 'soft') p.at('error', def, 'depend_mode', `'${dm}' is not hard or soft`);
    const autostartRaw = def.attrs['autostart'];
    const autostart = autostartRaw === undefined ? true : !(autostartRaw.trim() === 'no' || atoi(autostartRaw) === 0);
    if (autostartRaw !== undefined && !integerRe.test(autostartRaw) && autostartRaw.trim() !== 'no') {
      p.at('warning', def, 'autostart', `'${autostartRaw}' is read as 0 (no autostart); write 1 or 0`);
    }
    const exclusiveRaw = def.attrs['exclusive'];
    const exclusive = exclusiveRaw !== undefined && (exclusiveRaw.trim() === 'yes' || atoi(exclusiveRaw) > 0);
    if (exclusiveRaw !== undefined && !integerRe.test(exclusiveRaw) && !['yes', 'no'].includes(exclusiveRaw.trim())) {
      p.at('warning', def, 'exclusive', `'${exclusiveRaw}' is read as 0 (not exclusive); write 1 or 0`);
    }
    const svc: ServiceConfig = {
      kind: s.tag,
      name: sn,
      id,
      domain: def.attrs['domain'],
      autostart,
      exclusive,
      recovery,
      depend: def.attrs['depend'],
      dependMode: dm === 'soft' ? 'soft' : 'hard',
      maxRestarts: intAttr(c, def, 'max_restarts', 0, 0),
      restartExpireTimeS: timeAttr(c, def, 'restart_expire_time', 0),
      priority: intAttr(c, def, 'priority', 0),
      migrate: s.tag === 'vm' ? (def.attrs['migrate'] ?? 'live') : undefined,
      element: def === s ? s : { ...def, children: s.children.length > 0 ? s.children : def.children, line: s.line },
      line: s.line,
    };
    if (s.tag === 'vm' && svc.migrate !== 'live' && svc.migrate !== 'pause') p.at('error', def, 'migrate', `'${svc.migrate ?? ''}' is not live or pause`);
    const prev = serviceById.get(id);
    if (prev !== undefined) p.at('error', s, ref !== undefined ? 'ref' : 'name', `duplicate ${s.tag} name '${sn}' (first on line ${prev.line})`);
    else serviceById.set(id, svc);
    services.push(svc);
  }
  const namesByPlain = new Map<string, ServiceConfig>();
  for (const s of services) {
    const other = namesByPlain.get(s.name);
    if (other !== undefined && other.kind !== s.kind) p.add('warning', s.line, describeElement(s.element), `${s.id} and ${other.id} share a name; clusvcadm needs the full id to tell them apart`);
    namesByPlain.set(s.name, s);
  }
  // domain and depend references
  for (const s of services) {
    if (s.domain !== undefined && s.domain !== '') {
      const dom = domainByName.get(s.domain.toLowerCase());
      if (dom === undefined) {
        const hint = closest(s.domain, [...domainByName.values()].map((d) => d.name));
        p.add('error', s.element.line, describeElement(s.element, 'domain'), `no <failoverdomain name="${s.domain}">${hint !== undefined ? `; did you mean '${hint}'?` : ''}`);
      } else if (dom.name !== s.domain) {
        p.add('warning', s.element.line, describeElement(s.element, 'domain'), `'${s.domain}' matches failover domain '${dom.name}' only ignoring case`);
      }
    }
    if (s.depend !== undefined) {
      const where = describeElement(s.element, 'depend');
      if (!/^(service|vm):./.test(s.depend)) {
        p.add('error', s.element.line, where, `'${s.depend}' must name a service as service:NAME (or vm:NAME)`);
      } else if (!serviceById.has(s.depend)) {
        const hint = closest(s.depend, serviceById.keys());
        p.add('error', s.element.line, where, `no service '${s.depend}'${hint !== undefined ? `; did you mean '${hint}'?` : ''}`);
      } else if (s.depend === s.id) {
        p.add('error', s.element.line, where, 'a service cannot depend on itself');
      }
    }
  }
  // dependency cycles
  for (const s of services) {
    const seen = new Set<string>([s.id]);
    let cur = s.depend !== undefined ? serviceById.get(s.depend) : undefined;
    while (cur !== undefined && cur.id !== s.id) {
      if (seen.has(cur.id)) break;
      seen.add(cur.id);
      const next = cur.depend !== undefined ? serviceById.get(cur.depend) : undefined;
      if (next?.id === s.id) {
        p.add('error', s.element.line, describeElement(s.element, 'depend'), `dependency cycle: ${[...seen, s.id].join(' -> ')}`);
        break;
      }
      cur = next;
    }
  }

  // resource references inside service trees
  const refCounts = new Map<RawElement, number>();
  for (const s of services) {
    const top = s.element;
    for (const [r, parent] of walk(top)) {
      if (r === top || r.tag === 'action' || parent === undefined) continue;
      const prim = opts.primaries.get(r.tag);
      if (prim === undefined) continue;
      const ref = r.attrs['ref'];
      if (ref !== undefined) {
        const target = findGlobal(r.tag, ref);
        if (target === undefined) {
          const inline = [...walk(el)].some(([x]) => x.tag === r.tag && x.attrs['ref'] === undefined && x.attrs[prim] === ref);
          const hint = closest(ref, globals.get(r.tag)?.keys() ?? []);
          p.at('error', r, 'ref', inline
            ? `${r.tag} '${ref}' is defined inline in a service; only resources in <rm><resources> can be referenced`
            : `no <${r.tag} ${prim}="${ref}"> in <rm><resources>${hint !== undefined ? `; did you mean '${hint}'?` : ''}`);
        } else {
          refCounts.set(target, (refCounts.get(target) ?? 0) + 1);
        }
      } else {
        const extra = opts.extraTypes.get(r.tag);
        if (extra !== undefined) {
          for (const param of extra.parameters.filter((x) => x.required && r.attrs[x.name] === undefined)) {
            p.at('error', r, param.name, `required parameter of resource type ${r.tag} is missing`);
          }
        }
        const val = r.attrs[prim];
        if (val !== undefined && globals.get(r.tag)?.has(val)) {
          p.at('error', r, prim, `${r.tag} ${prim}="${val}" is already defined in <resources> (line ${globals.get(r.tag)?.get(val)?.line ?? 0}); use ref="${val}"`);
        }
      }
    }
  }
  for (const [target, count] of refCounts) {
    if (count > 1 && ['ip', 'fs', 'lvm', 'service', 'vm'].includes(target.tag)) {
      p.at('warning', target, undefined, `referenced ${count} times; rgmanager allows one instance of a ${target.tag} (maxinstances=1) and skips the others`);
    }
  }
  // Required parameters of agent-metadata types in <resources>
  for (const r of resourcesEl?.children ?? []) {
    const extra = opts.extraTypes.get(r.tag);
    if (extra === undefined || r.attrs['ref'] !== undefined) continue;
    for (const param of extra.parameters.filter((x) => x.required && r.attrs[x.name] === undefined)) {
      p.at('error', r, param.name, `required parameter of resource type ${r.tag} is missing`);
    }
  }

  return {
    present: rmEl !== undefined,
    statusPollIntervalS: Math.max(1, intAttr(c, rmEl, 'status_poll_interval', 10)),
    statusChildMax: optIntAttr(c, rmEl, 'status_child_max', 1),
    transitionThrottlingS: Math.max(1, intAttr(c, rmEl, 'transition_throttling', 5)),
    centralProcessing: atoiBool(c, rmEl, 'central_processing', false),
    disabled: atoiBool(c, rmEl, 'disabled', false),
    failoverDomains: domains,
    resources: resourcesEl?.children ?? [],
    resourceDefaults: child(el, 'resource-defaults')?.children ?? [],
    services,
    element: el,
  };
}
