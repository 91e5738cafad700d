// Our client core against our BMC core, in memory (deterministic random): every cipher suite
// and IPMI 1.5 auth type, bad passwords, privileges, replays, session expiry.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { BmcCore } from '../../../src/fence-agents/ipmi/bmc-core.js';
import type { PowerEffect } from '../../../src/fence-agents/ipmi/bmc-core.js';
import { IpmiClientCore } from '../../../src/fence-agents/ipmi/client-core.js';
import type { ClientCoreOptions, CoreStep } from '../../../src/fence-agents/ipmi/client-core.js';
import { Cmd, NetFn, encodeRequestMsg, encodeRmcpPlusFrame } from '../../../src/fence-agents/ipmi/codec.js';
import type { PrivilegeLevel } from '../../../src/fence-agents/ipmi/codec.js';

/** Deterministic random bytes from a seed (SHA-256 counter mode). */
function seeded(seed: string): (n: number) => Buffer {
  let counter = 0;
  return (n: number) => {
    const out: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const b = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.push(b);
      have += b.length;
    }
    return Buffer.concat(out).subarray(0, n);
  };
}

function makeBmc(opts: { privilege?: PrivilegeLevel; sessionTimeoutMs?: number } = {}) {
  return new BmcCore({
    users: [{ name: 'admin', password: 'secret', privilege: opts.privilege ?? 'administrator' }],
    guid: Buffer.alloc(16, 0xab), random: seeded('bmc'), powerOn: true,
    ...(opts.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: opts.sessionTimeoutMs } : {}),
  });
}

/** Pump datagrams between the two cores until the client reaches a final step. */
function pump(bmc: BmcCore, client: IpmiClientCore, first: Buffer, nowMs = 0, effects: PowerEffect[] = []): CoreStep {
  let out = first;
  for (let i = 0; i < 20; i++) {
    const r = bmc.receive(out, nowMs);
    effects.push(...r.effects);
    if (r.replies.length === 0) return { kind: 'drop', reason: `BMC dropped: ${r.dropped ?? '?'}` };
    const step = client.receive(r.replies[0] as Buffer);
    if (step.kind !== 'send') return step;
    out = step.datagram;
  }
  throw new Error('no end');
}

function client(o: Partial<ClientCoreOptions> = {}): IpmiClientCore {
  return new IpmiClientCore({ username: 'admin', password: 'secret', interface: 'lanplus', cipherSuite: 3,
    privilege: 'administrator', random: seeded('client'), ...o });
}

const variants: Array<[string, Partial<ClientCoreOptions>]> = [
  ['lanplus cipher suite 1', { interface: 'lanplus', cipherSuite: 1 }],
  ['lanplus cipher suite 2', { interface: 'lanplus', cipherSuite: 2 }],
  ['lanplus cipher suite 3', { interface: 'lanplus', cipherSuite: 3 }],
  ['lan MD5', { interface: 'lan', authType: 'md5' }],
  ['lan password', { interface: 'lan', authType: 'password' }],
  ['lan default auth type', { interface: 'lan' }],
];

describe('fence-ipmi: client core against BMC core (in memory)', () => {
  for (const [name, o] of variants) {
    it(`${name}: status, off, status, on, close`, () => {
      const bmc = makeBmc();
      const c = client(o);
      expect(pump(bmc, c, c.beginConnect()).kind).to.equal('established');
      const status = () => {
        const s = pump(bmc, c, c.beginRequest(NetFn.chassis, Cmd.getChassisStatus));
        if (s.kind !== 'response') throw new Error(s.kind);
        return ((s.response.data[0] ?? 0) & 1) === 1;
      };
      expect(status()).to.equal(true);
      const effects: PowerEffect[] = [];
      const off = pump(bmc, c, c.beginRequest(NetFn.chassis, Cmd.chassisControl, Buffer.from([0])), 0, effects);
      expect(off.kind === 'response' && off.response.completionCode).to.equal(0);
      expect(effects).to.deep.equal(['off']);
      expect(status()).to.equal(false);
      pump(bmc, c, c.beginRequest(NetFn.chassis, Cmd.chassisControl, Buffer.from([1])), 0, effects);
      expect(effects).to.deep.equal(['off', 'on']);
      expect(status()).to.equal(true);
      expect(bmc.sessionCount).to.equal(1);
      expect(pump(bmc, c, c.beginClose()).kind).to.equal('closed');
      expect(bmc.sessionCount).to.equal(0);
      expect(bmc.stats.dropped).to.equal(0);
    });

    it(`${name}: wrong password is an AuthenticationError`, () => {
      const bmc = makeBmc();
      const c = client({ ...o, password: 'wrong' });
      const step = pump(bmc, c, c.beginConnect());
      if (o.interface === 'lan') {
        // IPMI 1.5: the BMC drops the Activate Session silently; the client says what silence means.
        expect(step.kind).to.equal('drop');
        expect(c.silenceMeaning()?.name).to.equal('AuthenticationError');
      } else {
        expect(step.kind).to.equal('fail');
        if (step.kind === 'fail') {
          expect(step.error.name).to.equal('AuthenticationError');
          expect(step.error.message).to.match(/wrong password/);
          // the client tells the BMC (RAKP 3 with a status) and the BMC frees the session
          bmc.receive(step.datagram as Buffer, 0);
          expect(bmc.sessionCount).to.equal(0);
        }
      }
    });
  }

  it('unknown user: AuthenticationError naming the user (lanplus and lan)', () => {
    for (const iface of ['lanplus', 'lan'] as const) {
      const bmc = makeBmc();
      const c = client({ interface: iface, username: 'nobody' });
      const step = pump(bmc, c, c.beginConnect());
      expect(step.kind, iface).to.equal('fail');
      if (step.kind === 'fail') expect(step.error.message).to.match(/"nobody" is unknown/);
    }
  });

  it('a USER session cannot power off (0xD4); an operator user cannot log in as administrator', () => {
    const bmc = makeBmc();
    const c = client({ privilege: 'user' });
    expect(pump(bmc, c, c.beginConnect()).kind).to.equal('established');
    const s = pump(bmc, c, c.beginRequest(NetFn.chassis, Cmd.chassisControl, Buffer.from([0])));
    expect(s.kind === 'response' && s.response.completionCode).to.equal(0xd4);
    expect(bmc.powerOn).to.equal(true);
    const op = makeBmc({ privilege: 'operator' });
    for (const iface of ['lanplus', 'lan'] as const) {
      const c2 = client({ interface: iface });
      const step = pump(op, c2, c2.beginConnect());
      expect(step.kind === 'fail' && step.error.name, iface).to.equal('AuthenticationError');
    }
  });

  it('a repeated request gets the same reply and runs once; a replayed old sequence number is dropped', () => {
    const bmc = makeBmc();
    const c = client();
    pump(bmc, c, c.beginConnect());
    const off = c.beginRequest(NetFn.chassis, Cmd.chassisControl, Buffer.from([0]));
    const first = bmc.receive(off, 0);
    expect(first.effects).to.deep.equal(['off']);
    bmc.setPower(true);
    const again = bmc.receive(c.retransmit(), 0); // the console lost the reply and sends the same bytes
    expect(again.effects).to.deep.equal([]);
    expect(again.replies[0]?.equals(first.replies[0] as Buffer)).to.equal(true);
    expect(bmc.powerOn).to.equal(true);
    expect(c.receive(again.replies[0] as Buffer).kind).to.equal('response');
  });

  it('a request seen before whose reply is no longer remembered is dropped as a replay, never run again', () => {
    const bmc = new BmcCore({ users: [{ name: 'admin', password: 'secret', privilege: 'administrator' }],
      guid: Buffer.alloc(16, 0xab), random: seeded('bmc'), powerOn: true, rememberedReplies: 1 });
    const c = client();
    pump(bmc, c, c.beginConnect());
    const off = c.beginRequest(NetFn.chassis, Cmd.chassisControl, Buffer.from([0]));
    c.receive(bmc.receive(off, 0).replies[0] as Buffer);
    pump(bmc, c, c.beginRequest(NetFn.chassis, Cmd.chassisControl, Buffer.from([1])));
    expect(bmc.powerOn).to.equal(true);
    const late = bmc.receive(off, 0); // a late copy of the old "off"
    expect(late.dropped).to.match(/replayed/);
    expect(late.effects).to.deep.equal([]);
    expect(bmc.powerOn).to.equal(true);
  });

  it('idle sessions expire; a retransmission is the same datagram', () => {
    const bmc = makeBmc({ sessionTimeoutMs: 1000 });
    const c = client();
    pump(bmc, c, c.beginConnect(), 0);
    const first = c.beginRequest(NetFn.app, Cmd.getDeviceId);
    expect(c.retransmit().equals(first)).to.equal(true);
    expect(bmc.receive(first, 500).replies).to.have.length(1);
    expect(bmc.sessionCount).to.equal(1);
    const next = (() => {
      c.receive(bmc.receive(first, 500).replies[0] as Buffer);
      return c.beginRequest(NetFn.app, Cmd.getDeviceId);
    })();
    expect(bmc.receive(next, 2000).dropped).to.equal('unknown session id');
    expect(bmc.sessionCount).to.equal(0);
  });

  it('BMC key Kg: the same Kg logs in; another Kg fails at RAKP 4 with an AuthenticationError', () => {
    const kg = Buffer.from('0102030405', 'hex');
    const bmc = new BmcCore({ users: [{ name: 'admin', password: 'secret', privilege: 'administrator' }],
      guid: Buffer.alloc(16, 0xab), random: seeded('bmc-kg'), powerOn: true, kg });
    const good = client({ kg });
    expect(pump(bmc, good, good.beginConnect()).kind).to.equal('established');
    const s = pump(bmc, good, good.beginRequest(NetFn.chassis, Cmd.getChassisStatus));
    expect(s.kind).to.equal('response');
    const bad = client({ kg: Buffer.from('0102030406', 'hex') });
    const step = pump(bmc, bad, bad.beginConnect());
    expect(step.kind === 'fail' && step.error.message).to.match(/RAKP 4 integrity check value does not match/);
    const none = client();
    expect(pump(bmc, none, none.beginConnect()).kind).to.equal('fail');
  });

  it('Get Channel Cipher Suites lists suites 1, 2, 3', () => {
    const bmc = makeBmc();
    // session-less, RMCP+ framed, as ipmitool sends it without -C
    const req = encodeRmcpPlusFrame(0, 0, 0, encodeRequestMsg({ netFn: NetFn.app, cmd: Cmd.getChannelCipherSuites, rqSeq: 0, data: Buffer.from([0x0e, 0x00, 0x80]) }));
    const out = bmc.receive(req, 0);
    expect(out.replies).to.have.length(1);
    const reply = out.replies[0] as Buffer;
    expect(reply.subarray(23, reply.length - 1).toString('hex')).to.equal('01c0010140 80c0020141 80c0030141 81'.replace(/ /g, ''));
  });
});
