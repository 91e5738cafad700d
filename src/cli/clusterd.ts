// clusterd: the node daemon (cman + qdisk today; fenced, rgmanager and conga join as modules).
// Runs in the foreground (systemd style); logs to stderr. SIGTERM/SIGINT = clean leave.
import { configureLogging, getLogger, type LogLevel } from '../log/index.js';
import type { ConfigProblem } from '../config/types.js';
import { loadClusterConfInWorker } from '../cman/config-worker.js';
import { ApiServer, resolveRunDir } from '../api/index.js';
import { CmanDaemon, CMAN_VERSION } from '../cman/daemon.js';
import { findLocalNode, resolveNodeAddresses } from '../cman/nodename.js';
import { stopModules, type ClusterdModule } from '../cman/module.js';
import { clusterModules } from '../rgmanager/daemon/modules.js';
import { ConfigHooks } from '../cman/config-sync/sync.js';
import { configSyncModule } from '../cman/config-sync/module.js';

/** Modules hosted beside cman (fenced, rgmanager and conga register here as they arrive). */
const configHooks = new ConfigHooks();
const modules: ClusterdModule[] = [...clusterModules(configHooks), configSyncModule(configHooks)];
import { loadFrameKeys, keyFingerprint } from '../cman/transport/index.js';
import { CONGA_USAGE, congaModule, defaultCongaArgs, parseCongaArg, type CongaArgs } from '../conga/index.js';

const USAGE = `Usage: clusterd -f CONF [--node NAME] [--run-dir DIR] [--log-level LEVEL]

Runs this node's cluster daemon in the foreground.

  -f, --config CONF   cluster.conf to use (default /etc/cluster/cluster.conf)
  --node NAME         this node's <clusternode name> (default: found from the hostname or addresses;
                      needed when several nodes run on one machine as 127.0.0.N)
  --run-dir DIR       where the control socket lives (default $CLUSTER_RUN_DIR or /var/run/cluster)
  --log-level LEVEL   error|warn|notice|info|debug (default $CLUSTER_LOG_LEVEL or notice)
${CONGA_USAGE}  -h, --help          this help

Signals: SIGTERM/SIGINT leave the cluster cleanly (like cman_tool leave), then exit 0.
`;

interface Args { conf: string; node: string | undefined; runDir: string | undefined; level: LogLevel; conga: CongaArgs }

function parse(argv: string[]): Args | number {
  const a: Args = { conf: '/etc/cluster/cluster.conf', node: undefined, runDir: undefined,
    level: (process.env['CLUSTER_LOG_LEVEL'] as LogLevel | undefined) ?? 'notice', conga: defaultCongaArgs() };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) { process.stderr.write(`clusterd: option ${k} needs a value\n`); process.exit(1); }
      return v;
    };
    switch (k) {
      case '-f': case '--config': a.conf = val(); break;
      case '--node': a.node = val(); break;
      case '--run-dir': a.runDir = val(); break;
      case '--log-level': a.level = val() as LogLevel; break;
      case '-h': case '--help': process.stdout.write(USAGE); return 0;
      default: {
        let last: number;
        try { last = parseCongaArg(argv, i, a.conga); } catch (err) { process.stderr.write(`clusterd: ${(err as Error).message}\n`); return 1; }
        if (last < 0) { process.stderr.write(`clusterd: unknown option ${k}\n${USAGE}`); return 1; }
        i = last;
      }
    }
  }
  return a;
}

/** Same text as config's formatProblem(), without loading the parser into this isolate. */
const formatProblem = (p: ConfigProblem) => `${p.file}:${p.line}: ${p.where}: ${p.message}`;

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  if (typeof args === 'number') { process.exitCode = args; return; }
  modules.push(congaModule(args.conga, args.runDir !== undefined || process.env['CLUSTER_RUN_DIR'] !== undefined, configHooks)); // web page, last to start
  let loaded;
  try {
    loaded = await loadClusterConfInWorker(args.conf);
  } catch (err) {
    process.stderr.write(`clusterd: cannot read ${args.conf}: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  for (const p of loaded.problems) process.stderr.write(`${p.severity === 'error' ? 'error' : 'warning'}: ${formatProblem(p)}\n`);
  const config = loaded.config;
  if (config === undefined) {
    process.stderr.write(`clusterd: ${args.conf} is not valid; not starting\n`);
    process.exitCode = 1;
    return;
  }
  let node; let addresses; let keys;
  try {
    addresses = await resolveNodeAddresses(config);
    node = await findLocalNode(config, args.node, addresses);
    keys = await loadFrameKeys({ clusterName: config.name, keyfile: config.cman.keyfile ?? config.totem.keyfile });
  } catch (err) {
    process.stderr.write(`clusterd: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  configureLogging({ level: args.level, toStderr: true, node: node.name });
  const log = getLogger('clusterd');
  const runDir = resolveRunDir(args.runDir);
  const api = new ApiServer(runDir, CMAN_VERSION);
  let exiting = false;
  const cman = new CmanDaemon({
    config, node, addresses, keys: keys.keys, encrypt: config.totem.secauth, api,
    onExit: (code) => {
      if (exiting) return;
      exiting = true;
      void stopModules(modules, 'cman stopped', (m) => log.warn(m)).then(() => api.close()).finally(() => {
        clearInterval(watchdog);
        process.exitCode = code;
        // Give winston a moment to flush; nothing else is left running.
        setTimeout(() => process.exit(code), 50).unref();
      });
    },
  });
  try {
    await api.listen();
  } catch (err) {
    process.stderr.write(`clusterd: cannot open the control socket in ${runDir}: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  try {
    await cman.start();
  } catch (err) {
    process.stderr.write(`clusterd: cannot start cman: ${(err as Error).message}\n`);
    await api.close();
    process.exitCode = 1;
    return;
  }
  for (const m of modules) {
    try {
      await m.start({ config, node, cman, api, runDir, configPath: args.conf });
    } catch (err) {
      log.error(`module ${m.name} failed to start: ${(err as Error).message}`);
      await cman.leave(false);
      return;
    }
  }
  log.notice(`clusterd ${process.pid} running; key from ${keys.origin} (fingerprint ${keyFingerprint(keys.keys)}), ` +
    `${config.totem.secauth ? 'AES-256-GCM + ' : ''}HMAC-SHA-256; socket ${runDir}`);
  // Event-loop watchdog: a p99 delay above a tenth of the token timeout is a bug (DESIGN.md).
  const watchdog = setInterval(() => {
    const d = cman.diag();
    if (d.loopDelay.p99Ms > config.totem.tokenMs / 10) {
      log.warn(`event-loop delay p99 ${d.loopDelay.p99Ms.toFixed(1)} ms exceeds a tenth of the token timeout (${config.totem.tokenMs} ms)`);
    }
  }, 30_000);
  watchdog.unref();
  const onSignal = (sig: string) => {
    log.notice(`${sig} received: leaving the cluster`);
    void stopModules(modules, sig, (m) => log.warn(m)).then(() => cman.leave(false));
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

await main();
