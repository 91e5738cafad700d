import { expect } from 'chai';
import { formatClustatText, formatClustatLong, formatClustatXml, ctime, type ClustatModel } from '../../../src/rgmanager/clustat-format.js';

// The literal example of ../shared/research/rgmanager.md §5.3 (non-tty, 80 columns).
const EXPECTED = [
  'Cluster Status for mycluster @ Wed Nov 27 15:04:05 2013',
  'Member Status: Quorate',
  '',
  ' Member Name                             ID   Status',
  ' ------ ----                             ---- ------',
  ' node1                                       1 Online, Local, rgmanager',
  ' node2                                       2 Online, rgmanager',
  ' node3                                       3 Offline',
  '',
  ' Service Name                   Owner (Last)                   State         ',
  ' ------- ----                   ----- ------                   -----         ',
  ' service:db                     (node2)                        stopped       ',
  ' service:nfs                    node2                          started    [Z]',
  ' service:web                    node1                          started       ',
  ' vm:guest1                      (none)                         disabled      ',
  '',
].join('\n');

const svc = (id: string, state: string, code: number, owner: string | null, lastOwner: string | null, flags = 0) =>
  ({ id, state, stateCode: code, owner, lastOwner, flags, restarts: 0, lastTransitionS: 1385561045 });

const model: ClustatModel = {
  clusterName: 'mycluster',
  date: new Date(2013, 10, 27, 15, 4, 5),
  quorate: true,
  members: [
    { name: 'node3', nodeid: 3, online: false },
    { name: 'node1', nodeid: 1, online: true, local: true, rgmanager: true },
    { name: 'node2', nodeid: 2, online: true, rgmanager: true },
  ],
  services: [
    svc('vm:guest1', 'disabled', 119, null, null),
    svc('service:web', 'started', 112, 'node1', null),
    svc('service:nfs', 'started', 112, 'node2', null, 1),
    svc('service:db', 'stopped', 110, null, 'node2'),
  ],
};

describe('clustat formatter', () => {
  it('reproduces the text layout of rgmanager clustat byte for byte', () => {
    expect(formatClustatText(model)).to.equal(EXPECTED);
  });
  it('strips service: on a tty and selects one service with -s', () => {
    const out = formatClustatText(model, { tty: true, service: 'service:web' });
    expect(out.split('\n')).to.deep.equal([
      ' Service Name                   Owner (Last)                   State         ',
      ' ------- ----                   ----- ------                   -----         ',
      ' web                            node1                          started       ', '']);
  });
  it('ctime pads the day of month like C', () => {
    expect(ctime(new Date(2013, 10, 7, 1, 2, 3))).to.equal('Thu Nov  7 01:02:03 2013');
  });
  it('long format shows flags in words with the number', () => {
    const out = formatClustatLong(model);
    expect(out).to.include('Service Name      : service:nfs\n  Current State   : started (112)\n  Flags           : frozen (1)\n');
  });
  it('XML has quorum, nodes with hex ids and groups', () => {
    const x = formatClustatXml({ ...model, clusterId: 4321, generation: 12 });
    expect(x).to.include('<cluster name="mycluster" id="4321" generation="12"/>');
    expect(x).to.include('<node name="node3" state="0" local="0" estranged="0" rgmanager="0" rgmanager_master="0" qdisk="0" nodeid="0x00000003"/>');
    expect(x).to.include('<group name="service:db" state="110" state_str="stopped" flags="0" flags_str="" owner="none" last_owner="node2"');
  });
});
