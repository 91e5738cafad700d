// Replays the captured ipmitool sessions byte for byte: given the trace's random numbers, our
// client core must send exactly the captured datagrams and accept every captured reply.
import { expect } from 'chai';
import { IpmiClientCore } from '../../../src/fence-agents/ipmi/client-core.js';
import type { CoreStep } from '../../../src/fence-agents/ipmi/client-core.js';
import { decodeLanFrame, decodeRequestMsg, encodePresencePing, encodePresencePong } from '../../../src/fence-agents/ipmi/codec.js';
import { readTrace, scriptedRandom } from './trace.js';
import type { Trace } from './trace.js';

function hex(b: Buffer | undefined): string {
  return b === undefined ? '(none)' : b.toString('hex');
}

function expectSend(step: CoreStep, captured: Buffer | undefined, what: string): void {
  expect(step.kind, `${what}: step`).to.equal('send');
  if (step.kind === 'send') expect(hex(step.datagram), what).to.equal(hex(captured));
}

/** Send/receive pairs after dropping the ASF presence ping/pong. */
function ipmiPairs(trace: Trace): { sent: Buffer[]; recv: Buffer[] } {
  const ipmi = trace.packets.filter((p) => p.bytes[3] === 0x07);
  const sent = ipmi.filter((p) => p.dir === 'send').map((p) => p.bytes);
  const recv = ipmi.filter((p) => p.dir === 'recv').map((p) => p.bytes);
  expect(sent.length).to.equal(recv.length);
  return { sent, recv };
}

describe('fence-ipmi: captured ipmitool sessions replay byte for byte', () => {
  it('IPMI 2.0 RMCP+ cipher suite 3 (lanplus-cs3-admin-secret-power-off)', () => {
    const trace = readTrace('lanplus-cs3-admin-secret-power-off.txt');
    const { sent, recv } = ipmiPairs(trace);
    expect(sent.length).to.equal(11);
    const consoleSid = (sent[1] as Buffer).subarray(20, 24); // Open Session Request: console session id
    const rm = trace.blocks.get('Console generated random number') ?? [];
    const ivs = trace.blocks.get('Initialization vector') ?? [];
    expect(rm.length).to.equal(1);
    expect(ivs.length).to.equal(7);
    const rnd = scriptedRandom([consoleSid, ...rm, ...ivs]);
    const core = new IpmiClientCore({
      username: 'admin', password: 'secret', interface: 'lanplus', cipherSuite: 3, privilege: 'administrator',
      random: rnd.random, firstRqSeq: 0, firstSessionSeq: 3,
    });
    expect(hex(core.beginConnect()), 'Get Channel Auth Capabilities').to.equal(hex(sent[0]));
    expectSend(core.receive(recv[0] as Buffer), sent[1], 'Open Session Request');
    expectSend(core.receive(recv[1] as Buffer), sent[2], 'RAKP 1');
    expectSend(core.receive(recv[2] as Buffer), sent[3], 'RAKP 3');
    expectSend(core.receive(recv[3] as Buffer), sent[4], 'Set Session Privilege Level');
    expect(core.receive(recv[4] as Buffer).kind, 'session established').to.equal('established');
    // ipmitool's own commands after login (Get Device ID, PICMG/VSO probes, Chassis Control), then Close Session.
    const cmds = trace.commands.slice(2, -1);
    expect(cmds.map((c) => `${c.netFn}/${c.cmd}`)).to.deep.equal(['44/62', '6/1', '44/0', '44/0', '0/2']);
    const expectedCc = [0xc1, 0x00, 0xc1, 0xc1, 0x00];
    cmds.forEach((c, i) => {
      expect(hex(core.beginRequest(c.netFn, c.cmd, c.data)), `request ${i}`).to.equal(hex(sent[5 + i]));
      const step = core.receive(recv[5 + i] as Buffer);
      expect(step.kind, `reply ${i}`).to.equal('response');
      if (step.kind === 'response') expect(step.response.completionCode).to.equal(expectedCc[i]);
    });
    expect(hex(core.beginClose()), 'Close Session').to.equal(hex(sent[10]));
    expect(core.receive(recv[10] as Buffer).kind).to.equal('closed');
    expect(core.droppedCount).to.equal(0);
    expect(rnd.left(), 'every captured random number used').to.equal(0);
  });

  for (const [file, authType] of [
    ['lan15-md5-admin-secret-power-status.txt', 'md5'],
    ['lan15-password-admin-secret-power-on.txt', 'password'],
  ] as const) {
    it(`IPMI 1.5 auth ${authType} (${file})`, () => {
      const trace = readTrace(file);
      // ASF presence ping/pong: ours are the same bytes as ipmitool's and ipmi_sim's.
      expect(hex(trace.packets[0]?.bytes)).to.equal(hex(encodePresencePing(0)));
      expect(hex(trace.packets[1]?.bytes)).to.equal(hex(encodePresencePong(0)));
      const { sent, recv } = ipmiPairs(trace);
      expect(sent.length).to.equal(10);
      const activate = sent[2] as Buffer;
      const outboundSeq = activate.subarray(activate.length - 5, activate.length - 1);
      const rnd = scriptedRandom([outboundSeq]);
      const core = new IpmiClientCore({
        username: 'admin', password: 'secret', interface: 'lan', cipherSuite: 3, privilege: 'administrator',
        authType, random: rnd.random, firstRqSeq: 1,
      });
      expect(hex(core.beginConnect()), 'Get Channel Auth Capabilities').to.equal(hex(sent[0]));
      expectSend(core.receive(recv[0] as Buffer), sent[1], 'Get Session Challenge');
      expectSend(core.receive(recv[1] as Buffer), sent[2], 'Activate Session');
      expectSend(core.receive(recv[2] as Buffer), sent[3], 'Set Session Privilege Level');
      expect(core.receive(recv[3] as Buffer).kind).to.equal('established');
      for (let i = 4; i < 9; i++) {
        const req = decodeRequestMsg(decodeLanFrame((sent[i] as Buffer).subarray(4)).msg);
        expect(hex(core.beginRequest(req.netFn, req.cmd, req.data)), `request ${i}`).to.equal(hex(sent[i]));
        expect(core.receive(recv[i] as Buffer).kind, `reply ${i}`).to.equal('response');
      }
      expect(hex(core.beginClose()), 'Close Session').to.equal(hex(sent[9]));
      expect(core.receive(recv[9] as Buffer).kind).to.equal('closed');
      expect(core.droppedCount).to.equal(0);
      expect(rnd.left()).to.equal(0);
    });
  }
});
