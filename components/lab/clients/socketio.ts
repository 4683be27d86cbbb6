import { io, type Socket } from 'socket.io-client';
import { cutText, previewBody } from '../../../lib/timeline';
import { type Recorder, shortId } from './recorder';

export type SocketIoState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface LabSocketIoOptions {
  /** The socket.io path on the lab server, e.g. /api/socketio/ (with the trailing slash). */
  path: string;
  /** Extra query parameters sent with every request (e.g. `as`, `user`). */
  query?: Record<string, string>;
  /** A name for this client in summaries, e.g. "customer" or "user A". */
  label?: string;
  /** socket.io's reconnection delays: the first wait, and the most it grows to (default here 500 ms and 1 s). */
  reconnectionDelayMs?: number;
  reconnectionDelayMaxMs?: number;
  /**
   * engine.io transports, in the order tried. Default (socket.io's): long-polling, then the upgrade
   * to WebSocket. ['polling'] never upgrades; ['websocket'] skips polling.
   */
  transports?: SocketIoTransport[];
}

export type SocketIoTransport = 'polling' | 'websocket';

function transportPlan(transports: SocketIoTransport[] | undefined): string {
  if (!transports || transports.join() === 'polling,websocket') return 'long-polling first';
  if (transports.join() === 'polling') return 'long-polling only, no upgrade';
  if (transports.join() === 'websocket') return 'WebSocket only';
  return transports.join(', ');
}

type Listener = {
  state?: (state: SocketIoState) => void;
  event?: (name: string, payload: unknown) => void;
  /** Fired on every (re)connection, saying whether socket.io recovered the session. */
  connect?: (info: { id: string; recovered: boolean }) => void;
};

/**
 * A socket.io client, instrumented: engine.io's transport (polling, then the
 * upgrade to WebSocket), the Manager's built-in reconnection, connection state
 * recovery, and every event in and out, each recorded on the timeline. The
 * session travels in the cookie (polling requests and the upgrade both send
 * it); the connection id travels as `?conn=` so the server's events share
 * this client's lane.
 */
export class LabSocketIo {
  readonly connId: string;
  readonly socket: Socket;
  state: SocketIoState = 'connecting';
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly record: Recorder,
    private readonly options: LabSocketIoOptions,
  ) {
    this.connId = shortId('sio');
    const who = options.label ? `${options.label}: ` : '';
    const note = (
      kind: 'note' | 'open' | 'close' | 'reconnect-attempt' | 'reconnected' | 'error',
      summary: string,
      fields = {},
    ) => record({ protocol: 'socketio', kind, conn: this.connId, summary: `${who}${summary}`, detail: { fields } });

    note('note', `connecting to ${options.path} (${transportPlan(options.transports)})…`, {
      path: options.path,
      transports: (options.transports ?? ['polling', 'websocket']).join(', '),
    });
    this.socket = io({
      path: options.path,
      query: { ...options.query, conn: this.connId },
      withCredentials: true,
      ...(options.transports ? { transports: options.transports } : {}),
      // Quicker than socket.io's defaults (1 s doubling to 5 s), so a short drop is over within a short demo.
      reconnectionDelay: options.reconnectionDelayMs ?? 500,
      reconnectionDelayMax: options.reconnectionDelayMaxMs ?? 1_000,
    });
    const manager = this.socket.io;

    manager.on('open', () => {
      const engine = manager.engine;
      note('note', `engine.io open over ${engine.transport.name}`, { transport: engine.transport.name });
      engine.on('upgrade', (transport: { name: string }) =>
        note('note', `engine.io upgraded to ${transport.name}`, { transport: transport.name }),
      );
      // A failed request ends the transport; for polling, `description` is the HTTP status (e.g. 400 "Session ID unknown").
      engine.on('error', (error: string | (Error & { description?: unknown })) => {
        const message = typeof error === 'string' ? error : error.message;
        const status = typeof error !== 'string' && typeof error.description === 'number' ? error.description : undefined;
        note('error', `engine.io transport error: ${message}${status ? ` (HTTP ${status})` : ''}`, {
          transport: engine.transport.name,
          ...(status ? { status } : {}),
        });
      });
    });
    manager.on('reconnect_attempt', (attempt) => {
      note('reconnect-attempt', `socket.io reconnect attempt ${attempt}`, { attempt });
      this.setState('reconnecting');
    });
    manager.on('reconnect_error', (error) => note('error', `reconnect failed: ${error.message}`));

    this.socket.on('connect', () => {
      const recovered = this.socket.recovered;
      note(
        recovered ? 'reconnected' : 'open',
        recovered ? `connected: state recovered (id ${this.socket.id})` : `connected (id ${this.socket.id}, nothing recovered)`,
        {
          recovered,
          id: this.socket.id ?? '',
        },
      );
      this.setState('open');
      for (const l of this.listeners) l.connect?.({ id: this.socket.id ?? '', recovered });
    });
    this.socket.on('disconnect', (reason) => {
      note('close', `disconnected (${reason})`, { reason, willReconnect: this.socket.active });
      this.setState(this.socket.active ? 'reconnecting' : 'closed');
    });
    this.socket.on('connect_error', (error) => {
      note('error', `connect_error: ${error.message}`);
      if (!this.socket.active) this.setState('closed');
    });
    this.socket.onAny((name: string, ...args: unknown[]) => {
      this.recordEvent('in', name, args);
      for (const l of this.listeners) l.event?.(name, args[0]);
    });
    this.socket.onAnyOutgoing((name: string, ...args: unknown[]) => this.recordEvent('out', name, args));
  }

  private recordEvent(dir: 'in' | 'out', name: string, args: unknown[]): void {
    const text = JSON.stringify(args.filter((a) => typeof a !== 'function'));
    this.record({
      protocol: 'socketio',
      kind: 'message',
      dir,
      conn: this.connId,
      bytes: new TextEncoder().encode(text).length,
      summary: `${this.options.label ? `${this.options.label}: ` : ''}${dir === 'out' ? 'emit' : 'received'} "${name}" ${cutText(text, 60)}`,
      detail: { ...previewBody(text), fields: { event: name } },
    });
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Emits an event (recorded by the outgoing tap). */
  emit(name: string, payload: unknown): void {
    this.socket.emit(name, payload);
  }

  /** Emits an event and resolves with the server's acknowledgement (recorded too); rejects after `timeoutMs`. */
  async emitWithAck(name: string, payload: unknown, timeoutMs = 5_000): Promise<unknown> {
    const reply = await this.socket.timeout(timeoutMs).emitWithAck(name, payload);
    this.record({
      protocol: 'socketio',
      kind: 'message',
      dir: 'in',
      conn: this.connId,
      summary: `${this.options.label ? `${this.options.label}: ` : ''}ack for "${name}" ${JSON.stringify(reply).slice(0, 60)}`,
      detail: { ...previewBody(JSON.stringify(reply)), fields: { event: `${name} (ack)` } },
    });
    return reply;
  }

  close(): void {
    this.socket.close();
    this.setState('closed');
  }

  private setState(state: SocketIoState): void {
    this.state = state;
    for (const l of this.listeners) l.state?.(state);
  }
}
