import { describe, expect, it } from 'vitest';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff';

const NO_JITTER: BackoffOptions = { ...DEFAULT_BACKOFF, jitter: 0 };
/** random() = 0.5 is the middle of the jitter range: no spread. */
const middle = () => 0.5;

describe('backoffDelay', () => {
  it('doubles from the initial delay: 500, 1000, 2000, 4000, 8000 ms', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, NO_JITTER))).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it('never exceeds the maximum, however many attempts', () => {
    expect(backoffDelay(6, NO_JITTER)).toBe(8000);
    expect(backoffDelay(1_000, NO_JITTER)).toBe(8000);
  });

  it('treats attempt 0 or below like the first attempt', () => {
    expect(backoffDelay(0, NO_JITTER)).toBe(500);
    expect(backoffDelay(-3, NO_JITTER)).toBe(500);
  });

  it('spreads by ±jitter around the base: random()=0 is the low end, random()→1 the high end', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0)).toBe(350); // 500 × (1 − 0.3)
    expect(backoffDelay(1, DEFAULT_BACKOFF, middle)).toBe(500);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0.999_999)).toBe(650); // 500 × (1 + 0.3), rounded
    expect(backoffDelay(10, DEFAULT_BACKOFF, () => 0)).toBe(5600); // jitter applies to the capped base too
  });

  it('stays within [base × (1 − jitter), base × (1 + jitter)] for any random value', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const base = backoffDelay(attempt, NO_JITTER);
      for (let i = 0; i <= 100; i++) {
        const r = i / 100;
        const delay = backoffDelay(attempt, DEFAULT_BACKOFF, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.7));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.3));
      }
    }
  });

  it('returns whole milliseconds, never negative, even with jitter above 1', () => {
    const wild: BackoffOptions = { ...DEFAULT_BACKOFF, jitter: 2 };
    expect(backoffDelay(1, wild, () => 0)).toBe(0);
    expect(Number.isInteger(backoffDelay(3, DEFAULT_BACKOFF, () => 0.123))).toBe(true);
  });

  it('honours custom options (the lab channel uses 250 ms → 5 s)', () => {
    const channel: BackoffOptions = { ...DEFAULT_BACKOFF, initialDelayMs: 250, maxDelayMs: 5_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, channel, middle))).toEqual([250, 500, 1000, 2000, 4000, 5000]);
  });
});
