import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ApiClient, ApiError, ApiServer, ConnectError, MAX_LINE_BYTES, socketPath } from '../../../src/api/index.js';
import type { CmanStatus } from '../../../src/api/cman.js';

describe('daemon API socket', () => {
  let dir: string;
  let server: ApiServer;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cs-api-'));
    server = new ApiServer(dir, 'test');
    await server.listen();
  });
  afterEach(async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); });

  it('answers typed requests and typed errors', async () => {
    server.handle('cman.setExpected', ({ expectedVotes }) => {
      if (expectedVotes > 3) throw new ApiError('EINVAL', 'too many');
      return { expectedVotes };
    });
    const c = await ApiClient.connect({ runDir: dir });
    try {
      expect(await c.request('cman.setExpected', { expectedVotes: 2 })).to.deep.equal({ expectedVotes: 2 });
      const err = await c.request('cman.setExpected', { expectedVotes: 9 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ApiError);
      expect((err as ApiError).code).to.equal('EINVAL');
      const unknown = await c.request('cman.nodes', {}).catch((e: unknown) => e);
      expect((unknown as ApiError).code).to.equal('ENOSYS');
      expect((await c.request('ping', {})).version).to.equal('test');
      expect(server.clientCount).to.equal(1);
    } finally { c.close(); }
  });

  it('delivers events only to subscribers of that event', async () => {
    const a = await ApiClient.connect({ runDir: dir });
    const b = await ApiClient.connect({ runDir: dir });
    const gotA: string[] = []; const gotB: string[] = [];
    await a.subscribe(['cman.quorum'], (e) => gotA.push(e));
    await b.subscribe(['cman.'], (e) => gotB.push(e));
    server.publish('cman.membership', {} as CmanStatus);
    server.publish('cman.quorum', { quorate: true, quorum: 2, totalVotes: 3, generation: 4 });
    await a.request('ping', {}); await b.request('ping', {}); // replies follow the events on each connection
    expect(gotA).to.deep.equal(['cman.quorum']);
    expect(gotB).to.deep.equal(['cman.membership', 'cman.quorum']);
    a.close(); b.close();
  });

  it('closes a connection that sends an over-long line, and answers garbage with EPROTO', async () => {
    const s = net.connect(socketPath(dir));
    await new Promise((r) => s.once('connect', r));
    const closed = new Promise((r) => s.once('close', r));
    s.write('x'.repeat(MAX_LINE_BYTES + 10));
    await closed;
    const c = await ApiClient.connect({ runDir: dir });
    const raw = net.connect(socketPath(dir));
    const reply = await new Promise<string>((resolve) => { raw.once('data', (d) => resolve(d.toString())); raw.write('{nope\n'); });
    expect(JSON.parse(reply)).to.deep.include({ ok: false, id: 0 });
    expect(JSON.parse(reply).error.code).to.equal('EPROTO');
    raw.destroy(); c.close();
  });

  it('refuses to start over a live daemon and replaces a stale socket', async () => {
    const second = new ApiServer(dir, 'x');
    const err = await second.listen().catch((e: unknown) => e);
    expect(String(err)).to.match(/another daemon/);
    await server.close();
    server = new ApiServer(dir, 'again');
    await server.listen();
    const c = await ApiClient.connect({ runDir: dir });
    expect((await c.request('ping', {})).version).to.equal('again');
    c.close();
  });

  it('reports ENOENT when no daemon runs', async () => {
    const err = await ApiClient.connect({ runDir: path.join(dir, 'none') }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectError);
    expect((err as ConnectError).code).to.equal('ENOENT');
  });
});
