import { describe, expect, it } from 'vitest';
import { Repeats, sameItems } from './repeats';

describe('Repeats', () => {
  it('hands back the copy it kept when an equal value comes again', () => {
    const repeats = new Repeats<string>();
    const first = ['x-lab-session', 'abc'].join('\n');
    const again = ['x-lab-session', 'abc'].join('\n');
    expect(repeats.keep(first)).toBe(first);
    expect(repeats.keep(again)).toBe(first);
  });

  it('keeps the new value when it differs, and then shares that one', () => {
    const repeats = new Repeats<string>();
    repeats.keep('GET /a');
    expect(repeats.keep('GET /b')).toBe('GET /b');
    expect(repeats.keep(`GET /${'b'}`)).toBe('GET /b');
  });

  it('shares values that take turns, and forgets the oldest of more than it holds', () => {
    const repeats = new Repeats<string>(undefined, 2);
    const a = repeats.keep(['instance', 'A'].join(': '));
    const b = repeats.keep(['instance', 'B'].join(': '));
    expect(repeats.keep(['instance', 'A'].join(': '))).toBe(a);
    expect(repeats.keep(['instance', 'B'].join(': '))).toBe(b);
    repeats.keep('instance: C'); // pushes out A, the older of the two
    const again = ['instance', 'A'].join(': ');
    expect(repeats.keep(again)).toBe(again);
  });

  it('compares lists item by item', () => {
    const repeats = new Repeats<readonly unknown[]>(sameItems);
    const first = ['123', 5];
    expect(repeats.keep(first)).toBe(first);
    expect(repeats.keep(['123', 5])).toBe(first);
    expect(repeats.keep(['123', 6])).toEqual(['123', 6]);
    expect(sameItems([1], [1, 2])).toBe(false);
  });

  it('compares bytes item by item (the gRPC tap keeps repeated messages once)', () => {
    expect(sameItems(new Uint8Array([1, 2, 3]), Buffer.from([1, 2, 3]))).toBe(true);
    expect(sameItems(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(sameItems(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
  });
});
