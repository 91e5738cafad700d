// Tree semantics beyond the 2007 fixtures, and bad input: every problem names file:line and the
// resource, and the rest of the forest is still built.
import { expect } from 'chai';
import { agentDirs, builtinAgentDir, loadResourceRules, parseAgentMetadata, parseTimeSpecS, MetadataError } from '../../../src/rgmanager/rules.js';
import type { RuleSet } from '../../../src/rgmanager/rules.js';
import { forestFromText } from '../../../src/rgmanager/load.js';
import type { ResourceForest, TreeNode } from '../../../src/rgmanager/tree.js';
import { findRoot, formatTreeProblem, operationOrder, resolveAttr } from '../../../src/rgmanager/tree.js';
import { diffForests } from '../../../src/rgmanager/delta.js';

const wrap = (rm: string): string => `<?xml version="1.0"?>\n<cluster name="c" config_version="1">\n<rm>\n${rm}\n</rm>\n</cluster>\n`;

describe('rgtree: tree building, ordering, inheritance and bad input', function () {
  let rules: RuleSet;
  before(async function () {
    const loaded = await loadResourceRules(agentDirs(builtinAgentDir, {}));
    expect(loaded.problems).to.deep.equal([]);
    rules = loaded.rules;
  });
  const build = (rm: string, mode: 'ancestor' | 'parent' = 'ancestor'): ResourceForest => {
    const r = forestFromText(wrap(rm), 'cluster.conf', rules, { inheritance: mode });
    expect(r.forest).to.not.equal(undefined);
    return r.forest!;
  };
  const problems = (f: ResourceForest): string[] => f.problems.map(formatTreeProblem);
  const ids = (nodes: TreeNode[]): string[] => nodes.map((n) => n.resource.id);

  it('service child levels: start lvm..script then untyped in document order; stop the reverse scheme', function () {
    const f = build(`<service name="s">
      <apache name="web"/>
      <script name="sc" file="/bin/true"/>
      <smb name="smb1"/>
      <ip address="127.0.0.9"/>
      <nfsclient name="nc" target="*"/>
      <nfsexport name="ne"/>
      <netfs name="nf" mountpoint="/m3" host="h" export="/e"/>
      <clusterfs name="cf" mountpoint="/m2" device="/dev/b"/>
      <fs name="f" mountpoint="/m1" device="/dev/a"/>
      <lvm name="l" vg_name="vg"/>
      <mysql name="db"/>
    </service>`);
    const root = findRoot(f, 'service', 's')!;
    expect(ids(operationOrder(root, 'start'))).to.deep.equal(['service:s', 'lvm:l', 'fs:f', 'clusterfs:cf', 'netfs:nf', 'nfsexport:ne',
      'nfsclient:nc', 'ip:127.0.0.9', 'smb:smb1', 'script:sc', 'apache:web', 'mysql:db']);
    expect(ids(operationOrder(root, 'stop'))).to.deep.equal(['mysql:db', 'apache:web', 'script:sc', 'ip:127.0.0.9', 'smb:smb1',
      'nfsclient:nc', 'nfsexport:ne', 'netfs:nf', 'clusterfs:cf', 'fs:f', 'lvm:l', 'service:s']);
    expect(problems(f)).to.deep.equal([]);
  });

  it('fs children: fs before clusterfs at the same level, nfsexport last; stop reverses within a type', function () {
    const f = build(`<service name="s"><fs name="top" mountpoint="/a" device="/dev/a">
      <nfsexport name="e"/><clusterfs name="c1" mountpoint="/a/c1" device="/dev/c1"/>
      <fs name="f1" mountpoint="/a/f1" device="/dev/f1"/><fs name="f2" mountpoint="/a/f2" device="/dev/f2"/>
    </fs></service>`);
    const root = findRoot(f, 'service', 's')!;
    expect(ids(operationOrder(root, 'start'))).to.deep.equal(['service:s', 'fs:top', 'fs:f1', 'fs:f2', 'clusterfs:c1', 'nfsexport:e']);
    expect(ids(operationOrder(root, 'stop'))).to.deep.equal(['nfsexport:e', 'fs:f2', 'fs:f1', 'clusterfs:c1', 'fs:top', 'service:s']);
  });

  it('type%attr inheritance walks to the nearest ancestor of that type (2007 mode: parent only); attr chains', function () {
    const f = build(`<service name="svc" nfslock="1"><script name="outer" file="/bin/true"><script name="inner" file="/bin/false"/>
      <ip address="127.0.0.10"/></script>
      <fs name="f" mountpoint="/exp" device="/dev/x" fsid="77"><nfsexport name="e"><nfsclient name="c" target="*"/></nfsexport></fs></service>`);
    const root = findRoot(f, 'service', 'svc')!;
    const outer = root.children.find((c) => c.resource.id === 'script:outer')!;
    const inner = outer.children.find((c) => c.resource.id === 'script:inner')!;
    expect(resolveAttr(inner, 'service_name', 'ancestor')).to.equal('svc');
    expect(resolveAttr(inner, 'service_name', 'parent')).to.equal(undefined);
    expect(resolveAttr(outer.children.find((c) => c.resource.type === 'ip')!, 'nfslock', 'ancestor')).to.equal('1');
    const client = root.children.find((c) => c.resource.type === 'fs')!.children[0]!.children[0]!;
    expect(resolveAttr(client, 'path')).to.equal('/exp');
    expect(resolveAttr(client, 'fsid')).to.equal('77');
    expect(resolveAttr(client.parent!.parent!, 'nfslock')).to.equal('1');
  });

  it('resource-defaults override metadata defaults and turn inheritance off; primary/unique defaults refused', function () {
    const f = build(`<resource-defaults><ip monitor_link="0"/><script service_name="fixed"/><fs mountpoint="/x"/></resource-defaults>
      <service name="s"><ip address="127.0.0.11"/><script name="a" file="/bin/a"/></service>`);
    const root = findRoot(f, 'service', 's')!;
    expect(resolveAttr(root.children[0]!, 'monitor_link')).to.equal('0');
    expect(resolveAttr(root.children[1]!, 'service_name')).to.equal('fixed');
    expect(problems(f).join('\n')).to.match(/cluster\.conf:4: fs: resource-defaults: cannot set a default for the unique parameter "mountpoint"/);
  });

  it('<action> overrides: a timeout, depth="*" intervals, and a new depth adds a check', function () {
    const f = build(`<resources><fs name="f" mountpoint="/m" device="/dev/m">
        <action name="start" timeout="2m"/><action name="status" depth="*" interval="1h"/><action name="status" depth="5" interval="7s"/>
      </fs></resources><service name="s"><fs ref="f"/></service>`);
    const fs = f.resources.find((r) => r.id === 'fs:f')!;
    expect(fs.actions.find((a) => a.name === 'start')!.timeoutS).to.equal(120);
    const st = fs.actions.filter((a) => a.name === 'status');
    expect(st.map((a) => [a.depth, a.intervalS])).to.deep.equal([[0, 3600], [10, 3600], [20, 3600], [5, 7]]);
  });

  it('tree-node specials: __independent_subtree 1 / non-critical, __enforce_timeouts, failure and restart windows', function () {
    const f = build(`<service name="s" __independent_subtree="1">
      <script name="a" file="/bin/a" __independent_subtree="1" __max_restarts="2" __restart_expire_time="1m"/>
      <script name="b" file="/bin/b" __independent_subtree="non-critical" __enforce_timeouts="yes"/>
      <script name="c" file="/bin/c" __max_failures="3" __failure_expire_time="30s"/>
      <script name="d" file="/bin/d" __max_failures="3"/>
    </service>`);
    const root = findRoot(f, 'service', 's')!;
    expect(root.independent).to.equal(false); // ignored on roots
    const [a, b, c, d] = root.children;
    expect([a!.independent, a!.nonCritical, a!.maxRestarts, a!.restartExpireS]).to.deep.equal([true, false, 2, 60]);
    expect([b!.independent, b!.nonCritical, b!.enforceTimeouts]).to.deep.equal([true, true, true]);
    expect([c!.maxFailures, c!.failureExpireS]).to.deep.equal([3, 30]);
    expect(d!.maxFailures).to.equal(0);
    expect(problems(f).join('\n')).to.contain('cluster.conf:8: service:s/script:d: __max_failures and __failure_expire_time must both be set');
  });

  it('ref= also finds a resource by a unique+required attribute (fs by mountpoint)', function () {
    const f = build(`<resources><fs name="data" mountpoint="/srv/data" device="/dev/d"/></resources>
      <service name="s"><fs ref="/srv/data"/></service>`);
    expect(findRoot(f, 'service', 's')!.children[0]!.resource.id).to.equal('fs:data');
  });

  it('bad input: unknown type, missing reference, cycle, collision, missing required, maxinstances, ref to inline', function () {
    const f = build(`<resources>
      <script name="loop" file="/bin/true"/>
      <ip address="127.0.0.12"/>
      <ip address="127.0.0.12"/>
      <fs name="nofile" mountpoint="/n"/>
      <frobnicator name="x"/>
    </resources>
    <service name="one">
      <frobnicate name="y"/>
      <script ref="missing"/>
      <script ref="loop"><script ref="loop"/></script>
      <ip ref="127.0.0.12"/>
      <script name="inl" file="/bin/inl"/>
    </service>
    <service name="two"><ip ref="127.0.0.12"/><script ref="inl"/></service>
    <servcie name="typo"/>`);
    const text = problems(f).join('\n');
    expect(text).to.contain('cluster.conf:7: ip:127.0.0.12: primary attribute collision: address="127.0.0.12" is already used by ip:127.0.0.12 (line 6)');
    expect(text).to.contain('cluster.conf:8: fs:nofile: required attribute "device" missing; resource ignored');
    expect(text).to.contain('cluster.conf:9: frobnicator: unknown resource type "frobnicator"');
    expect(text).to.contain('cluster.conf:12: service:one/frobnicate:y: unknown resource type "frobnicate"');
    expect(text).to.contain('cluster.conf:13: service:one/script:missing: reference to nonexistent resource "missing" (type script)');
    expect(text).to.contain('cluster.conf:14: service:one/script:loop/script:loop: reference cycle: script:loop is nested inside itself (outer one at line 14)');
    expect(text).to.contain('cluster.conf:18: service:two/ip:127.0.0.12: ip:127.0.0.12 is already used 1 time(s), its agent allows 1');
    expect(text).to.contain('cluster.conf:18: service:two/script:inl: reference to script:inl, which is defined inline at line 16');
    expect(text).to.contain('cluster.conf:19: servcie: <servcie> under <rm> is not a resource type (no agent provides it); ignored');
    expect(f.buildWarnings).to.deep.equal(['Warning: Max references exceeded for resource address (type ip)']);
    // Nothing else is lost: both services and their good resources are there.
    expect(ids(operationOrder(findRoot(f, 'service', 'one')!, 'start'))).to.deep.equal(['service:one', 'ip:127.0.0.12', 'script:loop', 'script:inl']);
    expect(ids(operationOrder(findRoot(f, 'service', 'two')!, 'start'))).to.deep.equal(['service:two']);
  });

  it('malformed XML is one error with its line', function () {
    const r = forestFromText('<cluster name="c">\n<rm>\n<service name="s">\n</rm></cluster>', 'bad.conf', rules);
    expect(r.forest).to.equal(undefined);
    expect(r.problems[0]!.file).to.equal('bad.conf');
    expect(r.problems[0]!.line).to.be.greaterThan(0);
  });

  it('delta: a change of reconfig= parameters only is RECONFIG, not a restart; other changes restart the node', function () {
    const a = build('<service name="s" recovery="restart"><script name="x" file="/bin/true"/></service>');
    const b = build('<service name="s" recovery="relocate"><script name="x" file="/bin/false"/></service>');
    const d = diffForests(a, b);
    const svcNew = b.resources.find((r) => r.id === 'service:s')!;
    expect(d.resourceFlags.get(svcNew)).to.deep.equal(['NEEDSTART', 'RECONFIG']);
    expect(d.reconfigResources).to.deep.equal([svcNew]);
    expect(d.stopNodes.map((n) => n.path)).to.deep.equal(['service:s/script:x']);
    expect(d.startNodes.map((n) => n.path)).to.deep.equal(['service:s/script:x']);
  });
});

describe('rgtree: agent metadata rules', function () {
  it('time specs as rgmanager expands them', function () {
    expect(parseTimeSpecS('30')).to.equal(30);
    expect(parseTimeSpecS('30s')).to.equal(30);
    expect(parseTimeSpecS('5m')).to.equal(300);
    expect(parseTimeSpecS('1h30m')).to.equal(5400);
    expect(parseTimeSpecS('2d')).to.equal(172800);
    expect(parseTimeSpecS('3x')).to.equal(0);
  });

  it('parses parameters, special section and actions', function () {
    const r = parseAgentMetadata(`<resource-agent name="thing" version="1.0"><parameters>
      <parameter name="name" primary="1" unique="yes"><content type="string"/></parameter>
      <parameter name="size" required="1" reconfig="1"><content type="string" default="10"/></parameter>
      <parameter name="owner" inherit="service%name"/></parameters>
      <actions><action name="start" timeout="2m"/><action name="status" interval="30s" depth="10" timeout="10"/></actions>
      <special tag="rgmanager"><attributes maxinstances="2" init_on_add="0"/><child type="ip" start="2" stop="1"/><child type="fs" forbid="1"/></special>
      </resource-agent>`, '/x/thing.sh');
    expect(r.type).to.equal('thing');
    expect(r.agentName).to.equal('thing.sh');
    expect(r.params.map((p) => [p.name, p.primary, p.unique, p.required, p.reconfig, p.inherit, p.defaultValue])).to.deep.equal([
      ['name', true, true, false, false, undefined, undefined],
      ['size', false, false, true, true, undefined, '10'],
      ['owner', false, false, false, false, 'service%name', undefined]]);
    expect([r.maxInstances, r.initOnAdd, r.destroyOnDelete]).to.deep.equal([2, false, true]);
    expect(r.childTypes).to.deep.equal([{ type: 'ip', startLevel: 2, stopLevel: 1, forbid: false }, { type: 'fs', startLevel: 0, stopLevel: 0, forbid: true }]);
    expect(r.actions).to.deep.equal([{ name: 'start', timeoutS: 120, intervalS: undefined, depth: undefined }, { name: 'status', timeoutS: 10, intervalS: 30, depth: 10 }]);
  });

  it('broken metadata is a MetadataError naming the agent file', function () {
    const bad = (xml: string): string => {
      try {
        parseAgentMetadata(xml, '/agents/broken.sh');
        return 'no error';
      } catch (e) {
        expect(e).to.be.instanceOf(MetadataError);
        return (e as Error).message;
      }
    };
    expect(bad('<resource-agent name="x"><parameters>')).to.match(/^\/agents\/broken\.sh: meta-data is not well-formed XML/);
    expect(bad('<nothing/>')).to.equal('/agents/broken.sh: meta-data has no <resource-agent> element');
    expect(bad('<resource-agent/>')).to.equal('/agents/broken.sh: <resource-agent> has no name attribute');
    expect(bad('<resource-agent name="x"><parameters><parameter name="a" primary="1"/><parameter name="b" primary="1"/></parameters></resource-agent>'))
      .to.equal('/agents/broken.sh: x: more than one primary parameter (a, b)');
    expect(bad('<resource-agent name="x"><parameters><parameter name="a" primary="1" inherit="p"/></parameters></resource-agent>'))
      .to.match(/inherit= together with primary/);
    expect(bad('<resource-agent name="action"/>')).to.match(/reserved/);
  });
});
