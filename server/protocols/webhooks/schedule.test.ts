import { describe, expect, it } from 'vitest';
import { CLASS_SCHEDULE_MS, retryDelay, timingFromEnv } from './schedule';

describe('retry schedule', () => {
  const timing = timingFromEnv({});

  it('runs immediately, 1 s, 2 s, 5 s, 10 s, then gives up', () => {
    const centre = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(timing, n, centre))).toEqual([0, 1000, 2000, 5000, 10000, null]);
  });

  it('moves each delay by at most ±20%', () => {
    expect(retryDelay(timing, 3, () => 0)).toBe(1600);
    expect(retryDelay(timing, 3, () => 0.999_999)).toBe(2400);
    expect(retryDelay(timing, 1, () => 0)).toBe(0);
  });

  it('scales every duration with LAB_WEBHOOKS_TIME_SCALE', () => {
    const fast = timingFromEnv({ LAB_WEBHOOKS_TIME_SCALE: '0.1' });
    expect(fast.scheduleMs).toEqual(CLASS_SCHEDULE_MS.map((ms) => ms * 0.1));
    expect(fast.attemptTimeoutMs).toBe(200);
    expect(fast.toleranceMs).toBe(3000);
    expect(() => timingFromEnv({ LAB_WEBHOOKS_TIME_SCALE: '0' })).toThrow(/positive number/);
    expect(() => timingFromEnv({ LAB_WEBHOOKS_TIME_SCALE: 'fast' })).toThrow(/positive number/);
  });
});
