// clustat layouts byte for byte against ../shared/research/rgmanager.md §5.3, options and exit codes.
import { expect } from 'chai';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ClustatModel, ClustatService } from '../../../src/rgmanager/clustat-format.js';
import { parseClustatArgs, renderClustat, clustatExitCode, type ClustatArgs } from '../../../src/cli/clustat-lib.js';

// Local time so ctime() prints the same text in any time zone.
const T = Math.floor(new Date(2013, 10, 27, 15, 4, 5).getTime() / 1000);
const svc = (id: string, state: string, stateCode: number, owner: string | null, lastOwner: string | null, flags = 0): ClustatService =>
  ({ id, state, stateCode, owner, lastOwner, flags, restarts: 0, lastTransitionS: T });

const model: ClustatModel = {
  clusterName: 'mycluster', clusterId: 4321, generation: 12,
  date: new Date(T * 1000),
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

const HEAD = ['Cluster Status for mycluster @ Wed Nov 27 15:04:05 2013', 'Member Status: Quorate', ''];
const MEMBERS = [
  ' Member Name                             ID   Status',
  ' ------ ----                             ---- ------',
  ' node1                                       1 Online, Local, rgmanager',
  ' node2                                       2 Online, rgmanager',
  ' node3                                       3 Offline',
];
const SERVICE_HEAD = [
  ' Service Name                   Owner (Last)                   State         ',
  ' ------- ----                   ----- ------                   -----         ',
];
const SERVICES = [
  ' service:db                     (node2)                        stopped       ',
  ' service:nfs                    node2                          started    [Z]',
  ' service:web                    node1                          started       ',
  ' vm:guest1                      (none)                         disabled      ',
];

function args(argv: string[]): ClustatArgs {
  const a = parseClustatArgs(argv);
  if ('error' in a) throw new Error(a.error);
  return a;
}
const render = (argv: string[], m: ClustatModel = model) => renderClustat(m, args(argv), { cols: 80, tty: false, localRgmanager: true });

describe('ops: clustat layouts', () => {
  it('default layout is byte for byte the research example', () => {
    expect(render([])).to.equal([...HEAD, ...MEMBERS, '', ...SERVICE_HEAD, ...SERVICES, ''].join('\n'));
  });

  it('-m prints the member header and that member only; exit 0 online, 1 offline, 255 unknown', () => {
    expect(render(['-m', 'node2'])).to.equal([MEMBERS[0], MEMBERS[1], MEMBERS[3], ''].join('\n'));
    expect(clustatExitCode(model, args(['-m', 'node2']))).to.equal(0);
    expect(clustatExitCode(model, args(['-m', 'node3']))).to.equal(1);
    expect(clustatExitCode(model, args(['-m', 'nodeX']))).to.equal(255);
  });

  it('-s adds service:, prints the service header and line; exit 0 running, state number, 255 unknown', () => {
    expect(render(['-s', 'db'])).to.equal([...SERVICE_HEAD, SERVICES[0], ''].join('\n'));
    expect(render(['-s', 'vm:guest1'])).to.equal([...SERVICE_HEAD, SERVICES[3], ''].join('\n'));
    expect(clustatExitCode(model, args(['-s', 'web']))).to.equal(0);
    expect(clustatExitCode(model, args(['-s', 'db']))).to.equal(110);
    expect(clustatExitCode(model, args(['-s', 'guest1']))).to.equal(255);
    expect(clustatExitCode(model, args(['-s', 'vm:guest1']))).to.equal(119);
  });

  it('-l prints members, then "Service Information" and one block per service', () => {
    const block = (id: string, state: string, flags: string, owner: string, last: string) => [
      `Service Name      : ${id}`, `  Current State   : ${state}`, `  Flags           : ${flags}`,
      `  Owner           : ${owner}`, `  Last Owner      : ${last}`, '  Last Transition : Wed Nov 27 15:04:05 2013', ''];
    expect(render(['-l'])).to.equal([...HEAD, ...MEMBERS, '', 'Service Information', '------- -----------', '',
      ...block('service:db', 'stopped (110)', 'none (0)', 'none', 'node2'),
      ...block('service:nfs', 'started (112)', 'frozen (1)', 'node2', 'none'),
      ...block('service:web', 'started (112)', 'none (0)', 'node1', 'none'),
      ...block('vm:guest1', 'disabled (119)', 'none (0)', 'none', 'none'), ''].join('\n'));
    expect(render(['-l', '-s', 'nfs'])).to.equal(['Service Information', '------- -----------', '',
      ...block('service:nfs', 'started (112)', 'frozen (1)', 'node2', 'none'), ''].join('\n'));
  });

  it('flags frozen+partial: [ZP] in the state column, words in -l', () => {
    const m = { ...model, services: [svc('service:a', 'started', 112, 'node1', null, 3)] };
    expect(render([], m)).to.include(' service:a                      node1                          started   [ZP]\n');
    expect(render(['-l'], m)).to.include('  Flags           : frozen, partial (3)\n');
  });

  it('on a tty service: is stripped and widths follow the columns', () => {
    const out = renderClustat(model, args([]), { cols: 100, tty: true, localRgmanager: true });
    expect(out).to.include(' node1                                                 1 Online, Local, rgmanager\n');
    expect(out).to.include(` ${'db'.padEnd(40)} ${'(node2)'.padEnd(40)} ${'stopped'.padEnd(14)}\n`);
    expect(out).to.include(` ${'vm:guest1'.padEnd(40)} `);
  });

  it('inquorate, a quorum disk, hidden offline estranged nodes, no rgmanager', () => {
    const m: ClustatModel = {
      ...model, quorate: false, services: undefined, qdisk: { label: '/dev/block/8:33', online: true },
      members: [...model.members.map((x) => ({ ...x, rgmanager: false })),
        { name: 'ghost', nodeid: 9, online: false, estranged: true }, { name: 'stray', nodeid: 8, online: true, estranged: true }],
    };
    expect(render([], m)).to.equal(['Cluster Status for mycluster @ Wed Nov 27 15:04:05 2013', 'Member Status: Inquorate', '',
      MEMBERS[0], MEMBERS[1],
      ' node1                                       1 Online, Local',
      ' node2                                       2 Online',
      ' node3                                       3 Offline',
      ' stray                                       8 Online, Estranged',
      ' /dev/block/8:33                             0 Online, Quorum Disk', '', ''].join('\n'));
  });

  it('-x is well-formed XML with the research layout', () => {
    const x = render(['-x']);
    expect(XMLValidator.validate(x)).to.equal(true);
    const lines = x.split('\n');
    expect(lines.slice(0, 6)).to.deep.equal([
      '<?xml version="1.0"?>', '<clustat version="4.1.1">',
      '  <cluster name="mycluster" id="4321" generation="12"/>',
      '  <quorum quorate="1" groupmember="1"/>', '  <nodes>',
      '    <node name="node1" state="1" local="1" estranged="0" rgmanager="1" rgmanager_master="0" qdisk="0" nodeid="0x00000001"/>']);
    expect(x).to.include(`    <group name="service:db" state="110" state_str="stopped" flags="0" flags_str="" owner="none" last_owner="node2" restarts="0" last_transition="${T}" last_transition_str="Wed Nov 27 15:04:05 2013"/>\n`);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(x) as {
      clustat: { version: string; nodes: { node: Array<{ name: string; nodeid: string }> }; groups: { group: Array<{ name: string; state: string; flags_str: string }> } };
    };
    expect(doc.clustat.version).to.equal('4.1.1');
    expect(doc.clustat.nodes.node.map((n) => n.nodeid)).to.deep.equal(['0x00000001', '0x00000002', '0x00000003']);
    expect(doc.clustat.groups.group.map((g) => g.name)).to.deep.equal(['service:db', 'service:nfs', 'service:web', 'vm:guest1']);
    expect(doc.clustat.groups.group[1]!.flags_str).to.equal('frozen');
  });

  it('-x inquorate keeps the source quirk and stays parseable; -s/-m select one section', () => {
    const x = render(['-x'], { ...model, quorate: false });
    expect(x).to.include('  <quorum quorate="0"\n groupmember="1"/>\n');
    expect(XMLValidator.validate(x)).to.equal(true);
    const xs = render(['-x', '-s', 'web']);
    expect(xs).to.equal(['<?xml version="1.0"?>', '<clustat version="4.1.1">', '  <groups>',
      `    <group name="service:web" state="112" state_str="started" flags="0" flags_str="" owner="node1" last_owner="none" restarts="0" last_transition="${T}" last_transition_str="Wed Nov 27 15:04:05 2013"/>`,
      '  </groups>', '</clustat>', ''].join('\n'));
    const xm = render(['-x', '-m', 'node3']);
    expect(xm).to.equal(['<?xml version="1.0"?>', '<clustat version="4.1.1">', '  <nodes>',
      '    <node name="node3" state="0" local="0" estranged="0" rgmanager="0" rgmanager_master="0" qdisk="0" nodeid="0x00000003"/>',
      '  </nodes>', '</clustat>', ''].join('\n'));
  });

  it('escapes names in XML', () => {
    const x = render(['-x'], { ...model, clusterName: 'a"b<c>&' });
    expect(XMLValidator.validate(x)).to.equal(true);
    expect(x).to.include('name="a&quot;b&lt;c&gt;&amp;"');
  });
});

describe('ops: clustat options', () => {
  it('parses clustered flags and values like getopt', () => {
    const a = args(['-lfs', 'web', '-m', 'node1']);
    expect(a).to.include({ long: true, fast: true, service: 'service:web', member: 'node1' });
    expect(args(['-i5']).intervalS).to.equal(5);
    expect(args(['-QI'])).to.include({ quorumOnly: true, nodeId: true });
    expect(args(['--help']).help).to.equal(true);
  });
  it('rejects -i with -x, bad intervals, unknown options and operands', () => {
    expect(parseClustatArgs(['-i', '2', '-x'])).to.deep.equal({ error: "Error: Options '-i' and '-x' are mutually exclusive" });
    expect(parseClustatArgs(['-i', 'abc'])).to.have.property('error');
    expect(parseClustatArgs(['-k'])).to.deep.equal({ error: "clustat: invalid option -- 'k'" });
    expect(parseClustatArgs(['-s'])).to.deep.equal({ error: "clustat: option requires an argument -- 's'" });
    expect(parseClustatArgs(['extra'])).to.have.property('error');
  });
});
