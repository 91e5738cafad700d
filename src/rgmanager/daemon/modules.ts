// fenced and rgmanager as modules of clusterd: created after cman, stopped before it leaves.
// clusterd calls startClusterModules() once cman runs, and shutdown() on SIGTERM before leaving.
import type { ClusterConfig, ClusterNode } from '../../config/types.js';
import type { ApiServer } from '../../api/index.js';
import type { CmanDaemon } from '../../cman/daemon.js';
import { getLogger } from '../../log/index.js';
import { FenceDaemon } from '../../fenced/daemon.js';
import { RgManagerDaemon, PORT_RGMANAGER } from './daemon.js';

export interface ClusterModules {
  readonly fenced: FenceDaemon;
  readonly rgmanager: RgManagerDaemon;
  /** SIGTERM: stop local services, then the caller leaves the cluster. Bounded by cman's shutdown timeout. */
  shutdown(): Promise<void>;
}

export function startClusterModules(config: ClusterConfig, node: ClusterNode, cman: CmanDaemon, api: ApiServer): ClusterModules {
  const log = getLogger('clusterd', { node: node.name });
  const fenced = new FenceDaemon({ config, node, port: cman, api });
  const rgmanager = new RgManagerDaemon({ config, node, port: cman, api, fenced });
  fenced.start();
  cman.bindPort(PORT_RGMANAGER);
  void rgmanager.start().catch((err: Error) => log.error(`rgmanager failed to start: ${err.message}`));
  cman.events.on('stopping', () => { fenced.stop(); rgmanager.close(); });
  return {
    fenced, rgmanager,
    shutdown: async () => {
      const limitMs = Math.max(config.cman.shutdownTimeoutMs, 30_000);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        rgmanager.shutdown(),
        new Promise<void>((resolve) => { timer = setTimeout(() => { log.error(`services did not stop within ${limitMs} ms; leaving anyway`); resolve(); }, limitMs); }),
      ]);
      clearTimeout(timer);
      fenced.stop();
    },
  };
}
