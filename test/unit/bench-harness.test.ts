import { expect } from 'chai';
import { quantile } from '../../bench/harness.js';

describe('bench harness', () => {
  it('takes quantiles of a sorted sample', () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).to.equal(3);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).to.equal(5);
    expect(Number.isNaN(quantile([], 0.5))).to.equal(true);
  });
});
