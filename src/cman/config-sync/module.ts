// Config propagation as a clusterd module (the seam in ../module.ts). Started after the other
// modules so that their reconfiguration hooks are registered before a joiner catches up.
import path from 'node:path';
import type { ClusterdContext, ClusterdModule } from '../module.js';
import { ConfigSync, stateDirFor, type ConfigHooks } from './sync.js';

export function configSyncModule(hooks: ConfigHooks): ClusterdModule {
  let sync: ConfigSync | undefined;
  return {
    name: 'ccs',
    start: async (ctx: ClusterdContext) => {
      const configPath = path.resolve(ctx.configPath ?? '/etc/cluster/cluster.conf');
      sync = new ConfigSync({ config: ctx.config, configPath, stateDir: stateDirFor(ctx.runDir), nodeid: ctx.node.nodeid,
        cman: ctx.cman, api: ctx.api, hooks });
      ctx.cman.events.on('stopping', () => sync?.stop());
      sync.start();
    },
    stop: async () => { sync?.stop(); },
  };
}
