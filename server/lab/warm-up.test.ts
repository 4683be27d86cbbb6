import { describe, expect, it } from 'vitest';
import { warmUpTickQueue } from './warm-up';

describe('warmUpTickQueue', () => {
  it('runs the requested number of ticks, then resolves', async () => {
    expect(await warmUpTickQueue(1_000)).toBe(1_000);
  });

  it('lets other ticks run in between (it never blocks the queue for good)', async () => {
    let other = false;
    const done = warmUpTickQueue(10_000);
    process.nextTick(() => {
      other = true;
    });
    await done;
    expect(other).toBe(true);
  });
});
