// The two cores under a seeded faulty network (drops, duplicates, late stale datagrams): the
// client either completes each step or gives up after its bounded tries; it never reports a
// wrong power state, and the BMC never runs a chassis command the client did not send.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { BmcCore } from '../../../src/fence-agents/ipmi/bmc-core.js';
import { IpmiClientCore } from '../../../src/fence-agents/ipmi/client-core.js';
import type { CoreStep } from '../../../src/fence-agents/ipmi/client-core.js';
import { Cmd, NetFn } from '../../../src/fence-agents/ipmi/codec.js';

class Rng {
  private n = 0;
  constructor(private readonly seed: number) {}
  bytes(k: number): Buffer {
    const out: Buffer[] = [];
    let have = 0;
    while (have < k) {
      const b = createHash('sha256').update(`${this.seed}/${this.n++}`).digest();
      out.push(b);
      have += b.length;
    }
    return Buffer.concat(out).subarray(0, k);
  }
  chance(p: number): boolean {
    return this.bytes(4).readUInt32LE(0) / 0x100000000 < p;
  }
}

const TRIES = 6;

/** One exchange over the lossy network: send, deliver with faults, retransmit up to TRIES. */
function exchange(rng: Rng, bmc: BmcCore, client: IpmiClientCore, first: Buffer, stale: Buffer[], effects: string[]): CoreStep | 'gave-up' {
  let out = first;
  let tries = 1;
  for (let guard = 0; guard < 200; guard++) {
    const toBmc: Buffer[] = [];
    if (!rng.chance(0.25)) toBmc.push(out);
    if (rng.chance(0.15)) toBmc.push(out); // duplicate
    if (stale.length > 0 && rng.chance(0.2)) toBmc.push(stale[Math.floor(rng.bytes(1)[0] as number % stale.length)] as Buffer);
    stale.push(out);
    const replies: Buffer[] = [];
    for (const d of toBmc) {
      const r = bmc.receive(d, 0);
      effects.push(...r.effects);
      for (const rep of r.replies) {
        stale.push(rep);
        if (!rng.chance(0.25)) replies.push(rep);
        if (rng.chance(0.15)) replies.push(rep);
      }
    }
    if (stale.length > 0 && rng.chance(0.2)) replies.unshift(stale[Math.floor(rng.bytes(1)[0] as number % stale.length)] as Buffer);
    let next: Buffer | undefined;
    for (const rep of replies) {
      const step = client.receive(rep);
      if (step.kind === 'drop') continue;
      if (step.kind === 'send') {
        next = step.datagram;
        tries = 0;
        break;
      }
      return step;
    }
    if (next !== undefined) {
      out = next;
      tries++;
      continue;
    }
    if (tries >= TRIES) return 'gave-up';
    tries++;
    out = client.retransmit();
  }
  throw new Error('no end');
}

describe('fence-ipmi cores under a seeded lossy network', () => {
  for (const iface of ['lanplus', 'lan'] as const) {
    it(`${iface}: 300 seeded runs of login, off, status, on, status`, () => {
      let completed = 0;
      for (let seed = 1; seed <= 300; seed++) {
        const rng = new Rng(seed);
        const bmc = new BmcCore({ users: [{ name: 'admin', password: 'secret', privilege: 'administrator' }],
          guid: Buffer.alloc(16, 1), random: (n) => rng.bytes(n), powerOn: true });
        const client = new IpmiClientCore({ username: 'admin', password: 'secret', interface: iface, cipherSuite: 3,
          privilege: 'administrator', random: (n) => rng.bytes(n) });
        const stale: Buffer[] = [];
        const effects: string[] = [];
        const sent: string[] = [];
        const login = exchange(rng, bmc, client, client.beginConnect(), stale, effects);
        if (login === 'gave-up') continue;
        expect(login.kind, `seed ${seed} login`).to.equal('established');
        let ok = true;
        for (const [cmd, data, expectOn] of [[Cmd.chassisControl, 0, undefined], [Cmd.getChassisStatus, -1, false],
          [Cmd.chassisControl, 1, undefined], [Cmd.getChassisStatus, -1, true]] as const) {
          if (cmd === Cmd.chassisControl) sent.push(data === 0 ? 'off' : 'on');
          const step = exchange(rng, bmc, client, client.beginRequest(NetFn.chassis, cmd, data < 0 ? Buffer.alloc(0) : Buffer.from([data])), stale, effects);
          if (step === 'gave-up') { ok = false; break; }
          expect(step.kind, `seed ${seed}`).to.equal('response');
          if (step.kind === 'response' && expectOn !== undefined) {
            expect(((step.response.data[0] ?? 0) & 1) === 1, `seed ${seed}: status`).to.equal(expectOn);
          }
        }
        // the BMC ran only commands the client sent, in order (a retransmit may repeat one)
        const collapsed = effects.filter((e, i) => i === 0 || effects[i - 1] !== e);
        expect(collapsed, `seed ${seed}`).to.deep.equal(sent.slice(0, collapsed.length));
        if (ok) completed++;
      }
      expect(completed, 'most runs complete despite 25% loss').to.be.greaterThan(200);
    });
  }
});
