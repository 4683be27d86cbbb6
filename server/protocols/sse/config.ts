/**
 * Knobs for the SSE and polling endpoints. Defaults suit a classroom; tests
 * and the benchmark turn them through the environment (read once, when the
 * lab starts), since the lab's shared config only covers lab-wide settings.
 */
export interface SseConfig {
  /** A `:` comment this often keeps proxies from cutting an idle stream (LAB_SSE_KEEPALIVE_MS). */
  keepAliveMs: number;
  /** One tick event this often on /api/sse/ticks (LAB_SSE_TICK_MS). */
  tickMs: number;
  /** Events each session's series keeps for Last-Event-ID replay (LAB_SSE_REPLAY_SIZE). */
  replaySize: number;
  /**
   * Open streams one session may hold (LAB_SSE_MAX_STREAMS). Above the browser's
   * six-per-host limit so that experiment works, far below "thousands".
   */
  maxStreamsPerSession: number;
  /** The ticker keeps ticking this long after its last stream closes, so a reconnect has something to replay. */
  tickerLingerMs: number;
}

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function sseConfigFromEnv(env: Record<string, string | undefined> = process.env): SseConfig {
  return {
    keepAliveMs: positiveInt(env, 'LAB_SSE_KEEPALIVE_MS', 15_000),
    tickMs: positiveInt(env, 'LAB_SSE_TICK_MS', 500),
    replaySize: positiveInt(env, 'LAB_SSE_REPLAY_SIZE', 100),
    maxStreamsPerSession: positiveInt(env, 'LAB_SSE_MAX_STREAMS', 16),
    tickerLingerMs: positiveInt(env, 'LAB_SSE_TICKER_LINGER_MS', 60_000),
  };
}
