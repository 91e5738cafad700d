// clustat and clusvcadm against a live 3-node cluster (real clusterd processes on 127.0.3.11-13,
// power behind ipmi_bmc_sim / apc_pdu_sim): RHCS messages, exit codes and layouts
// (../shared/research/rgmanager.md §5.2, §5.3). Dates are matched by pattern, everything else byte for byte.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { LocalCluster, binPath, waitUntil } from '../../../src/demo/local-cluster.js';

const CTIME = String.raw`(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}`;
const N1 = '127.0.3.11';
const N2 = '127.0.3.12';
const N3 = '127.0.3.13';

const member = (name: string, id: number, status: string) => ` ${name.padEnd(40)} ${String(id).padStart(4)} ${status}`;
const service = (name: string, owner: string, state: string) => ` ${name.padEnd(30)} ${owner.padEnd(30)} ${state.padEnd(14)}`;

describe('ops: clustat and clusvcadm on a live cluster', function () {
  this.timeout(120_000);
  let c: LocalCluster;

  before(async () => {
    c = await LocalCluster.start({
      nodes: 3, slot: 1, tokenMs: 1000, clusterName: 'opscluster', power: ['ipmi', 'ipmi', 'apc'],
      services: [{ name: 'web', domain: [1, 2, 3] }, { name: 'db', domain: [2, 3, 1] }],
    });
    await c.placeService('service:web', N1);
    await c.placeService('service:db', N2);
  });

  after(async () => {
    if (c !== undefined) await c.stop({ removeDir: process.env['KEEP_TEST_DIRS'] === undefined });
  });

  const run = (cmd: string, args: string[], node = N1) => c.command(node, cmd, args);

  it('clustat prints the RHCS layout (members and services sections)', async () => {
    const r = await run('clustat', []);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).to.match(new RegExp(`^Cluster Status for opscluster @ ${CTIME}$`));
    expect(lines.slice(1)).to.deep.equal([
      'Member Status: Quorate', '',
      ' Member Name                             ID   Status',
      ' ------ ----                             ---- ------',
      member(N1, 1, 'Online, Local, rgmanager'),
      member(N2, 2, 'Online, rgmanager'),
      member(N3, 3, 'Online, rgmanager'), '',
      ' Service Name                   Owner (Last)                   State         ',
      ' ------- ----                   ----- ------                   -----         ',
      service('service:db', N2, 'started'),
      service('service:web', N1, 'started'), '']);
  });

  it('clustat -x is XML with cluster, quorum, nodes and groups', async () => {
    const r = await run('clustat', ['-x'], N2);
    expect(r.code, r.stderr).to.equal(0);
    expect(XMLValidator.validate(r.stdout)).to.equal(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(r.stdout) as {
      clustat: {
        version: string; cluster: { name: string; generation: string }; quorum: { quorate: string; groupmember: string };
        nodes: { node: Array<Record<string, string>> }; groups: { group: Array<Record<string, string>> };
      };
    };
    expect(doc.clustat.version).to.equal('4.1.1');
    expect(doc.clustat.cluster.name).to.equal('opscluster');
    expect(doc.clustat.quorum).to.deep.equal({ quorate: '1', groupmember: '1' });
    expect(doc.clustat.nodes.node.map((n) => [n['name'], n['state'], n['local'], n['rgmanager'], n['nodeid']])).to.deep.equal([
      [N1, '1', '0', '1', '0x00000001'], [N2, '1', '1', '1', '0x00000002'], [N3, '1', '0', '1', '0x00000003']]);
    const groups = doc.clustat.groups.group;
    expect(groups.map((g) => [g['name'], g['state'], g['state_str'], g['owner']])).to.deep.equal([
      ['service:db', '112', 'started', N2], ['service:web', '112', 'started', N1]]);
    expect(groups[0]!['last_transition_str']).to.match(new RegExp(`^${CTIME}$`));
    // The same document through libxml2 when it is installed.
    const lint = spawnSync('xmllint', ['--noout', '-'], { input: r.stdout, encoding: 'utf8' });
    if (lint.error === undefined) expect(lint.status, lint.stderr).to.equal(0);
  });

  it('clustat -m, -s, -Q, -I, -l: selections and exit codes', async () => {
    const m = await run('clustat', ['-m', N3]);
    expect(m.code).to.equal(0);
    expect(m.stdout).to.equal([' Member Name                             ID   Status', ' ------ ----                             ---- ------',
      member(N3, 3, 'Online, rgmanager'), ''].join('\n'));
    expect((await run('clustat', ['-m', 'nosuchnode'])).code).to.equal(255);
    const s = await run('clustat', ['-s', 'web']);
    expect(s.code).to.equal(0);
    expect(s.stdout).to.equal([' Service Name                   Owner (Last)                   State         ',
      ' ------- ----                   ----- ------                   -----         ', service('service:web', N1, 'started'), ''].join('\n'));
    expect((await run('clustat', ['-s', 'nosuch'])).code).to.equal(255);
    const q = await run('clustat', ['-Q']);
    expect([q.code, q.stdout]).to.deep.equal([0, '']);
    expect((await run('clustat', ['-I'], N3)).stdout).to.equal('0x00000003\n');
    const l = await run('clustat', ['-l', '-s', 'db']);
    expect(l.stdout).to.match(new RegExp(['^Service Information', '------- -----------', '', 'Service Name      : service:db',
      '  Current State   : started \\(112\\)', '  Flags           : none \\(0\\)', `  Owner           : ${N2.replace(/\./g, '\\.')}`,
      '  Last Owner      : (none|[\\d.]+)', `  Last Transition : ${CTIME}`, '', ''].join('\n') + '$'));
    const v = await run('clustat', ['-i', '1', '-x']);
    expect([v.code, v.stderr]).to.deep.equal([1, "Error: Options '-i' and '-x' are mutually exclusive\n" + v.stderr.split('\n').slice(1).join('\n')]);
  });

  it('clusvcadm -d / -e: messages, exit codes and the states clustat shows', async () => {
    const d = await run('clusvcadm', ['-d', 'web']);
    expect([d.code, d.stdout]).to.deep.equal([0, 'Local machine disabling service:web...Success\n']);
    const s = await run('clustat', ['-s', 'web']);
    expect([s.code, s.stdout.split('\n')[2]]).to.deep.equal([119, service('service:web', `(${N1})`, 'disabled')]);
    const e = await run('clusvcadm', ['-e', 'web']);
    expect([e.code, e.stdout]).to.deep.equal([0, `Local machine trying to enable service:web...Success\nservice:web is now running on ${N1}\n`]);
    const again = await run('clusvcadm', ['-e', 'web']);
    expect([again.code, again.stdout]).to.deep.equal([0, 'Local machine trying to enable service:web...Service is already running\n']);
  });

  it('clusvcadm -Z / -U: frozen services show [Z] and refuse requests', async () => {
    const z = await run('clusvcadm', ['-Z', 'web'], N2);
    expect([z.code, z.stdout]).to.deep.equal([0, 'Local machine freezing service:web...Success\n']);
    expect((await run('clustat', ['-s', 'web'])).stdout.split('\n')[2]).to.equal(service('service:web', N1, 'started    [Z]'));
    const r = await run('clusvcadm', ['-r', 'web']);
    expect([r.code, r.stdout]).to.deep.equal([245, 'Trying to relocate service:web...Failure: Service is frozen\n']);
    const u = await run('clusvcadm', ['-U', 'web'], N2);
    expect([u.code, u.stdout]).to.deep.equal([0, 'Local machine unfreezing service:web...Success\n']);
    expect((await run('clustat', ['-s', 'web'])).stdout.split('\n')[2]).to.equal(service('service:web', N1, 'started'));
  });

  it('clusvcadm -r -m: relocates and reports where the service runs', async () => {
    const r = await run('clusvcadm', ['-r', 'web', '-m', N3]);
    expect([r.code, r.stdout]).to.deep.equal([0, `Trying to relocate service:web to ${N3}...Success\nservice:web is now running on ${N3}\n`]);
    expect((await run('clustat', ['-s', 'web'], N2)).stdout.split('\n')[2]).to.equal(service('service:web', N3, 'started'));
  });

  it('clusvcadm -R / -s / -c: restart in place, stop, convalesce', async () => {
    const owner = (await c.rgStatus(N2))!.services.find((x) => x.id === 'service:web')!.owner!;
    const r = await run('clusvcadm', ['-R', 'web'], owner);
    expect([r.code, r.stdout]).to.deep.equal([0, 'Local machine trying to restart service:web...Success\n']);
    expect((await run('clustat', ['-s', 'web'])).stdout.split('\n')[2]).to.equal(service('service:web', owner, 'started'));
    const cv = await run('clusvcadm', ['-c', 'web'], owner);
    expect([cv.code, cv.stdout]).to.deep.equal([0, 'Local machine convalescing service:web...Service is already running\n']);
    const st = await run('clusvcadm', ['-s', 'web'], owner);
    expect([st.code, st.stdout]).to.deep.equal([0, 'Local machine stopping service:web...Success\n']);
    const s = await run('clustat', ['-s', 'web']);
    expect([s.code, s.stdout.split('\n')[2]]).to.deep.equal([110, service('service:web', `(${owner})`, 'stopped')]);
    const e = await run('clusvcadm', ['-e', 'web', '-m', N1]);
    expect([e.code, e.stdout]).to.deep.equal([0, `Member ${N1} trying to enable service:web...Success\nservice:web is now running on ${N1}\n`]);
  });

  it('clusvcadm errors: unknown service, unknown member, bad usage', async () => {
    const n = await run('clusvcadm', ['-e', 'nosuch']);
    expect([n.code, n.stdout]).to.deep.equal([252, 'Local machine trying to enable service:nosuch...Service does not exist\n']);
    const m = await run('clusvcadm', ['-r', 'web', '-m', 'nodeX']);
    expect([m.code, m.stdout]).to.deep.equal([1, "'nodeX' not in membership list\nNo matches for 'nodeX' found\n"]);
    const f = await run('clusvcadm', ['-e', 'web', '-F', '-m', N2]);
    expect([f.code, f.stderr]).to.deep.equal([1, "Cannot use '-F' with '-n' or '-m'\n"]);
  });

  it('clusvcadm -l / -S / -u: lock state of the local rgmanager', async () => {
    expect((await run('clusvcadm', ['-l'], N3)).stdout).to.equal('Resource groups locked\n');
    expect((await run('clusvcadm', ['-S'], N3)).stdout).to.equal('Resource groups locked\n');
    expect((await run('clusvcadm', ['-S'], N2)).stdout).to.equal('Resource groups unlocked\n');
    const u = await run('clusvcadm', ['-u'], N3);
    expect([u.code, u.stdout]).to.deep.equal([0, 'Resource groups unlocked\n']);
    expect((await run('clusvcadm', ['-S'], N3)).stdout).to.equal('Resource groups unlocked\n');
  });

  it('clustat -i refreshes until interrupted, then exits 0', async () => {
    const child = spawn(process.execPath, [binPath('clustat'), '-i', '1', '-s', 'db'], { env: c.env(N2), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await waitUntil('two clustat reports', 15_000, () => out.split(' Service Name').length - 1 >= 2);
    } finally { child.kill('SIGINT'); }
    expect(await exited).to.equal(0);
    expect(out).to.include(service('service:db', N2, 'started'));
  });

  it('commands report a daemon that is not there', async () => {
    const env = { ...process.env, CLUSTER_RUN_DIR: '/nonexistent/run' };
    const a = spawnSync(process.execPath, [binPath('clustat')], { env, encoding: 'utf8' });
    expect([a.status, a.stderr]).to.deep.equal([1, 'Could not connect to CMAN: No such file or directory\n']);
    const b = spawnSync(process.execPath, [binPath('clusvcadm'), '-e', 'web'], { env, encoding: 'utf8' });
    expect([b.status, b.stderr]).to.deep.equal([1, 'Could not connect to resource group manager\n']);
  });
});
