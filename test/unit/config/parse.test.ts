import { expect } from 'chai';
import path from 'node:path';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { parseClusterConf, loadClusterConf, formatProblem, MAX_CONFIG_BYTES, clusterIdShiftAdd, clusterIdFnv, defaultMulticastAddress, parseTimeS } from '../../../src/config/index.js';
import type { ConfigProblem, ResourceTypeInfo } from '../../../src/config/index.js';
import { repoRoot, sharedDir } from '../../support/paths.js';
import { baseConf, edit, lineOf } from './fixtures.js';

const errorsOf = (ps: readonly ConfigProblem[]) => ps.filter((p) => p.severity === 'error');
const warningsOf = (ps: readonly ConfigProblem[]) => ps.filter((p) => p.severity === 'warning');

describe('config: parse a valid cluster.conf', () => {
  it('the base fixture is valid with no errors and resolves the model', () => {
    const r = parseClusterConf(baseConf, 'base.conf');
    expect(errorsOf(r.problems), r.problems.map(formatProblem).join('\n')).to.deep.equal([]);
    const c = r.config;
    expect(c).to.not.equal(undefined);
    if (c === undefined) return;
    expect(c.name).to.equal('alpha');
    expect(c.configVersion).to.equal(7);
    expect(c.nodes.map((n) => [n.name, n.nodeid, n.votes])).to.deep.equal([['n1', 1, 1], ['n2', 2, 1], ['n3', 3, 1]]);
    expect(c.nodes[0]?.line).to.equal(lineOf(baseConf, '<clusternode name="n1"'));
    expect(c.nodes[0]?.fenceMethods[0]?.devices[0]?.name).to.equal('ipmi1');
    expect(c.fenceDevices[0]).to.deep.include({ name: 'ipmi1', agent: 'fence_ipmilan' });
    expect(c.fenceDevices[0]?.args).to.deep.equal({ ipaddr: '127.0.0.1', login: 'admin', passwd: 'secret' });
    expect(c.rm.failoverDomains[0]).to.deep.include({ name: 'pref', ordered: true, restricted: true, nofailback: false });
    expect(c.rm.failoverDomains[0]?.nodes.map((n) => n.priority)).to.deep.equal([1, 2]);
    expect(c.rm.services.map((s) => s.id)).to.deep.equal(['service:web', 'service:db', 'service:shared']);
    const shared = c.rm.services[2];
    expect(shared?.recovery).to.equal('relocate'); // resolved through ref= to <resources><service>
    expect(shared?.line).to.equal(lineOf(baseConf, '<service ref="shared"/>'));
    expect(c.rm.services[1]?.depend).to.equal('service:web');
  });

  it('resolves RHEL6 defaults (cman.md §4.1, §5.1; rgmanager.md §3)', () => {
    const c = parseClusterConf(baseConf, 'base.conf').config;
    if (c === undefined) throw new Error('no config');
    expect(c.totem).to.include({ tokenMs: 10000, consensusMs: 12000, joinMs: 60, failRecvConst: 2500, secauth: true, rrpMode: 'none' });
    expect(c.cman).to.include({ twoNode: false, expectedVotes: 3, expectedVotesExplicit: false, port: 5405, transport: 'udp', quorumDevPollMs: 10000, shutdownTimeoutMs: 5000 });
    expect(c.fenceDaemon).to.include({ postJoinDelayS: 6, postFailDelayS: 0, cleanStart: false, overrideTimeS: 3, overridePath: '/var/run/cluster/fenced_override' });
    expect(c.logging).to.include({ toSyslog: true, toLogfile: true, syslogFacility: 'local4', syslogPriority: 'info', debug: false });
    expect(c.rm).to.include({ present: true, statusPollIntervalS: 10, transitionThrottlingS: 5, centralProcessing: false });
    expect(c.rm.services[1]).to.include({ autostart: true, exclusive: false, recovery: 'restart', dependMode: 'hard', maxRestarts: 0, restartExpireTimeS: 0 });
    expect(c.quorumd).to.equal(undefined);
  });

  it('2-node consensus is 0.2 x token clamped to [200, 2000]', () => {
    const two = edit(edit(baseConf, '<cman/>', '<cman two_node="1" expected_votes="1"/>'), /<clusternode name="n3"[\s\S]*?<\/clusternode>/.exec(baseConf)?.[0] ?? '', '');
    const r = parseClusterConf(two.replace('<failoverdomainnode name="n2" priority="2"/>', ''), 'two.conf');
    expect(errorsOf(r.problems)).to.deep.equal([]);
    expect(r.config?.totem.consensusMs).to.equal(2000);
    expect(r.config?.cman).to.include({ twoNode: true, expectedVotes: 1 });
    expect(warningsOf(r.problems).some((p) => /fence each other/.test(p.message))).to.equal(true);
  });

  it('cluster id and multicast address as cman derives them (cman.md §4.3)', () => {
    expect(clusterIdShiftAdd('mycluster')).to.equal(56756);
    expect(defaultMulticastAddress(56756)).to.equal('239.192.221.146');
    expect(clusterIdShiftAdd('MyCluster')).to.equal(46516);
    expect(clusterIdShiftAdd('cluster1')).to.equal(26777);
    expect(clusterIdFnv('cluster66')).to.equal(22265);
    expect(defaultMulticastAddress(22265)).to.equal('239.192.86.80');
    expect(clusterIdFnv('my-cluster')).to.equal(25554);
    const c = parseClusterConf(edit(edit(baseConf, 'name="alpha"', 'name="cluster66"'), '<cman/>', '<cman hash_cluster_id="yes"/>'), 'x').config;
    expect(c?.cman.clusterId).to.equal(22265);
    expect(c?.cman.multicastAddress).to.equal('239.192.86.80');
  });

  it('quorumd defaults follow qdiskd (cman.md §3.2, §3.3)', () => {
    const q = edit(baseConf, '<cman/>', '<cman expected_votes="5"/>\n  <totem token="21000"/>\n  <quorumd label="qd">\n    <heuristic program="true"/>\n    <heuristic program="false" score="2"/>\n  </quorumd>');
    const r = parseClusterConf(q, 'q.conf');
    expect(errorsOf(r.problems)).to.deep.equal([]);
    const qd = r.config?.quorumd;
    expect(qd).to.include({ intervalS: 1, tko: 10, tkoUp: 3, upgradeWait: 2, masterWait: 5, votes: 2, minScore: 2, reboot: true, allowKill: true, masterWins: false, cmanLabel: 'qd' });
    // absmax = 1 x (10 - 1) = 9 -> heuristic interval 2, tko floor(9/2) = 4
    expect(qd?.heuristics.map((h) => [h.program, h.score, h.intervalS, h.tko])).to.deep.equal([['true', 1, 2, 4], ['false', 2, 2, 4]]);
  });

  it('decodes references and normalizes whitespace in attribute values as XML does', () => {
    const text = edit(baseConf, 'file="/etc/init.d/httpd"', 'file="/etc/init.d/httpd &amp;&amp; echo &quot;x&#60;&#x41;&quot;&#10;y\tz"');
    const r = parseClusterConf(text, 'e.conf');
    expect(errorsOf(r.problems)).to.deep.equal([]);
    const script = r.config?.rm.services[0]?.element.children[0]?.children[0]?.children[0];
    expect(script?.attrs['file']).to.equal('/etc/init.d/httpd && echo "x<A"\ny z');
  });

  it('returns deeply frozen objects', () => {
    const c = parseClusterConf(baseConf, 'base.conf').config;
    expect(Object.isFrozen(c)).to.equal(true);
    expect(Object.isFrozen(c?.nodes)).to.equal(true);
    expect(Object.isFrozen(c?.nodes[0]?.fenceMethods[0]?.devices[0]?.args)).to.equal(true);
    expect(Object.isFrozen(c?.rm.services[0]?.element.children[0]?.attrs)).to.equal(true);
  });

  it('parses cluster.conf.example with no problems at all', async () => {
    const r = await loadClusterConf(path.join(repoRoot, 'cluster.conf.example'));
    expect(r.problems.map(formatProblem)).to.deep.equal([]);
    const c = r.config;
    expect(c?.nodes.length).to.equal(3);
    expect(c?.quorumd?.heuristics[0]?.program).to.equal('ping -c1 -w1 127.0.0.1');
    expect(c?.rm.services.some((s) => s.exclusive)).to.equal(true);
    expect(c?.rm.failoverDomains.map((d) => [d.restricted, d.nofailback])).to.deep.equal([[true, false], [false, true]]);
  });
});

interface BrokenCase {
  name: string;
  text: () => string;
  /** Text on the line the problem must name. */
  at: string;
  where: RegExp;
  message: RegExp;
}

const nodeBlock = (name: string, id: string) => `<clusternode name="${name}" nodeid="${id}"><fence><method name="1"><device name="ipmi1"/></method></fence></clusternode>\n  </clusternodes>`;

const brokenCases: BrokenCase[] = [
  { name: 'malformed XML (mismatched tag)', text: () => edit(baseConf, '</fence>\n    </clusternode>\n    <clusternode name="n2"', '</fenc>\n    </clusternode>\n    <clusternode name="n2"'),
    at: '</fenc>', where: /^xml$/, message: /malformed XML: .*fence/ },
  { name: 'malformed XML (unquoted attribute)', text: () => edit(baseConf, 'nodeid="2"', 'nodeid=2'), at: 'nodeid=2', where: /^xml$/, message: /malformed XML/ },
  { name: 'malformed XML (truncated file)', text: () => baseConf.slice(0, baseConf.indexOf('<rm>')), at: '<cluster name', where: /^xml$/, message: /malformed XML|not closed/ },
  { name: 'bare & in an attribute', text: () => edit(baseConf, 'file="/etc/init.d/httpd"', 'file="/etc/init.d/httpd && true"'), at: '&& true', where: /^xml$/, message: /entity reference/ },
  { name: 'illegal character reference', text: () => edit(baseConf, 'file="/etc/init.d/httpd"', 'file="/etc/init.d/httpd&#0;"'), at: '&#0;', where: /^xml$/, message: /character reference &#0; is not a legal XML character/ },
  { name: 'root element is not <cluster>', text: () => '<?xml version="1.0"?>\n<clusterz name="a" config_version="1"/>\n', at: '<clusterz', where: /clusterz/, message: /root element must be <cluster>/ },
  { name: 'entity-expansion attack (billion laughs)', text: () => `<?xml version="1.0"?>\n<!DOCTYPE cluster [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n<cluster name="&lol2;" config_version="1"/>\n`,
    at: '<!DOCTYPE', where: /^xml$/, message: /DOCTYPE.*not allowed/ },
  { name: 'external entity (XXE)', text: () => edit(baseConf, '<?xml version="1.0"?>\n', '<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'), at: '<!DOCTYPE', where: /^xml$/, message: /not allowed/ },
  { name: 'missing config_version', text: () => edit(baseConf, ' config_version="7"', ''), at: '<cluster name', where: /^cluster\[name=alpha\]\/@config_version$/, message: /required attribute is missing/ },
  { name: 'config_version not an integer', text: () => edit(baseConf, 'config_version="7"', 'config_version="7a"'), at: '<cluster name', where: /@config_version$/, message: /not a non-negative integer/ },
  { name: 'config_version negative', text: () => edit(baseConf, 'config_version="7"', 'config_version="-1"'), at: '<cluster name', where: /@config_version$/, message: /not a non-negative integer/ },
  { name: 'cluster name longer than 15', text: () => edit(baseConf, 'name="alpha"', 'name="a-very-long-cluster-name"'), at: '<cluster name', where: /@name$/, message: /15 or fewer/ },
  { name: 'duplicate node name', text: () => edit(baseConf, '  </clusternodes>', nodeBlock('n1', '4')), at: '<clusternode name="n1" nodeid="4"', where: /clusternode\[name=n1\]\/@name/, message: /duplicate node name \(first on line 5\)/ },
  { name: 'duplicate nodeid', text: () => edit(baseConf, '  </clusternodes>', nodeBlock('n4', '2')), at: '<clusternode name="n4"', where: /clusternode\[name=n4\]\/@nodeid/, message: /nodeid 2 is already used by node n2/ },
  { name: 'nodeid 0', text: () => edit(baseConf, 'nodeid="3"', 'nodeid="0"'), at: 'nodeid="0"', where: /@nodeid$/, message: /positive integer/ },
  { name: 'nodeid missing', text: () => edit(baseConf, ' nodeid="3"', ''), at: '<clusternode name="n3"', where: /clusternode\[name=n3\]\/@nodeid/, message: /required attribute/ },
  { name: 'votes not a number', text: () => edit(baseConf, 'nodeid="3"', 'nodeid="3" votes="many"'), at: 'votes="many"', where: /@votes$/, message: /positive integer/ },
  { name: 'dangling fence device reference', text: () => edit(baseConf, '<device name="ipmi2"/>', '<device name="ipmi9"/>'), at: 'ipmi9', where: /device\[name=ipmi9\]\/@name/, message: /no <fencedevice name="ipmi9"> in <fencedevices>; did you mean 'ipmi1'\?/ },
  { name: 'dangling unfence device reference', text: () => edit(baseConf, '</fence>\n    </clusternode>\n    <clusternode name="n2"', '</fence>\n      <unfence><device name="scsi" action="on"/></unfence>\n    </clusternode>\n    <clusternode name="n2"'),
    at: '<unfence>', where: /device\[name=scsi\]\/@name/, message: /no <fencedevice name="scsi">/ },
  { name: 'duplicate fence device', text: () => edit(baseConf, '  </fencedevices>', '    <fencedevice name="ipmi1" agent="fence_apc_snmp" ipaddr="127.0.0.1"/>\n  </fencedevices>'), at: 'agent="fence_apc_snmp"', where: /fencedevice\[name=ipmi1\]\/@name/, message: /duplicate fence device name/ },
  { name: 'failover domain names an unknown node', text: () => edit(baseConf, '<failoverdomainnode name="n2" priority="2"/>', '<failoverdomainnode name="n22" priority="2"/>'), at: 'name="n22"', where: /failoverdomainnode\[name=n22\]\/@name/, message: /not a <clusternode> name; did you mean 'n2'\?/ },
  { name: 'priority out of range', text: () => edit(baseConf, 'priority="2"', 'priority="101"'), at: 'priority="101"', where: /@priority$/, message: /out of range \(1\.\.100/ },
  { name: 'priority 0', text: () => edit(baseConf, 'priority="2"', 'priority="0"'), at: 'priority="0"', where: /@priority$/, message: /out of range/ },
  { name: 'duplicate node in a domain', text: () => edit(baseConf, '<failoverdomainnode name="n2" priority="2"/>', '<failoverdomainnode name="n1" priority="2"/>'), at: '<failoverdomainnode name="n1" priority="2"', where: /failoverdomainnode\[name=n1\]/, message: /listed twice/ },
  { name: 'duplicate failover domain', text: () => edit(baseConf, '    </failoverdomains>', '      <failoverdomain name="pref"><failoverdomainnode name="n3"/></failoverdomain>\n    </failoverdomains>'), at: '<failoverdomain name="pref"><failover', where: /failoverdomain\[name=pref\]\/@name/, message: /duplicate failover domain/ },
  { name: 'dangling domain reference', text: () => edit(baseConf, 'domain="pref"', 'domain="prefs"'), at: 'domain="prefs"', where: /service\[name=web\]\/@domain/, message: /no <failoverdomain name="prefs">; did you mean 'pref'\?/ },
  { name: 'dangling resource ref', text: () => edit(baseConf, '<fs ref="data">', '<fs ref="dta">'), at: '<fs ref="dta">', where: /fs\[ref=dta\]\/@ref/, message: /no <fs name="dta"> in <rm><resources>; did you mean 'data'\?/ },
  { name: 'dangling ip ref', text: () => edit(baseConf, '<ip ref="10.1.1.1">', '<ip ref="10.1.1.2">'), at: '<ip ref="10.1.1.2">', where: /ip\[ref=10\.1\.1\.2\]\/@ref/, message: /no <ip address="10.1.1.2">/ },
  { name: 'dangling service ref', text: () => edit(baseConf, '<service ref="shared"/>', '<service ref="shard"/>'), at: '<service ref="shard"/>', where: /service\[ref=shard\]\/@ref/, message: /no <service name="shard"> in <rm><resources>; did you mean 'shared'\?/ },
  { name: 'ref to an inline resource', text: () => edit(baseConf, '<service name="db" depend="service:web"/>', '<service name="db" depend="service:web"><script ref="httpd"/></service>'), at: '<script ref="httpd"/>', where: /script\[ref=httpd\]\/@ref/, message: /defined inline/ },
  { name: 'dangling depend', text: () => edit(baseConf, 'depend="service:web"', 'depend="service:webb"'), at: 'depend="service:webb"', where: /service\[name=db\]\/@depend/, message: /no service 'service:webb'; did you mean 'service:web'\?/ },
  { name: 'depend without type prefix', text: () => edit(baseConf, 'depend="service:web"', 'depend="web"'), at: 'depend="web"', where: /@depend$/, message: /service:NAME/ },
  { name: 'dependency cycle', text: () => edit(baseConf, '<service name="web" domain="pref"', '<service name="web" depend="service:db" domain="pref"'), at: '<service name="web"', where: /service\[name=web\]\/@depend/, message: /dependency cycle/ },
  { name: 'duplicate service name', text: () => edit(baseConf, '<service name="db" depend="service:web"/>', '<service name="db" depend="service:web"/>\n    <service name="web"/>'), at: '<service name="web"/>', where: /service\[name=web\]\/@name/, message: /duplicate service name 'web'/ },
  { name: 'duplicate global resource', text: () => edit(baseConf, '<ip address="10.1.1.1"/>', '<ip address="10.1.1.1"/>\n      <ip address="10.1.1.1" monitor_link="0"/>'), at: 'monitor_link="0"', where: /ip\[address=10\.1\.1\.1\]\/@address/, message: /duplicate ip resource/ },
  { name: 'bad recovery policy', text: () => edit(baseConf, 'recovery="restart"', 'recovery="reboot"'), at: 'recovery="reboot"', where: /service\[name=web\]\/@recovery/, message: /not one of restart, relocate, disable, restart-disable/ },
  { name: 'two_node with three nodes', text: () => edit(baseConf, '<cman/>', '<cman two_node="1" expected_votes="1"/>'), at: '<cman two_node', where: /cman\/@two_node/, message: /exactly two nodes with 1 vote/ },
  { name: 'two_node with a 2-vote node', text: () => edit(edit(baseConf, '<cman/>', '<cman two_node="1" expected_votes="1"/>'), /<clusternode name="n3"[\s\S]*?<\/clusternode>/.exec(baseConf)?.[0] ?? '', '').replace('nodeid="2"', 'nodeid="2" votes="2"'), at: '<cman two_node', where: /cman\/@two_node/, message: /exactly two nodes with 1 vote each \(found 2 nodes, votes 1\+2\)/ },
  { name: 'transport enum', text: () => edit(baseConf, '<cman/>', '<cman transport="tcp"/>'), at: '<cman transport', where: /cman\/@transport/, message: /not one of udp, udpb, udpu, rdma/ },
  { name: 'integer attribute out of type (rm)', text: () => edit(baseConf, '<rm>', '<rm status_poll_interval="often">'), at: '<rm status', where: /rm\/@status_poll_interval/, message: /not an integer/ },
  { name: 'resource missing a required attribute', text: () => edit(baseConf, '<fs name="data" device="/dev/sdb1" mountpoint="/data"', '<fs name="data" device="/dev/sdb1"'), at: '<fs name="data"', where: /fs\[name=data\]\/@mountpoint/, message: /required attribute is missing/ },
  { name: 'two <cman> elements', text: () => edit(baseConf, '<cman/>', '<cman/>\n  <cman port="5406"/>'), at: '<cman port', where: /^cman$/, message: /may appear only once/ },
  { name: 'quorumd without device or label', text: () => edit(baseConf, '<cman/>', '<cman/>\n  <quorumd votes="2"/>'), at: '<quorumd', where: /^quorumd$/, message: /needs device= or label=/ },
  { name: 'no clusternodes', text: () => '<?xml version="1.0"?>\n<cluster name="a" config_version="1">\n  <cman/>\n</cluster>\n', at: '<cluster', where: /^cluster\[name=a\]$/, message: /must contain a <clusternodes>/ },
  { name: 'transport in <totem>', text: () => edit(baseConf, '<cman/>', '<cman/>\n  <totem transport="udpu"/>'), at: '<totem', where: /totem\/@transport/, message: /use <cman transport/ },
];

describe('config: broken files get one clear message naming line and fault', () => {
  for (const bc of brokenCases) {
    it(bc.name, () => {
      const text = bc.text();
      const r = parseClusterConf(text, 'bad.conf');
      expect(r.config, 'config must be refused').to.equal(undefined);
      const errs = errorsOf(r.problems);
      const hit = errs.find((p) => bc.where.test(p.where) && bc.message.test(p.message));
      expect(hit, `expected an error ${bc.where} ${bc.message}; got:\n${r.problems.map(formatProblem).join('\n')}`).to.not.equal(undefined);
      expect(hit?.line).to.equal(lineOf(text, bc.at));
      expect(formatProblem(hit as ConfigProblem)).to.match(/^bad\.conf:\d+: \S.*: \S.*$/);
    });
  }

  it('a file over 4 MiB is refused by text and by file, naming the limit', async () => {
    const big = baseConf.replace('</cluster>', `<!-- ${'x'.repeat(MAX_CONFIG_BYTES)} -->\n</cluster>`);
    const r = parseClusterConf(big, 'big.conf');
    expect(r.config).to.equal(undefined);
    expect(r.problems).to.have.length(1);
    expect(r.problems[0]?.message).to.match(/limit is 4194304 bytes \(4 MiB\)/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfgtest-'));
    try {
      const f = path.join(dir, 'cluster.conf');
      writeFileSync(f, big);
      const lr = await loadClusterConf(f);
      expect(lr.config).to.equal(undefined);
      expect(lr.problems[0]?.message).to.match(/4 MiB/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing file is a problem, not an exception', async () => {
    const r = await loadClusterConf('/nonexistent/cluster.conf');
    expect(r.config).to.equal(undefined);
    expect(r.problems[0]?.message).to.equal('cannot read: no such file');
  });

  it('an entity-expansion file is rejected without expanding anything (fast, small result)', () => {
    const lol = ['<!ENTITY a0 "lollollollollollollollollollol">'];
    for (let i = 1; i < 12; i++) lol.push(`<!ENTITY a${i} "${`&a${i - 1};`.repeat(10)}">`);
    const text = `<?xml version="1.0"?>\n<!DOCTYPE cluster [\n${lol.join('\n')}\n]>\n<cluster name="x" config_version="1"><clusternodes><clusternode name="&a11;" nodeid="1"/></clusternodes></cluster>\n`;
    const r = parseClusterConf(text, 'lol.conf');
    expect(r.config).to.equal(undefined);
    expect(r.problems).to.have.length(1);
    expect(formatProblem(r.problems[0] as ConfigProblem)).to.match(/^lol\.conf:2: xml: <!DOCTYPE> declarations are not allowed/);
  });
});

describe('config: warnings never fail validation', () => {
  it('unknown attribute: warning with did-you-mean', () => {
    const text = edit(baseConf, 'nodeid="3"', 'nodeid="3" vots="1"');
    const r = parseClusterConf(text, 'w.conf');
    expect(r.config).to.not.equal(undefined);
    const w = warningsOf(r.problems).find((p) => p.where === 'clusternode[name=n3]/@vots');
    expect(w?.message).to.match(/unknown attribute; did you mean 'votes'\?/);
    expect(w?.line).to.equal(lineOf(text, 'vots='));
    expect(formatProblem(w as ConfigProblem)).to.match(/^w\.conf:\d+: clusternode\[name=n3\]\/@vots: warning: unknown attribute/);
  });

  it('misspelt fence attribute: did you mean passwd', () => {
    const text = edit(baseConf, 'passwd="secret"/>', 'password="secret"/>');
    const r = parseClusterConf(text, 'w.conf');
    expect(r.config).to.not.equal(undefined);
    expect(warningsOf(r.problems).some((p) => p.where === 'fencedevice[name=ipmi1]/@password' && /did you mean 'passwd'/.test(p.message))).to.equal(true);
  });

  it('unknown attribute far from every known one: warning without a suggestion', () => {
    const r = parseClusterConf(edit(baseConf, '<rm>', '<rm zzzzqqqq="1">'), 'w.conf');
    const w = warningsOf(r.problems).find((p) => p.where === 'rm/@zzzzqqqq');
    expect(w?.message).to.match(/^unknown attribute \(/);
  });

  it('unknown resource type: warning with did-you-mean, unless agent metadata knows it', () => {
    const text = edit(baseConf, '<script name="httpd" file="/etc/init.d/httpd"/>', '<scrpt name="httpd" file="/etc/init.d/httpd"/>');
    const r = parseClusterConf(text, 'w.conf');
    expect(r.config).to.not.equal(undefined);
    expect(warningsOf(r.problems).find((p) => p.where === 'scrpt[name=httpd]')?.message).to.match(/unknown resource type 'scrpt'.*did you mean 'script'\?/);
    const types = new Map<string, ResourceTypeInfo>([['scrpt', { parameters: [
      { name: 'name', required: true, primary: true, unique: true }, { name: 'file', required: true, primary: false, unique: false }] }]]);
    const r2 = parseClusterConf(text, 'w.conf', { resourceTypes: types });
    expect(r2.problems.filter((p) => /scrpt/.test(p.where))).to.deep.equal([]);
    const r3 = parseClusterConf(edit(text, ' file="/etc/init.d/httpd"/>', '/>'), 'w.conf', { resourceTypes: types });
    expect(errorsOf(r3.problems).find((p) => p.where === 'scrpt[name=httpd]/@file')?.message).to.match(/required parameter/);
  });

  it('agent metadata resolves ref= of a custom type by its primary parameter', () => {
    const types = new Map<string, ResourceTypeInfo>([['glusterfs', { parameters: [
      { name: 'volume', required: true, primary: true, unique: true }] }]]);
    let text = edit(baseConf, '<ip address="10.1.1.1"/>', '<ip address="10.1.1.1"/>\n      <glusterfs volume="gv0"/>');
    text = edit(text, '<service name="db" depend="service:web"/>', '<service name="db" depend="service:web"><glusterfs ref="gv0"/></service>');
    const ok = parseClusterConf(text, 'g.conf', { resourceTypes: types });
    expect(ok.problems.map(formatProblem)).to.deep.equal([]);
    const bad = parseClusterConf(edit(text, '<glusterfs ref="gv0"/>', '<glusterfs ref="gv1"/>'), 'g.conf', { resourceTypes: types });
    expect(errorsOf(bad.problems).map((p) => `${p.where}: ${p.message}`)).to.deep.equal(["glusterfs[ref=gv1]/@ref: no <glusterfs volume=\"gv1\"> in <rm><resources>; did you mean 'gv0'?"]);
  });

  it('unknown element outside resources: warning with did-you-mean', () => {
    const text = edit(baseConf, '<cman/>', '<cman/>\n  <fence_deamon post_join_delay="3"/>');
    const r = parseClusterConf(text, 'w.conf');
    expect(r.config).to.not.equal(undefined);
    const w = warningsOf(r.problems).find((p) => p.where === 'fence_deamon');
    expect(w?.message).to.match(/unknown element <fence_deamon> inside <cluster>; did you mean 'fence_daemon'\?/);
    expect(w?.line).to.equal(lineOf(text, '<fence_deamon'));
  });

  it('timer relations: consensus below 1.2 x token, qdisk vs token', () => {
    const text = edit(baseConf, '<cman/>', '<cman expected_votes="5"/>\n  <totem token="10000" consensus="11000"/>\n  <quorumd label="qd" votes="2" interval="1" tko="10"/>');
    const r = parseClusterConf(text, 'w.conf');
    expect(r.config).to.not.equal(undefined);
    const ws = warningsOf(r.problems).map((p) => `${p.where}: ${p.message}`);
    expect(ws.some((w) => /consensus 11000 ms is below 1.2 x token/.test(w))).to.equal(true);
    expect(ws.some((w) => /qdiskd refuses to start; use token >= /.test(w))).to.equal(true);
  });

  it('a boolean written as "yes" where cman reads atoi() is a warning', () => {
    const text = edit(baseConf, 'ordered="1"', 'ordered="yes"');
    const r = parseClusterConf(text, 'w.conf');
    expect(r.config?.rm.failoverDomains[0]?.ordered).to.equal(false);
    expect(warningsOf(r.problems).some((p) => p.where === 'failoverdomain[name=pref]/@ordered' && /atoi/.test(p.message))).to.equal(true);
  });

  it('node without fencing is a warning', () => {
    const text = edit(baseConf, '<device name="ipmi3"/>', '');
    const r = parseClusterConf(text, 'w.conf');
    expect(r.config).to.not.equal(undefined);
    expect(warningsOf(r.problems).some((p) => p.where === 'clusternode[name=n3]' && /fencing fails/.test(p.message))).to.equal(true);
  });
});

describe('config: helpers', () => {
  it('parseTimeS follows rgmanager suffixes', () => {
    expect(parseTimeS('30')).to.equal(30);
    expect(parseTimeS('5m')).to.equal(300);
    expect(parseTimeS('1h30m')).to.equal(5400);
    expect(parseTimeS('10x')).to.equal(undefined);
    expect(parseTimeS('')).to.equal(undefined);
  });
});

describe('config: rgmanager rg_test fixtures (peer/rgmanager-tests) parse without crashing', () => {
  const dir = path.join(sharedDir, 'peer/rgmanager-tests');
  const files = readdirSync(dir).filter((f) => f.endsWith('.conf')).sort();
  it('finds the fixtures', () => {
    expect(files.length).to.be.greaterThan(10);
  });
  for (const f of files) {
    it(f, () => {
      const text = readFileSync(path.join(dir, f), 'utf8');
      const r = parseClusterConf(text, f, { allowErrors: true });
      // rm-only fixtures lack <clusternodes> and name/config_version; allowErrors still yields the model.
      expect(r.config, r.problems.map(formatProblem).join('\n')).to.not.equal(undefined);
      expect(r.config?.rm.present).to.equal(true);
      for (const p of r.problems) expect(p.line).to.be.greaterThan(0);
    });
  }
});
