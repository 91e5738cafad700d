// fence_ipmilan on the shared agent layer: metadata is a superset of fence-agents' for the agent
// and each alias (with the alias defaults), option mapping to the IPMI client, validation.
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { sharedDir } from '../../support/paths.js';
import { parseAgentMetadata } from '../../support/fence-metadata.js';
import { metadataXml } from '../../../src/fence-agents/agent/metadata.js';
import { optionsFromArgs, UsageError } from '../../../src/fence-agents/agent/options.js';
import { fence, inProcessAgents } from '../../../src/fence-agents/index.js';
import { fenceIpmilan, ipmiSettings } from '../../../src/fence-agents/fence_ipmilan.js';

const names = ['fence_ipmilan', 'fence_ipmilanplus', 'fence_idrac', 'fence_ilo3', 'fence_ilo4', 'fence_ilo5', 'fence_imm'];

describe('fence_ipmilan: metadata against fence-agents', () => {
  for (const name of names) {
    it(`${name}: well-formed, every upstream parameter with the same getopt, type, default, required, deprecation; same actions`, () => {
      const ours = metadataXml(fenceIpmilan, name);
      expect(XMLValidator.validate(ours)).to.equal(true);
      const upstream = parseAgentMetadata(readFileSync(path.join(sharedDir, 'peer', 'fence-agents', 'metadata', `${name}.xml`), 'utf8'));
      const mine = parseAgentMetadata(ours);
      expect(mine.name).to.equal(name);
      for (const [pname, up] of upstream.params) {
        const p = mine.params.get(pname);
        expect(p, `parameter ${pname}`).to.not.equal(undefined);
        expect(p, `parameter ${pname}`).to.deep.equal(up);
      }
      expect(mine.actions).to.deep.equal(upstream.actions);
    });
  }

  it('passes xmllint --noout when xmllint is installed', function () {
    if (!existsSync('/usr/bin/xmllint')) this.skip();
    execFileSync('/usr/bin/xmllint', ['--noout', '-'], { input: metadataXml(fenceIpmilan) });
  });
});

describe('fence_ipmilan: options', () => {
  const opts = (args: Record<string, string>, invokedAs = 'fence_ipmilan') => optionsFromArgs(fenceIpmilan, args, { invokedAs }).options;

  it('maps fence-agents options to the IPMI client (lanplus, cipher, privilege, auth, Kg, port)', () => {
    const s = ipmiSettings(opts({ ip: '127.0.0.1', ipport: '9623', username: 'admin', password: 'secret', lanplus: '1', cipher: '1',
      privlvl: 'OPERATOR', hexadecimal_kg: '0102ff', action: 'status' }));
    expect(s.client).to.include({ host: '127.0.0.1', port: 9623, username: 'admin', password: 'secret', interface: 'lanplus',
      cipherSuite: 1, privilegeLevel: 'operator' });
    expect(s.client.kg?.toString('hex')).to.equal('0102ff');
    const lan = ipmiSettings(opts({ ipaddr: 'bmc1', login: 'root', passwd: 'pw', auth: 'MD5', action: 'off' }));
    expect(lan.client).to.include({ host: 'bmc1', port: 623, interface: 'lan', authType: 'md5', privilegeLevel: 'administrator' });
  });

  it('an unreachable BMC is given up within login_timeout (tries x per-try timeout)', () => {
    const s = ipmiSettings(opts({ ip: 'x', action: 'status', login_timeout: '5', ipmitool_timeout: '2' })).client;
    expect((s.timeoutMs ?? 0) * ((s.retries ?? 0) + 1)).to.be.at.most(5000);
    const fast = ipmiSettings(opts({ ip: 'x', action: 'status', login_timeout: '1', ipmitool_timeout: '0.2' })).client;
    expect((fast.timeoutMs ?? 0) * ((fast.retries ?? 0) + 1)).to.be.at.most(1000);
  });

  it('alias defaults: fence_ilo3 lanplus=1 power_wait=4, fence_ipmilanplus lanplus=1, fence_idrac lanplus=0', () => {
    expect(opts({ ip: 'x' }, 'fence_ilo3').get('power_wait')).to.equal('4');
    expect(ipmiSettings(opts({ ip: 'x' }, 'fence_ilo3')).client.interface).to.equal('lanplus');
    expect(ipmiSettings(opts({ ip: 'x' }, 'fence_ipmilanplus')).client.interface).to.equal('lanplus');
    expect(ipmiSettings(opts({ ip: 'x' }, 'fence_idrac')).client.interface).to.equal('lan');
    expect(opts({ ip: 'x' }).get('power_wait')).to.equal('2');
  });

  it('--port-as-ip makes the plug the BMC address (also without ip)', () => {
    const o = opts({ port: '10.0.0.9', port_as_ip: '1', action: 'status' });
    expect(ipmiSettings(o).client.host).to.equal('10.0.0.9');
  });

  it('validation: missing ip, bad privilege level, bad cipher suite, bad Kg', () => {
    expect(() => opts({ action: 'validate-all' })).to.throw(UsageError, 'Failed: You have to enter fence address');
    expect(() => opts({ ip: 'x', privlvl: 'root' })).to.throw(UsageError, /valid choice for --privlvl/);
    expect(() => ipmiSettings(opts({ ip: 'x', lanplus: '1', cipher: '17' }))).to.throw(/cipher suite 17 is not supported/);
    expect(() => ipmiSettings(opts({ ip: 'x', lanplus: '1', cipher: '0' }))).to.throw(/no authentication/);
    expect(() => ipmiSettings(opts({ ip: 'x', hexadecimal_kg: 'xyz' }))).to.throw(/hexadecimal/);
  });

  it('every name is registered for in-process fencing; validate-all runs without a device', async () => {
    for (const n of names) expect(inProcessAgents()).to.include(n);
    const r = await fence({ agent: 'fence_ilo4', args: { ip: '127.0.0.1' } }, {}, 'validate-all');
    expect(r).to.include({ ok: true, exitCode: 0, inProcess: true });
    const bad = await fence({ agent: 'fence_ipmilan', args: {} }, {}, 'status');
    expect(bad.exitCode).to.equal(1);
    expect(bad.message).to.match(/You have to enter fence address/);
  });
});
