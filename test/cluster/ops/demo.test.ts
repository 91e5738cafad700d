// `npm run demo` end to end (real processes on 127.0.3.31-33, slot 3): the whole story exits 0 and
// leaves nothing running; --keep leaves a usable cluster that --stop ends.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LocalCluster, pidAlive, waitUntil } from '../../../src/demo/local-cluster.js';
import { repoRoot } from '../../support/paths.js';

const demo = path.join(repoRoot, 'dist', 'src', 'demo', 'demo.js');

function runDemo(args: string[], deadlineMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [demo, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const t = setTimeout(() => { child.kill('SIGINT'); reject(new Error(`demo did not finish within ${deadlineMs} ms:\n${out}`)); }, deadlineMs);
    child.on('close', (code) => { clearTimeout(t); resolve({ code, out }); });
  });
}

function clusterDir(out: string): string {
  const m = /config (\S+)\/cluster\.conf/.exec(out);
  if (m === null) throw new Error(`no cluster directory in the demo output:\n${out}`);
  return m[1]!;
}

describe('ops: npm run demo', function () {
  this.timeout(120_000);
  let kept: string | undefined;

  after(async () => {
    if (kept !== undefined && existsSync(kept)) await LocalCluster.attach(kept).stop({ removeDir: true });
  });

  it('runs the crash/fence/recover story and stops everything', async () => {
    const r = await runDemo(['--slot', '3'], 100_000);
    expect(r.code, r.out).to.equal(0);
    const dir = clusterDir(r.out);
    const victim = /crashing (127\.0\.3\.3[123]), the owner of service:web: SIGKILL/.exec(r.out)?.[1];
    expect(victim, r.out).to.not.equal(undefined);
    const esc = victim!.replace(/\./g, '\\.');
    expect(r.out).to.match(new RegExp(`fence device (bmc[12] \\(fence_ipmilan\\)|pdu \\(fence_apc_snmp\\)) reboot on ${esc}: success`));
    expect(r.out).to.match(/service:web started on 127\.0\.3\.3[123] +\d+ ms/);
    expect(r.out).to.not.match(new RegExp(`service:web started on ${esc} `));
    expect(r.out).to.match(/power off confirmed by the BMC\/PDU +\d+ ms/);
    expect(r.out).to.match(new RegExp(`${esc} is a member again`));
    expect(r.out).to.include('stopped cleanly');
    // The fence came before the start on the new node.
    const fenced = Number(/power off confirmed by the BMC\/PDU +(\d+) ms/.exec(r.out)![1]);
    const started = Number(/service:web started on \S+ +(\d+) ms/.exec(r.out)![1]);
    expect(fenced).to.be.below(started);
    expect(existsSync(dir), 'the demo removes its directory').to.equal(false);
  });

  it('--keep leaves the cluster running and --stop ends it', async () => {
    const r = await runDemo(['--slot', '3', '--keep'], 100_000);
    expect(r.code, r.out).to.equal(0);
    kept = clusterDir(r.out);
    expect(r.out).to.include(`npm run demo -- --stop ${kept}`);
    const pids = ['127.0.3.31', '127.0.3.32', '127.0.3.33'].map((n) => Number(readFileSync(path.join(kept!, 'run', n, 'clusterd.pid'), 'utf8')));
    for (const pid of pids) expect(pidAlive(pid)).to.equal(true);
    const c = LocalCluster.attach(kept);
    const st = await c.command('127.0.3.32', 'clustat', ['-Q']);
    expect(st.code).to.equal(0);
    const s = await runDemo(['--stop', kept], 60_000);
    expect(s.code, s.out).to.equal(0);
    await waitUntil('every clusterd to exit', 10_000, () => pids.every((p) => !pidAlive(p)));
    expect(existsSync(kept)).to.equal(false);
    kept = undefined;
  });
});
