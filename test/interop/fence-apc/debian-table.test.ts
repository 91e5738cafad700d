// Table test: Debian's real /usr/sbin/fence_apc_snmp (package fence-agents) and our
// bin/fence_apc_snmp run the same actions against the same real net-snmp PDU from the same
// outlet state; they must give the same exit code and the same stdout lines.
import { expect } from 'chai';
import { apcPeerScript, debian, debianAgent, ours, requirePrograms, startRealPdu, type RealPdu, type RunResult } from './peers.js';

interface Row {
  readonly name: string;
  readonly args: readonly string[];
  /** Outlet states before the run (outlets 1..4). */
  readonly before: readonly ('on' | 'off')[];
  readonly stdin?: string;
  /** Compare only the first N comma fields of each line (list-status: upstream prints UNKNOWN). */
  readonly fields?: number;
}

const v3 = ['-d', '3', '-l', 'fence', '-p', 'fencepass', '-b', 'SHA'];
const on4 = ['on', 'on', 'on', 'on'] as const;
const rows: readonly Row[] = [
  { name: 'status ON by number', args: ['-n', '1', '-o', 'status'], before: on4 },
  { name: 'status OFF by number (exit 2)', args: ['-n', '2', '-o', 'status'], before: ['on', 'off', 'on', 'on'] },
  { name: 'status by name', args: ['-n', 'node2', '-o', 'status'], before: on4 },
  { name: 'off', args: ['-n', '2', '-o', 'off'], before: on4 },
  { name: 'off when already off', args: ['-n', '2', '-o', 'off'], before: ['on', 'off', 'on', 'on'] },
  { name: 'on by name', args: ['-n', 'node3', '-o', 'on'], before: ['on', 'on', 'off', 'on'] },
  { name: 'on when already on', args: ['-n', '3', '-o', 'on'], before: on4 },
  { name: 'reboot (default action)', args: ['-n', 'node1'], before: on4 },
  { name: 'reboot of an off outlet', args: ['-n', '1', '-o', 'reboot'], before: ['off', 'on', 'on', 'on'] },
  { name: 'list', args: ['-o', 'list'], before: on4 },
  { name: 'list with separator', args: ['-o', 'list', '-C', ';'], before: on4 },
  { name: 'list-status (id,name)', args: ['-o', 'list-status'], before: on4, fields: 2 },
  { name: 'monitor', args: ['-o', 'monitor'], before: on4 },
  { name: 'v2c off', args: ['-d', '2c', '-n', '4', '-o', 'off'], before: on4 },
  { name: 'v3 authNoPriv status', args: [...v3, '-E', 'authNoPriv', '-n', '1', '-o', 'status'], before: on4 },
  { name: 'v3 authPriv AES off by name', args: [...v3, '-E', 'authPriv', '-B', 'AES', '-P', 'fencepriv', '-n', 'node2', '-o', 'off'], before: on4 },
  { name: 'stdin status', args: [], stdin: 'action=status\nip=127.0.0.1\nipport=PORT\nplug=node2\n', before: ['on', 'off', 'on', 'on'] },
  { name: 'stdin legacy names', args: [], stdin: 'action=off\nipaddr=127.0.0.1\nipport=PORT\nport=1\nlogin=x\n', before: on4 },
  { name: 'unknown plug name', args: ['-n', 'nosuch', '-o', 'status'], before: on4 },
  { name: 'unknown plug number', args: ['-n', '42', '-o', 'status'], before: on4 },
  { name: 'read-only community off (v2c)', args: ['-c', 'public', '-d', '2c', '-n', '1', '-o', 'off'], before: on4 },
  { name: 'missing plug', args: ['-o', 'off'], before: on4 },
  { name: 'unknown action', args: ['-n', '1', '-o', 'explode'], before: on4 },
  { name: 'validate-all', args: ['-n', '1', '-o', 'validate-all'], before: on4 },
];

describe('fence_apc_snmp table: Debian fence-agents 4.12.1 vs ours, same real PDU', function () {
  let pdu: RealPdu;
  before(async function () {
    requirePrograms(this, [apcPeerScript, debianAgent, '/usr/sbin/snmpd']);
    pdu = await startRealPdu(11624, ['--names', 'node1,node2,node3', '--outlets', '4', '--reboot-delay', '0']);
  });
  after(async () => { await pdu?.stop(); });

  const runOne = async (who: (a: readonly string[], s?: string) => Promise<RunResult>, row: Row) => {
    row.before.forEach((s, i) => pdu.setOutlet(i + 1, s));
    const port = String(pdu.port);
    const args = row.stdin !== undefined ? [] : ['-a', '127.0.0.1', '-u', port, ...row.args];
    const r = await who(args, row.stdin?.replace('PORT', port));
    const state = [1, 2, 3, 4].map((n) => pdu.outlet(n));
    const lines = r.stdout.split('\n').filter((l) => l !== '')
      .map((l) => (row.fields !== undefined ? l.split(',').slice(0, row.fields).join(',') : l));
    return { code: r.code, lines, state };
  };

  for (const row of rows) {
    it(row.name, async () => {
      const theirs = await runOne(debian, row);
      const mine = await runOne(ours, row);
      expect(mine.code, 'exit code').to.equal(theirs.code);
      expect(mine.lines, 'stdout lines').to.deep.equal(theirs.lines);
      expect(mine.state, 'outlet states after').to.deep.equal(theirs.state);
    });
  }

  it('documented difference: -n 1,2 — Debian switches outlet 1 only, ours both', async () => {
    const row: Row = { name: 'multi', args: ['-n', '1,2', '-o', 'off'], before: on4 };
    const theirs = await runOne(debian, row);
    const mine = await runOne(ours, row);
    expect(theirs.state.slice(0, 2)).to.deep.equal(['off', 'on']);
    expect(mine.state.slice(0, 2)).to.deep.equal(['off', 'off']);
    expect([mine.code, mine.lines]).to.deep.equal([0, ['Success: Powered OFF']]);
  });
});
