/**
 * Reconnect timing, shared by the lab's own reconnecting clients.
 * Exponential backoff with jitter, like socket.io-client's Manager:
 * delay(n) = min(MAX, INITIAL * FACTOR^(n-1)) * (1 ± JITTER * random).
 * Jitter spreads a classroom of clients out after a server restart instead
 * of having them all reconnect on the same tick.
 */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  factor: 2,
  jitter: 0.3,
};

/** Delay before reconnect attempt `attempt` (1-based). `random` is injectable for tests. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** Math.max(0, attempt - 1));
  const spread = base * options.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(base + spread));
}
