import { describe, expect, it } from 'vitest';
import { FIELDS, problemsWith, problemWith, whole } from './settings';

describe('polling widget settings', () => {
  it('reads whole numbers within each field’s range', () => {
    expect(whole('2000', FIELDS.mean)).toBe(2000);
    expect(whole('0', FIELDS.seed)).toBe(0);
    expect(whole('4294967295', FIELDS.seed)).toBe(4_294_967_295);
    expect(whole('99', FIELDS.mean)).toBeNull();
    expect(whole('1.5', FIELDS.interval)).toBeNull();
    expect(whole('', FIELDS.seed)).toBeNull();
    expect(whole('-1', FIELDS.seed)).toBeNull();
  });

  it('says which source field is wrong and what it takes', () => {
    expect(problemWith('50', FIELDS.mean)).toBe('The mean gap must be a whole number from 100 to 60000 ms, not "50".');
    expect(problemWith('abc', FIELDS.seed)).toBe('The seed must be a whole number from 0 to 4294967295, not "abc".');
    expect(problemWith('', FIELDS.seed)).toBe('Give the seed: a whole number from 0 to 4294967295.');
    expect(problemWith('2000', FIELDS.mean)).toBeNull();
  });

  it('lists only the fields that don’t fit, in order', () => {
    expect(
      problemsWith([
        ['2000', FIELDS.mean],
        ['-3', FIELDS.seed],
      ]),
    ).toEqual(['The seed must be a whole number from 0 to 4294967295, not "-3".']);
    expect(
      problemsWith([
        ['1000', FIELDS.interval],
        ['30000', FIELDS.timeout],
      ]),
    ).toEqual([]);
  });
});
