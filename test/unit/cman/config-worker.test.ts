// The config parser worker (cman/config-worker.ts): same answers as the parser in this isolate,
// one worker for a burst of parses, ended when idle, and what waits on it when it is closed.
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseClusterConf } from '../../../src/config/index.js';
import { ConfigParserWorker, loadClusterConfInWorker } from '../../../src/cman/config-worker.js';
import { waitUntil } from '../../../src/demo/local-cluster.js';

const good = `<?xml version="1.0"?>
<cluster name="w" config_version="3">
  <clusternodes>
    <clusternode name="n1" nodeid="1"><fence/></clusternode>
    <clusternode name="n2" nodeid="2"><fence/></clusternode>
  </clusternodes>
  <fencedevices/>
  <rm><resources><ip address="10.0.0.5"/></resources></rm>
</cluster>
`;
const bad = good.replace('nodeid="2"', 'nodeid="two"').replace('<fencedevices/>', '<fencedevices/><bogus/>');

describe('cman: config parser worker', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'cs-cfgworker-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('answers exactly what parseClusterConf answers here, for a valid and an invalid file', async () => {
    const p = new ConfigParserWorker({ idleMs: 10_000, timeoutMs: 30_000, maxPending: 4 });
    try {
      for (const text of [good, bad]) {
        const here = parseClusterConf(text, '/etc/cluster/cluster.conf');
        const there = await p.parse(text, '/etc/cluster/cluster.conf');
        expect(there).to.deep.equal(here);
        expect(Object.isFrozen(there.problems)).to.equal(true);
      }
      expect(parseClusterConf(bad, 'x').problems.some((x) => x.severity === 'error')).to.equal(true);
    } finally { await p.close(); }
  });

  it('keeps one worker for parses in a row and ends it when idle', async () => {
    const p = new ConfigParserWorker({ idleMs: 200, timeoutMs: 30_000, maxPending: 4 });
    try {
      const all = await Promise.all([p.parse(good, 'a'), p.parse(good, 'b'), p.parse(bad, 'c')]);
      expect(all.map((r) => r.config?.name)).to.deep.equal(['w', 'w', undefined]);
      expect(p.running).to.equal(true);
      await waitUntil('parser worker ended after idling', 10_000, () => !p.running);
      // Started again on demand.
      expect((await p.parse(good, 'd')).config?.configVersion).to.equal(3);
    } finally { await p.close(); }
  });

  it('refuses parses beyond maxPending and fails what waits when closed', async () => {
    const p = new ConfigParserWorker({ idleMs: 0, timeoutMs: 30_000, maxPending: 2 });
    const waiting = Promise.allSettled([p.parse(good, 'a'), p.parse(good, 'b')]);
    let refused: Error | undefined;
    try { await p.parse(good, 'c'); } catch (err) { refused = err as Error; }
    expect(refused?.message).to.match(/2 config parses already waiting/);
    await p.close();
    const settled = await waiting;
    expect(settled.map((s) => s.status)).to.deep.equal(['rejected', 'rejected']);
    let closed: Error | undefined;
    try { await p.parse(good, 'd'); } catch (err) { closed = err as Error; }
    expect(closed?.message).to.match(/closed/);
  });

  it('loadClusterConfInWorker reads the file, and reports an unreadable one as a problem', async () => {
    const f = path.join(dir, 'cluster.conf');
    writeFileSync(f, good);
    const r = await loadClusterConfInWorker(f);
    expect(r.config?.nodes.map((n) => n.name)).to.deep.equal(['n1', 'n2']);
    const missing = await loadClusterConfInWorker(path.join(dir, 'nope.conf'));
    expect(missing.config).to.equal(undefined);
    expect(missing.problems[0]?.message).to.match(/ENOENT|no such file/i);
  });
});
