// The audit log: one JSON line per action (who, what, when, result) in <stateDir>/audit.log,
// rotated to audit.log.1 past maxBytes.
import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';

export interface AuditRecord {
  /** ISO time. */
  readonly time: string;
  readonly node: string;
  /** User name, or '-' when unknown (failed login with a bad name is recorded with the name given). */
  readonly user: string;
  readonly role: string;
  readonly ip: string;
  readonly action: string;
  /** What it was about (service, node, user), else the request path. */
  readonly target: string;
  readonly params?: Readonly<Record<string, unknown>>;
  /** 'ok', 'refused' (auth/role/csrf), 'failed' (the cluster said no), 'error'. */
  readonly result: 'ok' | 'refused' | 'failed' | 'error';
  readonly status: number;
  readonly message?: string;
}

export const DEFAULT_AUDIT_MAX_BYTES = 16 * 1024 * 1024;

export class AuditLog {
  readonly file: string;
  private chain: Promise<void> = Promise.resolve();
  private bytes = -1;

  constructor(stateDir: string, private readonly maxBytes = DEFAULT_AUDIT_MAX_BYTES) {
    this.file = path.join(stateDir, 'audit.log');
  }

  write(rec: AuditRecord): Promise<void> {
    const line = JSON.stringify(rec) + '\n';
    this.chain = this.chain.then(async () => {
      if (this.bytes < 0) {
        await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
        this.bytes = await stat(this.file).then((s) => s.size, () => 0);
      }
      if (this.bytes + line.length > this.maxBytes) {
        await rename(this.file, `${this.file}.1`).catch(() => undefined);
        this.bytes = 0;
      }
      await appendFile(this.file, line, { mode: 0o600 });
      this.bytes += Buffer.byteLength(line);
    }).catch(() => undefined);
    return this.chain;
  }
}
