import type { IncomingMessage, ServerResponse } from 'node:http';
import { now } from '../../lib/clock';
import { TRACE_HEADER } from '../../lib/lab-info';
import { BODY_PREVIEW_LIMIT, type Protocol, previewBody } from '../../lib/timeline';
import type { Lab } from '../lab';
import { terminalClient } from './session';

function headerRecord(headers: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function isTextual(contentType: string | undefined): boolean {
  return !contentType || /json|text|xml|x-www-form-urlencoded/.test(contentType);
}

/**
 * Records one HTTP exchange on the session's timeline: the request as it
 * arrived, and the response as it left (status line, headers, size, body
 * preview, duration). It observes `res` by wrapping write/end; handlers
 * don't know it is there.
 */
export function tapExchange(
  lab: Lab,
  sessionId: string,
  protocol: Protocol,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) {
  const trace = req.headers[TRACE_HEADER];
  const stream = typeof trace === 'string' ? trace : undefined;
  const target = `${url.pathname}${url.search}`;
  const chunks: Buffer[] = [];
  let previewBytes = 0;
  let bytes = 0;
  let startedAt = now();
  /** When the response began to leave. Recording waits for 'finish', but the event is placed here on the timeline. */
  let sentAt: number | undefined;
  const markSent = () => {
    sentAt ??= now();
  };

  // Counts every byte but copies only the preview's: a 20 MB body costs no more to tap than a small one.
  const capture = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const room = BODY_PREVIEW_LIMIT - previewBytes;
    let kept: Buffer | undefined;
    if (typeof chunk === 'string') {
      const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8';
      bytes += Buffer.byteLength(chunk, enc);
      // In UTF-8 every character is at least one byte, so `room` characters cover `room` bytes.
      if (room > 0) kept = Buffer.from(enc === 'utf8' || enc === 'utf-8' ? chunk.slice(0, room) : chunk, enc);
    } else {
      const view = chunk as Uint8Array;
      bytes += view.byteLength;
      if (room > 0) kept = Buffer.from(view.subarray(0, room));
    }
    if (kept) {
      chunks.push(kept.subarray(0, room));
      previewBytes += Math.min(kept.length, room);
    }
  };
  // writeHead(status, {headers}) bypasses res.getHeaders() unless some header was
  // set before, so copy them in with setHeader first: the response event shows them.
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((statusCode: number, ...rest: unknown[]) => {
    markSent();
    const headers = rest.find((arg) => typeof arg === 'object' && arg !== null && !Array.isArray(arg));
    for (const [name, value] of Object.entries((headers ?? {}) as Record<string, string | number | string[] | undefined>)) {
      if (value !== undefined && !res.headersSent) res.setHeader(name, value);
    }
    return writeHead(statusCode, ...rest);
  }) as typeof res.writeHead;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    markSent();
    capture(chunk, encoding);
    return write(chunk, encoding, cb);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    markSent();
    capture(chunk, encoding);
    return end(chunk, encoding, cb);
  }) as typeof res.end;

  res.on('finish', () => {
    const headers = headerRecord(res.getHeaders());
    const text = isTextual(headers['content-type']) ? Buffer.concat(chunks).toString('utf8') : `<${bytes} bytes>`;
    const at = sentAt ?? now();
    const durationMs = at - startedAt;
    lab.record(sessionId, {
      at,
      origin: 'server',
      protocol,
      kind: 'response',
      dir: 'out',
      stream,
      bytes,
      summary: `${res.statusCode} ${res.statusMessage} ← ${req.method} ${url.pathname} (${durationMs.toFixed(1)} ms)`,
      // Object.assign rather than a spread between properties, which V8 makes slow (see event-log.ts).
      detail: Object.assign(previewBody(text), {
        method: req.method,
        url: target,
        status: res.statusCode,
        statusText: res.statusMessage,
        headers,
        bodyTruncated: bytes > BODY_PREVIEW_LIMIT,
        durationMs,
      }),
    });
  });

  return {
    /** Records the request once its body has been read. */
    request(body: Buffer, at: number): void {
      startedAt = at;
      const contentType = req.headers['content-type'];
      const terminal = terminalClient(req);
      if (terminal) {
        // The terminal can't report for itself: its send is recorded here, just before the arrival.
        lab.record(sessionId, {
          at,
          origin: 'terminal',
          protocol,
          kind: 'request',
          dir: 'out',
          stream,
          bytes: body.length,
          summary: `${terminal}: ${req.method} ${target}`,
          detail: { method: req.method, url: target, fields: { client: terminal } },
        });
      }
      lab.record(sessionId, {
        at,
        origin: 'server',
        protocol,
        kind: 'request',
        dir: 'in',
        stream,
        bytes: body.length,
        summary: `${req.method} ${target} — HTTP/${req.httpVersion} arrived`,
        detail: {
          method: req.method,
          url: target,
          headers: headerRecord(req.headers),
          ...(body.length > 0 ? previewBody(isTextual(contentType) ? body.toString('utf8') : `<${body.length} bytes>`) : {}),
        },
      });
    },
  };
}
