// Config propagation with real clusterd processes (issue 8): cman_tool version -r / ccs_tool
// update distribute the file's exact bytes, activate everywhere or nowhere, refuse bad input
// without changing anything, restart only what changed, keep history and roll back; a node that
// joins with an older file gets the cluster's.
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { PropagateCluster, type ServiceSpec } from './harness.js';
import { withConfigVersion } from '../../../src/cman/config-sync/store.js';

describe('propagate: cman_tool version -r / ccs_tool with three clusterd processes', function () {
  this.timeout(120_000);
  const c = new PropagateCluster({ nodes: 3, port: 10401 });
  const [n1, n2, n3] = c.nodes as [typeof c.nodes[0], typeof c.nodes[0], typeof c.nodes[0]];
  let a = '';
  let b = '';
  let b2 = '';
  let d = '';
  let web: ServiceSpec;
  let db: ServiceSpec;
  let v2Text = '';

  const versions = async (): Promise<(number | undefined)[]> => Promise.all(c.nodes.map(async (n) => (await c.cmanStatus(n))?.configVersion));
  const files = (): Buffer[] => c.nodes.map((n) => c.readConf(n));
  const noStatus = (l: string): boolean => !/ status /.test(l);

  before(async function () {
    a = c.script('a'); b = c.script('b'); b2 = c.script('b2'); d = c.script('d');
    web = { name: 'web', resources: [{ name: 'a', script: a }, { name: 'b', script: b }] };
    // A new service in a new restricted domain (node 3 only): the policy must learn the domain.
    db = { name: 'db', resources: [{ name: 'd', script: d }], domain: [3] };
    // Only nodes 1 and 2 have the agent of type "probe" (as when a package is missing on a node).
    const probeDir = c.agentDir('probe');
    c.nodeEnv.set(n1.name, { CLUSTER_AGENT_PATH: probeDir });
    c.nodeEnv.set(n2.name, { CLUSTER_AGENT_PATH: probeDir });
    const v1 = c.conf(1, [web]);
    for (const n of c.nodes) c.writeConf(n, v1);
    await c.startAll(30_000);
    await c.waitService('service:web', (s) => s === 'started', 'started', 30_000);
  });

  after(async function () { await c.stop(); });

  it('version 2 with a new service: --dry-run changes nothing; version -r puts identical bytes on every node and starts it', async function () {
    v2Text = c.conf(2, [web, db]);
    c.writeConf(n1, v2Text);
    const dry = await c.command(n1, 'cman_tool', ['version', '-r', '--dry-run']);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain('config_version 1 -> 2').and.to.contain('quorum 2 -> 2').and.to.match(/service service:db: added; starts/);
    expect(await versions()).to.deep.equal([1, 1, 1]);
    expect(c.readConf(n2).toString()).to.contain('config_version="1"');

    const r = await c.command(n1, 'cman_tool', ['version', '-r']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Config version 2 activated on 3 node(s)');
    for (const n of c.nodes) expect(r.stdout).to.contain(`${n.name} (nodeid ${n.nodeid}): activated`);
    await c.waitVersion(2, 10_000);
    for (const f of files()) expect(f.equals(Buffer.from(v2Text))).to.equal(true);
    for (const n of c.nodes) expect((await c.command(n, 'cman_tool', ['version'])).stdout).to.equal('6.2.0 config 2\n');
    await c.waitService('service:db', (s, owner) => s === 'started' && owner === n3.name, `started on ${n3.name} (its restricted domain)`, 30_000);
  });

  it('a lower version and a broken file are refused with clear messages and change nothing on any node', async function () {
    const before = files();
    c.writeConf(n1, c.conf(1, [web]));
    const low = await c.command(n1, 'cman_tool', ['version', '-r']);
    expect(low.code).to.equal(1);
    expect(low.stderr).to.contain('Not reloading, config version older or equal the running config').and.to.contain('config_version 1, the cluster runs version 2');

    const broken = c.conf(3, [web, db]).replace('<rm status_poll_interval="1">', '<rm status_poll_interval="1"');
    c.writeConf(n1, broken);
    const bad = await c.command(n1, 'ccs_tool', ['update', n1.confPath]);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain('Not reloading, configuration is not valid').and.to.contain(`${n1.confPath}:`);

    const badRef = c.conf(3, [{ name: 'web', resources: [{ name: 'a', script: a }] }]).replace('<service name="web"', '<service name="web" domain="nosuchdomain"');
    c.writeConf(n1, badRef);
    const bad2 = await c.command(n1, 'cman_tool', ['version', '-r']);
    expect(bad2.code).to.equal(1);
    expect(bad2.stderr).to.contain('nosuchdomain');

    expect(await versions()).to.deep.equal([2, 2, 2]);
    const after = files();
    expect(after[1]!.equals(before[1]!)).to.equal(true);
    expect(after[2]!.equals(before[2]!)).to.equal(true);
    const h = await c.command(n2, 'ccs_tool', ['history', '--json']);
    expect((JSON.parse(h.stdout) as { entries: { version: number }[] }).entries.map((e) => e.version)).to.deep.equal([2, 1]);
  });

  it('a config one node cannot load (its agent is missing there) is refused by that node and activated nowhere', async function () {
    const before = files();
    const v3 = c.conf(3, [web, db]).replace('<script name="d"', '<probe name="p1"/>\n      <script name="d"');
    c.writeConf(n1, v3);
    const r = await c.command(n1, 'cman_tool', ['version', '-r']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('Not reloading: config version 3 refused by 127.0.5.3 (rgmanager:').and.to.contain('probe').and.to.contain('nothing was activated');
    expect(r.stdout).to.match(/127\.0\.5\.1 \(nodeid 1\): prepared/).and.to.match(/127\.0\.5\.2 \(nodeid 2\): prepared/);
    expect(await versions()).to.deep.equal([2, 2, 2]);
    const after = files();
    expect(after[1]!.equals(before[1]!)).to.equal(true);
    expect(after[2]!.equals(before[2]!)).to.equal(true);
    const { waitUntil } = await import('./harness.js');
    await waitUntil('staged copies removed', 5000, () => c.nodes.every((n) => !readdirSync(n.dir).some((f) => f.includes('.new-'))));
  });

  it("a change of one resource's attribute restarts only that resource (the agent log shows no other call)", async function () {
    const mark = c.agentLines().length;
    const v3 = c.conf(3, [{ name: 'web', resources: [{ name: 'a', script: a }, { name: 'b', script: b2 }] }, db]);
    c.writeConf(n1, v3);
    const dry = await c.command(n1, 'ccs_tool', ['update', '--dry-run', n1.confPath]);
    expect(dry.stdout).to.match(/service service:web \(running on [\d.]+\): stop script:b; start script:b/);
    expect(dry.stdout).to.not.contain('service:db');
    const r = await c.command(n1, 'ccs_tool', ['update', n1.confPath]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Update complete.');
    await c.waitVersion(3, 10_000);
    const owner = (await c.waitService('service:web', (s) => s === 'started', 'started', 10_000)).owner!;
    const { waitUntil } = await import('./harness.js');
    await waitUntil('b2 started', 10_000, () => c.agentLines().slice(mark).some((l) => l.startsWith('b2 start')));
    const calls = c.agentLines().slice(mark).filter(noStatus);
    expect(calls).to.deep.equal([`b stop ${owner}`, `b2 start ${owner}`]);
    for (const f of files()) expect(f.equals(Buffer.from(v3))).to.equal(true);
  });

  it('a reconfig-only change (service recovery) runs the agent\'s reconfig on the owner and restarts nothing', async function () {
    const mark = c.agentLines().length;
    const owner = (await c.waitService('service:web', (s) => s === 'started', 'started', 10_000)).owner!;
    const cur = c.readConf(n1).toString();
    const next = withConfigVersion(cur, 4)!.replace('<service name="web" autostart="1" recovery="relocate"', '<service name="web" autostart="1" recovery="restart"');
    expect(next).to.not.equal(withConfigVersion(cur, 4));
    c.writeConf(n1, next);
    const dry = await c.command(n1, 'cman_tool', ['version', '-r', '--dry-run']);
    expect(dry.stdout).to.contain(`service service:web (running on ${owner}): reconfigure service:web`);
    const r = await c.command(n1, 'cman_tool', ['version', '-r']);
    expect(r.code, r.stderr).to.equal(0);
    await c.waitVersion(4, 10_000);
    const log = c.nodes.find((n) => n.name === owner)!.logFile;
    const { waitUntil } = await import('./harness.js');
    await waitUntil('reconfig run logged', 10_000, () => readFileSync(log, 'utf8').includes('reconfiguration: reconfig service:web: rc 0'));
    expect(c.agentLines().slice(mark).filter(noStatus)).to.deep.equal([]);
    expect((await c.waitService('service:web', (s) => s === 'started', 'started', 1000)).owner).to.equal(owner);
  });

  it('ccs_tool history lists the kept versions on every node; rollback propagates old content under a new version', async function () {
    for (const n of c.nodes) {
      const h = await c.command(n, 'ccs_tool', ['history']);
      expect(h.code).to.equal(0);
      expect(h.stdout).to.match(/^\s+4\s.*\(running\)$/m).and.to.match(/^\s+3\s/m).and.to.match(/^\s+2\s/m).and.to.match(/^\s+1\s/m);
    }
    const mark = c.agentLines().length;
    const r = await c.command(n3, 'ccs_tool', ['rollback', '2']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Config version 5 activated on 3 node(s)');
    await c.waitVersion(5, 10_000);
    const expected = Buffer.from(withConfigVersion(v2Text, 5)!);
    for (const f of files()) expect(f.equals(expected)).to.equal(true);
    const { waitUntil } = await import('./harness.js');
    await waitUntil('b started again', 10_000, () => c.agentLines().slice(mark).some((l) => l.startsWith('b start')));
    expect(c.agentLines().slice(mark).filter(noStatus).map((l) => l.split(' ').slice(0, 2).join(' '))).to.deep.equal(['b2 stop', 'b start']);
  });

  it('a node that joins with an older config gets the cluster\'s newer one', async function () {
    await c.stopNode(n3, 'SIGTERM');
    const { waitUntil } = await import('./harness.js');
    await waitUntil('node 1 and 2 to see two members', 15_000, async () => (await c.cmanStatus(n1))?.nodes === 2 && (await c.cmanStatus(n2))?.nodes === 2);
    await c.waitService('service:web', (s) => s === 'started', 'started', 10_000);
    const v6 = c.conf(6, [web, db]);
    c.writeConf(n1, v6);
    const r = await c.command(n1, 'cman_tool', ['version', '-r']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Config version 6 activated on 2 node(s)');
    expect(c.readConf(n3).toString()).to.contain('config_version="5"');
    c.start(n3);
    await c.waitQuorate(30_000);
    // Its own file said 5; it runs and holds the cluster's 6.
    await c.waitVersion(6, 15_000);
    expect(readFileSync(n3.confPath).equals(Buffer.from(v6))).to.equal(true);
  });

  it('a removed service stops on its owner and leaves the status; the others are untouched', async function () {
    const owner = (await c.waitService('service:db', (s) => s === 'started', 'started', 20_000)).owner!;
    const mark = c.agentLines().length;
    c.writeConf(n1, c.conf(7, [web]));
    const r = await c.command(n1, 'cman_tool', ['version', '-r']);
    expect(r.code, r.stderr).to.equal(0);
    await c.waitVersion(7, 10_000);
    const { waitUntil } = await import('./harness.js');
    await waitUntil('d stopped', 10_000, () => c.agentLines().slice(mark).some((l) => l === `d stop ${owner}`));
    expect(c.agentLines().slice(mark).filter(noStatus)).to.deep.equal([`d stop ${owner}`]);
    const st = await c.rgStatus(n2);
    expect(st?.services.map((x) => x.id)).to.deep.equal(['service:web']);
  });

  it('a node that cannot load the cluster\'s config does not take part (it leaves), and its file is kept', async function () {
    await c.stopNode(n3, 'SIGTERM');
    const { waitUntil } = await import('./harness.js');
    await waitUntil('node 1 and 2 to see two members', 15_000, async () => (await c.cmanStatus(n1))?.nodes === 2 && (await c.cmanStatus(n2))?.nodes === 2);
    const old = c.readConf(n3);
    const v8 = c.conf(8, [web]).replace('</rm>', '  <service name="extra"><probe name="p8"/></service>\n  </rm>');
    c.writeConf(n1, v8);
    const r = await c.command(n1, 'cman_tool', ['version', '-r']);
    expect(r.code, r.stderr).to.equal(0);
    await c.waitService('service:extra', (st) => st === 'started', 'started', 20_000);
    c.start(n3);
    await waitUntil('node 3 to leave after refusing version 8', 30_000, () => readFileSync(n3.logFile, 'utf8').includes("cannot load the cluster's config version 8"));
    await waitUntil('node 3 to exit', 30_000, () => !c.running(n3));
    expect(c.readConf(n3).equals(old)).to.equal(true);
    await waitUntil('node 1 to see two members again', 15_000, async () => (await c.cmanStatus(n1))?.nodes === 2);
    expect((await c.cmanStatus(n1))?.configVersion).to.equal(8);
  });

  it('a 300 KiB file (10 chunks, parsed in a worker thread) arrives byte-identical', async function () {
    const big = c.readConf(n1).toString();
    const pad = `\n<!-- ${'padding '.repeat(300 * 1024 / 8)} -->\n`;
    const v9 = withConfigVersion(big, 9)!.replace('</cluster>', `</cluster>${pad}`);
    expect(v9.length).to.be.greaterThan(300 * 1024);
    c.writeConf(n1, v9);
    const r = await c.command(n1, 'ccs_tool', ['update', n1.confPath]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Config version 9 activated on 2 node(s)');
    expect(c.readConf(n2).equals(Buffer.from(v9))).to.equal(true);
  });
});
