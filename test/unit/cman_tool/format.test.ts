import { expect } from 'chai';
import type { CmanNodes, CmanStatus } from '../../../src/api/cman.js';
import { formatJoinTime, formatNodes, formatStatus, formatVersion } from '../../../src/cli/cman_tool_format.js';

// The real RHEL 6.6 sample of cman.md §2.1 (trailing spaces restored as the printf format has them).
const sample = `Version: 6.2.0
Config Version: 23
Cluster Name: cluster66
Cluster Id: 22265
Cluster Member: Yes
Cluster Generation: 3612
Membership state: Cluster-Member
Nodes: 3
Expected votes: 3
Total votes: 3
Node votes: 1
Quorum: 2  
Active subsystems: 8
Flags: 
Ports Bound: 0  
Node name: rh66-node2
Node ID: 2
Multicast addresses: 239.192.86.80 
Node addresses: 192.168.122.61 
`;

const status: CmanStatus = {
  version: '6.2.0', configVersion: 23, clusterName: 'cluster66', clusterId: 22265, generation: 3612,
  membershipState: 'Cluster-Member', nodes: 3, expectedVotes: 3, quorumDeviceVotes: undefined, totalVotes: 3,
  nodeVotes: 1, quorum: 2, quorate: true, activeSubsystems: 8, flags: [], portsBound: [0], nodeName: 'rh66-node2',
  nodeId: 2, multicastAddresses: ['239.192.86.80'], nodeAddresses: ['192.168.122.61'], disallowedNodes: [],
};

describe('cman_tool output layouts', () => {
  it('status matches the RHEL 6.6 sample byte for byte', () => {
    expect(formatStatus(status)).to.equal(sample);
  });
  it('status shows Activity blocked, the qdisk votes line and flags when set', () => {
    const s = formatStatus({ ...status, quorate: false, quorumDeviceVotes: 4, flags: ['2node', 'HaveState'], portsBound: [0, 11, 177, 178] });
    expect(s).to.contain('\nQuorum: 2 Activity blocked\n');
    expect(s).to.contain('\nExpected votes: 3\nQuorum device votes: 4\nTotal votes: 3\n');
    expect(s).to.contain('\nFlags: 2node HaveState \n');
    expect(s).to.contain('\nPorts Bound: 0 11 177 178  \n');
  });
  it('version prints "6.2.0 config N"', () => {
    expect(formatVersion(status)).to.equal('6.2.0 config 23\n');
  });

  const t1 = new Date(2014, 3, 9, 8, 30, 22).getTime();
  const nodes: CmanNodes = {
    disallowedCount: 0,
    nodes: [
      { nodeid: 3, name: 'node3.example.com', sts: 'X', state: 'Dead', incarnation: 12, joinedMs: t1, votes: 1, expectedVotes: 3, addresses: ['10.0.0.3'] },
      { nodeid: 1, name: 'node1.example.com', sts: 'M', state: 'Member', incarnation: 4, joinedMs: t1, votes: 1, expectedVotes: 3, addresses: ['10.0.0.1'] },
      { nodeid: 0, name: '/dev/block/8:33', sts: 'M', state: 'Member', incarnation: 0, joinedMs: t1, votes: 2, expectedVotes: 0, addresses: [] },
    ],
  };
  it('nodes prints the header and rows sorted by nodeid; a dead node has no join time', () => {
    expect(formatNodes(nodes, { addresses: false, names: [], format: undefined })).to.equal(
      'Node  Sts   Inc   Joined               Name\n' +
      '   0   M      0   2014-04-09 08:30:22  /dev/block/8:33\n' +
      '   1   M      4   2014-04-09 08:30:22  node1.example.com\n' +
      '   3   X     12                        node3.example.com\n');
    expect(formatJoinTime(t1)).to.equal('2014-04-09 08:30:22');
  });
  it('nodes -a adds addresses, -n filters, -F prints fields with trailing spaces', () => {
    expect(formatNodes(nodes, { addresses: true, names: ['node1.example.com'], format: undefined })).to.equal(
      'Node  Sts   Inc   Joined               Name\n' +
      '   1   M      4   2014-04-09 08:30:22  node1.example.com\n' +
      '       Addresses: 10.0.0.1 \n');
    expect(formatNodes(nodes, { addresses: false, names: [], format: ['id', 'type', 'votes', 'name'] })).to.equal(
      '0 M 2 /dev/block/8:33 \n1 M 1 node1.example.com \n3 X 1 node3.example.com \n');
    expect(formatNodes(nodes, { addresses: false, names: ['node3.example.com'], format: ['state', 'exp', 'addr'] })).to.equal('Dead 3 10.0.0.3 \n');
  });
  it('nodes warns about disallowed nodes first', () => {
    expect(formatNodes({ ...nodes, disallowedCount: 1 }, { addresses: false, names: ['x'], format: undefined })).to.equal(
      'NOTE: There are 1 disallowed nodes,\n      members list may seem inconsistent across the cluster\nNode  Sts   Inc   Joined               Name\n');
  });
});
