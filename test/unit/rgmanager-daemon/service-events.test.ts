// rg.service events as a subscriber sees them (real ApiServer socket, real rgmanager daemon module
// and executor, cman replaced by the in-memory FakePort): each visible transition is published
// once — not again when a record is rewritten for the policy's own bookkeeping (a held service
// released by a membership change) or when cman installs a snapshot.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient, ApiServer, type RgServiceEvent } from '../../../src/api/index.js';
import { FenceDaemon } from '../../../src/fenced/daemon.js';
import { RgManagerDaemon } from '../../../src/rgmanager/daemon/daemon.js';
import { FakePort, conf } from './fake-port.js';

async function until(what: string, check: () => boolean, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('rgmanager daemon: rg.service events', function () {
  this.timeout(60_000);
  let dir: string;
  let api: ApiServer | undefined;
  let client: ApiClient | undefined;
  let rg: RgManagerDaemon | undefined;
  beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'cs-rgev-')); });
  afterEach(async () => {
    client?.close();
    await rg?.shutdown();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes each transition once', async () => {
    const config = conf(3, 2, undefined, [1]);
    const node = config.nodes[0]!;
    const port = new FakePort([1, 2, 3], { quorate: true, quorum: 2, expected: 3, total: 3 });
    // Only this node's rgmanager runs (n2, n3 are cman members whose rgmanager is still starting).
    api = new ApiServer(dir, 'test');
    await api.listen();
    const events: RgServiceEvent[] = [];
    client = await ApiClient.connect({ runDir: dir, timeoutMs: 2000 });
    await client.subscribe(['rg.service'], (event, data) => { if (event === 'rg.service') events.push(data as RgServiceEvent); });
    const fenced = new FenceDaemon({ config, node, port, api });
    rg = new RgManagerDaemon({ config, node, port, api, fenced, runDir: dir });
    await rg.start();
    const state = (id: string) => port.svc(id)?.v.state;
    await until('both services started', () => state('service:s1') === 'started' && state('service:s2') === 'started');
    // n2's rgmanager comes up: a membership change for the policy, nothing visible changes.
    port.up([2]);
    // A follower that fell behind installs a snapshot: every record is delivered again.
    port.events.emit('snapshotInstalled', { index: 0, entries: [...port.kv().values()] });
    // Then one more visible transition, to know every earlier event has arrived.
    const r = await client.request('rg.request', { op: 'disable', service: 'service:s1' }, 20_000);
    expect(r.code).to.equal('RG_ESUCCESS');
    await until('s1 disabled event', () => events.some((e) => e.service.id === 'service:s1' && e.service.state === 'disabled'));

    for (const id of ['service:s1', 'service:s2']) {
      const seen = events.filter((e) => e.service.id === id).map((e) => JSON.stringify(e));
      const repeats = seen.filter((e, i) => i > 0 && e === seen[i - 1]);
      expect(repeats, `${id}:\n${seen.join('\n')}`).to.deep.equal([]);
    }
    expect(events.filter((e) => e.service.id === 'service:s1').map((e) => e.service.state))
      .to.deep.equal(['stopped', 'starting', 'started', 'stopping', 'disabled']);
  });
});
