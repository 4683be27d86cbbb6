import { HttpError } from '../../http/errors';

/** The longest outage a student can ask for: long enough to watch backoff grow, short enough not to forget. */
export const MAX_OUTAGE_MS = 30_000;

/**
 * Per-session pretend outages: "this server is down for you for N seconds".
 * While one lasts, that session's new connections to that server are refused
 * with 503, so a client's reconnect attempts really fail and back off. Keyed
 * by session, so one student's outage never touches a classmate's connections.
 */
export class Outages {
  private readonly until = new Map<string, number>();

  start(sessionId: string, server: string, ms: number): void {
    this.until.set(`${sessionId} ${server}`, Date.now() + Math.min(Math.max(0, ms), MAX_OUTAGE_MS));
  }

  end(sessionId: string, server: string): void {
    this.until.delete(`${sessionId} ${server}`);
  }

  /** Milliseconds left of the session's outage of `server` (0: it is up). */
  remaining(sessionId: string, server: string): number {
    const key = `${sessionId} ${server}`;
    const until = this.until.get(key);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left <= 0) this.until.delete(key);
    return Math.max(0, left);
  }

  /** The 503 a refused connection gets. */
  refusal(server: string, left: number): HttpError {
    const seconds = Math.ceil(left / 1000);
    return new HttpError(
      503,
      'Server down (lab outage)',
      `${server} is down for your session for another ${seconds} s (you asked for this outage). Reconnect after that.`,
      { retryAfterSeconds: seconds },
      { 'retry-after': String(seconds) },
    );
  }
}

/** Reads `{"seconds": N}` from an outage request body (already parsed JSON). */
export function outageMs(body: unknown): number {
  const seconds = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).seconds : undefined;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > MAX_OUTAGE_MS) {
    throw new HttpError(400, 'Bad outage', `"seconds" must be a number above 0 and at most ${MAX_OUTAGE_MS / 1000}.`);
  }
  return seconds * 1000;
}
