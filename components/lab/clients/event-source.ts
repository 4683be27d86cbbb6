import { now } from '../../../lib/clock';
import { cutText, type Protocol } from '../../../lib/timeline';
import { type Recorder, shortId } from './recorder';

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** One event as the page's EventSource handed it over (already parsed: the raw bytes stay hidden). */
export interface ParsedEvent {
  /** lastEventId after this event ('' when the stream sends no ids). */
  id: string;
  type: string;
  data: string;
  /** Browser clock, ms. */
  receivedAt: number;
  /** The event rebuilt in wire format: EventSource doesn't expose bytes, so this is the best estimate. */
  wireBytes: number;
}

export interface LabEventSourceOptions {
  /** Path on the lab server, with its query, e.g. /api/sse/ticks?retry=1000. */
  path: string;
  /** Event types to listen for (`message` is always heard). */
  types: readonly string[];
  protocol?: Protocol;
  /** How long the server told the client to wait before reconnecting (its `retry:`), for the timeline. */
  retryMs?: number;
}

type Listener = {
  state?: (state: StreamState) => void;
  event?: (event: ParsedEvent) => void;
  /** After a loss: how long the browser waited before the stream was back. */
  reconnected?: (waitedMs: number) => void;
};

const encoder = new TextEncoder();

/**
 * The browser's EventSource, instrumented. It reconnects by itself after a
 * network error (waiting the server's `retry:`) and sends Last-Event-ID;
 * this wrapper only watches and records: open, every event, the loss, the
 * wait and the reconnect. The connection id travels as `?conn=` so the
 * server's chunk events for this stream share its timeline lane.
 */
export class LabEventSource {
  readonly connId: string;
  state: StreamState = 'connecting';
  lastEventId = '';
  private readonly source: EventSource;
  private readonly listeners = new Set<Listener>();
  private readonly protocol: Protocol;
  private lostAt: number | undefined;
  private reconnects = 0;

  constructor(
    private readonly record: Recorder,
    private readonly options: LabEventSourceOptions,
  ) {
    this.protocol = options.protocol ?? 'sse';
    this.connId = shortId('sse');
    const url = new URL(options.path, window.location.href);
    url.searchParams.set('conn', this.connId);
    this.record({
      protocol: this.protocol,
      kind: 'note',
      conn: this.connId,
      summary: `new EventSource(${options.path})`,
      detail: { url: url.pathname + url.search, fields: { phase: 'connecting' } },
    });
    this.source = new EventSource(url);
    this.source.onopen = () => this.opened();
    this.source.onerror = () => this.failed();
    for (const type of new Set(['message', ...options.types])) {
      this.source.addEventListener(type, (e) => this.received(e as MessageEvent<string>));
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes on purpose: EventSource never reconnects after close(). */
  close(): void {
    if (this.state === 'closed') return;
    this.source.close();
    this.record({
      protocol: this.protocol,
      kind: 'close',
      conn: this.connId,
      summary: 'closed by the page (es.close())',
      detail: { wasClean: true },
    });
    this.setState('closed');
  }

  private opened(): void {
    if (this.lostAt === undefined) {
      this.record({ protocol: this.protocol, kind: 'open', conn: this.connId, summary: `open: ${this.options.path}` });
    } else {
      const waitedMs = now() - this.lostAt;
      this.record({
        protocol: this.protocol,
        kind: 'reconnected',
        conn: this.connId,
        summary: `reconnected ${waitedMs.toFixed(0)} ms after the loss, sending Last-Event-ID: ${this.lastEventId || '(none)'}`,
        detail: { attempt: this.reconnects, delayMs: waitedMs, fields: { lastEventId: this.lastEventId } },
      });
      this.lostAt = undefined;
      for (const l of this.listeners) l.reconnected?.(waitedMs);
    }
    this.setState('open');
  }

  private failed(): void {
    if (this.source.readyState === EventSource.CLOSED) {
      // A non-200 answer or a wrong content type: EventSource gives up for good.
      this.record({
        protocol: this.protocol,
        kind: 'error',
        conn: this.connId,
        summary: 'EventSource gave up: the server refused the stream (non-200 or not text/event-stream)',
        detail: { wasClean: false },
      });
      this.setState('closed');
      return;
    }
    // CONNECTING: the browser will try again by itself after the retry time.
    if (this.lostAt !== undefined) return; // still failing: one loss, many tries
    this.lostAt = now();
    this.reconnects += 1;
    this.record({
      protocol: this.protocol,
      kind: 'close',
      conn: this.connId,
      summary: 'connection lost (network error)',
      detail: { wasClean: false, fields: { lastEventId: this.lastEventId } },
    });
    this.record({
      protocol: this.protocol,
      kind: 'reconnect-attempt',
      conn: this.connId,
      summary: `EventSource will reconnect by itself${this.options.retryMs ? ` after retry: ${this.options.retryMs} ms` : ''}, with Last-Event-ID: ${this.lastEventId || '(none)'}`,
      detail: { attempt: this.reconnects, ...(this.options.retryMs ? { delayMs: this.options.retryMs } : {}) },
    });
    this.setState('reconnecting');
  }

  private received(e: MessageEvent<string>): void {
    this.lastEventId = e.lastEventId;
    const wire = `${e.lastEventId ? `id: ${e.lastEventId}\n` : ''}${e.type === 'message' ? '' : `event: ${e.type}\n`}${e.data
      .split('\n')
      .map((line) => `data: ${line}\n`)
      .join('')}\n`;
    const event: ParsedEvent = {
      id: e.lastEventId,
      type: e.type,
      data: e.data,
      receivedAt: now(),
      wireBytes: encoder.encode(wire).length,
    };
    this.record({
      at: event.receivedAt,
      protocol: this.protocol,
      kind: 'message',
      dir: 'in',
      conn: this.connId,
      bytes: event.wireBytes,
      summary: `${e.type}${e.lastEventId ? ` id ${e.lastEventId}` : ''}: ${cutText(e.data, 60)}`,
      detail: { body: e.data, fields: { type: e.type, lastEventId: e.lastEventId } },
    });
    for (const l of this.listeners) l.event?.(event);
  }

  private setState(state: StreamState): void {
    this.state = state;
    for (const l of this.listeners) l.state?.(state);
  }
}

export interface ReaderStats {
  bytesRead: number;
  eventsRead: number;
  /** Events the reader never got, from holes in the ids. */
  missing: number;
  lastId: number;
}

/**
 * An event stream read through fetch, at the pace the page chooses: pause
 * it and the browser stops taking bytes from the socket, TCP's window
 * closes, and the server's writes start to pile up. (EventSource can't do
 * this: it always reads as fast as the network delivers.) Not the
 * instrumented `fetch`: that one reads a copy of every body to show it,
 * which would defeat the point.
 */
export class LabStreamReader {
  readonly connId: string;
  readonly stats: ReaderStats = { bytesRead: 0, eventsRead: 0, missing: 0, lastId: 0 };
  private readonly abort = new AbortController();
  private paused = false;
  private wake: (() => void) | undefined;
  private carry = '';
  private readonly listeners = new Set<(stats: ReaderStats, state: 'open' | 'paused' | 'closed') => void>();

  constructor(
    private readonly record: Recorder,
    private readonly path: string,
  ) {
    this.connId = shortId('sse');
    void this.run();
  }

  subscribe(listener: (stats: ReaderStats, state: 'open' | 'paused' | 'closed') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.record({ protocol: 'sse', kind: 'note', conn: this.connId, summary: 'reader paused: the page stops taking bytes' });
    this.emit('paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.record({ protocol: 'sse', kind: 'note', conn: this.connId, summary: 'reader resumed' });
    this.wake?.();
    this.emit('open');
  }

  close(): void {
    this.abort.abort();
    this.wake?.();
  }

  private async run(): Promise<void> {
    const url = new URL(this.path, window.location.href);
    url.searchParams.set('conn', this.connId);
    this.record({
      protocol: 'sse',
      kind: 'request',
      dir: 'out',
      conn: this.connId,
      summary: `GET ${url.pathname}${url.search} (read with fetch)`,
    });
    const decoder = new TextDecoder();
    try {
      const response = await fetch(url, { signal: this.abort.signal, headers: { accept: 'text/event-stream' } });
      if (!response.ok || !response.body) throw new Error(`the server answered ${response.status}`);
      this.record({ protocol: 'sse', kind: 'open', conn: this.connId, summary: `open: ${response.status}, reading with fetch` });
      this.emit('open');
      const reader = response.body.getReader();
      for (;;) {
        while (this.paused && !this.abort.signal.aborted) await new Promise<void>((resolve) => (this.wake = resolve));
        if (this.abort.signal.aborted) break;
        const { value, done } = await reader.read();
        if (done) break;
        this.stats.bytesRead += value.length;
        this.count(decoder.decode(value, { stream: true }));
        this.emit(this.paused ? 'paused' : 'open');
      }
      await reader.cancel().catch(() => undefined);
    } catch (error: unknown) {
      if (!this.abort.signal.aborted) {
        this.record({ protocol: 'sse', kind: 'error', conn: this.connId, summary: `stream failed: ${(error as Error).message}` });
      }
    }
    this.record({
      protocol: 'sse',
      kind: 'close',
      conn: this.connId,
      summary: `reader closed after ${this.stats.eventsRead} events, ${this.stats.bytesRead} bytes; ${this.stats.missing} ids never arrived`,
      detail: { fields: { ...this.stats } },
    });
    this.emit('closed');
  }

  /** Counts events and holes in their ids, across chunk boundaries. */
  private count(text: string): void {
    const lines = (this.carry + text).split('\n');
    this.carry = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('id: ')) continue;
      const id = Number(line.slice(4));
      this.stats.eventsRead += 1;
      if (this.stats.lastId > 0 && id > this.stats.lastId + 1) this.stats.missing += id - this.stats.lastId - 1;
      this.stats.lastId = id;
    }
  }

  private emit(state: 'open' | 'paused' | 'closed'): void {
    for (const l of this.listeners) l({ ...this.stats }, state);
  }
}
