import { expect } from 'chai';
import path from 'node:path';
import { parseClusterConf, loadClusterConf, diffConfig, summarizeConfig } from '../../../src/config/index.js';
import type { ClusterConfig } from '../../../src/config/index.js';
import { loggingSettingsFromConfig } from '../../../src/log/index.js';
import { repoRoot } from '../../support/paths.js';
import { baseConf, edit } from './fixtures.js';

function cfg(text: string): ClusterConfig {
  const r = parseClusterConf(text, 'x.conf');
  if (r.config === undefined) throw new Error(r.problems.map((p) => p.message).join('; '));
  return r.config;
}

describe('config: diffConfig', () => {
  const a = cfg(baseConf);

  it('identical configs: no changes', () => {
    const d = diffConfig(a, cfg(baseConf));
    expect(d.changes).to.deep.equal([]);
    expect(d.empty).to.equal(true);
    expect(d.describe()).to.deep.equal([]);
  });

  it('version, node added/removed/votes, fencing, device, domain, service, resource changes', () => {
    let t = edit(baseConf, 'config_version="7"', 'config_version="8"');
    t = edit(t, 'nodeid="2">', 'nodeid="2" votes="2">');
    t = edit(t, '<device name="ipmi3"/>', '<device name="ipmi3" port="3"/>');
    t = edit(t, '  </clusternodes>', '    <clusternode name="n4" nodeid="4"><fence><method name="1"><device name="ipmi1"/></method></fence></clusternode>\n  </clusternodes>');
    t = edit(t, 'passwd="secret"/>', 'passwd="changed"/>');
    t = edit(t, '<failoverdomainnode name="n2" priority="2"/>', '<failoverdomainnode name="n2" priority="3"/>');
    t = edit(t, 'recovery="restart"', 'recovery="relocate"');
    t = edit(t, '<fs name="data" device="/dev/sdb1"', '<fs name="data" device="/dev/sdc1"');
    t = edit(t, '<service name="db" depend="service:web"/>', '<service name="db2"/>');
    const d = diffConfig(a, cfg(t));
    expect(d.versionFrom).to.equal(7);
    expect(d.versionTo).to.equal(8);
    expect(d.empty).to.equal(false);
    const lines = d.describe();
    expect(lines).to.include('config_version 7 -> 8');
    expect(lines).to.include('node n4 added (nodeid 4, votes 1)');
    expect(lines).to.include('node n2: votes 1 -> 2');
    expect(lines).to.include('node n3: fencing 1[ipmi3] -> 1[ipmi3(port=3)]');
    expect(lines).to.include('failover domain pref: ordered,restricted,failback: n1:1 n2:2 -> ordered,restricted,failback: n1:1 n2:3');
    expect(lines).to.include('service:web: recovery restart -> relocate');
    expect(lines).to.include('service:db removed');
    expect(lines).to.include('service:db2 added');
    expect(lines).to.include('resource fs:data: name=data device=/dev/sdb1 mountpoint=/data fstype=ext4 -> name=data device=/dev/sdc1 mountpoint=/data fstype=ext4');
    // secrets are masked in human lines
    const dev = d.changes.find((c) => c.area === 'fencedevice');
    expect(dev?.what).to.match(/passwd=\*\*\*/);
    expect(dev?.what).to.not.match(/secret|changed/);
    expect(Object.isFrozen(d.changes)).to.equal(true);
    const removed = diffConfig(cfg(t), a).describe();
    expect(removed).to.include('node n4 removed (nodeid 4, votes 1)');
  });

  it('an untracked service attribute change is reported next to a tracked one', () => {
    const t = edit(baseConf, '<service name="web" domain="pref" recovery="restart">', '<service name="web" domain="pref" recovery="disable" nfslock="1">');
    expect(diffConfig(a, cfg(t)).describe()).to.deep.equal(['service:web: recovery restart -> disable', 'service:web: attributes name=web -> name=web nfslock=1']);
  });

  it('a changed resource tree inside a service is reported', () => {
    const t = edit(baseConf, '<script name="httpd" file="/etc/init.d/httpd"/>', '<script name="httpd" file="/etc/init.d/nginx"/>');
    const d = diffConfig(a, cfg(t));
    expect(d.describe()).to.deep.equal(['service:web: resource tree changed']);
    expect(d.changes[0]).to.include({ area: 'service', kind: 'changed', subject: 'service:web', field: 'resources' });
  });
});

describe('config: summary of cluster.conf.example', () => {
  it('names nodes, votes, quorum, fencing, domains and the resource trees', async () => {
    const r = await loadClusterConf(path.join(repoRoot, 'cluster.conf.example'));
    if (r.config === undefined) throw new Error('example does not parse');
    const s = summarizeConfig(r.config);
    expect(s).to.match(/127\.0\.0\.2 +nodeid 1 +votes 1/);
    expect(s).to.include('node votes 3 + quorum disk 2; expected votes 5');
    expect(s).to.include('quorum 3 (all members and the qdisk: total 5, quorate)');
    expect(s).to.include('2. method dual-power: apc-a port=1 action=off, apc-b port=1 action=off, apc-a port=1 action=on, apc-b port=1 action=on');
    expect(s).to.match(/web-domain +\(ordered, restricted, failback\): 127\.0\.0\.2 \[1\], 127\.0\.0\.3 \[2\]/);
    expect(s).to.match(/\n {4}ip:127\.0\.1\.10 \(ref\).*\n {6}fs:web-data \(ref\).*\n {8}script:httpd \(ref\)/);
    expect(s).to.match(/service:batch +\(.*exclusive/);
  });
});

describe('log: settings from <logging>', () => {
  it('defaults: info level, logfile /var/log/cluster/cluster.log', () => {
    const c = cfg(baseConf);
    expect(loggingSettingsFromConfig(c.logging, { node: 'n1', toStderr: false })).to.deep.equal({
      level: 'info', toStderr: false, logfile: '/var/log/cluster/cluster.log', node: 'n1' });
  });
  it('debug="on", priorities, per-daemon override and to_logfile="no"', () => {
    const t = edit(baseConf, '<cman/>', '<cman/>\n  <logging to_logfile="no" syslog_priority="warning" logfile_priority="err">\n    <logging_daemon name="clusterd" debug="on"/>\n  </logging>');
    const c = cfg(t);
    expect(loggingSettingsFromConfig(c.logging)).to.deep.equal({ level: 'debug', toStderr: true });
    expect(loggingSettingsFromConfig(c.logging, { daemon: 'rgmanager' })).to.deep.equal({ level: 'warn', toStderr: true });
  });
});
