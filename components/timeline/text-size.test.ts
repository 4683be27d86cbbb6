import { describe, expect, it } from 'vitest';
import {
  parseTextSize,
  readTextSize,
  rowHeightFor,
  TEXT_SCALE,
  TEXT_SIZE_STORAGE_KEY,
  TEXT_SIZES,
  writeTextSize,
} from './text-size';

/** A Storage stand-in holding one map (node has no localStorage). */
function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => {
      items.set(key, String(value));
    },
  };
}

const throwing = {
  getItem(): string | null {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  },
  setItem(): void {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  },
};

describe('timeline text size', () => {
  it('reads back each size by name', () => {
    for (const size of TEXT_SIZES) expect(parseTextSize(size)).toBe(size);
  });

  it('falls back to normal for anything else', () => {
    for (const stored of [null, undefined, '', 'huge', 'Large', ' large', '"larger"', '1.7', 'normal\n', 2, {}, 'toString']) {
      expect(parseTextSize(stored)).toBe('normal');
    }
  });

  it('remembers the choice under its key and reads it back', () => {
    const storage = memoryStorage();
    expect(readTextSize(storage)).toBe('normal');
    writeTextSize(storage, 'larger');
    expect(storage.items.get(TEXT_SIZE_STORAGE_KEY)).toBe('larger');
    expect(readTextSize(storage)).toBe('larger');
    expect(readTextSize(memoryStorage({ [TEXT_SIZE_STORAGE_KEY]: 'garbage' }))).toBe('normal');
  });

  it('is normal, and forgets quietly, where storage is missing or refuses', () => {
    expect(readTextSize(undefined)).toBe('normal');
    expect(readTextSize(throwing)).toBe('normal');
    expect(() => writeTextSize(throwing, 'large')).not.toThrow();
    expect(() => writeTextSize(undefined, 'large')).not.toThrow();
  });

  it('gives rows a whole-pixel height that grows with the text and holds its line', () => {
    expect(TEXT_SIZES.map((size) => rowHeightFor(size))).toEqual([22, 30, 37]);
    for (const size of TEXT_SIZES) {
      const height = rowHeightFor(size);
      expect(Number.isInteger(height)).toBe(true);
      // A row's text is 11 px at the normal size (timeline.module.css .row): twice that, give or take rounding.
      expect(Math.abs(height - 2 * 11 * TEXT_SCALE[size])).toBeLessThanOrEqual(0.5);
    }
  });
});
