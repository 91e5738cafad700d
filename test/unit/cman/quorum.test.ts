import { expect } from 'chai';
import { calculateQuorum } from '../../../src/cman/quorum.js';

// The worked values of ../shared/research/cman.md §1.2.
describe('cman quorum formula', () => {
  const q = (votes: number[], expected: number, extra: Partial<Parameters<typeof calculateQuorum>[0]> = {}) =>
    calculateQuorum({ memberVotes: votes, memberExpectedVotes: votes.map(() => expected), qdiskVotes: 0,
      twoNode: false, previousQuorum: 0, allowDecrease: false, ...extra });

  it('3 one-vote nodes, all up: Q=2, quorate', () => {
    expect(q([1, 1, 1], 3)).to.deep.equal({ totalVotes: 3, expectedVotes: 3, quorum: 2, quorate: true });
  });
  it('4 nodes, 2 down: Q=3, inquorate', () => {
    expect(q([1, 1], 4)).to.include({ quorum: 3, quorate: false });
  });
  it('2 nodes without two_node, 1 down: inquorate', () => {
    expect(q([1], 2)).to.include({ quorum: 2, quorate: false });
  });
  it('two_node with 1 node: Q=1, quorate', () => {
    expect(q([1], 1, { twoNode: true })).to.include({ quorum: 1, quorate: true });
  });
  it('2 nodes + qdisk(1): the partition holding the qdisk is quorate, the other is not', () => {
    expect(q([1], 3, { qdiskVotes: 1 })).to.include({ totalVotes: 2, quorum: 2, quorate: true });
    expect(q([1], 3)).to.include({ totalVotes: 1, quorum: 2, quorate: false });
  });
  it('5 nodes + qdisk(4): last man standing', () => {
    expect(q([1], 9, { qdiskVotes: 4 })).to.include({ totalVotes: 5, quorum: 5, quorate: true });
  });
  it('quorum follows T above E, then ratchets', () => {
    const first = q([1, 1, 1, 1, 2], 4);
    expect(first).to.include({ quorum: 4, quorate: true });
    expect(q([1, 1, 1], 4, { previousQuorum: first.quorum })).to.include({ quorum: 4, quorate: false });
    expect(q([1, 1, 1], 4, { previousQuorum: first.quorum, allowDecrease: true })).to.include({ quorum: 3, quorate: true });
  });
});
