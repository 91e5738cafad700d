// ccs_tool (RHEL5 style): propagate an edited cluster.conf to every member, list and roll back
// the versions kept on this node. The work is done by the local clusterd (src/cman/config-sync).
import { ApiClient, ConnectError } from '../api/index.js';
import { requestUpdate } from './config-update.js';

const USAGE = `Usage:

ccs_tool [options] <command> [arguments]

Commands:
  update [--dry-run] <xml file>   Validate the file, distribute it to every cluster member and
                                  activate it everywhere or nowhere (config_version must be higher
                                  than the running one). --dry-run prints what would change.
  history [--json]                The config versions kept on this node (newest first)
  rollback [--dry-run] <version>  Propagate the content of a kept version under a new, higher
                                  config_version (running + 1)

Options:
  -h, --help                      Print this help, then exit
  -V                              Print program version information, then exit

Environment: CLUSTER_RUN_DIR (default /var/run/cluster) locates the daemon socket.
`;

async function history(json: boolean): Promise<number> {
  let c: ApiClient;
  try { c = await ApiClient.connect(); } catch (err) {
    const denied = err instanceof ConnectError && err.code === 'EACCES';
    process.stderr.write(`ccs_tool: Cannot open connection to cman, ${denied ? 'permission denied.' : 'is it running ?'}\n`);
    return 1;
  }
  try {
    const h = await c.request('ccs.history', {});
    if (json) { process.stdout.write(JSON.stringify(h, null, 2) + '\n'); return 0; }
    process.stdout.write(`Running config version ${h.runningVersion}${h.clusterVersion !== null && h.clusterVersion !== h.runningVersion ? ` (cluster: ${h.clusterVersion})` : ''}; kept in ${h.directory}\n`);
    process.stdout.write(`${'Version'.padStart(8)}  ${'Bytes'.padStart(8)}  ${'Saved'.padEnd(24)}  SHA-256\n`);
    for (const e of h.entries) {
      process.stdout.write(`${String(e.version).padStart(8)}  ${String(e.bytes).padStart(8)}  ${new Date(e.savedMs).toISOString().padEnd(24)}  ${e.sha256.slice(0, 16)}${e.running ? '  (running)' : ''}\n`);
    }
    return 0;
  } catch (err) {
    process.stderr.write(`ccs_tool: ${(err as Error).message}\n`);
    return 1;
  } finally { c.close(); }
}

export async function main(argv: readonly string[]): Promise<number> {
  const args = argv.filter((a) => a !== '--dry-run' && a !== '--json');
  const dryRun = argv.includes('--dry-run');
  if (args.includes('-h') || args.includes('--help') || args.length === 0) { process.stdout.write(USAGE); return args.length === 0 ? 1 : 0; }
  if (args.includes('-V')) { process.stdout.write('ccs_tool 2.0 (cluster-suite)\n'); return 0; }
  const [cmd, arg, ...rest] = args;
  if (rest.length > 0) { process.stderr.write(`ccs_tool: too many arguments\n${USAGE}`); return 1; }
  switch (cmd) {
    case 'update': {
      if (arg === undefined) { process.stderr.write('ccs_tool: update needs the xml file\n'); return 1; }
      const r = await requestUpdate('ccs_tool', { file: arg }, dryRun);
      process.stderr.write(r.stderr);
      if (r.code === 0 && !dryRun) {
        // RHEL5 ccs_tool's wording, then which nodes took it.
        const m = /Config version (\d+) activated/.exec(r.stdout);
        process.stdout.write(`${m !== null ? `Config file updated to version ${m[1]}\n` : ''}${r.stdout}\nUpdate complete.\n`);
      } else process.stdout.write(r.stdout);
      return r.code;
    }
    case 'rollback': {
      if (arg === undefined || !/^\d+$/.test(arg)) { process.stderr.write('ccs_tool: rollback needs a version number (see ccs_tool history)\n'); return 1; }
      const r = await requestUpdate('ccs_tool', { rollback: Number(arg) }, dryRun);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code;
    }
    case 'history':
      return history(argv.includes('--json'));
    default:
      process.stderr.write(`ccs_tool: unknown command ${cmd ?? ''}\n${USAGE}`);
      return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
