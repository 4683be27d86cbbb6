import { now } from '../../../lib/clock';
import { EventSeries } from './replay';

/**
 * A session's numbered tick events: one every `tickMs` while someone listens,
 * and for `lingerMs` after the last listener leaves — so a client that was
 * dropped has missed ticks to get back when it reconnects.
 */
export class Ticker {
  readonly series: EventSeries;
  private listeners = 0;
  private timer: NodeJS.Timeout | undefined;
  private linger: NodeJS.Timeout | undefined;

  constructor(
    private readonly tickMs: number,
    private readonly lingerMs: number,
    capacity: number,
  ) {
    this.series = new EventSeries(capacity);
  }

  attach(): void {
    this.listeners += 1;
    clearTimeout(this.linger);
    this.linger = undefined;
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
  }

  detach(): void {
    this.listeners = Math.max(0, this.listeners - 1);
    if (this.listeners > 0 || !this.timer) return;
    this.linger = setTimeout(() => this.stop(), this.lingerMs);
    this.linger.unref();
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.linger);
    this.timer = undefined;
    this.linger = undefined;
  }

  private tick(): void {
    const at = now();
    this.series.publish('tick', JSON.stringify({ tick: this.series.lastId + 1, at: Math.round(at * 10) / 10 }), at);
  }
}
