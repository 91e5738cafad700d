// Our fence_apc_snmp (bin, as a process, and in-process through fence()) against the real
// net-snmp APC PDU of ../shared/peers/apc-pdu-sim.sh: every SNMP version, by number and by name,
// every model, and the failure cases with their exit codes and messages.
import { expect } from 'chai';
import { fence } from '../../../src/fence-agents/index.js';
import { apcPeerScript, ours, requirePrograms, startRealPdu, type RealPdu } from './peers.js';

const host = ['-a', '127.0.0.1'];
const versions: { name: string; args: string[] }[] = [
  { name: 'v1', args: [] },
  { name: 'v2c', args: ['-d', '2c'] },
  { name: 'v3 authNoPriv SHA', args: ['-d', '3', '-l', 'fence', '-p', 'fencepass', '-b', 'SHA', '-E', 'authNoPriv'] },
  { name: 'v3 authPriv SHA/AES', args: ['-d', '3', '-l', 'fence', '-p', 'fencepass', '-b', 'SHA', '-E', 'authPriv', '-B', 'AES', '-P', 'fencepriv'] },
];

describe('fence_apc_snmp against the real net-snmp PDU (rPDU)', function () {
  let pdu: RealPdu;
  let a: string[];
  before(async function () {
    requirePrograms(this, [apcPeerScript, '/usr/sbin/snmpd', '/usr/bin/snmpget']);
    pdu = await startRealPdu(11600, ['--names', 'node1,node2,node3', '--outlets', '6', '--reboot-delay', '0']);
    a = [...host, '-u', String(pdu.port)];
  });
  after(async () => { await pdu?.stop(); });

  for (const v of versions) {
    describe(v.name, () => {
      beforeEach(() => { for (let i = 1; i <= 6; i++) pdu.setOutlet(i, 'on'); });

      it('status / off / status / on / reboot by outlet number', async () => {
        expect(await ours([...a, ...v.args, '-n', '2', '-o', 'status'])).to.include({ code: 0, stdout: 'Status: ON\n' });
        expect(await ours([...a, ...v.args, '-n', '2', '-o', 'off'])).to.include({ code: 0, stdout: 'Success: Powered OFF\n' });
        expect(pdu.outlet(2)).to.equal('off');
        expect(await ours([...a, ...v.args, '-n', '2', '-o', 'status'])).to.include({ code: 2, stdout: 'Status: OFF\n' });
        expect(await ours([...a, ...v.args, '-n', '2', '-o', 'on'])).to.include({ code: 0, stdout: 'Success: Powered ON\n' });
        expect(pdu.outlet(2)).to.equal('on');
        expect(await ours([...a, ...v.args, '-n', '2', '-o', 'reboot'])).to.include({ code: 0, stdout: 'Success: Rebooted\n' });
        expect(pdu.outlet(2)).to.equal('on');
      });

      it('off / on by outlet name', async () => {
        expect(await ours([...a, ...v.args, '-n', 'node3', '-o', 'off'])).to.include({ code: 0, stdout: 'Success: Powered OFF\n' });
        expect(pdu.outlet(3)).to.equal('off');
        expect(await ours([...a, ...v.args, '-n', 'node3', '-o', 'on'])).to.include({ code: 0, stdout: 'Success: Powered ON\n' });
        expect(pdu.outlet(3)).to.equal('on');
      });

      it('list', async () => {
        const r = await ours([...a, ...v.args, '-o', 'list']);
        expect(r.code).to.equal(0);
        expect(r.stdout).to.equal('1,node1\n2,node2\n3,node3\n4,Outlet 4\n5,Outlet 5\n6,Outlet 6\n');
      });
    });
  }

  describe('beyond upstream', () => {
    beforeEach(() => { for (let i = 1; i <= 6; i++) pdu.setOutlet(i, 'on'); });

    it('-n 1,3 switches and confirms every plug (upstream acts on the first only)', async () => {
      expect(await ours([...a, '-n', '1,node3', '-o', 'off'])).to.include({ code: 0, stdout: 'Success: Powered OFF\n' });
      expect([pdu.outlet(1), pdu.outlet(2), pdu.outlet(3)]).to.deep.equal(['off', 'on', 'off']);
      expect(await ours([...a, '-n', '1,3', '-o', 'on'])).to.include({ code: 0 });
      expect([pdu.outlet(1), pdu.outlet(3)]).to.deep.equal(['on', 'on']);
    });

    it('list-status prints the real ON/OFF', async () => {
      pdu.setOutlet(2, 'off');
      const r = await ours([...a, '-o', 'list-status']);
      expect(r.stdout.split('\n').slice(0, 3)).to.deep.equal(['1,node1,ON', '2,node2,OFF', '3,node3,ON']);
    });

    it('monitor prints nothing, exit 0; validate-all does not need the device', async () => {
      expect(await ours([...a, '-o', 'monitor'])).to.include({ code: 0, stdout: '' });
      expect(await ours(['-a', '127.0.0.1', '-u', '11649', '-n', '1', '-o', 'validate-all'])).to.include({ code: 0 });
    });

    it('stdin form with legacy names (ipaddr, port, option)', async () => {
      pdu.setOutlet(2, 'off');
      const r = await ours([], `ipaddr=127.0.0.1\nipport=${pdu.port}\nport=node2\noption=status\ncommunity=private\n`);
      expect(r).to.include({ code: 2, stdout: 'Status: OFF\n' });
    });

    it('in-process fence(): reboot reports the confirmed OFF half before it finishes', async () => {
      let offAt: number | undefined;
      const r = await fence({ agent: 'fence_apc_snmp', args: { ipaddr: '127.0.0.1', ipport: String(pdu.port), community: 'private' } },
        { port: 'node2' }, 'reboot', { onOffConfirmed: (i) => { offAt = i.elapsedMs; } });
      expect(r).to.include({ ok: true, exitCode: 0, inProcess: true, message: 'Success: Rebooted', onConfirmed: true });
      expect(offAt).to.be.a('number');
      expect(r.offConfirmedMs).to.equal(offAt);
      expect(pdu.outlet(2)).to.equal('on');
      const st = await fence({ agent: 'fence_apc_snmp', args: { ipaddr: '127.0.0.1', ipport: String(pdu.port) } }, { port: '2' }, 'status');
      expect(st).to.include({ ok: true, exitCode: 0, power: 'on' });
    });
  });

  describe('failures: exit 1 and a clear message', () => {
    beforeEach(() => { for (let i = 1; i <= 6; i++) pdu.setOutlet(i, 'on'); pdu.stuck(false); });
    after(() => pdu?.stuck(false));

    it('wrong community: Connection timed out (within login_timeout + shell_timeout)', async () => {
      const r = await ours([...a, '-c', 'nosuch', '-n', '1', '-o', 'status', '--login-timeout', '1', '--shell-timeout', '1']);
      expect(r.code).to.equal(1);
      expect(r.stdout).to.equal('');
      // upstream text alone on the first ERROR line, our reason on the next
      expect(r.stderr).to.match(new RegExp(`ERROR: Connection timed out\\n.* ERROR: no SNMP v1 answer from 127\\.0\\.0\\.1:${pdu.port} .*community 'nosuch'`));
    });

    it('read-only community: SET refused (v2c noAccess, v1 noSuchName), outlet unchanged', async () => {
      const r2 = await ours([...a, '-c', 'public', '-d', '2c', '-n', '1', '-o', 'off']);
      expect(r2.code).to.equal(1);
      expect(r2.stderr).to.match(/ERROR: Failed: The user does not have the correct privileges to do the requested action\.\n.* ERROR: .*noAccess/);
      const r1 = await ours([...a, '-c', 'public', '-n', '1', '-o', 'off']);
      expect(r1.code).to.equal(1);
      expect(r1.stderr).to.match(/refused .*noSuchName/);
      expect(pdu.outlet(1)).to.equal('on');
    });

    it('unknown plug by name and by number', async () => {
      const byName = await ours([...a, '-n', 'nosuch', '-o', 'status']);
      expect(byName.code).to.equal(1);
      expect(byName.stderr).to.match(/ERROR: Failed: Can't find port with name nosuch!/);
      for (const d of [[], ['-d', '2c']]) {
        const byNo = await ours([...a, ...d, '-n', '99', '-o', 'status']);
        expect(byNo.code).to.equal(1);
        expect(byNo.stderr).to.match(/Failed: Unable to obtain correct plug status or plug is not available/);
      }
    });

    it('stuck device: Failed: Timed out waiting to power OFF', async () => {
      pdu.stuck(true);
      const r = await ours([...a, '-n', '1', '-o', 'off', '--power-timeout', '2']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/ERROR: Failed: Timed out waiting to power OFF/);
      expect(pdu.outlet(1)).to.equal('on');
    });

    it('unreachable device: Connection timed out', async () => {
      const r = await ours(['-a', '127.0.0.1', '-u', '11649', '-n', '1', '-o', 'status', '--login-timeout', '1', '--shell-timeout', '1']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/ERROR: Connection timed out\n.* ERROR: no SNMP v1 answer from 127\.0\.0\.1:11649/);
    });

    it('SNMPv3 wrong password / unknown user: Unable to connect/login', async () => {
      const bad = await ours([...a, '-d', '3', '-l', 'fence', '-p', 'wrongpass', '-b', 'SHA', '-E', 'authNoPriv', '-n', '1', '-o', 'status']);
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.match(/ERROR: Unable to connect\/login to fencing device\n.* ERROR: SNMPv3 user 'fence' rejected/);
      const nouser = await ours([...a, '-d', '3', '-l', 'nobody', '-p', 'whatever1', '-b', 'SHA', '-E', 'authNoPriv', '-n', '1', '-o', 'status']);
      expect(nouser.code).to.equal(1);
      expect(nouser.stderr).to.match(/Unable to connect\/login/);
    });

    it('missing address or plug: usage errors', async () => {
      const r = await ours(['-n', '1', '-o', 'status']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/ERROR: Failed: You have to enter fence address\n.*ERROR: Please use '-h' for usage/);
    });
  });
});

describe('fence_apc_snmp against the real net-snmp PDU: other APC models', function () {
  const models: { model: string; port: number; list1: string; label: string }[] = [
    { model: 'ms', port: 11606, list1: '1,node1', label: 'APC Master Switch (fallback)' },
    { model: 'ms6', port: 11612, list1: '1,node1', label: 'APC Master Switch with firmware v6.x' },
    { model: 'msp', port: 11618, list1: '1:1,node1', label: 'APC Master Switch+' },
  ];
  before(function () { requirePrograms(this, [apcPeerScript, '/usr/sbin/snmpd']); });
  for (const m of models) {
    it(`${m.model}: model detection, list, off/on by number and name`, async () => {
      const pdu = await startRealPdu(m.port, ['--model', m.model, '--names', 'node1,node2', '--outlets', '4']);
      try {
        const a = ['-a', '127.0.0.1', '-u', String(pdu.port)];
        const list = await ours([...a, '-o', 'list', '-v']);
        expect(list.stdout.split('\n')[0]).to.equal(m.list1);
        expect(list.stderr).to.include(`Trying ${m.label}`);
        expect(await ours([...a, '-n', 'node2', '-o', 'off'])).to.include({ code: 0, stdout: 'Success: Powered OFF\n' });
        expect(pdu.outlet(2)).to.equal('off');
        expect(await ours([...a, '-n', m.model === 'msp' ? '1:2' : '2', '-o', 'status'])).to.include({ code: 2 });
        expect(await ours([...a, '-n', '2', '-o', 'on'])).to.include({ code: 0, stdout: 'Success: Powered ON\n' });
        expect(pdu.outlet(2)).to.equal('on');
      } finally {
        await pdu.stop();
      }
    });
  }
});
