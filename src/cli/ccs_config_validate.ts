// ccs_config_validate: check a cluster.conf against the RHEL6 schema and the cross-reference rules.
//   ccs_config_validate [-f FILE] [--json] [-q] [-R VERSION] [-h]
// Exit 0: valid (warnings allowed). 1: problems. 254: -R given and the file's config_version is
// not newer than VERSION (as RHEL6's `cman_tool version -r` expects). 255: usage error.
import { loadClusterConf, formatProblem } from '../config/index.js';

const usage = `Usage: ccs_config_validate [options]

Validate cluster.conf: structure (the RHEL6 cluster.rng, as JSON Schema), references between
nodes, fence devices, failover domains, services and resources, and RHEL6 defaults.

Options:
  -f, -l FILE     file to validate (default: $CLUSTER_CONF or /etc/cluster/cluster.conf)
  --json          print {"valid": bool, "file": ..., "configVersion": n, "problems": [...]}
  -q              quiet: print nothing, only set the exit status
  -R VERSION      also require config_version to be greater than VERSION (exit 254 if not)
  -h, --help      this help

Output: "Configuration validates", or one line per problem
  FILE:LINE: ELEMENT[/@ATTRIBUTE]: what is wrong
Warnings are printed ("warning: ...") but never fail validation.
Exit status: 0 valid, 1 invalid, 254 version not newer (-R), 255 usage error.
`;

interface Options {
  file: string;
  json: boolean;
  quiet: boolean;
  runningVersion: number | undefined;
}

function parseArgs(argv: readonly string[]): Options | string {
  const o: Options = { file: process.env['CLUSTER_CONF'] ?? '/etc/cluster/cluster.conf', json: false, quiet: false, runningVersion: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string | undefined => argv[++i];
    switch (a) {
      case '-h': case '--help': case '-?':
        return 'help';
      case '-f': case '-l': case '--file': {
        const v = value();
        if (v === undefined) return `option ${a} needs a file name`;
        o.file = v;
        break;
      }
      case '--json': o.json = true; break;
      case '-q': o.quiet = true; break;
      case '-v': o.quiet = false; break;
      case '-R': {
        const v = value();
        if (v === undefined || !/^\d+$/.test(v)) return `option -R needs a version number`;
        o.runningVersion = Number(v);
        break;
      }
      default:
        if (a.startsWith('-f') && a.length > 2) { o.file = a.slice(2); break; }
        return `unknown option: ${a}`;
    }
  }
  return o;
}

async function main(argv: readonly string[]): Promise<number> {
  const o = parseArgs(argv);
  if (o === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  if (typeof o === 'string') {
    process.stderr.write(`ccs_config_validate: ${o}\n\n${usage}`);
    return 255;
  }
  const result = await loadClusterConf(o.file);
  const valid = result.config !== undefined;
  const versionOk = o.runningVersion === undefined || result.config === undefined || result.config.configVersion > o.runningVersion;
  if (o.json) {
    process.stdout.write(JSON.stringify({
      valid, file: o.file, configVersion: result.config?.configVersion ?? null,
      problems: result.problems.map((p) => ({ ...p })),
    }, null, 2) + '\n');
  } else if (!o.quiet) {
    const lines = result.problems.map(formatProblem);
    if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
    if (valid && !versionOk) {
      process.stdout.write(`Configuration version ${result.config?.configVersion ?? 0} is not newer than the running version ${o.runningVersion ?? 0}\n`);
    }
    process.stdout.write(valid ? 'Configuration validates\n' : 'Configuration fails to validate\n');
  }
  if (!valid) return 1;
  return versionOk ? 0 : 254;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`ccs_config_validate: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 255;
});
