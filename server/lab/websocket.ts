import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { WebSocket, WebSocketServer } from 'ws';
import { BODY_PREVIEW_LIMIT, type Direction, type EventDetail, type EventInput, type Protocol } from '../../lib/timeline';
import type { UpgradeContext } from '../http/router';
import type { EventDescriber } from './event-log';
import { type CaptureSink, captureWebSocket, recordUpgradeRequest } from './ws-capture';

const CONN_ID = /^[\w.:-]{1,64}$/;

/** The logical connection id: the browser's own (`?conn=`) so both sides share a lane, else a new one. */
export function connectionIdFrom(url: URL, prefix: string): string {
  const asked = url.searchParams.get('conn');
  return asked && CONN_ID.test(asked) ? asked : `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface TrackedSocket {
  ws: WebSocket;
  connId: string;
  sessionId: string;
  req: IncomingMessage;
  /** Records one whole message received (`in`) or sent (`out`) on this socket. */
  recordMessage(dir: Direction, data: Buffer, isBinary: boolean): void;
}

/** Raw bytes kept per message for the hex view: enough to read, small enough to keep thousands. */
const RAW_PREVIEW_BYTES = 1024;
/** One whole message until the timeline reads it: its length, and its first BODY_PREVIEW_LIMIT bytes. */
class MessagePart {
  readonly length: number;
  readonly data: Buffer;

  constructor(
    readonly dir: Direction,
    data: Buffer,
    readonly isBinary: boolean,
  ) {
    this.length = data.length;
    // Small messages are kept as they are (ws gives each message a buffer of its own); a large one
    // in part, so a flood of big messages doesn't hold megabytes for as long as their events.
    this.data = data.length > BODY_PREVIEW_LIMIT ? Buffer.from(data.subarray(0, BODY_PREVIEW_LIMIT)) : data;
  }

  /** The text preview: whole characters only (a cut can fall inside one), flagged when cut. */
  preview(): Pick<EventDetail, 'body' | 'bodyTruncated'> {
    if (this.isBinary) return { body: `<${this.length} binary bytes>` };
    const cut = this.length > this.data.length;
    return { body: new StringDecoder('utf8').write(this.data), ...(cut ? { bodyTruncated: true } : {}) };
  }
}

/** A connection's messages on the timeline, described from their bytes when read (see EventDescriber). */
class MessageEvents implements EventDescriber<MessagePart> {
  constructor(
    private readonly protocol: Protocol,
    private readonly conn: string,
  ) {}

  describe(message: MessagePart): EventInput {
    const { dir, data, length } = message;
    const preview = message.preview();
    return {
      origin: 'server',
      protocol: this.protocol,
      kind: 'message',
      dir,
      conn: this.conn,
      bytes: length,
      summary: `${dir === 'in' ? 'received' : 'sent'} ${JSON.stringify(preview.body?.slice(0, 60))}`,
      detail: { raw: data.subarray(0, RAW_PREVIEW_BYTES).toString('base64'), ...preview },
    };
  }
}

export interface AcceptOptions {
  /**
   * Record the handshake (upgrade request, 101 response) and every frame's
   * header from the raw socket bytes (server/lab/ws-capture.ts).
   */
  capture?: boolean;
  /** The fault target these connections answer to (default: the protocol name). */
  dropTarget?: string;
}

/**
 * Completes a WebSocket upgrade for a lab protocol: records open and close on
 * the session's timeline and registers the socket as a drop target. A drop
 * terminates the TCP socket, so the client sees code 1006 (abnormal closure)
 * and its reconnect logic runs, exactly as after a real network failure.
 */
export function acceptWebSocket(
  ctx: UpgradeContext,
  wss: WebSocketServer,
  protocol: Protocol,
  onOpen: (socket: TrackedSocket) => void,
  options: AcceptOptions = {},
): void {
  const { lab, sessionId, url } = ctx;
  const connId = connectionIdFrom(url, protocol);
  let startReading: (() => void) | undefined;
  if (options.capture) {
    const sink: CaptureSink = {
      record: (event) => void lab.record(sessionId, event),
      defer: (describer, part) => lab.defer(sessionId, describer, part),
    };
    recordUpgradeRequest(sink.record, protocol, connId, ctx.req, url);
    startReading = captureWebSocket(sink, protocol, connId, ctx.req, ctx.socket);
  }
  wss.handleUpgrade(ctx.req, ctx.socket, ctx.head, (ws) => {
    startReading?.();
    let dropped = false;
    const untrack = lab.connections.track(sessionId, {
      id: connId,
      protocol: options.dropTarget ?? protocol,
      drop: () => {
        dropped = true;
        ws.terminate();
      },
    });
    lab.record(sessionId, {
      origin: 'server',
      protocol,
      kind: 'open',
      conn: connId,
      summary: `WebSocket ${url.pathname} accepted (101 Switching Protocols)`,
      detail: { url: `${url.pathname}`, fields: { remote: ctx.req.socket.remoteAddress ?? 'unknown' } },
    });
    ws.on('close', (code, reason) => {
      untrack();
      lab.record(sessionId, {
        origin: 'server',
        protocol,
        kind: 'close',
        conn: connId,
        summary: dropped
          ? 'Connection destroyed by the lab (drop fault)'
          : `Closed with code ${code}${reason.length ? ` (${reason})` : ''}`,
        detail: { code, reason: reason.toString(), wasClean: !dropped && code !== 1006 },
      });
    });
    ws.on('error', () => ws.terminate());
    const messages = new MessageEvents(protocol, connId);
    const recordMessage = (dir: Direction, data: Buffer, isBinary: boolean) =>
      lab.defer(sessionId, messages, new MessagePart(dir, data, isBinary));
    onOpen({ ws, connId, sessionId, req: ctx.req, recordMessage });
  });
}
