// Quorum disk device I/O: open by path or find by label, read all status blocks in one read,
// write one block. Writes use O_DSYNC so they reach the device before the cycle goes on.
import { constants } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import {
  QDISK_BLOCK_BYTES, QDISK_MAX_NODES, QDISK_TOTAL_BYTES, decodeHeader, decodeStatus, encodeStatus, statusOffset,
  type QdiskHeader, type StatusBlock,
} from './layout.js';

export class QdiskDevice {
  private readonly buf = Buffer.alloc(QDISK_TOTAL_BYTES);
  private readonly wbuf = Buffer.alloc(QDISK_BLOCK_BYTES);
  private constructor(readonly path: string, private readonly fh: FileHandle, readonly header: QdiskHeader) {}

  static async open(path: string): Promise<QdiskDevice> {
    const fh = await open(path, constants.O_RDWR | constants.O_DSYNC);
    try {
      const b = Buffer.alloc(QDISK_BLOCK_BYTES);
      const { bytesRead } = await fh.read(b, 0, QDISK_BLOCK_BYTES, 0);
      const header = bytesRead === QDISK_BLOCK_BYTES ? decodeHeader(b) : undefined;
      if (header === undefined) throw new Error(`${path} is not a quorum disk (run mkqdisk -c ${path} -l LABEL)`);
      const st = await fh.stat();
      if (st.isFile() && st.size < QDISK_TOTAL_BYTES) throw new Error(`${path} is too small for a quorum disk (${st.size} < ${QDISK_TOTAL_BYTES} bytes)`);
      return new QdiskDevice(path, fh, header);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Read every status block; index = nodeid. Undecodable blocks are undefined. */
  async readAll(): Promise<(StatusBlock | undefined)[]> {
    const { bytesRead } = await this.fh.read(this.buf, 0, QDISK_TOTAL_BYTES, 0);
    if (bytesRead < QDISK_TOTAL_BYTES) throw new Error(`short read on ${this.path}: ${bytesRead} bytes`);
    const out: (StatusBlock | undefined)[] = [undefined];
    for (let n = 1; n <= QDISK_MAX_NODES; n++) {
      const at = statusOffset(n);
      out.push(decodeStatus(this.buf.subarray(at, at + QDISK_BLOCK_BYTES), n));
    }
    return out;
  }

  async write(block: StatusBlock): Promise<void> {
    encodeStatus(block, this.wbuf);
    const { bytesWritten } = await this.fh.write(this.wbuf, 0, QDISK_BLOCK_BYTES, statusOffset(block.nodeid));
    if (bytesWritten !== QDISK_BLOCK_BYTES) throw new Error(`short write on ${this.path}`);
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** Block devices from /proc/partitions (as qdiskd scans them for a label). */
export async function listPartitions(): Promise<string[]> {
  let text: string;
  try { text = await readFile('/proc/partitions', 'utf8'); } catch { return []; }
  const devs: string[] = [];
  for (const line of text.split('\n').slice(2)) {
    const name = line.trim().split(/\s+/)[3];
    if (name !== undefined && name !== '') devs.push(`/dev/${name}`);
  }
  return devs;
}

/** Read a quorum-disk header from a path; undefined when it is not one (or unreadable). */
export async function readHeader(path: string): Promise<QdiskHeader | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    const b = Buffer.alloc(QDISK_BLOCK_BYTES);
    const { bytesRead } = await fh.read(b, 0, QDISK_BLOCK_BYTES, 0);
    return bytesRead === QDISK_BLOCK_BYTES ? decodeHeader(b) : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close();
  }
}

/** Find the quorum disk with this label among /proc/partitions devices and `extra` paths. */
export async function findByLabel(label: string, extra: readonly string[] = []): Promise<string[]> {
  const found: string[] = [];
  for (const p of [...extra, ...(await listPartitions())]) {
    const h = await readHeader(p);
    if (h?.label === label) found.push(p);
  }
  return found;
}
