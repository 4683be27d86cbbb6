import { now } from '../../../lib/clock';
import { backoffDelay } from './backoff';
import type { LabFetch } from './fetch';

/** A notification as every transport delivers it (see server/protocols/polling). */
export interface Notification {
  id: number;
  text: string;
  /** When the server produced it, on the server's clock (ms). */
  at: number;
}

interface PollAnswer {
  notifications: Notification[];
  cursor: number;
  missed?: number;
  timedOut?: boolean;
}

/** The counters the comparison table shows, the same for every transport. */
export interface DeliveryStats {
  requests: number;
  /** Answers that carried nothing: requests spent for no news. */
  emptyAnswers: number;
  /** Bytes received: status line, visible headers and body (polls); rebuilt event text (streams). */
  bytes: number;
  delivered: number;
  /** Delivery delay per notification, ms (production on the server → arrival in the page). */
  delays: number[];
  /** Notifications the server had already forgotten when asked (cursor too old). */
  missed: number;
}

export const emptyStats = (): DeliveryStats => ({ requests: 0, emptyAnswers: 0, bytes: 0, delivered: 0, delays: [], missed: 0 });

/** The p-th percentile (0–100) by nearest rank; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

const encoder = new TextEncoder();

/** What a response cost on the wire, as far as the page can see (some headers are hidden from it). */
export function responseBytes(response: Response, body: string): number {
  let head = `HTTP/1.1 ${response.status} ${response.statusText}\r\n`;
  response.headers.forEach((value, name) => {
    head += `${name}: ${value}\r\n`;
  });
  return encoder.encode(`${head}\r\n`).length + encoder.encode(body).length;
}

export interface PollerOptions {
  /** Turns a server timestamp into a delay on the page's clock (knows the clock offset). */
  delayOf: (notification: Notification) => number;
  onChange: (stats: DeliveryStats, notifications: Notification[]) => void;
}

/** Shared by both loops: cursor, counters, and one poll through the instrumented fetch. */
abstract class Poller {
  readonly stats = emptyStats();
  protected cursor: number | undefined;
  protected stopped = false;
  protected readonly abort = new AbortController();

  constructor(
    protected readonly labFetch: LabFetch,
    protected readonly options: PollerOptions,
  ) {}

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  protected async poll(path: string): Promise<void> {
    const sep = path.includes('?') ? '&' : '?';
    const url = this.cursor === undefined ? path : `${path}${sep}after=${this.cursor}`;
    this.stats.requests += 1;
    const response = await this.labFetch(url, { protocol: 'polling', signal: this.abort.signal, cache: 'no-store' });
    const body = await response.text();
    this.stats.bytes += responseBytes(response, body);
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    const answer = JSON.parse(body) as PollAnswer;
    this.cursor = answer.cursor;
    this.stats.missed += answer.missed ?? 0;
    if (answer.notifications.length === 0) this.stats.emptyAnswers += 1;
    for (const n of answer.notifications) this.stats.delays.push(this.options.delayOf(n));
    this.stats.delivered += answer.notifications.length;
    this.options.onChange(this.stats, answer.notifications);
  }
}

/** Short polling: ask every `intervalMs`, whether or not anything happened. */
export class ShortPoller extends Poller {
  constructor(
    labFetch: LabFetch,
    options: PollerOptions,
    public intervalMs: number,
  ) {
    super(labFetch, options);
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const started = now();
      try {
        await this.poll('/api/poll/notifications');
      } catch {
        // Recorded on the timeline by the instrumented fetch; the next tick tries again with the same cursor.
      }
      await sleep(Math.max(0, this.intervalMs - (now() - started)));
    }
  }
}

/**
 * Long polling: ask, and the server holds the question until there is news
 * (or `timeoutMs`); ask again the moment an answer arrives. After a failure
 * (a dropped connection), back off briefly and ask again with the same
 * cursor, so nothing is missed.
 */
export class LongPoller extends Poller {
  private failures = 0;

  constructor(
    labFetch: LabFetch,
    options: PollerOptions,
    public timeoutMs: number,
  ) {
    super(labFetch, options);
    void this.loop();
  }

  private async loop(): Promise<void> {
    // The first request learns the cursor ("from now"): a short poll would do, but one kind of request keeps the table honest.
    while (!this.stopped) {
      try {
        await this.poll(`/api/longpoll/notifications?timeout=${this.timeoutMs}`);
        this.failures = 0;
      } catch {
        if (this.stopped) return;
        this.failures += 1;
        await sleep(backoffDelay(this.failures, { initialDelayMs: 250, maxDelayMs: 4000, factor: 2, jitter: 0.2 }));
      }
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
