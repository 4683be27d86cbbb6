import { describe, expect, it } from 'vitest';
import { LineCounter, planParts, RateMeter, runPool, sampler } from './stream';

describe('stream client helpers', () => {
  it('counts lines across chunk boundaries', () => {
    const counter = new LineCounter();
    const enc = new TextEncoder();
    counter.add(enc.encode('{"id":1}\n{"id"'));
    counter.add(enc.encode(':2}\n'));
    counter.add(enc.encode(''));
    expect(counter.lines).toBe(2);
  });

  it('plans S3-style parts: all the same size but the last', () => {
    expect(planParts(10, 4)).toEqual([
      { n: 1, start: 0, end: 4 },
      { n: 2, start: 4, end: 8 },
      { n: 3, start: 8, end: 10 },
    ]);
    expect(planParts(8, 4)).toHaveLength(2);
    expect(planParts(3, 4)).toEqual([{ n: 1, start: 0, end: 3 }]);
  });

  it('runs at most `limit` tasks at once and keeps results in order', async () => {
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 7 }, (_, i) => async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5 + ((i * 3) % 7)));
      running -= 1;
      return i;
    });
    expect(await runPool(tasks, 3)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(3);
  });

  it('a failing task rejects the pool', async () => {
    await expect(runPool([async () => 1, async () => Promise.reject(new Error('boom'))], 2)).rejects.toThrow('boom');
  });

  it('measures rate and throttles samples', () => {
    const meter = new RateMeter(1000);
    meter.add(2048);
    expect(meter.rate(3000)).toBe(1024);
    const due = sampler(250);
    expect([due(0), due(100), due(250), due(400), due(600)]).toEqual([true, false, true, false, true]);
  });
});
