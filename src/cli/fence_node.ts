// fence_node: fence (or unfence, or query) a node with the methods of cluster.conf, through the
// local clusterd (which runs the agents: our own in-process, others through the stdin protocol).
//   fence_node [-v[v]] [-U] [-S] [-m n] [--json] node
// stderr: "fence|unfence|status <node> success|failed|undefined"; exit 0 ok, 1 failed, 2 undefined.
import { ApiClient, ConnectError, ApiError } from '../api/index.js';

const USAGE = `Usage:

fence_node [options] node

Options:
  -U        Unfence the node (default: the local node is not assumed; give a node)
  -S        Query the power status of the node through its fence devices
  -m <n>    Use only method n (1-based)
  -v        Show the device results (-vv: more)
  --json    Print the result as JSON on stdout
  --run-dir DIR  clusterd's run directory (default $CLUSTER_RUN_DIR or /var/run/cluster)
  -h        Print this help, then exit
  -V        Print program version information, then exit

Exit status: 0 success, 1 failed, 2 undefined (no method / no unfence section).
`;

async function main(argv: string[]): Promise<number> {
  let mode: 'fence' | 'unfence' | 'status' = 'fence';
  let verbose = 0; let method: number | undefined; let json = false; let runDir: string | undefined; let node: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return 0; }
    if (a === '-V') { process.stdout.write('fence_node (cluster-suite)\n'); return 0; }
    if (a === '-U') mode = 'unfence';
    else if (a === '-S') mode = 'status';
    else if (/^-v+$/.test(a)) verbose += a.length - 1;
    else if (a === '-m') { method = Number(argv[++i]); if (!Number.isInteger(method) || method < 1) { process.stderr.write('fence_node: -m needs a method number\n'); return 1; } }
    else if (a === '--json') json = true;
    else if (a === '--run-dir') runDir = argv[++i];
    else if (a === '-e') i++; // RHEL6: victim "exec" flag, accepted and ignored
    else if (a.startsWith('-')) { process.stderr.write(`fence_node: unknown option ${a}\n${USAGE}`); return 1; }
    else node = a;
  }
  if (node === undefined) { process.stderr.write(`fence_node: no node name\n${USAGE}`); return 1; }
  let client: ApiClient;
  try {
    client = await ApiClient.connect(runDir !== undefined ? { runDir } : {});
  } catch (err) {
    process.stderr.write(`fence_node: cannot connect to clusterd (${(err as ConnectError).message}); is cman running?\n`);
    return 1;
  }
  try {
    const r = await client.request('fence.node', { node, mode, ...(method !== undefined ? { method } : {}) }, 600_000);
    if (json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    if (verbose > 0) for (const d of r.runs) process.stderr.write(`${mode} ${node} dev ${d.method}.${d.device} agent ${d.agent} result: ${d.result}${verbose > 1 ? ` (${d.message})` : ''}\n`);
    if (mode === 'status' && r.power !== null) process.stderr.write(`status ${node} ${r.power === 'on' ? 'on' : 'off'}\n`);
    process.stderr.write(`${mode} ${node} ${r.outcome}\n`);
    return mode === 'status' && r.outcome === 'success' ? (r.power === 'off' ? 2 : 0) : r.exitCode;
  } catch (err) {
    process.stderr.write(`fence_node: ${(err as ApiError).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
