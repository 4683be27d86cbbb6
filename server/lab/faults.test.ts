import { describe, expect, it } from 'vitest';
import { FaultBook } from './faults';

describe('FaultBook.delay', () => {
  it('waits at least the injected latency, measured on the clock the timeline uses', async () => {
    const faults = new FaultBook();
    faults.setLatency('s', 3);
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      await faults.delay('s');
      expect(performance.now() - started).toBeGreaterThanOrEqual(3);
    }
  });
});
