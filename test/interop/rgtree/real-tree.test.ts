// As root: a real service tree, ip (inside a private network namespace) + fs (ext4 on a loop
// device) + script (an LSB init script), started and stopped in rgmanager's order by our agents.
import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inCi } from '../../support/paths.js';
import { agentDirs, builtinAgentDir, loadResourceRules } from '../../../src/rgmanager/rules.js';
import type { RuleSet } from '../../../src/rgmanager/rules.js';
import { forestFromText } from '../../../src/rgmanager/load.js';
import { Executor } from '../../../src/rgmanager/executor.js';
import { quiet } from './quiet.js';

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const trySh = (cmd: string, args: string[]): void => {
  try {
    sh(cmd, args);
  } catch {
    // cleanup: already gone
  }
};
const isMounted = (mp: string): boolean => readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === mp);

const lsbScript = (orderLog: string, mnt: string, ns: string): string => `#!/bin/bash
# test LSB init script: records what it saw of the ip and fs resources when run
state=${mnt}/.app-running
seen() {
  ip=no; fs=no
  ip -o addr show | grep -q ' 127.0.0.77/' && ip=yes
  awk '$2 == "${mnt}" { f = 1 } END { exit f ? 0 : 1 }' /proc/mounts && fs=yes
  netns=$(ip netns identify $$ 2>/dev/null)
}
case "$1" in
  start) seen; echo "start ip=$ip fs=$fs ns=$netns" >> ${orderLog}; touch $state; exit 0 ;;
  stop) seen; echo "stop ip=$ip fs=$fs ns=$netns" >> ${orderLog}; rm -f $state; exit 0 ;;
  status) [ -e $state ] && exit 0; exit 3 ;;
  *) exit 2 ;;
esac
`;

describe('rgtree: a real service tree (ip in a network namespace, fs on a loop device, script) as root', function () {
  this.timeout(120_000);
  const ns = `cs-rg-${process.pid}`;
  const ns2 = `cs-rg-${process.pid}-peer`;
  let dir = '';
  let loop = '';
  let rules: RuleSet;
  let holder: ChildProcess | undefined;

  before(async function () {
    if (process.getuid?.() !== 0) {
      if (inCi) throw new Error('this test must run as root in CI');
      this.skip();
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'cs-rg-real-'));
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    const img = path.join(dir, 'disk.img');
    writeFileSync(img, '');
    sh('truncate', ['-s', '32M', img]);
    sh('mkfs.ext4', ['-q', '-F', img]);
    loop = sh('losetup', ['--find', '--show', img]).trim();
    const loaded = await loadResourceRules(agentDirs(builtinAgentDir, {}));
    expect(loaded.problems).to.deep.equal([]);
    rules = loaded.rules;
  });

  after(function () {
    if (dir === '') return;
    holder?.kill('SIGKILL');
    const mnt = path.join(dir, 'mnt');
    if (isMounted(mnt)) trySh('umount', ['-l', mnt]);
    if (loop !== '') trySh('losetup', ['-d', loop]);
    trySh('ip', ['netns', 'del', ns]);
    trySh('ip', ['netns', 'del', ns2]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts fs, ip, script in level order and stops them in reverse; force_unmount kills a holder', async function () {
    const mnt = path.join(dir, 'mnt');
    const orderLog = path.join(dir, 'order.log');
    const script = path.join(dir, 'app.init');
    writeFileSync(script, lsbScript(orderLog, mnt, ns));
    chmodSync(script, 0o755);
    // Document order is deliberately script, ip, fs: the service's child levels decide.
    const conf = `<?xml version="1.0"?>
<cluster name="c" config_version="1"><rm>
  <service name="web">
    <script name="app" file="${script}"/>
    <ip address="127.0.0.77" monitor_link="1"/>
    <fs name="data" device="${loop}" mountpoint="${mnt}" fstype="ext4" force_unmount="1" force_fsck="1"/>
  </service>
</rm></cluster>`;
    const { forest, problems } = forestFromText(conf, 'web.conf', rules);
    expect(problems).to.deep.equal([]);
    const root = forest!.roots[0]!;
    const ex = new Executor({ logger: quiet, commandPrefix: ['nsenter', `--net=/var/run/netns/${ns}`] });

    const started = await ex.start(root);
    expect(started.runs.map((r) => `${r.op} ${r.node.resource.id} ${r.result.rc}`)).to.deep.equal([
      'start service:web 0', 'start fs:data 0', 'start ip:127.0.0.77 0', 'start script:app 0']);
    expect(started.ok).to.equal(true);
    expect(sh('ip', ['netns', 'exec', ns, 'ip', '-o', 'addr', 'show', 'dev', 'lo'])).to.contain('inet 127.0.0.77/8');
    expect(sh('ip', ['-o', 'addr', 'show'])).to.not.contain('127.0.0.77'); // only inside the namespace
    expect(isMounted(mnt)).to.equal(true);
    expect(readFileSync(orderLog, 'utf8')).to.equal(`start ip=yes fs=yes ns=${ns}\n`);

    const status = await ex.status(root, { force: true });
    expect(status.ok).to.equal(true);
    expect(status.runs.map((r) => `${r.op} ${r.node.resource.id}`)).to.deep.equal([
      'status service:web', 'status fs:data', 'status ip:127.0.0.77', 'status script:app']);

    // A process holding the file system: stop must kill it (force_unmount) to unmount.
    holder = spawn('sleep', ['300'], { cwd: mnt, stdio: 'ignore' });
    const holderExit = new Promise<string | null>((resolve) => holder!.on('exit', (_c, sig) => resolve(sig)));

    const stopped = await ex.stop(root);
    expect(stopped.runs.map((r) => `${r.op} ${r.node.resource.id} ${r.result.rc}`)).to.deep.equal([
      'stop script:app 0', 'stop ip:127.0.0.77 0', 'stop fs:data 0', 'stop service:web 0']);
    expect(stopped.ok).to.equal(true);
    expect(await holderExit).to.equal('SIGKILL');
    expect(readFileSync(orderLog, 'utf8')).to.equal(`start ip=yes fs=yes ns=${ns}\nstop ip=yes fs=yes ns=${ns}\n`);
    expect(sh('ip', ['netns', 'exec', ns, 'ip', '-o', 'addr', 'show', 'dev', 'lo'])).to.not.contain('127.0.0.77');
    expect(isMounted(mnt)).to.equal(false);

    // Every status now reports "not running" (7) for fs and ip; the script's LSB 3 maps to 7.
    const rcs: string[] = [];
    for (const n of root.children) rcs.push(`${n.resource.id} ${(await ex.runAgent(n, 'status', { depth: 0 })).rc}`);
    expect(rcs).to.deep.equal(['fs:data 7', 'ip:127.0.0.77 7', 'script:app 7']);
  });

  it('ip: link monitoring fails a down link; the duplicate-address check refuses an address in use', async function () {
    // veth pair: cs-rg-a in our namespace, cs-rg-b in a peer namespace that plays another host.
    sh('ip', ['netns', 'add', ns2]);
    sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'add', 'cs-rg-a', 'type', 'veth', 'peer', 'name', 'cs-rg-b', 'netns', ns2]);
    sh('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', '10.213.77.1/24', 'dev', 'cs-rg-a']);
    sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'cs-rg-a', 'up']);
    sh('ip', ['netns', 'exec', ns2, 'ip', 'addr', 'add', '10.213.77.20/24', 'dev', 'cs-rg-b']);
    sh('ip', ['netns', 'exec', ns2, 'ip', 'link', 'set', 'cs-rg-b', 'up']);
    const conf = `<cluster name="c" config_version="1"><rm>
      <service name="a"><ip address="10.213.77.10"/></service>
      <service name="b"><ip address="10.213.77.20"/></service></rm></cluster>`;
    const forest = forestFromText(conf, 'veth.conf', rules).forest!;
    const [a, b] = forest.roots;
    const ex = new Executor({ logger: quiet, commandPrefix: ['nsenter', `--net=/var/run/netns/${ns}`] });
    expect((await ex.start(a!)).ok).to.equal(true);
    expect(sh('ip', ['netns', 'exec', ns, 'ip', '-o', 'addr', 'show', 'dev', 'cs-rg-a'])).to.contain('inet 10.213.77.10/24');
    expect((await ex.status(a!, { force: true })).ok).to.equal(true);
    sh('ip', ['netns', 'exec', ns2, 'ip', 'link', 'set', 'cs-rg-b', 'down']); // carrier lost on cs-rg-a
    const down = await ex.status(a!, { force: true });
    expect(down.ok).to.equal(false);
    expect(down.runs.find((r) => r.node.resource.type === 'ip')!.result.output).to.contain('link on cs-rg-a is down');
    sh('ip', ['netns', 'exec', ns2, 'ip', 'link', 'set', 'cs-rg-b', 'up']);
    expect((await ex.stop(a!)).ok).to.equal(true);

    const dup = await ex.start(b!);
    expect(dup.ok).to.equal(false);
    expect(dup.runs.find((r) => r.node.resource.type === 'ip')!.result.output).to.contain('IP address collision: 10.213.77.20 is in use');
    expect(sh('ip', ['netns', 'exec', ns, 'ip', '-o', 'addr', 'show', 'dev', 'cs-rg-a'])).to.not.contain('10.213.77.20');
    await ex.stop(b!);
  });

  it('Debian ocf:heartbeat:IPaddr2 from CLUSTER_AGENT_PATH adds and removes its address in the namespace', async function () {
    const ipaddr2 = '/usr/lib/ocf/resource.d/heartbeat/IPaddr2';
    if (!existsSync(ipaddr2)) {
      if (inCi) throw new Error(`${ipaddr2} missing: install Debian's resource-agents`);
      this.skip();
    }
    const ocfDir = path.join(dir, 'ocf');
    mkdirSync(ocfDir);
    symlinkSync(ipaddr2, path.join(ocfDir, 'IPaddr2'));
    const loaded = await loadResourceRules(agentDirs(builtinAgentDir, { CLUSTER_AGENT_PATH: ocfDir }));
    expect(loaded.problems).to.deep.equal([]);
    const conf = '<cluster name="c" config_version="1"><rm><service name="vip"><IPaddr2 name="v" ip="127.0.0.88" cidr_netmask="8" nic="lo"/></service></rm></cluster>';
    const root = forestFromText(conf, 'vip.conf', loaded.rules).forest!.roots[0]!;
    const ex = new Executor({ logger: quiet, commandPrefix: ['nsenter', `--net=/var/run/netns/${ns}`] });
    expect((await ex.start(root)).ok).to.equal(true);
    expect(sh('ip', ['netns', 'exec', ns, 'ip', '-o', 'addr', 'show', 'dev', 'lo'])).to.contain('inet 127.0.0.88/8');
    expect((await ex.status(root, { force: true })).ok).to.equal(true);
    expect((await ex.stop(root)).ok).to.equal(true);
    expect(sh('ip', ['netns', 'exec', ns, 'ip', '-o', 'addr', 'show', 'dev', 'lo'])).to.not.contain('127.0.0.88');
  });

  it('apache: httpd (Debian apache2-bin) started, serving, checked and stopped by our agent in the namespace', async function () {
    const httpd = '/usr/sbin/apache2';
    if (!existsSync(httpd)) {
      if (inCi) throw new Error(`${httpd} missing: install Debian's apache2-bin`);
      this.skip();
    }
    const root = path.join(dir, 'httpd');
    mkdirSync(path.join(root, 'htdocs'), { recursive: true });
    chmodSync(dir, 0o755); // httpd's worker user must reach the document root
    writeFileSync(path.join(root, 'htdocs', 'index.html'), 'hello from the cluster\n');
    writeFileSync(path.join(root, 'httpd.conf'), [
      'ServerName cs-rg-test', 'Listen 127.0.0.1:8080',
      'LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so',
      'LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so',
      `ErrorLog ${root}/error.log`, `DocumentRoot ${root}/htdocs`, 'User nobody', 'Group nogroup', ''].join('\n'));
    const conf = `<cluster name="c" config_version="1"><rm><service name="web"><apache name="www" server_root="${root}" config_file="httpd.conf"/></service></rm></cluster>`;
    const tree = forestFromText(conf, 'web.conf', rules).forest!.roots[0]!;
    const ex = new Executor({ logger: quiet, commandPrefix: ['nsenter', `--net=/var/run/netns/${ns}`], env: { CLUSTER_RUN_DIR: path.join(dir, 'run') } });
    const get = (): string => sh('nsenter', [`--net=/var/run/netns/${ns}`, 'bash', '-c',
      'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /index.html HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3']);
    try {
      expect((await ex.start(tree)).ok).to.equal(true);
      expect(get()).to.match(/^HTTP\/1\.1 200 OK[\s\S]*hello from the cluster/);
      expect((await ex.status(tree, { force: true })).ok).to.equal(true);
    } finally {
      expect((await ex.stop(tree)).ok).to.equal(true);
    }
    expect(() => get()).to.throw();
    const st = await ex.runAgent(tree.children[0]!, 'status', { depth: 0 });
    expect(st.rc).to.equal(7);
  });
});
