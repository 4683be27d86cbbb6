import { describe, expect, it } from 'vitest';
import { addId, emptyContinuity } from './continuity';

const run = (ids: number[]) => ids.reduce(addId, emptyContinuity());

describe('continuity', () => {
  it('is clean for contiguous ids', () => {
    expect(run([5, 6, 7, 8])).toEqual({ first: 5, last: 8, count: 4, missing: 0, duplicates: 0 });
  });
  it('counts holes and repeats', () => {
    expect(run([1, 2, 5, 5, 3, 6])).toEqual({ first: 1, last: 6, count: 6, missing: 2, duplicates: 2 });
  });
});
