// rg.resources answers travel in one cluster frame: encodeAnswer drops rows (and says truncated)
// until the answer fits; the rows carry rgmanager's OCF texts.
import { expect } from 'chai';
import { encodeAnswer, toResourceStatus } from '../../../src/rgmanager/daemon/resources.js';
import type { RgResources } from '../../../src/api/rgmanager.js';

describe('rgmanager daemon: rg.resources answers', () => {
  const rows = toResourceStatus(Array.from({ length: 200 }, (_, i) => ({
    path: `service:s/script:r${i}`, id: `script:r${i}`, disabled: false, failures: i % 3,
    last: { op: 'status' as const, rc: i % 2 === 0 ? 0 : 7, ok: i % 2 === 0, tolerated: false, depth: 0, atMs: 1000 + i, durationMs: 5, timedOut: false },
  })));
  const answer = (resources = rows): { t: 'ans'; id: number; r: RgResources } =>
    ({ t: 'ans', id: 7, r: { service: 'service:s', owner: 'n1', state: 'started', resources, truncated: false, nowMs: 5 } });

  it('adds the OCF text of each code', () => {
    expect(rows[0]!.last).to.include({ rc: 0, rcText: 'success' });
    expect(rows[1]!.last).to.include({ rc: 7, rcText: 'not running' });
  });

  it('keeps a small answer whole and shrinks a big one below the frame limit, marked truncated', () => {
    const whole = JSON.parse(encodeAnswer(answer(rows.slice(0, 3)), 60_000).toString()) as { r: RgResources };
    expect(whole.r.resources).to.have.length(3);
    expect(whole.r.truncated).to.equal(false);
    const limit = 8000;
    const b = encodeAnswer(answer(), limit);
    expect(b.length).to.be.at.most(limit);
    const cut = JSON.parse(b.toString()) as { id: number; r: RgResources };
    expect(cut.id).to.equal(7);
    expect(cut.r.truncated).to.equal(true);
    expect(cut.r.resources.length).to.be.within(1, 199);
    expect(cut.r.resources.map((x) => x.id)).to.deep.equal(rows.slice(0, cut.r.resources.length).map((x) => x.id));
  });
});
