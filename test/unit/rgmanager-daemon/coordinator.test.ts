// The coordinator on a fake ClusterPort (an in-memory key/value map whose proposals commit at
// once, in order): quorum as cman's committed view has it, only changed service records written,
// and one rg.service-worthy record per visible transition.
import { expect } from 'chai';
import { parseClusterConf } from '../../../src/config/index.js';
import type { ClusterConfig } from '../../../src/config/types.js';
import { getLogger } from '../../../src/log/index.js';
import { TypedEmitter, type CmanEvents } from '../../../src/cman/daemon.js';
import type { AppCommand, JsonValue, KvEntry, ViewInfo } from '../../../src/cman/membership/index.js';
import type { ClusterPort } from '../../../src/rgmanager/daemon/replicated.js';
import { Coordinator } from '../../../src/rgmanager/daemon/coordinator.js';
import type { ServiceRecord } from '../../../src/rgmanager/daemon/records.js';

export function conf(nodes: number, services: number, qdisk?: { votes: number; expected: number }): ClusterConfig {
  const text = `<?xml version="1.0"?>
<cluster name="fake" config_version="1">
  <cman${qdisk !== undefined ? ` expected_votes="${qdisk.expected}"` : ''}/>
${qdisk !== undefined ? `  <quorumd interval="1" tko="10" votes="${qdisk.votes}" label="q"/>` : ''}
  <clusternodes>
${Array.from({ length: nodes }, (_, i) => `    <clusternode name="n${i + 1}" nodeid="${i + 1}" votes="1"/>`).join('\n')}
  </clusternodes>
  <rm>
${Array.from({ length: services }, (_, i) => `    <service name="s${i + 1}" autostart="1" recovery="relocate"/>`).join('\n')}
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
  kv(): ReadonlyMap<string, KvEntry> { return this.map; }
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

describe('rgmanager coordinator: quorum from cman\'s committed view', () => {
  const log = getLogger('test', { node: 'n1' });
  let c: Coordinator | undefined;
  afterEach(() => { c?.close(); c = undefined; });

  it('acts when cman is quorate although only this node\'s rgmanager runs yet', async () => {
    const port = new FakePort([1, 2, 3], { quorate: true, quorum: 2, expected: 3, total: 3 });
    port.up([1]); // n2, n3: cman members, rgmanager still loading
    c = new Coordinator(conf(3, 2), port, log);
    c.activate();
    await settle();
    expect(port.svc('service:s1')?.op).to.include({ kind: 'start', node: 'n1' });
    expect(port.svc('service:s2')?.op).to.include({ kind: 'start', node: 'n1' });
  });

  it('a lone survivor revived by cman_tool expected -e acts', async () => {
    const port = new FakePort([1], { quorate: true, quorum: 1, expected: 1, total: 1 });
    port.up([1]);
    c = new Coordinator(conf(3, 1), port, log);
    c.activate();
    await settle();
    expect(port.svc('service:s1')?.op).to.include({ kind: 'start', node: 'n1' });
  });

  it('stops everything when cman says inquorate, even with qdisk votes configured', async () => {
    // 4 nodes + qdisk (3 votes, expected 7): the partition without the qdisk master has T = 2 < Q.
    const port = new FakePort([1, 2, 3, 4], { quorate: true, quorum: 4, expected: 7, total: 7, qdisk: 3 });
    port.up([1, 2, 3, 4]);
    c = new Coordinator(conf(4, 2, { votes: 3, expected: 7 }), port, log);
    c.activate();
    await settle();
    for (const id of ['service:s1', 'service:s2']) {
      const op = port.svc(id)!.op!;
      port.put(`rg/r/${id}`, { opId: op.id, kind: 'start', node: op.node, ok: true, ms: 0, message: '' });
      c.onResult(id, { opId: op.id, kind: 'start', node: op.node, ok: true, ms: 0, message: '' });
    }
    await settle();
    expect(port.svc('service:s1')?.v.state).to.equal('started');
    // The 2+2 split, seen from the side without the qdisk master: cman is inquorate (T = 2), the
    // members of its last committed view are unchanged.
    port.current = port.viewOf([1, 2, 3, 4], { quorate: false, quorum: 4, expected: 7, total: 4 });
    c.onView(port.current);
    await settle();
    for (const id of ['service:s1', 'service:s2']) {
      expect(port.svc(id)?.v.state, id).to.equal('stopping');
      expect(port.svc(id)?.op, id).to.include({ kind: 'stop', mode: 'emergency' });
    }
  });
});
