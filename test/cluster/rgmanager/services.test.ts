// rgmanager end to end on real clusterd processes (127.0.2.7-9, cman port 5531): status failures
// of a script resource (restart in place, then relocation after max_restarts), clusvcadm-style
// requests through the API with rgmanager's codes and messages, stop before start, SIGTERM.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ApiClient, type RgServiceEvent } from '../../../src/api/index.js';
import {
  TestCluster, rgStatus, waitFor, rgClusterConf, serviceLog, service, rgRequest, runningOn, placeOn, startNodes, cleanupCluster, api,
} from './harness.js';

describe('cluster: rgmanager services', function () {
  this.timeout(120_000);
  const nodes = ['127.0.2.7', '127.0.2.8', '127.0.2.9'];
  let cluster: TestCluster;

  before(async () => {
    cluster = new TestCluster('rgmanager');
    const conf = cluster.writeConf('cluster.conf', rgClusterConf({
      clusterName: 'rgsvc', nodes, port: 5531, dir: cluster.dir,
      services: [
        { name: 'app', domain: 'all', recovery: 'restart', maxRestarts: 1, restartExpireS: 600 },
        { name: 'web', domain: 'all' },
        { name: 'ind', domain: 'all', independentChild: 'side', nonCriticalChild: 'extra' },
      ],
      domains: [{ name: 'all', ordered: true, nodes: nodes.map((n, i) => ({ name: n, priority: i + 1 })) }],
    }));
    await startNodes(cluster, nodes, conf);
    await placeOn(cluster, nodes, 'service:app', nodes[0]!);
    await placeOn(cluster, nodes, 'service:web', nodes[0]!);
    await placeOn(cluster, nodes, 'service:ind', nodes[2]!);
  });

  after(async () => { await cleanupCluster(cluster); });

  it('did "stop before start" on every node before the first start', () => {
    const log = serviceLog(cluster.dir, 'app');
    const firstStart = log.findIndex((l) => l.op === 'start');
    expect(firstStart).to.be.greaterThan(-1);
    const stopsBefore = new Set(log.slice(0, firstStart).filter((l) => l.op === 'stop').map((l) => l.node));
    // The node that started it stopped it first (the others may still have been loading).
    expect(stopsBefore.has(log[firstStart]!.node)).to.equal(true);
    for (const n of nodes) expect(log.some((l) => l.op === 'stop' && l.node === n), `stop before start on ${n}`).to.equal(true);
  });

  it('status failure: restarts in place, then relocates after max_restarts', async () => {
    const owner = nodes[0]!;
    const t0 = Date.now();
    rmSync(path.join(cluster.dir, `app.on.${owner}`)); // the "daemon" died: status returns 3
    await waitFor('app restarted in place', 30_000, async () => {
      const s = await service(cluster, nodes[1]!, 'service:app');
      return s?.state === 'started' && s.owner === owner && s.restarts === 1 && s.pending === null;
    });
    const afterFirst = serviceLog(cluster.dir, 'app').filter((l) => l.ms >= t0);
    expect(afterFirst.map((l) => `${l.op} ${l.node}`)).to.deep.equal([`stop ${owner}`, `start ${owner}`]);

    const t1 = Date.now();
    rmSync(path.join(cluster.dir, `app.on.${owner}`));
    const moved = await waitFor('app relocated', 30_000, async () => {
      const s = await service(cluster, nodes[2]!, 'service:app');
      return s?.state === 'started' && s.owner !== owner && s.owner !== null && s.pending === null ? s.owner : undefined;
    });
    expect(moved).to.equal(nodes[1]); // next in the ordered domain
    const afterSecond = serviceLog(cluster.dir, 'app').filter((l) => l.ms >= t1);
    expect(afterSecond.map((l) => `${l.op} ${l.node}`)).to.deep.equal([`stop ${owner}`, `start ${nodes[1]}`]);
    expect(runningOn(cluster.dir, 'app', nodes)).to.deep.equal([nodes[1]]);
  });

  it('independent subtree: a failed child is restarted inline; its sibling and the service stay up', async () => {
    const owner = nodes[2]!;
    const t = Date.now();
    rmSync(path.join(cluster.dir, `side.on.${owner}`));
    await waitFor('side restarted inline', 30_000, async () =>
      serviceLog(cluster.dir, 'side').some((l) => l.ms >= t && l.op === 'start' && l.node === owner));
    expect(serviceLog(cluster.dir, 'side').filter((l) => l.ms >= t).map((l) => `${l.op} ${l.node}`)).to.deep.equal([`stop ${owner}`, `start ${owner}`]);
    expect(serviceLog(cluster.dir, 'ind').filter((l) => l.ms >= t)).to.deep.equal([]); // the sibling was not touched
    expect(await service(cluster, owner, 'service:ind')).to.include({ state: 'started', owner, restarts: 0 });
  });

  it('non-critical subtree: left stopped with the service PARTIAL; clusvcadm -c restarts it', async () => {
    const owner = nodes[2]!;
    const t = Date.now();
    rmSync(path.join(cluster.dir, `extra.on.${owner}`));
    await waitFor('ind partial', 30_000, async () => (await service(cluster, owner, 'service:ind'))?.partial === true);
    const s = await service(cluster, owner, 'service:ind');
    expect(s).to.include({ state: 'started', owner, flags: 2 });
    expect(serviceLog(cluster.dir, 'extra').filter((l) => l.ms >= t).map((l) => `${l.op} ${l.node}`)).to.deep.equal([`stop ${owner}`]);
    expect(serviceLog(cluster.dir, 'ind').filter((l) => l.ms >= t)).to.deep.equal([]);
    const c = await rgRequest(cluster, nodes[0]!, { op: 'convalesce', service: 'ind' });
    expect(c).to.include({ code: 'RG_ESUCCESS', message: 'Success' });
    expect(runningOn(cluster.dir, 'extra', nodes)).to.deep.equal([owner]);
    await waitFor('ind no longer partial', 10_000, async () => (await service(cluster, owner, 'service:ind'))?.flags === 0);
  });

  it('clusvcadm -r -m: relocates to the member and answers Success; the event stream shows each step', async () => {
    const events: RgServiceEvent[] = [];
    const client = await ApiClient.connect({ runDir: cluster.runDir(nodes[0]!) });
    try {
      await client.subscribe(['rg.service'], (event, data) => { if (event === 'rg.service') events.push(data as RgServiceEvent); });
      const r = await rgRequest(cluster, nodes[1]!, { op: 'relocate', service: 'service:web', target: nodes[2]! });
      expect(r).to.include({ code: 'RG_ESUCCESS', message: 'Success', exitStatus: 0, owner: nodes[2], node: nodes[1] });
      expect(runningOn(cluster.dir, 'web', nodes)).to.deep.equal([nodes[2]]);
      await waitFor('the started event', 10_000, async () =>
        events.some((e) => e.service.id === 'service:web' && e.service.state === 'started' && e.service.owner === nodes[2]));
    } finally {
      client.close();
    }
    const web = events.filter((e) => e.service.id === 'service:web');
    // stop on the old owner was in flight before anything started on the new one
    const stopIdx = web.findIndex((e) => e.service.pending === `stop on ${nodes[0]}`);
    const startIdx = web.findIndex((e) => e.service.pending === `start on ${nodes[2]}`);
    expect(stopIdx, JSON.stringify(web.map((e) => [e.service.state, e.service.pending]))).to.be.greaterThan(-1);
    expect(startIdx).to.be.greaterThan(stopIdx);
    expect(web[web.length - 1]!.service).to.include({ state: 'started', owner: nodes[2], lastOwner: nodes[0], pending: null });
  });

  it('clusvcadm -Z / -U: a frozen service refuses operations with "Failure: Service is frozen"', async () => {
    const z = await rgRequest(cluster, nodes[0]!, { op: 'freeze', service: 'web' });
    expect(z).to.include({ code: 'RG_ESUCCESS', message: 'Success', exitStatus: 0 });
    // The requester's copy already holds the new state (the answer is committed after it) ...
    expect((await service(cluster, nodes[0]!, 'service:web'))?.frozen).to.equal(true);
    // ... and every other node's copy catches up.
    await waitFor('frozen on node 2', 10_000, async () => (await service(cluster, nodes[1]!, 'service:web'))?.frozen === true);
    const r = await rgRequest(cluster, nodes[0]!, { op: 'relocate', service: 'web' });
    expect(r).to.include({ code: 'RG_EFROZEN', message: 'Failure: Service is frozen', exitStatus: 245, codeNumber: -11 });
    const u = await rgRequest(cluster, nodes[0]!, { op: 'unfreeze', service: 'web' });
    expect(u).to.include({ code: 'RG_ESUCCESS', message: 'Success' });
    expect((await service(cluster, nodes[0]!, 'service:web'))?.flags).to.equal(0);
  });

  it('clusvcadm -d / -e: disables, then enables on the local machine', async () => {
    const d = await rgRequest(cluster, nodes[0]!, { op: 'disable', service: 'web' });
    expect(d).to.include({ code: 'RG_ESUCCESS', message: 'Success' });
    const s = await service(cluster, nodes[0]!, 'service:web');
    expect(s).to.include({ state: 'disabled', stateCode: 119, owner: null, lastOwner: nodes[2] });
    expect(runningOn(cluster.dir, 'web', nodes)).to.deep.equal([]);
    const e = await rgRequest(cluster, nodes[0]!, { op: 'enable', service: 'web' });
    expect(e).to.include({ code: 'RG_ESUCCESS', message: 'Success', owner: nodes[0] });
    expect(runningOn(cluster.dir, 'web', nodes)).to.deep.equal([nodes[0]]);
    const again = await rgRequest(cluster, nodes[1]!, { op: 'enable', service: 'web' });
    expect(again).to.include({ code: 'RG_ERUN', message: 'Service is already running', exitStatus: 0 });
  });

  it('clusvcadm -l / -S / -u: a locked node starts nothing; the relocation goes on to another node', async () => {
    const locked = await api(cluster, nodes[1]!, (c) => c.request('rg.lock', { op: 'lock' }));
    expect(locked).to.deep.equal({ locked: true });
    expect(await api(cluster, nodes[1]!, (c) => c.request('rg.lock', { op: 'query' }))).to.deep.equal({ locked: true });
    const t = Date.now();
    try {
      const r = await rgRequest(cluster, nodes[0]!, { op: 'relocate', service: 'web', target: nodes[1]! });
      // The start on the locked node fails; rgmanager then tries the other nodes (here the third).
      expect(r).to.include({ code: 'RG_ESUCCESS', owner: nodes[2] });
      expect(runningOn(cluster.dir, 'web', nodes)).to.deep.equal([nodes[2]]);
      // (Only since the lock: at formation the services may first start on whichever node's
      // rgmanager runs first, once cman is quorate.)
      expect(serviceLog(cluster.dir, 'web').some((l) => l.ms >= t && l.op === 'start' && l.node === nodes[1])).to.equal(false);
    } finally {
      expect(await api(cluster, nodes[1]!, (c) => c.request('rg.lock', { op: 'unlock' }))).to.deep.equal({ locked: false });
    }
    const back = await rgRequest(cluster, nodes[0]!, { op: 'relocate', service: 'web', target: nodes[0]! });
    expect(back).to.include({ code: 'RG_ESUCCESS', owner: nodes[0] });
  });

  it('answers unknown services and nodes with rgmanager codes', async () => {
    expect(await rgRequest(cluster, nodes[0]!, { op: 'enable', service: 'nosuch' }))
      .to.include({ code: 'RG_ENOSERVICE', message: 'Service does not exist', exitStatus: 252 });
    expect(await rgRequest(cluster, nodes[0]!, { op: 'relocate', service: 'web', target: 'nonode' }))
      .to.include({ code: 'RG_ENODE', message: 'Target node dead / nonexistent', exitStatus: 244 });
  });

  it('SIGTERM stops the local services and a peer takes them over', async () => {
    const owner = (await service(cluster, nodes[1]!, 'service:web'))!.owner!;
    expect(owner).to.equal(nodes[0]);
    const t = Date.now();
    await cluster.kill(owner, 'SIGTERM');
    const next = await waitFor('web started on a peer', 60_000, async () => {
      const sv = await service(cluster, nodes[1]!, 'service:web');
      return sv?.state === 'started' && sv.owner !== null && sv.owner !== owner && sv.pending === null ? sv.owner : undefined;
    });
    expect(await cluster.exited(owner, 30_000)).to.equal(0);
    const log = serviceLog(cluster.dir, 'web').filter((l) => l.ms >= t);
    const stop = log.findIndex((l) => l.op === 'stop' && l.node === owner);
    const start = log.findIndex((l) => l.op === 'start' && l.node === next);
    expect(stop).to.be.greaterThan(-1);
    expect(start).to.be.greaterThan(stop);
    expect(runningOn(cluster.dir, 'web', nodes)).to.deep.equal([next]);
    // The leaving node was the coordinator: another node took over from the records and decides.
    const st = await rgStatus(cluster, nodes[1]!);
    expect(st?.coordinator).to.be.oneOf([nodes[1], nodes[2]]);
    expect(st?.services.find((x) => x.id === 'service:app')).to.include({ state: 'started', owner: nodes[1] });
    const r = await rgRequest(cluster, nodes[2]!, { op: 'relocate', service: 'app', target: nodes[2]! });
    expect(r).to.include({ code: 'RG_ESUCCESS', owner: nodes[2] });
    expect(runningOn(cluster.dir, 'app', nodes)).to.deep.equal([nodes[2]]);
  });

  it('quorum lost: the last node stops its services at once (emergency stop) and answers RG_EQUORUM', async () => {
    // Two nodes left of three (expected votes 3, quorum 2); killing one leaves the other inquorate.
    const survivor = nodes[2]!;
    expect(runningOn(cluster.dir, 'app', nodes)).to.deep.equal([survivor]);
    const t = Date.now();
    await cluster.kill(nodes[1]!, 'SIGKILL');
    await waitFor('app stopped on the survivor', 30_000, async () => runningOn(cluster.dir, 'app', nodes).length === 0);
    expect(serviceLog(cluster.dir, 'app').filter((l) => l.ms >= t).map((l) => `${l.op} ${l.node}`)).to.deep.equal([`stop ${survivor}`]);
    const st = await rgStatus(cluster, survivor);
    expect(st?.quorate).to.equal(false);
    const r = await rgRequest(cluster, survivor, { op: 'enable', service: 'app' });
    expect(r).to.include({ code: 'RG_EQUORUM', message: 'Operation requires quorum', exitStatus: 247 });
  });
});
