import { describe, expect, it } from 'vitest';
import { delayBefore, fullText, TOKENS, tokenAt } from './generator';

describe('token generator', () => {
  it('cuts the passage into short word pieces that join back into the text', () => {
    expect(TOKENS.length).toBeGreaterThan(100);
    for (const token of TOKENS) expect(token.trim().length).toBeLessThanOrEqual(5);
    expect(fullText(TOKENS.length)).toMatch(/^Streaming means the server sends an answer/);
  });

  it('is deterministic and cycles for long answers', () => {
    expect(tokenAt(3)).toBe(tokenAt(3 + TOKENS.length));
    expect(fullText(50)).toBe(fullText(50));
  });

  it('waits the think time first, then the pace within ±50%', () => {
    const plan = { count: 100, paceMs: 40, thinkMs: 300 };
    expect(delayBefore(0, plan)).toBe(300);
    const delays = Array.from({ length: 99 }, (_, i) => delayBefore(i + 1, plan));
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(20);
    for (const d of delays) expect(d).toBeLessThanOrEqual(60);
    expect(new Set(delays).size).toBeGreaterThan(5);
    expect(delays).toEqual(Array.from({ length: 99 }, (_, i) => delayBefore(i + 1, plan)));
  });
});
