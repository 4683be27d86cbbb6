import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BODY_PREVIEW_LIMIT, cutText, previewBody } from './timeline';

/** A full garbage collection, and the heap in use after it. */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A fresh 1 MB JSON text (a new string each call, like a response body). */
const megabyteBody = (i: number) =>
  JSON.stringify({ i, rows: Array.from({ length: 20_000 }, (_, j) => `row ${j} of body ${i}`) });

describe('cutText', () => {
  it('keeps short texts as they are and cuts long ones exactly', () => {
    expect(cutText('hello', 10)).toBe('hello');
    expect(cutText('hello world', 5)).toBe('hello');
    // A cut through a surrogate pair keeps the lone half, as slice does.
    expect(cutText('a😀b', 2)).toBe('a\ud83d');
  });

  it('does not keep the text it was cut from alive', () => {
    const before = heapAfterGc();
    const kept = Array.from({ length: 40 }, (_, i) => previewBody(megabyteBody(i)).body);
    const held = heapAfterGc() - before;
    expect(kept.every((body) => body?.length === BODY_PREVIEW_LIMIT)).toBe(true);
    // 40 previews of 4 KB, not 40 bodies of ~0.5 MB (a plain slice held ~20 MB here).
    expect(held).toBeLessThan(4_000_000);
  });
});
