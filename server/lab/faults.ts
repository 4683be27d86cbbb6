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
   */
  async delay(sessionId: string): Promise<void> {
    const ms = this.get(sessionId).latencyMs;
    if (ms <= 0) return;
    const until = performance.now() + ms;
    for (let left = ms; left > 0; left = until - performance.now()) await sleep(Math.ceil(left));
  }
}
