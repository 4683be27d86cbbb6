import type { EventInput } from '../../../lib/timeline';
import type { Lab } from '../../lab';

/**
 * Above this many MQTT events per second in one session, the timeline gets
 * counts instead of rows: a fleet of thousands of ATMs would otherwise bury
 * everything else (and the event log's ring buffer) within seconds.
 */
export const EVENTS_PER_SECOND = 60;
const WINDOW_MS = 1000;

interface Window {
  startedAt: number;
  shown: number;
  /** Events not shown, by label ("PUBLISH out", "route", ...). */
  counted: Map<string, number>;
}

/**
 * Records the broker's events on a session's timeline, one row each while the
 * rate is low, then one summary row per second ("1,204 PUBLISH out, 602
 * routes") while it is high. One shared timer, running only while some
 * session is over the limit, so an idle lab holds no timers.
 */
export class MqttTimeline {
  private readonly windows = new Map<string, Window>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly lab: Lab) {}

  /** Records `event` unless the session is over its rate; then it is counted under `label`. */
  record(sessionId: string, label: string, event: () => EventInput): void {
    const now = Date.now();
    let window = this.windows.get(sessionId);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      if (window) this.flush(sessionId, window);
      window = { startedAt: now, shown: 0, counted: new Map() };
      this.windows.set(sessionId, window);
    }
    if (window.shown < EVENTS_PER_SECOND) {
      window.shown++;
      this.lab.record(sessionId, event());
      return;
    }
    window.counted.set(label, (window.counted.get(label) ?? 0) + 1);
    this.timer ??= setInterval(() => this.sweep(), WINDOW_MS);
    this.timer.unref();
  }

  /** Records an event whatever the rate (connection lifecycle, refusals, faults). */
  always(sessionId: string, event: EventInput): void {
    this.lab.record(sessionId, event);
  }

  forget(sessionId: string): void {
    this.windows.delete(sessionId);
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.windows.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [sessionId, window] of this.windows) {
      if (now - window.startedAt < WINDOW_MS) continue;
      this.flush(sessionId, window);
      this.windows.delete(sessionId);
    }
    if (this.windows.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private flush(sessionId: string, window: Window): void {
    if (window.counted.size === 0) return;
    const total = [...window.counted.values()].reduce((a, b) => a + b, 0);
    const parts = [...window.counted].map(([label, n]) => `${n.toLocaleString('en')} ${label}`);
    this.lab.record(sessionId, {
      origin: 'broker',
      protocol: 'mqtt',
      kind: 'note',
      summary: `+${total.toLocaleString('en')} more in 1 s, counted not listed: ${parts.join(', ')}`,
      detail: {
        fields: {
          aggregated: total,
          windowMs: WINDOW_MS,
          shownIndividually: EVENTS_PER_SECOND,
          ...Object.fromEntries(window.counted),
        },
      },
    });
  }
}
