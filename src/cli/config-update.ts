// Shared by `cman_tool version -r` and `ccs_tool update/rollback`: ask the local clusterd to
// propagate a cluster.conf (or a kept version) and print what happened, RHCS style.
import path from 'node:path';
import { ApiClient, ApiError, ConnectError } from '../api/index.js';
import type { CcsUpdateResult } from '../api/ccs.js';

/** Long enough for a prepare on every member (the daemon waits at most 30 s for answers). */
const UPDATE_TIMEOUT_MS = 60_000;

export interface UpdateOutput { readonly code: number; readonly stdout: string; readonly stderr: string }

export function formatUpdate(r: CcsUpdateResult, prog: string): UpdateOutput {
  let out = '';
  if (r.dryRun) {
    out += `Dry run: config version ${r.fromVersion} -> ${r.toVersion} (${r.bytes} bytes, sha256 ${r.sha256.slice(0, 16)}); nothing was changed.\n`;
    for (const l of r.changes) out += `  ${l}\n`;
    return { code: 0, stdout: out, stderr: '' };
  }
  for (const l of r.changes) out += `  ${l}\n`;
  for (const n of r.nodes) out += `  ${n.name} (nodeid ${n.nodeid}): ${n.ok ? (r.activated ? 'activated' : 'prepared') : n.left === true ? n.error ?? 'left' : `refused: ${n.error ?? '?'}`}\n`;
  if (r.activated) return { code: 0, stdout: `Config version ${r.toVersion} activated on ${r.nodes.filter((n) => n.ok).length} node(s):\n${out}`, stderr: '' };
  return { code: 1, stdout: out, stderr: `${prog}: ${r.message}\n` };
}

export async function requestUpdate(prog: string, req: { file?: string; expectVersion?: number } | { rollback: number }, dryRun: boolean): Promise<UpdateOutput> {
  let c: ApiClient;
  try {
    c = await ApiClient.connect();
  } catch (err) {
    if (err instanceof ConnectError && err.code === 'EACCES') return { code: 1, stdout: '', stderr: `${prog}: Cannot open connection to cman, permission denied.\n` };
    return { code: 1, stdout: '', stderr: `${prog}: Cannot open connection to cman, is it running ?\n` };
  }
  try {
    const r = !('rollback' in req)
      ? await c.request('ccs.update', { ...(req.file !== undefined ? { file: path.resolve(req.file) } : {}), ...(req.expectVersion !== undefined ? { expectVersion: req.expectVersion } : {}), dryRun }, UPDATE_TIMEOUT_MS)
      : await c.request('ccs.rollback', { version: req.rollback, dryRun }, UPDATE_TIMEOUT_MS);
    return formatUpdate(r, prog);
  } catch (err) {
    const msg = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    return { code: 1, stdout: '', stderr: `${prog}: ${msg}\n` };
  } finally {
    c.close();
  }
}
