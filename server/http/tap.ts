import { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { now } from '../../lib/clock';
import { TRACE_HEADER } from '../../lib/lab-info';
import { BODY_PREVIEW_LIMIT, type Protocol, previewBody } from '../../lib/timeline';
import type { Lab } from '../lab';
import { terminalClient } from './session';

/**
 * The lab server's response class (`createServer({ ServerResponse: TappedResponse })`).
 *
 * While an exchange is being recorded, its writes pass through `exchange`.
 * The hooks live on the prototype, so a recorded request costs one small
 * object, where wrapping `write`/`end`/`writeHead` on each response took
 * three bound functions and a handful of closures per request (see the REST
 * section of docs/PERFORMANCE.md). Unrecorded responses (pages, the lab's own
 * controls) only pay an `undefined` check per call.
 */
export class TappedResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  exchange: ExchangeTap | undefined = undefined;

  override writeHead(statusCode: number, ...rest: unknown[]): this {
    this.exchange?.headWritten(rest);
    return (super.writeHead as (status: number, ...args: unknown[]) => this)(statusCode, ...rest);
  }

  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    this.exchange?.capture(chunk, encoding);
    return (super.write as (...args: unknown[]) => boolean)(chunk, encoding, callback);
  }

  override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    this.exchange?.capture(chunk, encoding);
    return (super.end as (...args: unknown[]) => this)(chunk, encoding, callback);
  }
}

/** Request and response headers as the timeline shows them: lower-case names, one string per name. */
function headerRecord(
  headers: IncomingHttpHeaders | OutgoingHttpHeaders,
  into: Record<string, string> = {},
): Record<string, string> {
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) into[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return into;
}

function isTextual(contentType: string | undefined): boolean {
  return !contentType || /json|text|xml|x-www-form-urlencoded/.test(contentType);
}

function onFinish(this: TappedResponse): void {
  this.exchange?.finished(this);
  this.exchange = undefined;
}

/**
 * Records one HTTP exchange on the session's timeline: the request as it
 * arrived, and the response as it left (status line, headers, size, body
 * preview, duration). Handlers don't know it is there.
 */
class ExchangeTap {
  private readonly stream: string | undefined;
  private readonly target: string;
  private startedAt = now();
  /** When the response began to leave. Recording waits for 'finish', but the event is placed here on the timeline. */
  private sentAt: number | undefined = undefined;
  /** Headers passed to writeHead: Node sends them without adding them to getHeaders() unless one was set before. */
  private headArgument: OutgoingHttpHeaders | undefined = undefined;
  /** The first BODY_PREVIEW_LIMIT bytes (or characters) of the body, as written. */
  private readonly preview: (string | Buffer)[] = [];
  private previewRoom = BODY_PREVIEW_LIMIT;
  private bytes = 0;

  constructor(
    private readonly lab: Lab,
    private readonly sessionId: string,
    private readonly protocol: Protocol,
    private readonly req: IncomingMessage,
    private readonly url: URL,
  ) {
    const trace = req.headers[TRACE_HEADER];
    this.stream = typeof trace === 'string' ? trace : undefined;
    this.target = `${url.pathname}${url.search}`;
  }

  headWritten(args: unknown[]): void {
    this.sentAt ??= now();
    const headers = args.find((arg) => typeof arg === 'object' && arg !== null && !Array.isArray(arg));
    if (headers) this.headArgument = headers as OutgoingHttpHeaders;
  }

  /** Counts every byte but keeps only the preview's: a 20 MB body costs no more to tap than a small one. */
  capture(chunk: unknown, encoding: unknown): void {
    this.sentAt ??= now();
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    if (typeof chunk === 'string') {
      const enc = typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8';
      this.bytes += Buffer.byteLength(chunk, enc);
      if (this.previewRoom <= 0) return;
      // Text is kept as text (most bodies are JSON strings); other encodings are decoded to bytes first.
      const kept =
        enc === 'utf8' || enc === 'utf-8'
          ? chunk.slice(0, this.previewRoom)
          : Buffer.from(chunk, enc).subarray(0, this.previewRoom);
      this.preview.push(kept);
      this.previewRoom -= kept.length;
    } else {
      const view = chunk as Uint8Array;
      this.bytes += view.byteLength;
      if (this.previewRoom <= 0) return;
      const kept = Buffer.from(view.subarray(0, this.previewRoom)); // a copy: the caller may reuse its buffer
      this.preview.push(kept);
      this.previewRoom -= kept.length;
    }
  }

  /** Records the request once its body has been read. */
  request(body: Buffer, at: number): void {
    const { lab, sessionId, protocol, req, target, stream } = this;
    this.startedAt = at;
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
    const detail = { method: req.method, url: target, headers: headerRecord(req.headers) };
    if (body.length > 0) {
      Object.assign(
        detail,
        previewBody(isTextual(req.headers['content-type']) ? body.toString('utf8') : `<${body.length} bytes>`),
      );
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
      detail,
    });
  }

  finished(res: ServerResponse): void {
    const { req, url, bytes } = this;
    const headers = headerRecord(res.getHeaders());
    if (this.headArgument) headerRecord(this.headArgument, headers);
    const text = isTextual(headers['content-type']) ? this.previewText() : `<${bytes} bytes>`;
    const at = this.sentAt ?? now();
    const durationMs = at - this.startedAt;
    this.lab.record(this.sessionId, {
      at,
      origin: 'server',
      protocol: this.protocol,
      kind: 'response',
      dir: 'out',
      stream: this.stream,
      bytes,
      summary: `${res.statusCode} ${res.statusMessage} ← ${req.method} ${url.pathname} (${durationMs.toFixed(1)} ms)`,
      // Object.assign rather than a spread between properties, which V8 makes slow (see event-log.ts).
      detail: Object.assign(previewBody(text), {
        method: req.method,
        url: this.target,
        status: res.statusCode,
        statusText: res.statusMessage,
        headers,
        bodyTruncated: bytes > BODY_PREVIEW_LIMIT,
        durationMs,
      }),
    });
  }

  private previewText(): string {
    const parts = this.preview;
    if (parts.every((part) => typeof part === 'string')) return parts.join('');
    return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part))).toString('utf8');
  }
}

/**
 * Starts recording an exchange on the session's timeline. `res` must come from
 * a server created with TappedResponse (the lab's is).
 */
export function tapExchange(
  lab: Lab,
  sessionId: string,
  protocol: Protocol,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): ExchangeTap {
  if (!(res instanceof TappedResponse)) {
    throw new Error('tapExchange: the server must be created with { ServerResponse: TappedResponse }');
  }
  const tap = new ExchangeTap(lab, sessionId, protocol, req, url);
  res.exchange = tap;
  res.on('finish', onFinish);
  return tap;
}
