// ConfigSync against a fake cman (one shared replicated log, frames delivered with seeded loss):
// the two-phase update under lost frames, all-or-none, and what a refusal leaves behind.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseClusterConf } from '../../../src/config/index.js';
import type { ClusterConfig } from '../../../src/config/types.js';
import { TypedEmitter, type CmanEvents } from '../../../src/cman/daemon.js';
import type { AppCommand, KvEntry, ViewInfo } from '../../../src/cman/membership/index.js';
import { ConfigHooks, ConfigSync, type ConfigSyncPort } from '../../../src/cman/config-sync/sync.js';
import type { CcsUpdateResult } from '../../../src/api/ccs.js';
import { waitUntil } from '../../../src/demo/local-cluster.js';

const NODES = [1, 2, 3];

function confText(version: number, padBytes = 0): string {
  return `<?xml version="1.0"?>
<cluster name="fake" config_version="${version}">
  <clusternodes>
${NODES.map((i) => `    <clusternode name="n${i}" nodeid="${i}"><fence/></clusternode>`).join('\n')}
  </clusternodes>
  <fencedevices/>
</cluster>
${padBytes > 0 ? `<!-- ${'x'.repeat(padBytes)} -->\n` : ''}`;
}

/** Seeded PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class FakeNet {
  readonly kv = new Map<string, KvEntry>();
  private index = 0;
  readonly ports = new Map<number, FakePort>();
  dropped = 0;
  constructor(readonly lossRate: number, readonly random: () => number) {}
  commit(cmd: AppCommand): void {
    const cur = this.kv.get(cmd.key);
    let applied = true;
    this.index += 1;
    if (cmd.op === 'cas' && (cur?.version ?? 0) !== cmd.ifVersion) applied = false;
    else if (cmd.op === 'delete' || (cmd.op === 'cas' && cmd.value === undefined)) this.kv.delete(cmd.key);
    else this.kv.set(cmd.key, { key: cmd.key, value: cmd.value!, version: this.index });
    for (const p of this.ports.values()) p.events.emit('committed', { index: this.index, origin: { nodeid: 0, inc: 0, seq: 0 }, command: cmd, applied });
    if (!applied) throw new Error('condition failed');
  }
}

class FakePort implements ConfigSyncPort {
  readonly events = new TypedEmitter<CmanEvents>();
  handler: ((from: number, payload: Buffer) => void) | undefined;
  version = 0;
  left = false;
  constructor(readonly net: FakeNet, readonly nodeid: number) { net.ports.set(nodeid, this); }
  view(): ViewInfo {
    return { history: 'h', generation: 4, members: NODES.map((n) => ({ nodeid: n, incarnation: 1, votes: 1, expectedVotes: 3 })), leader: 1, term: 1,
      quorate: true, quorum: 2, expectedVotes: 3, totalVotes: 3, qdiskVotes: 0, index: 1 };
  }
  kv(): ReadonlyMap<string, KvEntry> { return this.net.kv; }
  propose(command: AppCommand): Promise<void> {
    return new Promise((resolve, reject) => setImmediate(() => { try { this.net.commit(command); resolve(); } catch (err) { reject(err as Error); } }));
  }
  onAppFrame(_t: number, fn: (from: number, payload: Buffer) => void): void { this.handler = fn; }
  sendAppFrame(to: number, _t: number, payload: Uint8Array): boolean {
    if (this.net.random() < this.net.lossRate) { this.net.dropped += 1; return true; }
    const copy = Buffer.from(payload);
    setImmediate(() => { try { this.net.ports.get(to)?.handler?.(this.nodeid, copy); } catch { /* the transport counts it */ } });
    return true;
  }
  setRunningConfigVersion(v: number): void { this.version = v; }
  leave(): Promise<void> { this.left = true; return Promise.resolve(); }
}

interface Node { port: FakePort; sync: ConfigSync; conf: string; dir: string; activated: number[]; update?: (p: { file?: string }) => Promise<CcsUpdateResult> }

function cluster(dir: string, lossRate: number, seed: number, refuse?: { node: number; version: number }): Node[] {
  const net = new FakeNet(lossRate, rng(seed));
  const text = confText(1);
  const out = NODES.map((id) => {
    const ndir = path.join(dir, `n${id}`);
    mkdirSync(ndir, { recursive: true });
    const conf = path.join(ndir, 'cluster.conf');
    writeFileSync(conf, text);
    const config = parseClusterConf(text, conf).config as ClusterConfig;
    const hooks = new ConfigHooks();
    const node: Node = { port: new FakePort(net, id), sync: undefined as unknown as ConfigSync, conf, dir: ndir, activated: [] };
    hooks.register({
      name: 'probe',
      check: (c) => (refuse !== undefined && refuse.node === id && c.configVersion === refuse.version ? 'refused by the test' : undefined),
      activate: (c) => { node.activated.push(c.configVersion); },
    });
    const handlers = new Map<string, (p: never) => unknown>();
    node.sync = new ConfigSync({ config, configPath: conf, stateDir: path.join(ndir, 'state'), nodeid: id, cman: node.port,
      api: { handle: (kind: string, fn: (p: never) => unknown) => { handlers.set(kind, fn); } } as never, hooks });
    node.sync.start();
    node.update = (p) => (handlers.get('ccs.update') as unknown as (p: { file?: string }) => Promise<CcsUpdateResult>)(p);
    return node;
  });
  // The cluster formed: node 1 leads (it publishes its config as the running one).
  for (const n of out) n.port.events.emit('view', n.port.view());
  return out;
}

describe('propagate: ConfigSync over a lossy fake network', function () {
  this.timeout(60_000);
  let dir = '';
  let nodes: Node[] = [];
  beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'cs-prop-sync-')); });
  afterEach(() => { for (const n of nodes) n.sync.stop(); rmSync(dir, { recursive: true, force: true }); });

  for (const seed of [1, 2, 3]) {
    it(`30% of frames lost (seed ${seed}): a 200 KiB file reaches every node byte-identical and activates once everywhere`, async function () {
      nodes = cluster(dir, 0.3, seed);
      await waitUntil('boot record', 5000, () => nodes[0]!.port.kv().has('cfg/run'));
      const v2 = confText(2, 200 * 1024);
      writeFileSync(nodes[0]!.conf, v2);
      const r = await nodes[0]!.update!({});
      expect(r.activated, r.message).to.equal(true);
      expect(r.nodes.map((n) => n.ok)).to.deep.equal([true, true, true]);
      await waitUntil('every node activated', 5000, () => nodes.every((n) => n.activated.length === 1));
      for (const n of nodes) {
        expect(readFileSync(n.conf, 'utf8')).to.equal(v2);
        expect(n.activated).to.deep.equal([2]);
        expect(n.port.version).to.equal(2);
        expect(readdirSync(n.dir).filter((f) => f.includes('.new-'))).to.deep.equal([]);
      }
      expect(nodes[0]!.port.net.dropped).to.be.greaterThan(0);
    });
  }

  it('one node refuses: nothing activates anywhere, staged copies are removed, files unchanged', async function () {
    nodes = cluster(dir, 0, 7, { node: 3, version: 2 });
    writeFileSync(nodes[0]!.conf, confText(2));
    const r = await nodes[0]!.update!({});
    expect(r.activated).to.equal(false);
    expect(r.nodes.find((n) => n.nodeid === 3)).to.deep.include({ ok: false, error: 'probe: refused by the test' });
    await waitUntil('staged copies removed', 5000, () => nodes.every((n) => !readdirSync(n.dir).some((f) => f.includes('.new-'))));
    for (const n of nodes) expect(n.activated).to.deep.equal([]);
    for (const n of nodes.slice(1)) expect(readFileSync(n.conf, 'utf8')).to.equal(confText(1));
    // The next version goes through.
    writeFileSync(nodes[0]!.conf, confText(3));
    const r3 = await nodes[0]!.update!({});
    expect(r3.activated, r3.message).to.equal(true);
    await waitUntil('every node activated 3', 5000, () => nodes.every((n) => n.activated.join() === '3'));
  });

  it('a malformed config frame is refused (the transport counts and drops it)', function () {
    nodes = cluster(dir, 0, 9);
    expect(() => nodes[0]!.port.handler!(2, Buffer.from('garbage'))).to.throw(/malformed/);
  });
});
