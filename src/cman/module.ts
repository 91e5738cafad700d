// The seam for clusterd's other modules (fenced, rgmanager, conga): each gets the config, this
// node, the cman module (typed events, view, replicated state) and the API server to add its
// request kinds to. clusterd starts them after cman and stops them in reverse order before cman
// leaves (RHCS's stop order: rgmanager, fenced, then cman).
import type { ClusterConfig, ClusterNode } from '../config/types.js';
import type { ApiServer } from '../api/index.js';
import type { CmanDaemon } from './daemon.js';

export interface ClusterdContext {
  readonly config: ClusterConfig;
  readonly node: ClusterNode;
  readonly cman: CmanDaemon;
  readonly api: ApiServer;
  readonly runDir: string;
  /** The cluster.conf this daemon loaded (config propagation replaces it in place). */
  readonly configPath?: string;
}

export interface ClusterdModule {
  readonly name: string;
  start(ctx: ClusterdContext): Promise<void>;
  /** Stop (clean leave, or cman stopping under us); must finish within stopTimeoutMs. */
  stop(reason: string): Promise<void>;
}

/** How long clusterd waits for one module to stop before going on. */
export const MODULE_STOP_TIMEOUT_MS = 30_000;

export async function stopModules(modules: readonly ClusterdModule[], reason: string, log: (m: string) => void): Promise<void> {
  for (const m of [...modules].reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(() => { log(`module ${m.name} did not stop within ${MODULE_STOP_TIMEOUT_MS} ms`); resolve(); }, MODULE_STOP_TIMEOUT_MS); });
    await Promise.race([m.stop(reason).catch((err: Error) => log(`module ${m.name} stop failed: ${err.message}`)), timeout]);
    clearTimeout(timer);
  }
}
