import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/errors';
import { forwardedByProxy } from '../http/forwarded';

/**
 * Token buckets by key, for limits on rare, costly actions (creating a session). Each key starts
 * with `burst` tokens; tokens come back at `perMinute` a minute up to `burst`; an action takes one.
 * A refused action takes nothing, so a client that keeps asking gets in as soon as a token is back.
 *
 * Memory stays bounded: a bucket that has refilled is the same as no bucket, so full buckets are
 * dropped (looked for at most once per refill time, when a key takes a token), and at `maxKeys`
 * the oldest bucket makes room. A map of {tokens, at} per key and a few lines of arithmetic:
 * the npm rate limiters either bring a framework's middleware with them (express-rate-limit,
 * @fastify/rate-limit), count fixed windows behind a promise API (rate-limiter-flexible), or hold
 * a single bucket and leave the keys and their cleanup to us anyway (limiter).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;
  /** How long an empty bucket takes to fill: a full bucket is looked for at most this often. */
  private readonly sweepEveryMs: number;
  private lastSweep: number;

  constructor(
    readonly perMinute: number,
    readonly burst: number,
    private readonly clock: () => number = () => performance.now(),
    readonly maxKeys = 10_000,
  ) {
    if (!(perMinute > 0) || !(burst >= 1))
      throw new Error(`TokenBuckets needs perMinute > 0 and burst >= 1, got ${perMinute} and ${burst}`);
    this.perMs = perMinute / 60_000;
    this.sweepEveryMs = Math.min(60_000, burst / this.perMs);
    this.lastSweep = clock();
  }

  /** Takes a token for `key`: 0 if it had one, else the milliseconds until it will (nothing taken). */
  take(key: string): number {
    const at = this.clock();
    if (at - this.lastSweep >= this.sweepEveryMs) this.sweep(at);
    const bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.makeRoom(at);
      this.buckets.set(key, { tokens: this.burst - 1, at });
      return 0;
    }
    const tokens = this.tokensAt(bucket, at);
    // Refused: the bucket is left as it was (nothing taken, and no rounding piles up).
    if (tokens < 1) return this.msUntilOne(tokens);
    bucket.tokens = tokens - 1;
    bucket.at = at;
    return 0;
  }

  /** The milliseconds until `key` could take a token (0: now), without taking one. */
  wait(key: string): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return 0;
    const tokens = this.tokensAt(bucket, this.clock());
    return tokens >= 1 ? 0 : this.msUntilOne(tokens);
  }

  /** Buckets held (the keys that took a token and haven't refilled since, roughly). */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops every bucket that has refilled: it would start full anyway. */
  sweep(at = this.clock()): void {
    this.lastSweep = at;
    for (const [key, bucket] of this.buckets) if (this.tokensAt(bucket, at) >= this.burst) this.buckets.delete(key);
  }

  /** Whole milliseconds, at least 1 (the tolerance keeps 299.99999999999997 from becoming 301). */
  private msUntilOne(tokens: number): number {
    return Math.max(1, Math.ceil((1 - tokens) / this.perMs - 1e-6));
  }

  private tokensAt(bucket: { tokens: number; at: number }, at: number): number {
    return Math.min(this.burst, bucket.tokens + (at - bucket.at) * this.perMs);
  }

  private makeRoom(at: number): void {
    this.sweep(at);
    // Still full: more keys than a class has are busy at once (addresses made up to dodge the
    // limit). Forget the oldest; a per-address limit can't stop that client anyway.
    if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}

/**
 * Who a request comes from, as the session limit counts it: the socket's remote address, or with
 * `trustProxy` the last `X-Forwarded-For` entry (the one the lab's own reverse proxy added; the
 * entries before it are whatever the client sent). IPv4-mapped IPv6 addresses count as the IPv4
 * address; other IPv6 addresses by their /64, since one machine may hold a whole /64.
 */
export function clientAddress(req: IncomingMessage, trustProxy = false): string {
  const address = trustProxy ? forwardedByProxy(req, 'x-forwarded-for') : undefined;
  return addressKey(address ?? req.socket.remoteAddress ?? 'unknown');
}

export function addressKey(address: string): string {
  if (!address.includes(':')) return address;
  const plain = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  if (mapped) return mapped[1] as string;
  const [head = '', tail] = plain.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups];
  const prefix = groups.slice(0, 4).map((g) => (Number.parseInt(g, 16) || 0).toString(16));
  while (prefix.length < 4) prefix.push('0');
  return `${prefix.join(':')}::/64`;
}

/** What the lab reads from its config to limit session creation. */
export interface SessionLimitConfig {
  /** New sessions a minute one address gets back after its burst; 0 turns the limit off. */
  sessionsPerMinute: number;
  /** New sessions one address may create at once. */
  sessionBurst: number;
  /** Count requests by X-Forwarded-For (the lab runs behind one reverse proxy). */
  trustProxy: boolean;
}

/**
 * The limit on creating sessions, per client address (LAB_SESSIONS_PER_MINUTE, LAB_SESSIONS_BURST).
 * Each session is a seeded bank in SQLite and an event log in memory: without a limit a script in a
 * loop, or a crawler that sends no cookie, could fill a class server that hosts every student.
 * Requests of an existing session are never counted.
 */
export class SessionLimit {
  private readonly buckets: TokenBuckets | undefined;

  constructor(
    private readonly config: SessionLimitConfig,
    clock?: () => number,
  ) {
    this.buckets =
      config.sessionsPerMinute > 0 ? new TokenBuckets(config.sessionsPerMinute, config.sessionBurst, clock) : undefined;
  }

  /**
   * Asks to create one session for `req`'s client: undefined if it may (a token is taken), else the
   * `429` to answer with (nothing is taken).
   */
  take(req: IncomingMessage): HttpError | undefined {
    if (!this.buckets) return undefined;
    const address = clientAddress(req, this.config.trustProxy);
    const waitMs = this.buckets.take(address);
    return waitMs === 0 ? undefined : this.refusal(address, waitMs);
  }

  /** Seconds until `req`'s client could create a session (0: now). Takes nothing. */
  retryAfterSeconds(req: IncomingMessage): number {
    if (!this.buckets) return 0;
    const waitMs = this.buckets.wait(clientAddress(req, this.config.trustProxy));
    return waitMs === 0 ? 0 : Math.max(1, Math.ceil(waitMs / 1000));
  }

  /** Buckets held (for tests). */
  get size(): number {
    return this.buckets?.size ?? 0;
  }

  private refusal(address: string, waitMs: number): HttpError {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    const { sessionBurst: burst, sessionsPerMinute: perMinute } = this.config;
    return new HttpError(
      429,
      'Too many new sessions',
      `Too many new sessions from your address (${address}): the lab lets one address create ${burst} at once, ` +
        `then ${perMinute} a minute. Try again in ${seconds} s. Reuse your session id (the X-Lab-Session header, ` +
        'or in a browser the cookie the page sets) instead of creating one per request or per script run. ' +
        'Everyone behind one router shares an address: if a whole class hits this, the instructor can raise ' +
        'LAB_SESSIONS_PER_MINUTE and LAB_SESSIONS_BURST.',
      { retryAfterSeconds: seconds },
      { 'retry-after': String(seconds) },
    );
  }
}
