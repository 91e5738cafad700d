import { expect } from 'chai';
import os from 'node:os';
import type { ClusterConfig, ClusterNode } from '../../../src/config/types.js';
import { findLocalNode, NodeNameError, resolveNodeAddresses } from '../../../src/cman/nodename.js';

const node = (name: string, nodeid: number): ClusterNode => ({ name, nodeid, votes: 1, weight: undefined, altnames: [], fenceMethods: [], unfence: [], line: nodeid });
const conf = (nodes: ClusterNode[]) => ({ file: 'test.conf', nodes } as unknown as ClusterConfig);

describe('local node resolution (cman.md §4.4)', () => {
  it('uses --node, also without the domain', async () => {
    const c = conf([node('a.example.com', 1), node('127.0.1.2', 2)]);
    const addrs = new Map([[1, '10.9.9.9'], [2, '127.0.1.2']]);
    expect((await findLocalNode(c, 'a', addrs)).nodeid).to.equal(1);
    expect((await findLocalNode(c, '127.0.1.2', addrs)).nodeid).to.equal(2);
    const err = await findLocalNode(c, 'zzz', addrs).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NodeNameError);
    expect(String(err)).to.match(/Cannot find node name 'zzz' in cluster.conf/);
  });
  it('matches the hostname, then the machine\'s addresses (an IP literal name)', async () => {
    const host = os.hostname();
    expect((await findLocalNode(conf([node('x', 1), node(host, 2)]), undefined, new Map())).nodeid).to.equal(2);
    const c = conf([node('203.0.113.7', 1), node('127.0.0.1', 2)]);
    expect((await findLocalNode(c, undefined, await resolveNodeAddresses(c))).nodeid).to.equal(2);
  });
  it('refuses when several nodes match this machine', async () => {
    const c = conf([node('127.0.0.1', 1), node('localhost', 2)]);
    const err = await findLocalNode(c, undefined, new Map([[1, '127.0.0.1'], [2, '127.0.0.1']])).catch((e: unknown) => e);
    expect(String(err)).to.match(/use --node NAME/);
  });
});
