import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { type Direction, type Protocol, previewBody } from '../../lib/timeline';
import type { UpgradeContext } from '../http/router';
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
    const record = (event: Parameters<typeof lab.record>[1]) => void lab.record(sessionId, event);
    recordUpgradeRequest(record, protocol, connId, ctx.req, url);
    startReading = captureWebSocket(record, protocol, connId, ctx.req, ctx.socket);
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
    const recordMessage = (dir: Direction, data: Buffer, isBinary: boolean) => {
      const text = isBinary ? `<${data.length} binary bytes>` : data.toString('utf8');
      lab.record(sessionId, {
        origin: 'server',
        protocol,
        kind: 'message',
        dir,
        conn: connId,
        bytes: data.length,
        summary: `${dir === 'in' ? 'received' : 'sent'} ${JSON.stringify(text.slice(0, 60))}`,
        // Spread last: V8 makes a spread followed by more properties slow (see event-log.ts).
        detail: { raw: data.subarray(0, RAW_PREVIEW_BYTES).toString('base64'), ...previewBody(text) },
      });
    };
    onOpen({ ws, connId, sessionId, req: ctx.req, recordMessage });
  });
}
