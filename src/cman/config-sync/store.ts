// Files of config propagation: atomic replacement of cluster.conf (temp + fsync + rename + fsync of
// the directory) and the history of the last versions in the node's state directory.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** Versions kept in the history directory. */
export const HISTORY_KEEP = 10;

export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** Write bytes to `file` and fsync it (the file is new or replaced; not yet visible under the final name). */
export function writeDurable(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, 'w', 0o640);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally { closeSync(fd); }
}

/** Move a written temp file over `target` atomically and make the rename durable. */
export function commitFile(tmp: string, target: string): void {
  renameSync(tmp, target);
  fsyncDir(path.dirname(target));
}

/** Write + fsync + rename + fsync dir: readers see the old or the new file, never a mix. */
export function writeAtomic(target: string, bytes: Uint8Array): void {
  const tmp = `${target}.tmp-${process.pid}`;
  writeDurable(tmp, bytes);
  commitFile(tmp, target);
}

export interface HistoryItem { readonly version: number; readonly sha256: string; readonly bytes: number; readonly savedMs: number; readonly file: string }

/** `<dir>/cluster.conf.<version>`: the last HISTORY_KEEP versions this node ran. */
export class ConfigHistory {
  constructor(readonly dir: string) { mkdirSync(dir, { recursive: true }); }

  private fileOf(version: number): string { return path.join(this.dir, `cluster.conf.${version}`); }

  save(version: number, bytes: Uint8Array): void {
    writeAtomic(this.fileOf(version), bytes);
    const items = this.list();
    for (const old of items.slice(HISTORY_KEEP)) rmSync(old.file, { force: true });
  }

  /** Newest first. */
  list(): HistoryItem[] {
    const out: HistoryItem[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = /^cluster\.conf\.(\d+)$/.exec(name);
      if (m === null) continue;
      const file = path.join(this.dir, name);
      try {
        const bytes = readFileSync(file);
        out.push({ version: Number(m[1]), sha256: sha256Hex(bytes), bytes: bytes.length, savedMs: statSync(file).mtimeMs, file });
      } catch { /* removed meanwhile */ }
    }
    return out.sort((a, b) => b.version - a.version);
  }

  read(version: number): Buffer | undefined {
    try { return readFileSync(this.fileOf(version)); } catch { return undefined; }
  }
}

/**
 * Give `text` (a cluster.conf) a new config_version: only the attribute of the `<cluster>` start
 * tag changes, every other byte stays (rollback). Returns undefined when there is no such attribute.
 */
export function withConfigVersion(text: string, version: number): string | undefined {
  const m = /<cluster(\s[^>]*)?>/.exec(text);
  if (m === null || m[1] === undefined) return undefined;
  const attrs = m[1];
  const re = /(\sconfig_version\s*=\s*)(["'])[^"']*\2/;
  if (!re.test(attrs)) return undefined;
  const next = attrs.replace(re, (_all, pre: string, q: string) => `${pre}${q}${version}${q}`);
  return text.slice(0, m.index) + `<cluster${next}>` + text.slice(m.index + m[0].length);
}
