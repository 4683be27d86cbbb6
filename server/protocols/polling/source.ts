import { now } from '../../../lib/clock';
import { EventSeries, type SeriesEvent } from '../sse/replay';

/** What a notification looks like on the wire (the same in every transport). */
export interface Notification {
  /** The cursor: ask for `after=<id>` to get everything newer. */
  id: number;
  text: string;
  /** When the source produced it (server clock, ms), so clients can measure delivery delay. */
  at: number;
}

export interface SourceSettings {
  running: boolean;
  /** Average time between notifications; the actual gaps are random (exponentially distributed). */
  meanIntervalMs: number;
  /** Same seed, same sequence of gaps and texts: a class can compare runs. */
  seed: number;
}

export const DEFAULT_SOURCE: SourceSettings = { running: true, meanIntervalMs: 2000, seed: 42 };
export const MEAN_INTERVAL_RANGE = { min: 100, max: 60_000 } as const;
/** The source sleeps after this long without a poll or a stream reading it, and wakes on the next one. */
const IDLE_MS = 2 * 60_000;

const TEXTS = [
  'Payment received: €12.40 from Corner Coffee refund',
  'Card 4242 used at City Rail',
  'Your statement is ready',
  'Salary arrived: €2,310.00',
  'Low balance warning on account 456',
  'New device signed in',
  'Standing order paid: rent',
  'Paper Lantern Books: €24.99',
] as const;

/** mulberry32: a tiny seeded PRNG, plenty for "random but repeatable". */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gap before the next notification: exponential with the given mean (a Poisson process), clamped to sane bounds. */
export function nextGapMs(random: () => number, meanMs: number): number {
  const gap = -Math.log(1 - random()) * meanMs;
  return Math.round(Math.min(Math.max(gap, 20), meanMs * 8));
}

/**
 * One session's notification source: numbered notifications at random,
 * seeded intervals, kept in a bounded series so any client can catch up
 * from its cursor — by polling, long polling or an event stream.
 */
export class NotificationSource {
  readonly series: EventSeries;
  private settings: SourceSettings = { ...DEFAULT_SOURCE };
  private random = seededRandom(DEFAULT_SOURCE.seed);
  private timer: NodeJS.Timeout | undefined;
  private lastUsed = now();

  constructor(capacity: number) {
    this.series = new EventSeries(capacity);
  }

  get state() {
    return { ...this.settings, lastId: this.series.lastId, sleeping: this.settings.running && !this.timer };
  }

  configure(change: Partial<SourceSettings>): void {
    this.settings = { ...this.settings, ...change };
    // Setting a seed (even the same one) restarts its sequence, so a class can replay a run.
    if (change.seed !== undefined) this.random = seededRandom(this.settings.seed);
    this.reschedule();
  }

  /** Marks the source as in use (wakes it if it slept). */
  touch(): void {
    this.lastUsed = now();
    if (this.settings.running && !this.timer) this.reschedule();
  }

  /** Produces one notification right now. */
  emit(text?: string): Notification {
    const at = now();
    const id = this.series.lastId + 1;
    const chosen = text ?? TEXTS[Math.floor(this.random() * TEXTS.length)] ?? 'Hello';
    const data: Notification = { id, text: chosen, at: Math.round(at * 10) / 10 };
    this.series.publish('notification', JSON.stringify(data), at);
    return data;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private reschedule(): void {
    this.stop();
    if (!this.settings.running) return;
    const loop = () => {
      if (now() - this.lastUsed > IDLE_MS) {
        this.timer = undefined;
        return;
      }
      this.emit();
      this.timer = setTimeout(loop, nextGapMs(this.random, this.settings.meanIntervalMs));
      this.timer.unref();
    };
    this.timer = setTimeout(loop, nextGapMs(this.random, this.settings.meanIntervalMs));
    this.timer.unref();
  }
}

export function toNotification(event: SeriesEvent): Notification {
  return JSON.parse(event.data) as Notification;
}
