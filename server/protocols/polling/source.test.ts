import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotificationSource, nextGapMs, seededRandom } from './source';

afterEach(() => {
  vi.useRealTimers();
});

describe('seededRandom and nextGapMs', () => {
  it('repeats the same sequence for the same seed, and another for another seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(first);
    expect([c(), c(), c()]).not.toEqual(first);
    for (const x of first) expect(x).toBeGreaterThanOrEqual(0);
    for (const x of first) expect(x).toBeLessThan(1);
  });

  it('draws gaps around the mean, clamped to [20 ms, 8 × mean]', () => {
    const random = seededRandom(1);
    const gaps = Array.from({ length: 2000 }, () => nextGapMs(random, 1000));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(850);
    expect(mean).toBeLessThan(1150);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(8000);
  });
});

describe('NotificationSource', () => {
  it('produces numbered notifications on its own while running, and none once stopped', () => {
    vi.useFakeTimers();
    const source = new NotificationSource(100);
    source.configure({ running: true, meanIntervalMs: 100 });
    vi.advanceTimersByTime(5_000);
    const produced = source.series.lastId;
    expect(produced).toBeGreaterThan(20);
    source.configure({ running: false });
    vi.advanceTimersByTime(5_000);
    expect(source.series.lastId).toBe(produced);
  });

  it('emits on demand with the given text and a cursor id', () => {
    const source = new NotificationSource(10);
    source.configure({ running: false });
    expect(source.emit('hello')).toMatchObject({ id: 1, text: 'hello' });
    expect(source.emit().id).toBe(2);
  });
});
