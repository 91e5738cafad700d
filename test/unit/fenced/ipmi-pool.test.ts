// fenced keeps the IPMI session pool on from start() to stop(); several daemons in one process
// (tests, simulations) share it, and the pool goes off only when the last one stopped.
import { expect } from 'chai';
import { FenceDaemon } from '../../../src/fenced/daemon.js';
import type { ClusterConfig, ClusterNode } from '../../../src/config/types.js';
import type { ClusterPort } from '../../../src/rgmanager/daemon/replicated.js';
import type { ApiServer } from '../../../src/api/index.js';
import { ipmiSessionPoolStats } from '../../../src/fence-agents/fence_ipmilan.js';

async function waitFor(what: string, cond: () => boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A daemon on a port that never elects it (it only starts, watches and stops). */
function daemon(nodeid: number): FenceDaemon {
  const port = {
    events: { on: () => () => undefined },
    view: () => ({ leader: 99, members: [], quorate: false, generation: 1 }),
    kv: () => new Map(),
  } as unknown as ClusterPort;
  const api = { handle: () => undefined } as unknown as ApiServer;
  return new FenceDaemon({ config: {} as ClusterConfig, node: { name: `n${nodeid}`, nodeid } as unknown as ClusterNode, port, api });
}

describe('fenced: warm IPMI session pool', () => {
  it('is on from start() to stop(); with two daemons it stays on until the last one stopped', async () => {
    expect(ipmiSessionPoolStats().enabled).to.equal(false);
    const a = daemon(1);
    const b = daemon(2);
    a.start();
    b.start();
    await waitFor('the pool to be enabled', () => ipmiSessionPoolStats().enabled);
    a.stop();
    a.stop();   // a second stop() must not take b's share
    b.stop();
    await waitFor('the pool to be off after the last stop', () => !ipmiSessionPoolStats().enabled);
  });

  it('stays on while one daemon still runs', async () => {
    const a = daemon(1);
    const b = daemon(2);
    a.start();
    b.start();
    a.stop();
    a.stop();
    // The daemons reach the (already loaded) module through import(): promise jobs only, no I/O.
    // A macrotask boundary lets every queued enable/close run; b's share must keep the pool on.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    expect(ipmiSessionPoolStats().enabled).to.equal(true);
    b.stop();
    await waitFor('the pool to be off', () => !ipmiSessionPoolStats().enabled);
  });
});
