import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Direction, EventInput, Protocol } from '../../lib/timeline';
import { requestHeaderRecord } from '../http/headers';
import { terminalClient } from '../http/session';
import type { EventDescriber, SessionTimeline } from './event-log';
import { type DecodedFrame, decodeFrame, FrameDecoder } from './ws-frames';

/** RFC 6455 §1.3: the GUID every server appends to the client's key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept = base64(SHA-1(Sec-WebSocket-Key + GUID)). */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
}

/** Wire bytes kept per frame for the hex view: the header plus the start of the payload. */
const RAW_FRAME_BYTES = 96;

/** Header lines of a raw HTTP head ("HTTP/1.1 101 …\r\nName: value\r\n…"). */
function parseHead(text: string): { statusLine: string; headers: { [name: string]: string } } {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const headers: { [name: string]: string } = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { statusLine, headers };
}

/**
 * Records the upgrade request as the server received it (plus, for a terminal
 * client that has no instrumentation, its own side of the request).
 */
export function recordUpgradeRequest(
  sink: SessionTimeline,
  protocol: Protocol,
  conn: string,
  req: IncomingMessage,
  url: URL,
): void {
  const headers = requestHeaderRecord(req.rawHeaders);
  const path = `${url.pathname}${url.search.replace(/([?&]session=)[^&]+/, '$1…')}`;
  const terminal = terminalClient(req);
  if (terminal) {
    sink.record({
      origin: 'terminal',
      protocol,
      kind: 'request',
      dir: 'out',
      conn,
      summary: `${terminal}: GET ${url.pathname} (Upgrade: websocket)`,
      detail: { method: 'GET', url: path, headers },
    });
  }
  sink.record({
    origin: 'server',
    protocol,
    kind: 'request',
    dir: 'in',
    conn,
    summary: `GET ${url.pathname} with Upgrade: websocket`,
    detail: {
      method: 'GET',
      url: path,
      headers,
      fields: { 'sec-websocket-key': headers['sec-websocket-key'] ?? null },
    },
  });
}

function recordHandshakeResponse(
  sink: SessionTimeline,
  protocol: Protocol,
  conn: string,
  req: IncomingMessage,
  head: string,
): void {
  const { statusLine, headers } = parseHead(head);
  const key = req.headers['sec-websocket-key'] ?? '';
  const computed = acceptFor(key);
  const sent = headers['sec-websocket-accept'] ?? '';
  sink.record({
    origin: 'server',
    protocol,
    kind: 'response',
    dir: 'out',
    conn,
    bytes: Buffer.byteLength(head),
    summary: `${statusLine.replace(/^HTTP\/1\.1 /, '')}: Sec-WebSocket-Accept ${sent}`,
    detail: {
      status: Number(statusLine.split(' ')[1]) || undefined,
      statusText: statusLine.split(' ').slice(2).join(' '),
      headers,
      fields: {
        'sec-websocket-key': key,
        guid: WEBSOCKET_GUID,
        'computed accept': computed,
        'sent accept': sent,
        'accept matches': computed === sent,
      },
    },
  });
}

function frameEvent(protocol: Protocol, conn: string, dir: Direction, f: DecodedFrame): EventInput {
  const who = dir === 'in' ? 'client' : 'server';
  const what =
    f.opcode === 0x8
      ? `close${f.closeCode !== undefined ? ` ${f.closeCode}${f.closeReason ? ` "${f.closeReason}"` : ''}` : ''}`
      : f.opcodeName;
  return {
    origin: 'server',
    protocol,
    kind: 'frame',
    dir,
    conn,
    bytes: f.headerLength + f.payloadLength,
    summary: `${who} frame: ${what}, ${f.payloadLength} B payload, ${f.headerLength} B header${f.masked ? ', masked' : ''}${f.fin ? '' : ', FIN=0'}`,
    detail: {
      raw: f.wire.toString('base64', 0, RAW_FRAME_BYTES),
      // Close frames only; left undefined (and out of the JSON) otherwise.
      code: f.closeCode,
      reason: f.closeReason,
      fields: {
        fin: f.fin,
        rsv1: f.rsv1,
        opcode: f.opcode,
        opcodeName: f.opcodeName,
        mask: f.masked,
        maskKey: f.maskKey,
        payloadLength: f.payloadLength,
        lengthEncoding: f.lengthEncoding,
        headerLength: f.headerLength,
        headerHex: f.wire.toString('hex', 0, f.headerLength),
      },
    },
  };
}

/**
 * One direction's frames on the timeline. Each frame is kept as the bytes the
 * decoder copied (header and payload prefix) and decoded again only when the
 * timeline reads it: at thousands of frames a second, building every frame's
 * event up front cost more than the echo itself (docs/PERFORMANCE.md).
 */
class FrameEvents implements EventDescriber<Buffer> {
  constructor(
    private readonly protocol: Protocol,
    private readonly conn: string,
    private readonly dir: Direction,
  ) {}

  describe(wire: Buffer): EventInput {
    return frameEvent(this.protocol, this.conn, this.dir, decodeFrame(wire));
  }
}

/**
 * Taps a socket that is about to be upgraded: every byte the client sends
 * (a 'data' listener beside ws's own) and every byte the server writes (a
 * wrapped `write`) goes through a frame decoder. The first write is the 101
 * response itself. Call before `wss.handleUpgrade()`, and call the returned
 * function in its callback: by then ws has put back any bytes that came with
 * the upgrade request and added its own 'data' listener, so ours sees exactly
 * what ws sees (adding it earlier would start the flow before ws listens).
 */
export function captureWebSocket(
  sink: SessionTimeline,
  protocol: Protocol,
  conn: string,
  req: IncomingMessage,
  socket: Duplex,
): () => void {
  const framesIn = new FrameEvents(protocol, conn, 'in');
  const framesOut = new FrameEvents(protocol, conn, 'out');
  const incoming = new FrameDecoder((wire) => sink.defer(framesIn, wire));
  const outgoing = new FrameDecoder((wire) => sink.defer(framesOut, wire));
  let handshakeSent = false;
  const write = socket.write;
  // Fixed parameters, no rest and spread: this runs on every write of every lab WebSocket
  // (`Writable.write` treats missing and undefined arguments alike).
  socket.write = function tappedWrite(this: Duplex, chunk: unknown, encoding?: unknown, callback?: unknown) {
    try {
      if (!handshakeSent && typeof chunk === 'string') {
        handshakeSent = true;
        recordHandshakeResponse(sink, protocol, conn, req, chunk);
      } else if (typeof chunk === 'string') {
        // ws writes text payloads as strings, straight after their frame header.
        outgoing.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
      } else if (Buffer.isBuffer(chunk)) {
        outgoing.push(chunk);
      } else if (chunk instanceof Uint8Array) {
        outgoing.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      }
    } catch {
      // A tap must never break the connection it watches.
    }
    return (write as (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean).call(this, chunk, encoding, callback);
  } as typeof socket.write;
  return () => {
    // Prepended: ws unmasks client payloads in place, so ours must read the chunk first.
    socket.prependListener('data', (chunk: Buffer) => {
      try {
        incoming.push(chunk);
      } catch {
        // as above
      }
    });
  };
}
