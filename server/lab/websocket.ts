import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import type { WebSocket, WebSocketServer } from 'ws';
import { BODY_PREVIEW_LIMIT, type Direction, type EventDetail, type EventInput, type Protocol } from '../../lib/timeline';
import type { UpgradeContext } from '../http/router';
import type { EventDescriber } from './event-log';
import { captureWebSocket, recordUpgradeRequest } from './ws-capture';

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
/**
 * A large message until the timeline reads it: its length, and its first BODY_PREVIEW_LIMIT bytes
 * (a copy, so a flood of big messages doesn't hold megabytes for as long as their events).
 */
class CutMessage {
  constructor(
    readonly length: number,
    readonly data: Buffer,
  ) {}
}

/**
 * One connection's messages in one direction and of one type (text or binary), described from
 * their bytes when read (see EventDescriber). A message's part is its own buffer (ws gives each
 * message one), or a CutMessage when it is large: no object per message beyond what ws made.
 */
class MessageEvents implements EventDescriber<Buffer | CutMessage> {
  constructor(
    private readonly protocol: Protocol,
    private readonly conn: string,
    private readonly dir: Direction,
    private readonly isBinary: boolean,
  ) {}

  /**
   * What the log keeps of a message: always a copy (a small one comes from Node's shared buffer
   * pool). The buffer `ws` hands over is a view into the socket's read chunk, and keeping it would
   * keep that whole chunk alive, with its own allocation, for as long as the event.
   */
  static keep(data: Buffer): Buffer | CutMessage {
    return data.length > BODY_PREVIEW_LIMIT
      ? new CutMessage(data.length, Buffer.from(data.subarray(0, BODY_PREVIEW_LIMIT)))
      : Buffer.from(data);
  }

  describe(message: Buffer | CutMessage): EventInput {
    const { dir } = this;
    const data = message instanceof CutMessage ? message.data : message;
    const length = message.length;
    const preview = this.preview(data, length);
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

  /** The text preview: whole characters only (a cut can fall inside one), flagged when cut. */
  private preview(data: Buffer, length: number): Pick<EventDetail, 'body' | 'bodyTruncated'> {
    if (this.isBinary) return { body: `<${length} binary bytes>` };
    const cut = length > data.length;
    return { body: new StringDecoder('utf8').write(data), ...(cut ? { bodyTruncated: true } : {}) };
  }
}

/**
 * The close code ws sends for each of its documented frame errors (`error.code`, see ws's
 * doc/ws.md): the fallback should ws stop carrying the code on the error itself.
 */
const CLOSE_CODE_BY_WS_ERROR: Readonly<Record<string, number>> = {
  WS_ERR_EXPECTED_FIN: 1002,
  WS_ERR_EXPECTED_MASK: 1002,
  WS_ERR_INVALID_CLOSE_CODE: 1002,
  WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH: 1002,
  WS_ERR_INVALID_OPCODE: 1002,
  WS_ERR_UNEXPECTED_MASK: 1002,
  WS_ERR_UNEXPECTED_RSV_1: 1002,
  WS_ERR_UNEXPECTED_RSV_2_3: 1002,
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
};

/**
 * The close code ws sent because of `error`: a frame it refused (too big, bad UTF-8, a protocol
 * violation) carries the code ws closed with, under a symbol ws doesn't export; failing that, the
 * code ws documents for the error's `code`. Read only on error.
 */
export function closeCodeSentFor(error: Error): number | undefined {
  const key = Object.getOwnPropertySymbols(error).find((symbol) => symbol.description === 'status-code');
  const code = key === undefined ? undefined : (error as unknown as Record<symbol, unknown>)[key];
  if (typeof code === 'number') return code;
  const name = (error as Error & { code?: unknown }).code;
  return typeof name === 'string' ? CLOSE_CODE_BY_WS_ERROR[name] : undefined;
}

/** A frame ws refused from the client: the close code ws sent for it, and why. */
export interface Refusal {
  code: number;
  why: string;
}

/**
 * Handles a lab WebSocket's errors. When ws refuses a client's frame (too big, bad UTF-8, a
 * protocol violation) it has already sent its close frame and ends the socket once that is out,
 * so the socket is left to close and the refusal is remembered: ws stops reading, never sees the
 * client's answer, and its 'close' reports 1006, not the code it sent. Any other error (or one on
 * a socket the lab dropped) terminates. The returned function gives the refusal, if there was one.
 */
export function watchRefusals(ws: WebSocket, dropped: () => boolean): () => Refusal | undefined {
  let refusal: Refusal | undefined;
  ws.on('error', (error) => {
    const sent = closeCodeSentFor(error);
    if (sent !== undefined && !dropped()) refusal = { code: sent, why: error.message };
    else ws.terminate();
  });
  return () => (dropped() ? undefined : refusal);
}

/** The summary and detail of a lab WebSocket's close event: dropped by the lab, refused by the server, or closed with a code. */
export function closeDescription(
  code: number,
  reason: Buffer,
  how: { dropped: boolean; droppedSummary: string; refusal: Refusal | undefined },
): Pick<EventInput, 'summary' | 'detail'> {
  const { dropped, refusal } = how;
  if (dropped) return { summary: how.droppedSummary, detail: { code, reason: reason.toString(), wasClean: false } };
  if (refusal) {
    return {
      summary: `Closed with code ${refusal.code}: the server refused a frame (${refusal.why})`,
      detail: { code: refusal.code, reason: '', wasClean: true, fields: { sentBy: 'server', why: refusal.why } },
    };
  }
  return {
    summary: `Closed with code ${code}${reason.length ? ` (${reason})` : ''}`,
    detail: { code, reason: reason.toString(), wasClean: code !== 1006 },
  };
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
  // Every frame and message of this socket goes to this one session's log.
  const timeline = lab.events.session(sessionId);
  let startReading: (() => void) | undefined;
  if (options.capture) {
    recordUpgradeRequest(timeline, protocol, connId, ctx.req, url);
    startReading = captureWebSocket(timeline, protocol, connId, ctx.req, ctx.socket);
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
    const refusal = watchRefusals(ws, () => dropped);
    ws.on('close', (code, reason) => {
      untrack();
      lab.record(sessionId, {
        origin: 'server',
        protocol,
        kind: 'close',
        conn: connId,
        ...closeDescription(code, reason, {
          dropped,
          droppedSummary: 'Connection destroyed by the lab (drop fault)',
          refusal: refusal(),
        }),
      });
    });
    // [in text, in binary, out text, out binary]
    const messages = [
      new MessageEvents(protocol, connId, 'in', false),
      new MessageEvents(protocol, connId, 'in', true),
      new MessageEvents(protocol, connId, 'out', false),
      new MessageEvents(protocol, connId, 'out', true),
    ];
    // An echo records the buffer it received again as sent: one kept copy serves both events.
    let lastData: Buffer | undefined;
    let lastKept: Buffer | CutMessage | undefined;
    onOpen({
      ws,
      connId,
      sessionId,
      req: ctx.req,
      recordMessage(dir, data, isBinary) {
        const events = messages[(dir === 'out' ? 2 : 0) + (isBinary ? 1 : 0)] as MessageEvents;
        if (data !== lastData || lastKept === undefined) {
          lastData = data;
          lastKept = MessageEvents.keep(data);
        }
        timeline.defer(events, lastKept);
      },
    });
  });
}
