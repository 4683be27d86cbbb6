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

  /** Waits out the session's injected latency before a response or a pushed message. */
  delay(sessionId: string): Promise<void> {
    const ms = this.get(sessionId).latencyMs;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }
}
