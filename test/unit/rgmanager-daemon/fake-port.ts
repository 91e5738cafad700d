// Test helpers: a cluster.conf with n nodes and m empty services, and cman replaced by an
// in-memory ClusterPort whose proposals commit at once (next microtask), in order.
import { parseClusterConf } from '../../../src/config/index.js';
import type { ClusterConfig } from '../../../src/config/types.js';
import { TypedEmitter, type CmanEvents } from '../../../src/cman/daemon.js';
import type { AppCommand, JsonValue, KvEntry, ViewInfo } from '../../../src/cman/membership/index.js';
import type { ClusterPort } from '../../../src/rgmanager/daemon/replicated.js';
import type { ServiceRecord } from '../../../src/rgmanager/daemon/records.js';

/** `restrictTo`: every service in one restricted failover domain of these nodeids. */
export function conf(nodes: number, services: number, qdisk?: { votes: number; expected: number }, restrictTo?: number[]): ClusterConfig {
  const domain = restrictTo === undefined ? '' : `    <failoverdomains>
      <failoverdomain name="d" restricted="1">
${restrictTo.map((n) => `        <failoverdomainnode name="n${n}"/>`).join('\n')}
      </failoverdomain>
    </failoverdomains>
`;
  const text = `<?xml version="1.0"?>
<cluster name="fake" config_version="1">
  <cman${qdisk !== undefined ? ` expected_votes="${qdisk.expected}"` : ''}/>
${qdisk !== undefined ? `  <quorumd interval="1" tko="10" votes="${qdisk.votes}" label="q"/>` : ''}
  <clusternodes>
${Array.from({ length: nodes }, (_, i) => `    <clusternode name="n${i + 1}" nodeid="${i + 1}" votes="1"/>`).join('\n')}
  </clusternodes>
  <rm>
${domain}${Array.from({ length: services }, (_, i) => `    <service name="s${i + 1}" autostart="1" recovery="relocate"${restrictTo !== undefined ? ' domain="d"' : ''}/>`).join('\n')}
  </rm>
</cluster>
`;
  const { config, problems } = parseClusterConf(text, 'fake.conf');
  const errors = problems.filter((p) => p.severity === 'error');
  if (config === undefined || errors.length > 0) throw new Error(`bad test config: ${JSON.stringify(errors)}`);
  return config;
}

/** cman in memory: proposals commit at once (microtask), a `committed` event per command. */
export class FakePort implements ClusterPort {
  readonly events = new TypedEmitter<CmanEvents>();
  private readonly map = new Map<string, KvEntry>();
  private index = 0;
  /** Every committed command, in order. */
  readonly log: AppCommand[] = [];
  current: ViewInfo;
  constructor(members: number[], q: { quorate: boolean; quorum: number; expected: number; total: number; qdisk?: number }) {
    this.current = this.viewOf(members, q);
  }
  viewOf(members: number[], q: { quorate: boolean; quorum: number; expected: number; total: number; qdisk?: number }): ViewInfo {
    return {
      history: 'h', generation: (this.current?.generation ?? 0) + 4, leader: 1, term: 1, index: this.index,
      members: members.map((nodeid) => ({ nodeid, incarnation: 100 + nodeid, votes: 1, expectedVotes: q.expected })),
      quorate: q.quorate, quorum: q.quorum, expectedVotes: q.expected, totalVotes: q.total, qdiskVotes: q.qdisk ?? 0,
    };
  }
  view(): ViewInfo { return this.current; }
  /** Calls of kv(): every read of a record (the coordinator's per-step cost). */
  kvReads = 0;
  kv(): ReadonlyMap<string, KvEntry> { this.kvReads++; return this.map; }
  put(key: string, value: JsonValue): void { this.apply({ op: 'put', key, value }); }
  propose(command: AppCommand): Promise<void> {
    return Promise.resolve().then(() => {
      if (command.op === 'cas' && (this.map.get(command.key)?.version ?? 0) !== command.ifVersion) throw new Error('condition failed');
      this.apply(command);
    });
  }
  private apply(command: AppCommand): void {
    this.index++;
    const value = command.op === 'delete' ? undefined : command.value;
    if (value === undefined) this.map.delete(command.key); else this.map.set(command.key, { key: command.key, value, version: this.index });
    this.log.push(command);
    this.events.emit('committed', { index: this.index, origin: { nodeid: 1, inc: 101, seq: this.index }, command, applied: true });
  }
  /** Every member's rgmanager runs (rg/up with its incarnation). */
  up(nodeids: number[]): void { for (const n of nodeids) this.put(`rg/up/n${n}`, { inc: 100 + n }); }
  svc(id: string): ServiceRecord | undefined { return this.map.get(`rg/s/${id}`)?.value as unknown as ServiceRecord | undefined; }
}

export const settle = () => new Promise<void>((r) => setTimeout(r, 5));

