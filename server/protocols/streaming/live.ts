import { now } from '../../../lib/clock';
import type { EventDetail, Kind } from '../../../lib/timeline';
import type { SessionContext } from '../../http/router';
import { terminalClient } from '../../http/session';
import type { Lab } from '../../lab';

/** Connection ids come from the page (`?conn=`); anything else gets a fresh one. */
const CONN_ID = /^[\w.-]{1,64}$/;

export type Fields = NonNullable<EventDetail['fields']>;
/** How a live exchange ended: finished normally, the client went away, or a `stream` drop fault cut it. */
export type Ending = 'completed' | 'cancelled' | 'dropped';

/**
 * One long-lived HTTP exchange of the streaming lesson (a token stream, an
 * export, an upload). It registers the socket as a `stream` drop target,
 * records open and close on its own lane, and tells the work to stop the
 * moment the client goes away: `stopped` is the signal every loop checks.
 *
 * These routes are untapped: the router's tap would buffer a preview and
 * record once at `finish`; a stream records its own open, samples and close.
 */
export class LiveExchange {
  readonly connId: string;
  readonly sessionId: string;
  readonly openedAt = now();
  private readonly controller = new AbortController();
  private ending: Ending | undefined;
  private closeFields: () => Fields = () => ({});
  // What a `stream` drop fault does (and how the close event says it); by default: destroy the TCP socket, no goodbye.
  private dropHandler: () => void = () => this.ctx.req.socket.destroy();
  private dropDone = 'socket destroyed';

  constructor(
    private readonly lab: Lab,
    private readonly ctx: SessionContext,
    readonly name: string,
    openFields: Fields = {},
  ) {
    const { req, res, url, sessionId } = ctx;
    this.sessionId = sessionId;
    const asked = url.searchParams.get('conn');
    this.connId =
      asked && CONN_ID.test(asked)
        ? asked
        : `${name.replace(/[^\w]+/g, '-').slice(0, 40)}-${Math.random().toString(36).slice(2, 8)}`;
    // A stream lives as long as it takes: no idle timeout on its socket.
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);

    const untrack = lab.connections.track(sessionId, {
      id: this.connId,
      protocol: 'stream',
      drop: () => {
        this.ending ??= 'dropped';
        this.dropHandler();
      },
    });
    // 'close' fires on the response whether it finished or the connection died first.
    res.on('close', () => {
      untrack();
      if (!res.writableFinished) this.ending ??= 'cancelled';
      this.ending ??= 'completed';
      this.controller.abort();
      this.recordClose();
    });
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    this.recordOpen(openFields);
  }

  /** Aborted when the exchange is over for any reason: loops stop, cursors close, timers clear. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** Replaces what a drop fault does to this exchange (uploads answer 503 first, so the page sees it), and says what it did. */
  onDrop(handler: () => void, done: string): void {
    this.dropHandler = handler;
    this.dropDone = done;
  }

  /** Figures to put on the close event (rows written, tokens generated, ...), read when it closes. */
  onCloseFields(fields: () => Fields): void {
    this.closeFields = fields;
  }

  record(
    kind: Kind,
    summary: string,
    fields: Fields = {},
    extra: { bytes?: number; dir?: 'in' | 'out'; body?: string } = {},
  ): void {
    this.lab.record(this.sessionId, {
      origin: 'server',
      protocol: 'streaming',
      kind,
      conn: this.connId,
      ...(extra.dir ? { dir: extra.dir } : {}),
      ...(extra.bytes !== undefined ? { bytes: extra.bytes } : {}),
      summary,
      detail: { fields, ...(extra.body !== undefined ? { body: extra.body } : {}) },
    });
  }

  note(summary: string, fields: Fields = {}): void {
    this.record('note', summary, fields);
  }

  private recordOpen(fields: Fields): void {
    const { req, url } = this.ctx;
    const target = `${url.pathname}${url.search}`;
    const terminal = terminalClient(req);
    const at = now();
    if (terminal) {
      // curl can't report for itself: its request is recorded here, just before the server's side.
      this.lab.record(this.sessionId, {
        at,
        origin: 'terminal',
        protocol: 'streaming',
        kind: 'request',
        dir: 'out',
        conn: this.connId,
        summary: `${terminal}: ${req.method} ${target}`,
        detail: { method: req.method, url: target, fields: { client: terminal } },
      });
    }
    this.lab.record(this.sessionId, {
      at,
      origin: 'server',
      protocol: 'streaming',
      kind: 'open',
      conn: this.connId,
      summary: `${this.name} open: ${req.method} ${target}`,
      detail: { method: req.method, url: target, fields },
    });
  }

  private recordClose(): void {
    // An exchange that ended normally but with an error status (a part's 503, a refused body's 400) didn't complete.
    const status = this.ctx.res.headersSent ? this.ctx.res.statusCode : undefined;
    const how = {
      completed: status !== undefined && status >= 400 ? `answered ${status}` : 'completed',
      cancelled: 'cancelled by the client (connection closed)',
      dropped: `dropped by a fault (${this.dropDone})`,
    }[this.ending ?? 'completed'];
    const durationMs = now() - this.openedAt;
    this.lab.record(this.sessionId, {
      origin: 'server',
      protocol: 'streaming',
      kind: 'close',
      conn: this.connId,
      summary: `${this.name} ${how} after ${(durationMs / 1000).toFixed(2)} s`,
      detail: {
        wasClean: this.ending !== 'dropped',
        durationMs,
        reason: this.ending,
        fields: { ending: this.ending ?? 'completed', ...(status !== undefined ? { status } : {}), ...this.closeFields() },
      },
    });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
