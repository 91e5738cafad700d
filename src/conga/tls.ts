// The HTTPS certificate: the one given (--tls-cert/--tls-key), else a self-signed one made at the
// first start with the openssl CLI and kept in the node's conga state dir (reused afterwards).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, chmod } from 'node:fs/promises';
import { X509Certificate, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 fingerprint (AA:BB:...), shown in the log so an admin can check the browser's warning. */
  readonly fingerprint: string;
  /** True when this start made the certificate. */
  readonly created: boolean;
  readonly certFile: string;
}

const OPENSSL = process.env['CONGA_OPENSSL'] ?? (existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl');
/** The openssl run must finish within this. */
const OPENSSL_TIMEOUT_MS = 30_000;

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: OPENSSL_TIMEOUT_MS }, (err, _out, stderr) => {
      if (err !== null) reject(new Error(`${cmd} ${args[0]} failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/**
 * Load the given certificate and key, or the node's self-signed pair from stateDir (made now when
 * absent). `names` go into subjectAltName (IP literals as IP:, others as DNS:).
 */
export async function loadOrCreateTls(opts: { certFile?: string; keyFile?: string; stateDir: string; names: readonly string[] }): Promise<TlsMaterial> {
  if (opts.certFile !== undefined || opts.keyFile !== undefined) {
    if (opts.certFile === undefined || opts.keyFile === undefined) throw new Error('--tls-cert and --tls-key go together');
    const [cert, key] = await Promise.all([readFile(opts.certFile, 'utf8'), readFile(opts.keyFile, 'utf8')]);
    return { cert, key, fingerprint: fingerprintOf(cert), created: false, certFile: opts.certFile };
  }
  await mkdir(opts.stateDir, { recursive: true, mode: 0o700 });
  const certFile = path.join(opts.stateDir, 'cert.pem');
  const keyFile = path.join(opts.stateDir, 'key.pem');
  let created = false;
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const uniq = [...new Set(opts.names.filter((n) => n !== ''))];
    const san = uniq.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    const cn = (uniq[0] ?? 'clusterd').slice(0, 60);
    const tag = createHash('sha256').update(`${process.pid}-${Date.now()}`).digest('hex').slice(0, 8);
    const tmpCert = `${certFile}.${tag}.tmp`;
    const tmpKey = `${keyFile}.${tag}.tmp`;
    await run(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', tmpKey, '-out', tmpCert, '-days', '3650', '-subj', `/O=cluster-suite conga/CN=${cn}`,
      ...(san !== '' ? ['-addext', `subjectAltName=${san}`] : [])]);
    await chmod(tmpKey, 0o600);
    await rename(tmpKey, keyFile);
    await rename(tmpCert, certFile);
    created = true;
  }
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { cert, key, fingerprint: fingerprintOf(cert), created, certFile };
}
