// ClusterConfig (the parsed cluster.conf) -> the policy's own small config.
import type { ClusterConfig } from '../../config/types.js';
import type { PolicyConfig } from './types.js';

export function policyConfigFromCluster(cfg: ClusterConfig): PolicyConfig {
  return {
    clusterName: cfg.name,
    nodes: cfg.nodes.map((n) => ({ name: n.name, nodeid: n.nodeid, votes: n.votes })),
    twoNode: cfg.cman.twoNode,
    expectedVotes: cfg.cman.expectedVotes,
    qdisk: cfg.quorumd === undefined ? undefined : { votes: cfg.quorumd.votes, label: cfg.quorumd.cmanLabel },
    fenceRetryS: Math.max(1, cfg.fenceDaemon.overrideTimeS),
    domains: cfg.rm.failoverDomains.map((d) => ({
      name: d.name, ordered: d.ordered, restricted: d.restricted, nofailback: d.nofailback,
      members: d.nodes.map((m) => ({ node: m.name, priority: m.priority })),
    })),
    services: cfg.rm.services.map((s) => ({
      id: s.id, domain: s.domain, autostart: s.autostart, exclusive: s.exclusive, recovery: s.recovery,
      depend: s.depend, dependMode: s.dependMode, maxRestarts: s.maxRestarts, restartExpireTimeS: s.restartExpireTimeS,
      // rgmanager: migratory iff the agent has a migrate action (vm.sh) and the root has no children.
      migratory: s.kind === 'vm' && s.element.children.length === 0,
    })),
  };
}
