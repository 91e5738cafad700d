import { expect } from 'chai';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { rngToJsonSchema } from '../../../src/config/tools/rng-to-schema.js';
import { usingPrecompiledValidator, knownTags, knownAttributes } from '../../../src/config/schema.js';
import { repoRoot, sharedDir } from '../../support/paths.js';

const rngFile = path.join(sharedDir, 'peer/cluster-rng/cluster.rng.generated-rhel6.rng');

describe('config: schemas/cluster.schema.json follows the RHEL6 cluster.rng', () => {
  const rng = readFileSync(rngFile, 'utf8');

  it('regenerating from the rng gives the committed schema', () => {
    const regenerated = JSON.stringify(rngToJsonSchema(rng), null, 1) + '\n';
    expect(regenerated === readFileSync(path.join(repoRoot, 'schemas/cluster.schema.json'), 'utf8'),
      'schemas/cluster.schema.json is stale: rerun src/config/tools/rng-to-schema.ts').to.equal(true);
  });

  it('the precompiled validator matches the schema file', () => {
    expect(usingPrecompiledValidator()).to.equal(true);
  });

  it('knows every element and every attribute name of the rng', () => {
    const elements = new Set([...rng.matchAll(/<element name="([^"]+)"/g)].map((m) => m[1] as string));
    expect([...knownTags()].sort()).to.deep.equal([...elements].sort());
    const attrs = new Set([...rng.matchAll(/<attribute name="([^"]+)"/g)].map((m) => m[1] as string));
    const ours = new Set([...knownTags()].flatMap((t) => knownAttributes(t)));
    expect([...attrs].filter((a) => !ours.has(a))).to.deep.equal([]);
  });

  it('keeps the rng constraints that matter: required attributes, datatypes, enums, multiplicity', () => {
    const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/cluster.schema.json'), 'utf8')) as {
      $defs: Record<string, { required?: string[]; properties: Record<string, { pattern?: string; enum?: string[]; maxItems?: number }>; else?: { required: string[] } }>;
    };
    expect(schema.$defs['cluster']?.required).to.include.members(['@name', '@config_version', 'clusternodes']);
    expect(schema.$defs['clusternode']?.required).to.include.members(['@name', '@nodeid']);
    expect(schema.$defs['clusternode']?.properties['@nodeid']?.pattern).to.be.a('string');
    expect(schema.$defs['cman']?.properties['@transport']?.enum).to.deep.equal(['udp', 'udpb', 'udpu', 'rdma']);
    expect(schema.$defs['cluster']?.properties['cman']?.maxItems).to.equal(1);
    expect(schema.$defs['fs']?.else?.required).to.deep.equal(['@name', '@mountpoint', '@device']);
    expect(schema.$defs['heuristic']?.required).to.deep.equal(['@program']);
  });
});
