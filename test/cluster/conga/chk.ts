// Helpers of the conga tests that need a checked service: a script whose status check fails on
// demand, the service using it, and a daemon-socket request to one node.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../../../src/api/index.js';
import type { CongaCluster } from './harness.js';

/** An LSB script whose status fails while `<dir>/chk.fail` exists. */
export function checkScript(dir: string): string {
  const file = path.join(dir, 'chk.sh');
  writeFileSync(file, `#!/bin/sh\ncase "$1" in\n  start|stop) exit 0 ;;\n  status) [ -e "${dir}/chk.fail" ] && exit 3; exit 0 ;;\n  *) exit 0 ;;\nesac\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A service whose script is checked every second; 5 status failures within 60 s are tolerated. */
export const chkService = (dir: string): string => `
    <service name="chk" recovery="restart"><script name="chk-script" file="${path.join(dir, 'chk.sh')}" __max_failures="5" __failure_expire_time="60"><action name="status" interval="1"/></script></service>`;

export async function daemonRequest<T>(cluster: CongaCluster, node: string, kind: string, params: Record<string, unknown>): Promise<T> {
  const c = await ApiClient.connect({ runDir: cluster.runDir(node), timeoutMs: 2000 });
  try { return await (c.request as (k: string, p: unknown, t: number) => Promise<T>)(kind, params, 10_000); } finally { c.close(); }
}
