import { type Direction, type Protocol, previewBody } from '../../../lib/timeline';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff';
import { type Recorder, shortId, toBase64 } from './recorder';

/** Raw bytes kept per message for the inspector's hex view. */
const RAW_PREVIEW_BYTES = 1024;

export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LabSocketOptions {
  /** Path on the lab server, e.g. /api/intro/echo. */
  path: string;
  protocol?: Protocol;
  /** Reconnect after an unexpected close (default on, with DEFAULT_BACKOFF). */
  reconnect?: false | Partial<BackoffOptions>;
}

type Listener = { state?: (state: SocketState) => void; message?: (data: string) => void };

/** ws:// or wss:// URL for a lab path on the page's own origin. */
export function labSocketUrl(path: string, params: Record<string, string>): string {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * A browser WebSocket, instrumented, that reconnects after an unexpected
 * close. The connection id travels as `?conn=` so the server's events for
 * this socket land on the same timeline lane as ours. The session travels in
 * the cookie the browser sends with the upgrade request.
 */
export class LabSocket {
  readonly connId: string;
  state: SocketState = 'connecting';
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closedByUser = false;
  private readonly listeners = new Set<Listener>();
  private readonly protocol: Protocol;
  private readonly backoff: BackoffOptions | null;

  constructor(
    private readonly record: Recorder,
    private readonly options: LabSocketOptions,
  ) {
    this.protocol = options.protocol ?? 'websocket';
    this.backoff = options.reconnect === false ? null : { ...DEFAULT_BACKOFF, ...options.reconnect };
    this.connId = shortId(this.protocol === 'websocket' ? 'ws' : this.protocol);
    this.open();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(text: string): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text);
    this.recordMessage('out', text);
    return true;
  }

  private recordMessage(dir: Direction, text: string): void {
    const bytes = new TextEncoder().encode(text);
    this.record({
      protocol: this.protocol,
      kind: 'message',
      dir,
      conn: this.connId,
      bytes: bytes.length,
      summary: `${dir === 'out' ? 'sent' : 'received'} ${JSON.stringify(text.slice(0, 60))}`,
      detail: { ...previewBody(text), raw: toBase64(bytes.subarray(0, RAW_PREVIEW_BYTES)) },
    });
  }

  /** Closes on purpose (code 1000): no reconnect. */
  close(): void {
    this.closedByUser = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'closed by the page');
    this.setState('closed');
  }

  private open(): void {
    const url = labSocketUrl(this.options.path, { conn: this.connId });
    const reconnecting = this.attempt > 0;
    if (!reconnecting) {
      this.record({
        protocol: this.protocol,
        kind: 'note',
        conn: this.connId,
        summary: `connecting to ${this.options.path}…`,
        detail: { url, fields: { phase: 'connecting' } },
      });
    }
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.record({
        protocol: this.protocol,
        kind: reconnecting ? 'reconnected' : 'open',
        conn: this.connId,
        summary: reconnecting
          ? `reconnected after ${this.attempt} attempt${this.attempt === 1 ? '' : 's'}`
          : `open: ${this.options.path}`,
        detail: { url, attempt: this.attempt },
      });
      this.attempt = 0;
      this.setState('open');
    };
    ws.onmessage = (e: MessageEvent) => {
      const text = typeof e.data === 'string' ? e.data : '<binary>';
      this.recordMessage('in', text);
      for (const l of this.listeners) l.message?.(text);
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.ws !== ws) return;
      const lost = !this.closedByUser;
      this.record({
        protocol: this.protocol,
        kind: 'close',
        conn: this.connId,
        summary: lost
          ? `connection lost (code ${e.code}${e.code === 1006 ? ': abnormal closure, no close frame' : ''})`
          : `closed (code ${e.code})`,
        detail: { code: e.code, reason: e.reason, wasClean: e.wasClean },
      });
      if (lost && this.backoff) this.scheduleReconnect(this.backoff);
      else this.setState('closed');
    };
  }

  private scheduleReconnect(backoff: BackoffOptions): void {
    this.attempt += 1;
    const delayMs = backoffDelay(this.attempt, backoff);
    this.record({
      protocol: this.protocol,
      kind: 'reconnect-attempt',
      conn: this.connId,
      summary: `reconnect attempt ${this.attempt} in ${delayMs} ms`,
      detail: { attempt: this.attempt, delayMs },
    });
    this.setState('reconnecting');
    this.timer = setTimeout(() => this.open(), delayMs);
  }

  private setState(state: SocketState): void {
    this.state = state;
    for (const l of this.listeners) l.state?.(state);
  }
}
