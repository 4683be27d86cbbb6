import { describe, expect, it } from 'vitest';
import { fullJitterDelay, RECONNECT } from './reconnect';

describe('full-jitter backoff', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((n) => fullJitterDelay(n).ceilingMs);
    expect(ceilings).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
    expect(Math.max(...ceilings)).toBe(RECONNECT.MAX_DELAY_MS);
  });

  it('waits anywhere from zero up to (not including) the ceiling', () => {
    expect(fullJitterDelay(3, RECONNECT, () => 0).delayMs).toBe(0);
    expect(fullJitterDelay(3, RECONNECT, () => 0.5).delayMs).toBe(500);
    expect(fullJitterDelay(3, RECONNECT, () => 0.999_999).delayMs).toBe(999);
  });
});
