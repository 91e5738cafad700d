// clustat: cluster and service status from the local daemon (rgmanager's clustat; layouts in
// ../rgmanager/clustat-format.ts, options and exit codes in clustat-lib.ts).
import { ApiClient } from '../api/index.js';
import { CLUSTAT_USAGE, clustatExitCode, parseClustatArgs, renderClustat, type ClustatArgs } from './clustat-lib.js';
import { errorCode, fetchSnapshot, strerror, suiteVersion } from './ops-model.js';

async function report(client: ApiClient, args: ClustatArgs, clear: boolean): Promise<number> {
  const snap = await fetchSnapshot(client);
  if (args.nodeId) { process.stdout.write(`0x${snap.localNodeId.toString(16).padStart(8, '0')}\n`); return 0; }
  if (args.quorumOnly) return snap.model.quorate ? 0 : 1;
  const tty = process.stdout.isTTY === true;
  const text = renderClustat(snap.model, args, { cols: tty ? (process.stdout.columns || 80) : 80, tty, localRgmanager: snap.localRgmanager });
  process.stdout.write((clear ? '\x1b[H\x1b[2J' : '') + text);
  return clustatExitCode(snap.model, args);
}

async function main(argv: string[]): Promise<number> {
  const args = parseClustatArgs(argv);
  if ('error' in args) { process.stderr.write(`${args.error}\n${CLUSTAT_USAGE}`); return 1; }
  if (args.help) { process.stdout.write(CLUSTAT_USAGE); return 0; }
  if (args.version) { process.stdout.write(`clustat version ${suiteVersion()}\n`); return 0; }
  let client: ApiClient;
  try {
    client = await ApiClient.connect({ timeoutMs: 5000 });
  } catch (err) {
    if (args.quorumOnly) return 1;
    process.stderr.write(`Could not connect to CMAN: ${strerror(errorCode(err))}\n`);
    return 1;
  }
  try {
    if (args.intervalS === undefined) return await report(client, args, false);
    // -i: refresh until interrupted (Ctrl-C exits 0).
    const tty = process.stdout.isTTY === true;
    let stop = false;
    const wake: Array<() => void> = [];
    process.once('SIGINT', () => { stop = true; wake.forEach((w) => w()); });
    process.once('SIGTERM', () => { stop = true; wake.forEach((w) => w()); });
    while (!stop) {
      await report(client, args, tty);
      if (!tty) process.stdout.write('\n');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, args.intervalS! * 1000);
        wake.push(() => { clearTimeout(t); resolve(); });
      });
      wake.length = 0;
    }
    return 0;
  } catch (err) {
    process.stderr.write(`Could not connect to CMAN: ${strerror(errorCode(err))}\n`);
    return 1;
  } finally {
    client.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
