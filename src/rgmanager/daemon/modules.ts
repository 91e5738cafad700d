// fenced and rgmanager as modules of clusterd (the seam in src/cman/module.ts): started after
// cman in this order, stopped in reverse (rgmanager stops the local services, then fenced).
import type { ClusterdContext, ClusterdModule } from '../../cman/module.js';
import { getLogger } from '../../log/index.js';
import { FenceDaemon } from '../../fenced/daemon.js';
import { RgManagerDaemon, PORT_RGMANAGER } from './daemon.js';
import type { ConfigHooks } from '../../cman/config-sync/sync.js';
import { registerRgReconfig } from './reconfig.js';

/** [fenced, rgmanager] for clusterd's module list. */
export function clusterModules(hooks?: ConfigHooks): ClusterdModule[] {
  let fenced: FenceDaemon | undefined;
  let rgmanager: RgManagerDaemon | undefined;
  const fencedModule: ClusterdModule = {
    name: 'fenced',
    start: async (ctx: ClusterdContext) => {
      fenced = new FenceDaemon({ config: ctx.config, node: ctx.node, port: ctx.cman, api: ctx.api });
      hooks?.register({ name: 'fenced', activate: (config) => fenced?.setConfig(config) });
      fenced.start();
      ctx.cman.events.on('stopping', () => fenced?.stop());
    },
    stop: async () => { fenced?.stop(); },
  };
  const rgModule: ClusterdModule = {
    name: 'rgmanager',
    start: async (ctx: ClusterdContext) => {
      const log = getLogger('clusterd', { node: ctx.node.name });
      rgmanager = new RgManagerDaemon({ config: ctx.config, node: ctx.node, port: ctx.cman, api: ctx.api, fenced: fenced!, runDir: ctx.runDir, frames: ctx.cman });
      ctx.cman.bindPort(PORT_RGMANAGER);
      if (hooks !== undefined) registerRgReconfig(hooks, rgmanager);
      // Loading agents and "stop before start" run in the background: cman must keep its heartbeat.
      void rgmanager.start().catch((err: Error) => log.error(`rgmanager failed to start: ${err.message}`));
    },
    /** SIGTERM: stop the local services (peers take over once this node has left). */
    stop: async () => { await rgmanager?.shutdown(); },
  };
  return [fencedModule, rgModule];
}
