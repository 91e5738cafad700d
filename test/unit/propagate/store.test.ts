import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigHistory, HISTORY_KEEP, withConfigVersion, writeAtomic } from '../../../src/cman/config-sync/store.js';
import { CHUNK_BYTES, decodeChunkMessage, encodeChunkMessage } from '../../../src/cman/config-sync/wire.js';

describe('propagate: files and wire', function () {
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'cs-prop-unit-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writeAtomic replaces the file and leaves no temp file', function () {
    const f = path.join(dir, 'cluster.conf');
    writeAtomic(f, Buffer.from('one'));
    writeAtomic(f, Buffer.from('two'));
    expect(readFileSync(f, 'utf8')).to.equal('two');
    expect(readdirSync(dir)).to.deep.equal(['cluster.conf']);
  });

  it(`the history keeps the last ${HISTORY_KEEP} versions, newest first`, function () {
    const h = new ConfigHistory(path.join(dir, 'state'));
    for (let v = 1; v <= HISTORY_KEEP + 3; v++) h.save(v, Buffer.from(`v${v}`));
    const l = h.list();
    expect(l.map((x) => x.version)).to.deep.equal(Array.from({ length: HISTORY_KEEP }, (_, i) => HISTORY_KEEP + 3 - i));
    expect(h.read(HISTORY_KEEP + 3)?.toString()).to.equal(`v${HISTORY_KEEP + 3}`);
    expect(h.read(1)).to.equal(undefined);
  });

  it('withConfigVersion changes only the <cluster> config_version attribute', function () {
    const t = `<?xml version="1.0"?>\n<!-- config_version="9" in a comment -->\n<cluster name='a' config_version='7' >\n <rm config_version="3"/></cluster>\n`;
    expect(withConfigVersion(t, 8)).to.equal(t.replace("config_version='7'", "config_version='8'"));
    expect(withConfigVersion('<cluster name="a"/>', 2)).to.equal(undefined);
  });

  it('chunk frames round-trip; malformed ones decode to undefined', function () {
    const sha = 'a'.repeat(64);
    const data = Buffer.alloc(CHUNK_BYTES, 7);
    const m = decodeChunkMessage(encodeChunkMessage({ t: 'dat', sha, off: CHUNK_BYTES, total: 3 * CHUNK_BYTES, data }));
    expect(m).to.deep.include({ t: 'dat', sha, off: CHUNK_BYTES, total: 3 * CHUNK_BYTES });
    expect(m !== undefined && m.t === 'dat' && m.data.equals(data)).to.equal(true);
    expect(decodeChunkMessage(encodeChunkMessage({ t: 'get', sha, off: 0 }))).to.deep.equal({ t: 'get', sha, off: 0 });
    expect(decodeChunkMessage(Buffer.from([0]))).to.equal(undefined);
    expect(decodeChunkMessage(Buffer.from([0, 200, 1, 2]))).to.equal(undefined);
    expect(decodeChunkMessage(encodeChunkMessage({ t: 'get', sha: 'xyz', off: 0 }))).to.equal(undefined);
    expect(decodeChunkMessage(encodeChunkMessage({ t: 'dat', sha, off: 0, total: 10, data: Buffer.alloc(11) }))).to.equal(undefined);
  });
});
