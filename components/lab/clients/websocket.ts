import { type Direction, type Protocol, previewBody } from '../../../lib/timeline';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff';
import { type Recorder, shortId, toBase64 } from './recorder';

/** Raw bytes kept per message for the inspector's hex view. */
const RAW_PREVIEW_BYTES = 1024;

export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/**
 * A reconnect strategy of your own: the delay before attempt `attempt`
 * (1-based), plus anything worth showing on the timeline (e.g. the ceiling
 * a jittered delay was drawn under).
 */
export interface ReconnectPolicy {
  delay(attempt: number): { delayMs: number; fields?: Record<string, number | string> };
}

export type ReconnectOption = false | Partial<BackoffOptions> | ReconnectPolicy;

export interface LabSocketOptions {
  /** Path on the lab server, e.g. /api/intro/echo. */
  path: string;
  protocol?: Protocol;
  /** Extra query parameters (e.g. `as=agent`); `conn` is added by the socket. */
  query?: Record<string, string>;
  /** Reconnect after an unexpected close (default on, with DEFAULT_BACKOFF); false = stay closed. */
  reconnect?: ReconnectOption;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** true when the page closed it; false when the connection was lost. */
  byUser: boolean;
}

type Listener = {
  state?: (state: SocketState) => void;
  message?: (data: string) => void;
  /** Every close, expected or not (before any reconnect is scheduled). */
  close?: (info: CloseInfo) => void;
  /** A reconnect attempt was scheduled. */
  attempt?: (attempt: number, delayMs: number) => void;
};

function toPolicy(option: ReconnectOption | undefined): ReconnectPolicy | null {
  if (option === false) return null;
  if (option && 'delay' in option) return option;
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...option };
  return { delay: (attempt) => ({ delayMs: backoffDelay(attempt, backoff) }) };
}

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
  private policy: ReconnectPolicy | null;
  /** Set after a lost connection that nothing is reconnecting (reconnect off). */
  private lostWhileOff = false;

  constructor(
    private readonly record: Recorder,
    private readonly options: LabSocketOptions,
  ) {
    this.protocol = options.protocol ?? 'websocket';
    this.policy = toPolicy(options.reconnect);
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

  /**
   * Switches automatic reconnection on (with a policy) or off. Switching it on
   * while the socket lies dead after a loss starts reconnecting at once.
   */
  setReconnect(option: ReconnectOption): void {
    this.policy = toPolicy(option);
    if (this.policy === null) {
      if (this.state === 'reconnecting') {
        clearTimeout(this.timer);
        this.attempt = 0;
        this.setState('closed');
      }
      return;
    }
    if (this.lostWhileOff && this.state === 'closed') {
      this.lostWhileOff = false;
      this.scheduleReconnect(this.policy);
    }
  }

  /** Opens again after a close (a "Connect" button): a fresh connection, same id and lane. */
  reopen(): void {
    if (this.state !== 'closed') return;
    this.closedByUser = false;
    this.lostWhileOff = false;
    this.attempt = 0;
    this.setState('connecting');
    this.open();
  }

  /** Closes on purpose (code 1000): no reconnect. */
  close(): void {
    this.closedByUser = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'closed by the page');
    this.setState('closed');
  }

  private open(): void {
    const url = labSocketUrl(this.options.path, { ...this.options.query, conn: this.connId });
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
        summary: !lost
          ? `closed (code ${e.code})`
          : e.code === 1006
            ? 'connection lost (code 1006: abnormal closure, no close frame)'
            : // The server closed it with a close frame and a reason (1009 message too big, 1001 going away…).
              `closed by the server (code ${e.code}${e.reason ? `: ${e.reason}` : ''})`,
        detail: { code: e.code, reason: e.reason, wasClean: e.wasClean },
      });
      for (const l of this.listeners) l.close?.({ code: e.code, reason: e.reason, byUser: !lost });
      if (lost && this.policy) this.scheduleReconnect(this.policy);
      else {
        this.lostWhileOff = lost;
        this.setState('closed');
      }
    };
  }

  private scheduleReconnect(policy: ReconnectPolicy): void {
    this.attempt += 1;
    const { delayMs, fields } = policy.delay(this.attempt);
    this.record({
      protocol: this.protocol,
      kind: 'reconnect-attempt',
      conn: this.connId,
      summary: `reconnect attempt ${this.attempt} in ${delayMs} ms`,
      detail: { attempt: this.attempt, delayMs, ...(fields ? { fields } : {}) },
    });
    for (const l of this.listeners) l.attempt?.(this.attempt, delayMs);
    this.setState('reconnecting');
    this.timer = setTimeout(() => this.open(), delayMs);
  }

  private setState(state: SocketState): void {
    this.state = state;
    for (const l of this.listeners) l.state?.(state);
  }
}
