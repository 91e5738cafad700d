// mkqdisk: initialise or list quorum disks (RHCS mkqdisk(8)).
//   mkqdisk -c DEVICE -l LABEL   write a header and 16 empty status blocks
//   mkqdisk -L [-d]              list quorum disks found in /proc/partitions (and -c paths)
//   mkqdisk -f LABEL             find the device carrying LABEL
// A regular file is a valid device (several local nodes sharing one file is a test disk); it is
// created when missing.
import { open, stat } from 'node:fs/promises';
import os from 'node:os';
import { findByLabel, listPartitions, readHeader } from '../cman/qdisk/device.js';
import { MAX_LABEL_BYTES, QDISK_BLOCK_BYTES, QDISK_MAX_NODES, QDISK_TOTAL_BYTES, encodeHeader } from '../cman/qdisk/layout.js';

const VERSION = 'mkqdisk v3.0.12 (cluster-suite)';
const USAGE = `usage: mkqdisk -L | -f <label> | -c <device> -l <label> [-d]

  -c <device>   Initialize a new cluster quorum disk (a block device or a file; a missing file is created)
  -l <label>    Label to write (up to ${MAX_LABEL_BYTES} bytes)
  -L            List all cluster quorum disks (-c paths are checked too)
  -f <label>    Find a cluster quorum disk by label
  -d            Show extra detail when listing
  -h, --help    This help

WARNING: -c destroys all data on the device.
`;

function fail(msg: string): never {
  process.stderr.write(`mkqdisk: ${msg}\n`);
  process.exit(1);
}

async function create(device: string, label: string): Promise<void> {
  if (Buffer.byteLength(label) > MAX_LABEL_BYTES) fail(`label longer than ${MAX_LABEL_BYTES} bytes`);
  let isFile = true;
  try { isFile = (await stat(device)).isFile(); } catch { isFile = true; }
  process.stdout.write(`${VERSION}\n\nWriting new quorum disk label '${label}' to ${device}.\n`);
  const fh = await open(device, isFile ? 'a+' : 'r+').catch((err: Error) => fail(`cannot open ${device}: ${err.message}`));
  await fh.close();
  const w = await open(device, 'r+').catch((err: Error) => fail(`cannot open ${device}: ${err.message}`));
  try {
    const header = encodeHeader({ label, createdMs: Date.now(), updateHost: os.hostname(), blockSize: QDISK_BLOCK_BYTES });
    const empty = Buffer.alloc(QDISK_BLOCK_BYTES);
    await w.write(header, 0, QDISK_BLOCK_BYTES, 0);
    process.stdout.write('Initializing status block for node');
    for (let n = 1; n <= QDISK_MAX_NODES; n++) {
      await w.write(empty, 0, QDISK_BLOCK_BYTES, n * QDISK_BLOCK_BYTES);
      process.stdout.write(` ${n}`);
    }
    process.stdout.write('...\n');
    await w.sync();
  } finally {
    await w.close();
  }
}

async function list(extra: readonly string[], detail: boolean): Promise<number> {
  process.stdout.write(`${VERSION}\n\n`);
  let n = 0;
  for (const p of [...extra, ...(await listPartitions())]) {
    const h = await readHeader(p);
    if (h === undefined) continue;
    n += 1;
    process.stdout.write(`${p}:\n`);
    process.stdout.write(`\tLabel:                ${h.label}\n`);
    process.stdout.write(`\tCreated:              ${new Date(h.createdMs).toString()}\n`);
    process.stdout.write(`\tHost:                 ${h.updateHost}\n`);
    process.stdout.write(`\tBlock Size:           ${h.blockSize}\n`);
    if (detail) process.stdout.write(`\tSize:                 ${QDISK_TOTAL_BYTES} bytes (header + ${QDISK_MAX_NODES} status blocks)\n`);
  }
  return n;
}

async function main(argv: string[]): Promise<number> {
  let device: string | undefined; let label: string | undefined; let doList = false; let find: string | undefined; let detail = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => { const v = argv[++i]; if (v === undefined) fail(`option ${a} requires an argument`); return v; };
    switch (a) {
      case '-c': device = val(); break;
      case '-l': label = val(); break;
      case '-L': doList = true; break;
      case '-f': find = val(); break;
      case '-d': detail = true; break;
      case '-h': case '--help': process.stdout.write(USAGE); return 0;
      case '-V': process.stdout.write(`${VERSION}\n`); return 0;
      default: fail(`unknown option ${a}\n${USAGE}`);
    }
  }
  if (doList) { await list(device !== undefined ? [device] : [], detail); return 0; }
  if (find !== undefined) {
    const found = await findByLabel(find, device !== undefined ? [device] : []);
    if (found.length === 0) { process.stderr.write(`mkqdisk: unable to find quorum disk with label '${find}'\n`); return 1; }
    for (const f of found) process.stdout.write(`${f}\n`);
    return 0;
  }
  if (device !== undefined && label !== undefined) { await create(device, label); return 0; }
  process.stderr.write(USAGE);
  return 1;
}

process.exitCode = await main(process.argv.slice(2));
