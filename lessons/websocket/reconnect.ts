import type { ReconnectPolicy } from '../../components/lab/clients/websocket';

/**
 * The chat's hand-written reconnect: exponential backoff with "full jitter"
 * (the AWS Architecture Blog's name for it). The ceiling doubles with every
 * failed attempt, up to a cap, and the actual wait is a random point between
 * zero and that ceiling, so a thousand clients dropped at once come back
 * spread out instead of in one stampede.
 */
export const RECONNECT = {
  /** Ceiling of the first wait. */
  BASE_DELAY_MS: 250,
  /** Each failed attempt multiplies the ceiling by this. */
  FACTOR: 2,
  /** The ceiling never grows past this. */
  MAX_DELAY_MS: 4_000,
} as const;

export type ReconnectConstants = { [K in keyof typeof RECONNECT]: number };

/** Wait before attempt `attempt` (1-based): random(0, min(MAX, BASE · FACTOR^(attempt−1))). */
export function fullJitterDelay(
  attempt: number,
  constants: ReconnectConstants = RECONNECT,
  random: () => number = Math.random,
): { delayMs: number; ceilingMs: number } {
  const ceilingMs = Math.min(constants.MAX_DELAY_MS, constants.BASE_DELAY_MS * constants.FACTOR ** Math.max(0, attempt - 1));
  return { delayMs: Math.floor(random() * ceilingMs), ceilingMs };
}

/** The policy LabSocket runs: the delay, with its ceiling shown on the timeline. */
export const fullJitterReconnect: ReconnectPolicy = {
  delay(attempt) {
    const { delayMs, ceilingMs } = fullJitterDelay(attempt);
    return { delayMs, fields: { ceilingMs, strategy: 'full jitter' } };
  },
};
