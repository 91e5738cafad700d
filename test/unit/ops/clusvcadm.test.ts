// clusvcadm's options, messages and exit codes (../shared/research/rgmanager.md §5.2).
import { expect } from 'chai';
import {
  parseClusvcadmArgs, requestBanner, runningLine, exitCodeFor, rgStrerror, matchMember, qualifyServiceName,
} from '../../../src/cli/clusvcadm-lib.js';

describe('ops: clusvcadm options', () => {
  it('maps every request flag to its operation and adds service:', () => {
    const cases: Array<[string, string]> = [['-e', 'enable'], ['-d', 'disable'], ['-s', 'stop'], ['-r', 'relocate'],
      ['-R', 'restart'], ['-Z', 'freeze'], ['-U', 'unfreeze'], ['-c', 'convalesce']];
    for (const [flag, op] of cases) {
      expect(parseClusvcadmArgs([flag, 'web'])).to.deep.equal({
        action: { kind: 'service', op, service: 'service:web', member: undefined, followDomain: false }, quiet: false });
    }
    expect(parseClusvcadmArgs(['-M', 'vm:g1', '-m', 'node2', '-q'])).to.deep.equal({
      action: { kind: 'service', op: 'migrate', service: 'vm:g1', member: 'node2', followDomain: false }, quiet: true });
    expect(parseClusvcadmArgs(['-e', 'web', '-F'])).to.deep.nested.include({ 'action.followDomain': true });
    expect(parseClusvcadmArgs(['-rweb', '-nnode3'])).to.deep.nested.include({ 'action.member': 'node3', 'action.service': 'service:web' });
  });
  it('lock, unlock, query, version, help', () => {
    expect(parseClusvcadmArgs(['-l'])).to.deep.equal({ action: { kind: 'lock' }, quiet: false });
    expect(parseClusvcadmArgs(['-u'])).to.deep.equal({ action: { kind: 'unlock' }, quiet: false });
    expect(parseClusvcadmArgs(['-S'])).to.deep.equal({ action: { kind: 'query' }, quiet: false });
    expect(parseClusvcadmArgs(['-v'])).to.deep.equal({ action: { kind: 'version' }, quiet: false });
    expect(parseClusvcadmArgs(['-h'])).to.deep.equal({ action: { kind: 'help' }, quiet: false });
  });
  it('refuses -F with -m, -M without -m, no action, bad options', () => {
    expect(parseClusvcadmArgs(['-e', 'web', '-F', '-m', 'n1'])).to.deep.equal({ error: "Cannot use '-F' with '-n' or '-m'", usage: false });
    expect(parseClusvcadmArgs(['-M', 'vm:g'])).to.deep.equal({ error: 'Migration requires a target cluster member', usage: false });
    expect(parseClusvcadmArgs([])).to.deep.equal({ error: '', usage: true });
    expect(parseClusvcadmArgs(['-x'])).to.deep.equal({ error: "clusvcadm: invalid option -- 'x'", usage: true });
    expect(parseClusvcadmArgs(['-e'])).to.deep.equal({ error: "clusvcadm: option requires an argument -- 'e'", usage: true });
  });
});

describe('ops: clusvcadm messages and exit codes', () => {
  it('prints the RHCS banners', () => {
    expect(requestBanner('enable', 'service:web', undefined)).to.equal('Local machine trying to enable service:web');
    expect(requestBanner('enable', 'service:web', 'node2')).to.equal('Member node2 trying to enable service:web');
    expect(requestBanner('disable', 'service:foo', undefined)).to.equal('Local machine disabling service:foo');
    expect(requestBanner('stop', 'service:foo', undefined)).to.equal('Local machine stopping service:foo');
    expect(requestBanner('restart', 'service:foo', undefined)).to.equal('Local machine trying to restart service:foo');
    expect(requestBanner('freeze', 'service:foo', undefined)).to.equal('Local machine freezing service:foo');
    expect(requestBanner('unfreeze', 'service:foo', undefined)).to.equal('Local machine unfreezing service:foo');
    expect(requestBanner('convalesce', 'service:foo', undefined)).to.equal('Local machine convalescing service:foo');
    expect(requestBanner('relocate', 'service:web', undefined)).to.equal('Trying to relocate service:web');
    expect(requestBanner('relocate', 'service:web', 'node2')).to.equal('Trying to relocate service:web to node2');
    expect(requestBanner('migrate', 'vm:g1', 'node2')).to.equal('Trying to migrate vm:g1 to node2');
  });
  it('reports where the service runs after enable/relocate, with a warning when elsewhere', () => {
    expect(runningLine('enable', 'service:web', undefined, 'node1')).to.equal('service:web is now running on node1\n');
    expect(runningLine('relocate', 'service:web', 'node2', 'node2')).to.equal('service:web is now running on node2\n');
    expect(runningLine('enable', 'service:web', 'node2', 'node3')).to.equal('Warning: service:web is now running on node3\n');
    expect(runningLine('disable', 'service:web', undefined, 'node1')).to.equal('');
  });
  it('exits with the code as a byte; "already running" exits 0', () => {
    expect(exitCodeFor(0)).to.equal(0);
    expect(exitCodeFor(-1)).to.equal(255);
    expect(exitCodeFor(-4)).to.equal(252);
    expect(exitCodeFor(-9)).to.equal(247);
    expect(exitCodeFor(-10)).to.equal(0);
    expect(exitCodeFor(-19)).to.equal(237);
    expect(rgStrerror(-11)).to.equal('Failure: Service is frozen');
    expect(rgStrerror(-6)).to.equal('Temporary failure; try again');
  });
  it('matches member names like clusvcadm', () => {
    const members = ['node1.example.com', 'node2.example.com', 'db'];
    expect(matchMember('db', members)).to.deep.equal({ ok: true, name: 'db', message: undefined });
    expect(matchMember('node1', members)).to.deep.equal({ ok: true, name: 'node1.example.com',
      message: "'node1' not in membership list\nClosest match: 'node1.example.com'\n" });
    expect(matchMember('node', members)).to.deep.equal({ ok: false,
      message: "'node' not in membership list\nMore than one possible match for 'node' found\n" });
    expect(matchMember('x', members)).to.deep.equal({ ok: false, message: "'x' not in membership list\nNo matches for 'x' found\n" });
  });
  it('qualifies names', () => {
    expect(qualifyServiceName('web')).to.equal('service:web');
    expect(qualifyServiceName('vm:web')).to.equal('vm:web');
  });
});
