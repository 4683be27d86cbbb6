import { now } from '../../../lib/clock';
import type { Protocol } from '../../../lib/timeline';
import { HttpError } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import { terminalClient } from '../../http/session';
import type { Lab } from '../../lab';
import type { SseConfig } from './config';
import { formatComment, formatEvent, formatRetry, type SseMessage } from './wire';

/** Connection ids come from the page (`?conn=`); anything else gets a fresh one. */
const CONN_ID = /^[\w.-]{1,64}$/;
/** Chunks up to this size carry their raw bytes too, for the inspector's hex view. */
const RAW_CHUNK_LIMIT = 1024;

export interface OpenOptions {
  /** What the stream carries, for timeline summaries (e.g. "ticks"). */
  name: string;
  /** Sent first as `retry:`; omitted leaves the client's default. */
  retryMs?: number;
  /** Extra fields for the open event (what the handler decided from the request). */
  fields?: Record<string, string | number | boolean | null>;
  /**
   * Record every chunk with its exact text (default). A firehose that writes
   * hundreds of chunks a second reports sampled buffer figures instead, or the
   * timeline would become the bottleneck.
   */
  recordChunks?: boolean;
}

/**
 * One open text/event-stream response. It writes events and comments,
 * records each chunk on the session's timeline with its exact text,
 * sends keep-alive comments, registers itself as a drop target, and
 * cleans up when either side goes away.
 */
export class SseStream {
  readonly connId: string;
  readonly sessionId: string;
  eventsWritten = 0;
  bytesWritten = 0;
  closed = false;
  private droppedByFault = false;
  private endedByServer = false;
  /** Writes delayed by an injected latency fault leave in order: never before the previous one. */
  private notBefore = 0;
  private readonly closeListeners: (() => void)[] = [];
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly lab: Lab,
    private readonly ctx: SessionContext,
    private readonly options: OpenOptions,
    config: SseConfig,
    private readonly protocol: Protocol,
  ) {
    const { req, res, url, sessionId } = ctx;
    this.sessionId = sessionId;
    const asked = url.searchParams.get('conn');
    this.connId = asked && CONN_ID.test(asked) ? asked : `${options.name}-${Math.random().toString(36).slice(2, 8)}`;

    // A stream lives as long as the client wants it: no idle timeout on its socket.
    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();

    const untrack = lab.connections.track(sessionId, {
      id: this.connId,
      protocol,
      drop: () => {
        this.droppedByFault = true;
        // Destroy the TCP socket, no goodbye: the client sees a network error and reconnects by itself.
        req.socket.destroy();
      },
    });
    res.on('close', () => {
      this.closed = true;
      clearInterval(this.keepAlive);
      untrack();
      for (const listener of this.closeListeners) listener();
      this.recordClose();
    });
    res.on('error', () => undefined);

    this.recordOpen();
    this.keepAlive = setInterval(() => this.writeNow(formatComment('keep-alive'), 'keep-alive comment'), config.keepAliveMs);
    this.keepAlive.unref();
    if (options.retryMs !== undefined) this.writeNow(formatRetry(options.retryMs), `retry: ${options.retryMs} ms`);
    else this.writeNow(formatComment('stream open'), 'first comment');
    // HEAD (e.g. curl -I) gets the headers and nothing else: no stream to hold open.
    if (req.method === 'HEAD') this.end();
  }

  /** Sends one event, after any injected latency, in order. */
  send(message: SseMessage, label: string): void {
    const latency = this.lab.faults.get(this.sessionId).latencyMs;
    if (latency === 0 && this.notBefore <= now()) {
      this.sendNow(message, label);
      return;
    }
    const at = Math.max(now() + latency, this.notBefore);
    this.notBefore = at;
    setTimeout(() => this.sendNow(message, label), at - now());
  }

  /** Sends one event at once; returns false when the socket's buffer is full (backpressure). */
  sendNow(message: SseMessage, label: string): boolean {
    this.eventsWritten += 1;
    return this.writeNow(formatEvent(message), label);
  }

  /** Bytes written but not yet handed to the kernel: grows when the client stops reading. */
  get buffered(): number {
    return this.ctx.res.writableLength;
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Ends the stream from the server side (the client will reconnect, as EventSource always does). */
  end(): void {
    if (this.closed) return;
    this.endedByServer = true;
    this.ctx.res.end();
  }

  get name(): string {
    return this.options.name;
  }

  /** True once a write returned false: Node is holding bytes the client hasn't taken yet. */
  get needsDrain(): boolean {
    return this.ctx.res.writableNeedDrain;
  }

  /** Records a server-side event on this stream's lane. */
  record(event: {
    kind: 'note' | 'reconnected';
    summary: string;
    fields: Record<string, string | number | boolean | null>;
  }): void {
    this.lab.record(this.sessionId, {
      origin: 'server',
      protocol: this.protocol,
      kind: event.kind,
      conn: this.connId,
      summary: event.summary,
      detail: { fields: event.fields },
    });
  }

  /** Records a server-side note on this stream's lane. */
  note(summary: string, fields: Record<string, string | number | boolean | null>): void {
    this.record({ kind: 'note', summary, fields });
  }

  private writeNow(text: string, label: string): boolean {
    if (this.closed || this.ctx.res.destroyed) return false;
    const ok = this.ctx.res.write(text);
    const bytes = Buffer.byteLength(text);
    this.bytesWritten += bytes;
    if (this.options.recordChunks !== false) {
      this.lab.record(this.sessionId, {
        origin: 'server',
        protocol: this.protocol,
        kind: 'frame',
        dir: 'out',
        conn: this.connId,
        bytes,
        summary: `wrote ${label} (${bytes} bytes)`,
        detail: {
          body: text,
          ...(bytes <= RAW_CHUNK_LIMIT ? { raw: Buffer.from(text).toString('base64') } : {}),
          fields: { buffered: this.ctx.res.writableLength },
        },
      });
    }
    return ok;
  }

  private recordOpen(): void {
    const { req, url } = this.ctx;
    const target = `${url.pathname}${url.search}`;
    const lastEventId = req.headers['last-event-id'];
    const terminal = terminalClient(req);
    const at = now();
    if (terminal) {
      // curl can't report for itself: its request is recorded here, just before the server's side.
      this.lab.record(this.sessionId, {
        at,
        origin: 'terminal',
        protocol: this.protocol,
        kind: 'request',
        dir: 'out',
        conn: this.connId,
        summary: `${terminal}: GET ${target}${lastEventId !== undefined ? ` (Last-Event-ID: ${lastEventId})` : ''}`,
        detail: { method: 'GET', url: target, fields: { client: terminal } },
      });
    }
    this.lab.record(this.sessionId, {
      at,
      origin: 'server',
      protocol: this.protocol,
      kind: 'open',
      conn: this.connId,
      summary: `${this.options.name} stream open: GET ${target}${lastEventId !== undefined ? ` with Last-Event-ID: ${lastEventId}` : ''}`,
      detail: {
        method: 'GET',
        url: target,
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
        ),
        fields: { lastEventId: typeof lastEventId === 'string' ? lastEventId : null, ...this.options.fields },
      },
    });
  }

  private recordClose(): void {
    const how = this.droppedByFault
      ? 'dropped by a fault (socket destroyed)'
      : this.endedByServer
        ? 'ended by the server'
        : 'closed by the client';
    this.lab.record(this.sessionId, {
      origin: 'server',
      protocol: this.protocol,
      kind: 'close',
      conn: this.connId,
      summary: `${this.options.name} stream ${how} after ${this.eventsWritten} events, ${this.bytesWritten} bytes`,
      detail: {
        wasClean: !this.droppedByFault,
        fields: { events: this.eventsWritten, bytes: this.bytesWritten, unsent: this.ctx.res.writableLength },
      },
    });
  }
}

/**
 * Every open stream, per session, so one session can't hold thousands
 * (each costs a socket and memory on the server).
 */
export class StreamHub {
  private readonly bySession = new Map<string, Set<SseStream>>();

  constructor(
    private readonly lab: Lab,
    readonly config: SseConfig,
  ) {}

  /** Opens a stream for this request, or throws a 429 when the session already holds its share. */
  open(ctx: SessionContext, options: OpenOptions, protocol: Protocol = 'sse'): SseStream {
    const open = this.bySession.get(ctx.sessionId);
    const limit = this.config.maxStreamsPerSession;
    if (open && open.size >= limit) {
      throw new HttpError(
        429,
        'Too many open streams',
        `Your session already has ${open.size} event streams open, and the lab allows ${limit} per session. ` +
          'Close some (each EventSource you open keeps one) and try again.',
        { openStreams: open.size, limit },
        { 'retry-after': '5' },
      );
    }
    const stream = new SseStream(this.lab, ctx, options, this.config, protocol);
    const set = open ?? new Set<SseStream>();
    this.bySession.set(ctx.sessionId, set);
    set.add(stream);
    stream.onClose(() => {
      set.delete(stream);
      if (set.size === 0 && this.bySession.get(ctx.sessionId) === set) this.bySession.delete(ctx.sessionId);
    });
    return stream;
  }

  count(sessionId: string): number {
    return this.bySession.get(sessionId)?.size ?? 0;
  }

  streams(sessionId: string): SseStream[] {
    return [...(this.bySession.get(sessionId) ?? [])];
  }

  closeAll(): void {
    for (const set of this.bySession.values()) for (const stream of set) stream.end();
  }
}

/** Reads Last-Event-ID (header, as EventSource sends it): undefined when absent; a 400 when it isn't an id we could have sent. */
export function lastEventIdFrom(ctx: SessionContext): number | undefined {
  const raw = ctx.req.headers['last-event-id'];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  // WHATWG SSE: an empty Last-Event-ID means "no id yet".
  if (text === '') return undefined;
  if (!/^\d{1,15}$/.test(text)) {
    throw new HttpError(
      400,
      'Bad Last-Event-ID',
      `Last-Event-ID must be the id of an event this stream sent you (a whole number like 42), got "${text.slice(0, 40)}".`,
    );
  }
  return Number(text);
}
