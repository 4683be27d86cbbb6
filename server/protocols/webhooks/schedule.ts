/**
 * When the bank tries again. Real senders spread retries over hours or days;
 * a class can't wait that long, so the lab keeps the shape (quick at first,
 * then further and further apart, then give up) and shrinks the clock.
 */

/** Delay before each attempt, first to last: immediately, 1 s, 2 s, 5 s, 10 s; then the delivery is marked failed. */
export const CLASS_SCHEDULE_MS = [0, 1_000, 2_000, 5_000, 10_000] as const;

/** Svix's published schedule, for comparison in the lesson (and in /api/webhooks/schedule). */
export const REAL_WORLD_SCHEDULE = ['immediately', '5 s', '5 min', '30 min', '2 h', '5 h', '10 h', '10 h'] as const;

/** How long the bank waits for an answer before it counts the attempt as timed out. */
export const CLASS_ATTEMPT_TIMEOUT_MS = 2_000;
/** How old a delivery may be before a receiver refuses it as a replay (Standard Webhooks and Stripe use 5 min). */
export const CLASS_TOLERANCE_MS = 30_000;
/** How long "your app" takes to do its slow work (longer than the bank's timeout, on purpose). */
export const CLASS_PROCESSING_MS = 3_000;
/** How often the bank emits a transaction on its own, when its schedule is on. */
export const CLASS_AUTO_EVENT_MS = 10_000;
/** Each retry delay is moved by up to ±20%, so receivers that failed together aren't retried in lockstep. */
export const JITTER = 0.2;

export interface WebhookTiming {
  /** The factor every class duration was multiplied by (1 in class). */
  scale: number;
  /** Delay before attempt 1, 2, ...; its length is the number of attempts. */
  scheduleMs: readonly number[];
  attemptTimeoutMs: number;
  toleranceMs: number;
  processingMs: number;
  autoEveryMs: number;
  jitter: number;
}

/**
 * The class timing, every duration multiplied by `LAB_WEBHOOKS_TIME_SCALE`
 * (default 1). Tests run the same schedule at e.g. 0.05 so a give-up takes
 * about a second; the lab never changes its logic, only its clock.
 */
export function timingFromEnv(env: Record<string, string | undefined> = process.env): WebhookTiming {
  const raw = env.LAB_WEBHOOKS_TIME_SCALE;
  const scale = raw === undefined || raw === '' ? 1 : Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new Error(`LAB_WEBHOOKS_TIME_SCALE must be a positive number, got "${raw}"`);
  }
  return {
    scale,
    scheduleMs: CLASS_SCHEDULE_MS.map((ms) => ms * scale),
    attemptTimeoutMs: CLASS_ATTEMPT_TIMEOUT_MS * scale,
    toleranceMs: CLASS_TOLERANCE_MS * scale,
    processingMs: CLASS_PROCESSING_MS * scale,
    autoEveryMs: CLASS_AUTO_EVENT_MS * scale,
    jitter: JITTER,
  };
}

/**
 * The delay before attempt `attempt` (1-based) of a delivery, jittered, or
 * null when the schedule is used up and the delivery should be marked failed.
 * `random` is injectable so tests can pin the jitter.
 */
export function retryDelay(timing: WebhookTiming, attempt: number, random: () => number = Math.random): number | null {
  const base = timing.scheduleMs[attempt - 1];
  if (base === undefined) return null;
  const spread = 1 + timing.jitter * (random() * 2 - 1);
  return Math.round(base * spread);
}
