import { createServer } from 'node:net';
import { now } from '../../../lib/clock';
import { cutText, previewBody } from '../../../lib/timeline';
import type { Lab } from '../../lab';
import type { Claimed, Outbox } from './outbox';
import { laneOf, recordWebhook } from './record';
import { retryDelay, type WebhookTiming } from './schedule';
import { sign } from './signature';

/** Deliveries in flight at once, across all sessions. */
const MAX_IN_FLIGHT = 64;
/** Even with nothing due, look again this often (cheap: one indexed query). */
const IDLE_POLL_MS = 1_000;
/** Receivers' answers are read only this far: the bank only needs the status. */
const MAX_ANSWER_BYTES = 4_096;

interface InFlight {
  sessionId: string;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * The delivery engine. It claims due rows from the outbox, POSTs each one
 * (signed) to the lab's own HTTP port, and records the outcome: delivered on
 * a 2xx, otherwise a retry on the schedule, or failed when the schedule is
 * used up. Non-2xx answers, timeouts and connection errors all count as
 * failures; redirects are never followed.
 *
 * A student can stop and start the worker for their own session only
 * (`pause`/`resume`): the other sessions' deliveries never notice.
 */
export class DeliveryWorker {
  private baseUrl: string | undefined;
  /** A port where nothing listens: where deliveries to a receiver that is "down" go. */
  private closedPort: number | undefined;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly paused = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private passQueued = false;
  private running = false;

  constructor(
    private readonly lab: Lab,
    private readonly outbox: Outbox,
    private readonly timing: WebhookTiming,
    /** The receiver's mode, read at send time: "down" receivers get a refused connection. */
    private readonly isDown: (sessionId: string, receiver: string) => boolean,
  ) {}

  /** Starts delivering once the lab's port is known; resumes whatever a previous process left pending. */
  async start(port: number): Promise<void> {
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.closedPort = await findClosedPort();
    const recovered = this.outbox.recover();
    if (recovered > 0) console.log(`[webhooks] ${recovered} deliveries were mid-attempt at the last shutdown; retrying them`);
    this.running = true;
    this.wake();
  }

  /** Stops delivering: aborts attempts in flight (they stay pending in the outbox) and clears timers. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    const pending = [...this.inFlight.values()];
    for (const flight of pending) flight.abort.abort();
    await Promise.allSettled(pending.map((f) => f.done));
  }

  isPaused(sessionId: string): boolean {
    return this.paused.has(sessionId);
  }

  /** Stops this session's deliveries, like a worker process going down: in-flight attempts are cut off and stay pending. */
  async pause(sessionId: string): Promise<number> {
    this.paused.add(sessionId);
    const mine = [...this.inFlight.values()].filter((f) => f.sessionId === sessionId);
    for (const flight of mine) flight.abort.abort();
    await Promise.allSettled(mine.map((f) => f.done));
    return mine.length;
  }

  resume(sessionId: string): void {
    this.paused.delete(sessionId);
    this.wake();
  }

  forget(sessionId: string): void {
    this.paused.delete(sessionId);
    for (const flight of this.inFlight.values()) if (flight.sessionId === sessionId) flight.abort.abort();
  }

  /** Something new is due: run a pass soon (coalesced). */
  wake(): void {
    if (!this.running || this.passQueued) return;
    this.passQueued = true;
    setImmediate(() => {
      this.passQueued = false;
      this.pass();
    });
  }

  private pass(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    const paused = [...this.paused];
    const room = MAX_IN_FLIGHT - this.inFlight.size;
    const claimed = room > 0 ? this.outbox.claimDue(Date.now(), room, paused) : [];
    for (const row of claimed) this.send(row);
    const next = this.outbox.nextDueAt(paused);
    const wait = next === null ? IDLE_POLL_MS : Math.min(IDLE_POLL_MS, Math.max(0, next - Date.now()));
    this.timer = setTimeout(() => this.pass(), wait);
    this.timer.unref();
  }

  private send(row: Claimed): void {
    const abort = new AbortController();
    const done = this.attempt(row, abort.signal).finally(() => {
      this.inFlight.delete(row.id);
      this.wake();
    });
    this.inFlight.set(row.id, { sessionId: row.session_id, abort, done });
  }

  private async attempt(row: Claimed, stopped: AbortSignal): Promise<void> {
    const n = row.attempts + 1;
    const tryNo = row.tries + 1;
    const sessionId = row.session_id;
    const lane = laneOf(row.id);
    const path = `/api/webhooks/receivers/${row.receiver}`;
    const down = this.isDown(sessionId, row.receiver);
    const url = `${down ? `http://127.0.0.1:${this.closedPort}` : this.baseUrl}${path}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'LabBank-Webhooks/1.0',
      ...sign(row.secret, row.event_id, new Date(), row.payload),
      // Lab plumbing, not part of the webhook: whose sandbox, and which lane on the timeline.
      'x-lab-session': sessionId,
      'x-lab-trace': `${row.id}/${n}`,
    };
    const fields = { delivery: row.id, event: row.event_id, attempt: n, try: tryNo, receiver: row.receiver };
    // Numbered over the delivery's whole life: after a manual redeliver the count goes on (6, 7…),
    // though the retry schedule starts again (try 1).
    const label = n === tryNo ? `attempt ${n}` : `attempt ${n} (try ${tryNo} since the redeliver)`;
    const startedAt = now();
    recordWebhook(this.lab, sessionId, 'bank', {
      kind: 'request',
      dir: 'out',
      conn: lane,
      stream: `${row.id}/${n}`,
      bytes: Buffer.byteLength(row.payload),
      summary: `${label}: POST ${path} — ${row.event_type}${row.last_delay_ms ? ` after ${fmtMs(row.last_delay_ms)}` : ''}`,
      detail: {
        method: 'POST',
        url: path,
        headers,
        ...previewBody(row.payload),
        attempt: tryNo,
        delayMs: row.last_delay_ms,
        fields,
      },
    });

    let status: number | null = null;
    let error: string | null = null;
    let answer = '';
    // One controller per attempt, aborted by the timeout or by a worker stop. (A plain timer rather than
    // AbortSignal.any + AbortSignal.timeout: Node can collect such composite signals before they fire.)
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timing.attemptTimeoutMs);
    const onStop = () => controller.abort();
    stopped.addEventListener('abort', onStop, { once: true });
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body: row.payload,
        redirect: 'manual',
        signal: controller.signal,
      });
      status = response.status;
      answer = cutText(await response.text(), MAX_ANSWER_BYTES);
      if (status >= 300 && status < 400) error = `redirect to ${response.headers.get('location') ?? '?'} not followed`;
      else if (status >= 300) error = `HTTP ${status}`;
    } catch (caught: unknown) {
      if (stopped.aborted) {
        // An expired session's rows are gone: nothing to put back, and nobody to tell.
        if (!this.outbox.release(sessionId, row.id)) return;
        recordWebhook(this.lab, sessionId, 'bank', {
          kind: 'note',
          conn: lane,
          summary: `${label} cut off: the delivery worker stopped; the delivery stays pending in the outbox`,
          detail: { fields },
        });
        return;
      }
      error = timedOut ? `timed out after ${fmtMs(this.timing.attemptTimeoutMs)}` : describeFailure(caught);
    } finally {
      clearTimeout(timer);
      stopped.removeEventListener('abort', onStop);
    }
    const durationMs = now() - startedAt;
    const ok = error === null;
    const delay = ok ? null : retryDelay(this.timing, tryNo + 1);
    const attempt = { n, startedAt, delayMs: row.last_delay_ms, status, error, durationMs, requestHeaders: headers };
    if (ok) this.outbox.recordAttempt(row, attempt, { next: 'delivered' });
    else if (delay === null) this.outbox.recordAttempt(row, attempt, { next: 'failed' });
    else this.outbox.recordAttempt(row, attempt, { next: 'retry', at: Date.now() + delay, delayMs: delay });

    const outcome = status === null ? (error ?? 'failed') : `${status}`;
    recordWebhook(this.lab, sessionId, 'bank', {
      kind: status === null ? 'error' : 'response',
      dir: 'in',
      conn: lane,
      stream: `${row.id}/${n}`,
      bytes: Buffer.byteLength(answer),
      summary: `${label}: ${outcome}${status !== null && error && error !== `HTTP ${status}` ? ` (${error})` : ''} in ${fmtMs(durationMs)}`,
      detail: {
        method: 'POST',
        url: path,
        ...(status !== null ? { status, ...previewBody(answer) } : { reason: error ?? undefined }),
        durationMs,
        attempt: tryNo,
        delayMs: row.last_delay_ms,
        fields: { ...fields, outcome: ok ? 'delivered' : delay === null ? 'failed' : 'retry' },
      },
    });
    if (delay !== null) {
      recordWebhook(this.lab, sessionId, 'bank', {
        kind: 'retry',
        conn: lane,
        summary: `retry ${tryNo + 1} of ${this.timing.scheduleMs.length} in ${fmtMs(delay)}`,
        detail: { attempt: tryNo + 1, delayMs: delay, fields: { ...fields, attempt: n + 1, try: tryNo + 1 } },
      });
    } else if (!ok) {
      recordWebhook(this.lab, sessionId, 'bank', {
        kind: 'error',
        conn: lane,
        summary: `gave up on ${row.event_id} after ${tryNo} attempts: delivery failed (redeliver it by hand)`,
        detail: { reason: error ?? undefined, attempt: tryNo, fields: { ...fields, outcome: 'failed' } },
      });
    }
  }
}

function describeFailure(error: unknown): string {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused (ECONNREFUSED)';
  if (code) return `connection failed (${code})`;
  return `network error: ${(error as Error).message}`;
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

/** Binds a free loopback port and closes it again: connecting there is refused, like an app that is down. */
function findClosedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
