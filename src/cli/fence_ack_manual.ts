// fence_ack_manual: tell the fence master that a node has been powered off by hand, so fencing of
// it is overridden and its services may recover. Asks "Continue [NO/absolutely]?" as RHEL6 does;
// the answer is read from stdin (pipe "absolutely" for scripts). -y/--yes skips the question.
import { createInterface } from 'node:readline/promises';
import { ApiClient, ApiError, type ConnectError } from '../api/index.js';

const USAGE = `Usage: fence_ack_manual [options] <node>

Options:
  -n <node>      The node (accepted for compatibility)
  -y, --yes      Do not ask for confirmation (cluster-suite)
  --run-dir DIR  clusterd's run directory (default $CLUSTER_RUN_DIR or /var/run/cluster)
  -h, --help     This help

Use only after making sure the node is off: otherwise its services run twice.
`;

async function main(argv: string[]): Promise<number> {
  let node: string | undefined; let yes = false; let runDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') { process.stdout.write(USAGE); return 0; }
    if (a === '-n') node = argv[++i];
    else if (a === '-y' || a === '--yes') yes = true;
    else if (a === '--run-dir') runDir = argv[++i];
    else if (a.startsWith('-')) { process.stderr.write(`fence_ack_manual: unknown option ${a}\n${USAGE}`); return 1; }
    else node = a;
  }
  if (node === undefined) { process.stderr.write(USAGE); return 1; }
  process.stdout.write(`About to override fencing for ${node}.\nImproper use of this command can cause severe file system damage.\n\n`);
  if (!yes) {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
    process.stdout.write('Continue [NO/absolutely]? ');
    const answer = await new Promise<string>((resolve) => { rl.once('line', resolve); rl.once('close', () => resolve('')); });
    rl.close();
    if (answer.trim() !== 'absolutely') { process.stdout.write('Aborted.\n'); return 1; }
  }
  let client: ApiClient;
  try {
    client = await ApiClient.connect(runDir !== undefined ? { runDir } : {});
  } catch (err) {
    process.stderr.write(`fence_ack_manual: cannot connect to clusterd (${(err as ConnectError).message})\n`);
    return 1;
  }
  try {
    await client.request('fence.ackManual', { node }, 60_000);
    process.stdout.write('Done\n');
    return 0;
  } catch (err) {
    process.stderr.write(`fence_ack_manual: ${(err as ApiError).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
