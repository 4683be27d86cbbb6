import { describe, expect, it } from 'vitest';
import { merchantIdsIn } from './waterfall';

describe('merchantIdsIn', () => {
  it('names each merchant once, in the order the transactions first name it', () => {
    const coffee = { merchantId: 'm-coffee' };
    expect(merchantIdsIn([coffee, coffee, { merchantId: 'm-rail' }, coffee, { merchantId: 'm-books' }])).toEqual([
      'm-coffee',
      'm-rail',
      'm-books',
    ]);
  });
  it('skips transactions without a merchant', () => {
    expect(merchantIdsIn([{ merchantId: null }, { merchantId: 'm-rail' }])).toEqual(['m-rail']);
    expect(merchantIdsIn([])).toEqual([]);
  });
});
