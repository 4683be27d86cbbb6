import { describe, expect, it } from 'vitest';
import { parseFailPart } from './fail-part';

describe('parseFailPart', () => {
  it('empty or 0: no injected failure', () => {
    expect(parseFailPart('', 12)).toEqual({ ok: true, part: null });
    expect(parseFailPart(' 0 ', 12)).toEqual({ ok: true, part: null });
  });

  it('a part of this upload', () => {
    expect(parseFailPart('2', 12)).toEqual({ ok: true, part: 2 });
    expect(parseFailPart('12', 12)).toEqual({ ok: true, part: 12 });
    // Before a file is chosen the count is unknown: any part number will do.
    expect(parseFailPart('99', null)).toEqual({ ok: true, part: 99 });
  });

  it('abc, -1, 2.5 and 99 of 12 are all refused, each with the same explanation', () => {
    for (const text of ['abc', '-1', '2.5', '99', '1e3']) {
      const choice = parseFailPart(text, 12);
      expect(choice.ok).toBe(false);
      if (!choice.ok)
        expect(choice.error).toBe(
          `“Fail part” must be 0 for no failure, or a part number from 1 to 12 (this file makes 12 parts); “${text}” is neither.`,
        );
    }
  });
});
