// fence_tool ls [-n] [--json]: the fence domain as fenced sees it (layout of RHEL6 fence_tool).
// join/leave are accepted and do nothing: every clusterd member is in the fence domain.
import { ApiClient, ApiError, type ConnectError, type FenceLs } from '../api/index.js';

const USAGE = `Usage:

fence_tool [options] [ls|join|leave]

Options:
  -n         Show all node information in ls
  --json     Print ls as JSON
  --run-dir DIR  clusterd's run directory (default $CLUSTER_RUN_DIR or /var/run/cluster)
  -h         Print this help, then exit
`;

export function formatLs(r: FenceLs, nodes: boolean): string {
  const lines = [
    'fence domain',
    `member count  ${r.memberCount}`,
    `victim count  ${r.victimCount}`,
    `victim now    ${r.victimNow}`,
    `master nodeid ${r.masterNodeid}`,
    `wait state    ${r.waitState}`,
    `members       ${r.members.join(' ')} `,
  ];
  if (nodes) {
    lines.push('', 'all nodes');
    for (const n of r.nodes) {
      lines.push(`nodeid ${n.nodeid} member ${n.member ? 1 : 0} victim ${n.victim ? 1 : 0} last fence master ${n.lastFenceMaster} how ${n.lastFenceHow}`);
    }
  }
  return lines.join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  let cmd = 'ls'; let all = false; let json = false; let runDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return 0; }
    if (a === '-n') all = true;
    else if (a === '--json') json = true;
    else if (a === '--run-dir') runDir = argv[++i];
    else if (a === '-w' || a === '-m' || a === '-t') { if (a !== '-w') i++; }
    else if (!a.startsWith('-')) cmd = a;
    else { process.stderr.write(`fence_tool: unknown option ${a}\n${USAGE}`); return 1; }
  }
  let client: ApiClient;
  try {
    client = await ApiClient.connect(runDir !== undefined ? { runDir } : {});
  } catch (err) {
    process.stderr.write(`fence_tool: cannot connect to clusterd (${(err as ConnectError).message})\n`);
    return 1;
  }
  try {
    if (cmd === 'join' || cmd === 'leave') return 0; // membership of the fence domain follows clusterd's
    if (cmd !== 'ls') { process.stderr.write(`fence_tool: unknown command ${cmd}\n${USAGE}`); return 1; }
    const r = await client.request('fence.ls', {});
    process.stdout.write(json ? JSON.stringify(r, null, 2) + '\n' : formatLs(r, all));
    return 0;
  } catch (err) {
    process.stderr.write(`fence_tool: ${(err as ApiError).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

if (process.argv[1] !== undefined && /fence_tool(\.js)?$/.test(process.argv[1])) process.exitCode = await main(process.argv.slice(2));
