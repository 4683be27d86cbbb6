import { setTimeout as sleep } from 'node:timers/promises';
import { type FaultState, MAX_LATENCY_MS } from '../../lib/faults';

/** Per-session injected faults that last (latency). Drops are one-shot: see ConnectionRegistry. */
export class FaultBook {
  private readonly states = new Map<string, FaultState>();

  get(sessionId: string): FaultState {
    return this.states.get(sessionId) ?? { latencyMs: 0 };
  }

  setLatency(sessionId: string, ms: number): void {
    this.states.set(sessionId, { ...this.get(sessionId), latencyMs: Math.min(Math.max(0, ms), MAX_LATENCY_MS) });
  }

  clear(sessionId: string): void {
    this.states.delete(sessionId);
  }

  /**
   * Waits out the session's injected latency before a response or a pushed message: at least that
   * long on the clock the timeline uses. A Node timer can fire up to a millisecond early (libuv
   * counts whole milliseconds), and a 100 ms fault showing 99.6 ms on the timeline looks like a bug.
   * With no latency set it returns undefined rather than a resolved promise, so busy paths can skip
   * the await (`const wait = faults.delay(id); if (wait) await wait;`); `await` works either way.
   */
  delay(sessionId: string): Promise<void> | undefined {
    const ms = this.get(sessionId).latencyMs;
    return ms > 0 ? waitAtLeast(ms) : undefined;
  }
}

async function waitAtLeast(ms: number): Promise<void> {
  const until = performance.now() + ms;
  for (let left = ms; left > 0; left = until - performance.now()) await sleep(Math.ceil(left));
}
