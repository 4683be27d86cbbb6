/**
 * Runs Node's tick queue hard once, at server start, before the lab's modules load.
 *
 * Measured on Node 20 (docs/PERFORMANCE.md, REST, "Per-process modes"): without it, about one lab
 * process in three spends its whole life ~10 µs per request slower, in V8's generic path for the
 * object literal `process.nextTick` builds (reached from the optimised `processTicksAndRejections`).
 * Scheduling ticks from tick callbacks, with 0–3 arguments as Node's own callers do, before the
 * lab loads made that mode rare (3 of 32 servers against 13 of 32) and the average request ~11%
 * cheaper. Why it helps is our reading, not proven: the queue's code gets optimised once its
 * feedback has settled. It costs a fraction of a second at start.
 */
export function warmUpTickQueue(ticks = 300_000): Promise<number> {
  return new Promise((resolve) => {
    let ran = 0;
    function tick(a?: unknown, b?: unknown, c?: unknown): void {
      ran++;
      if (ran >= ticks) {
        resolve(ran);
        return;
      }
      switch (ran & 3) {
        case 0:
          process.nextTick(tick);
          break;
        case 1:
          process.nextTick(tick, a);
          break;
        case 2:
          process.nextTick(tick, a, b);
          break;
        default:
          process.nextTick(tick, a, b, c);
      }
    }
    process.nextTick(tick, 1, 2, 3);
  });
}
