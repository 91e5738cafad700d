// clusterd's start flags (src/cli/clusterd-launch.ts): bin/clusterd's shebang carries the same
// flags and environment as the list the harnesses and the demo use, and runs on this system.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../support/paths.js';
import { CLUSTERD_ENV, CLUSTERD_NODE_FLAGS, clusterdNodeArgs } from '../../../src/cli/clusterd-launch.js';

const shim = path.join(repoRoot, 'bin', 'clusterd');

describe('cman: clusterd launch flags', () => {
  it("bin/clusterd's shebang sets exactly CLUSTERD_ENV and CLUSTERD_NODE_FLAGS", () => {
    const first = readFileSync(shim, 'utf8').split('\n')[0]!;
    const m = /^#!\/usr\/bin\/env -S (.*)$/.exec(first);
    expect(m, first).to.not.equal(null);
    const words = m![1]!.split(/\s+/);
    const nodeAt = words.indexOf('node');
    expect(nodeAt, first).to.be.greaterThan(-1);
    const env = Object.fromEntries(words.slice(0, nodeAt).map((w) => w.split('=') as [string, string]));
    expect(env).to.deep.equal(CLUSTERD_ENV);
    expect(words.slice(nodeAt + 1)).to.deep.equal([...CLUSTERD_NODE_FLAGS]);
  });

  it('the shim runs through its shebang (env -S and node accept the flags)', async () => {
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(shim, ['--help'], { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number((err as { code?: number }).code ?? 1), stdout, stderr }));
    });
    expect(out.stderr).to.equal('');
    expect(out.code).to.equal(0);
    expect(out.stdout).to.match(/^Usage: clusterd -f CONF/);
  });

  it('node runs the flags the harnesses give (clusterdNodeArgs) the same way', async () => {
    const args = clusterdNodeArgs(shim, ['--help']);
    expect(args.slice(0, CLUSTERD_NODE_FLAGS.length)).to.deep.equal([...CLUSTERD_NODE_FLAGS]);
    const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, args, { timeout: 30_000, env: { ...process.env, ...CLUSTERD_ENV } }, (err, stdout) => resolve({ code: err === null ? 0 : 1, stdout }));
    });
    expect(out.code).to.equal(0);
    expect(out.stdout).to.match(/^Usage: clusterd -f CONF/);
  });
});
