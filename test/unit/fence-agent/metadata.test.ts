// `-o metadata` of our fence_apc_snmp: well-formed XML and a superset of fence-agents' metadata
// (../shared/peer/fence-agents): every upstream parameter with the same getopt text, type,
// default, required flag and deprecation; the same actions.
import { expect } from 'chai';
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { sharedDir } from '../../support/paths.js';
import { parseAgentMetadata } from '../../support/fence-metadata.js';
import { metadataXml, usageText } from '../../../src/fence-agents/agent/metadata.js';
import { fenceApcSnmp } from '../../../src/fence-agents/apc/fence_apc_snmp.js';

describe('fence-agent metadata: fence_apc_snmp', () => {
  const ours = metadataXml(fenceApcSnmp);

  it('is well-formed XML', () => {
    expect(XMLValidator.validate(ours)).to.equal(true);
  });

  it('passes xmllint --noout when xmllint is installed', function () {
    if (!existsSync('/usr/bin/xmllint')) this.skip();
    execFileSync('/usr/bin/xmllint', ['--noout', '-'], { input: ours });
  });

  for (const source of ['metadata', 'debian-4.12.1']) {
    it(`names every parameter of ${source}/fence_apc_snmp.xml with the same getopt, type, default, required and deprecation`, () => {
      const upstream = parseAgentMetadata(readFileSync(path.join(sharedDir, 'peer/fence-agents', source, 'fence_apc_snmp.xml'), 'utf8'));
      const mine = parseAgentMetadata(ours);
      expect(upstream.params.size).to.be.greaterThan(30);
      for (const [name, up] of upstream.params) {
        const m = mine.params.get(name);
        expect(m, `parameter ${name}`).to.not.equal(undefined);
        if (m === undefined) continue;
        expect(m.getopt, `${name} getopt`).to.equal(up.getopt);
        expect(m.required, `${name} required`).to.equal(up.required);
        expect(m.deprecated, `${name} deprecated`).to.equal(up.deprecated);
        expect(m.obsoletes, `${name} obsoletes`).to.equal(up.obsoletes);
        // upstream drops <content> of *_path/*_file options (build-dependent); Debian prints them
        if (up.contentType !== undefined && m.contentType !== undefined) {
          expect(m.contentType, `${name} type`).to.equal(up.contentType);
          if (!name.endsWith('_path') && name !== 'debug' && name !== 'debug_file') {
            expect(m.contentDefault, `${name} default`).to.equal(up.contentDefault);
          }
          expect(m.options, `${name} options`).to.deep.equal(up.options);
        } else if (up.contentType !== undefined) {
          expect(name === 'debug' || name.endsWith('_path') || name === 'debug_file', `${name} has content upstream`).to.equal(true);
        }
      }
      expect(mine.actions).to.deep.equal(upstream.actions);
    });
  }

  it('prints the name it was invoked as (fence_tripplite_snmp)', () => {
    const t = parseAgentMetadata(metadataXml(fenceApcSnmp, 'fence_tripplite_snmp'));
    expect(t.name).to.equal('fence_tripplite_snmp');
    const up = parseAgentMetadata(readFileSync(path.join(sharedDir, 'peer/fence-agents/metadata/fence_tripplite_snmp.xml'), 'utf8'));
    expect(up.name).to.equal('fence_tripplite_snmp');
  });

  it('has a --help text naming every option', () => {
    const help = usageText(fenceApcSnmp);
    for (const o of fenceApcSnmp.options) expect(help).to.include(`--${o.long ?? o.name.replace(/_/g, '-')}`);
  });
});
