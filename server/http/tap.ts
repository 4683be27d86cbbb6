import { type IncomingMessage, ServerResponse } from 'node:http';
import { now } from '../../lib/clock';
import { TRACE_HEADER } from '../../lib/lab-info';
import { BODY_PREVIEW_LIMIT, cutText, type EventDetail, type EventInput, type Protocol, previewBody } from '../../lib/timeline';
import type { Lab } from '../lab';
import type { EventDescriber } from '../lab/event-log';
import { Repeats } from '../lab/repeats';
import { requestHeaderRecord } from './headers';
import { terminalClient } from './session';

/**
 * The lab server's response class (`createServer({ ServerResponse: TappedResponse })`).
 *
 * While an exchange is being recorded, its writes pass through `exchange`,
 * and `end()` completes the record. The hooks live on the prototype, so a
 * recorded request costs one small object, where wrapping
 * `write`/`end`/`writeHead` on each response took three bound functions and a
 * handful of closures per request, and a 'finish' listener took two more
 * calls (see the REST section of docs/PERFORMANCE.md). Unrecorded responses
 * (pages, the lab's own controls) only pay an `undefined` check per call.
 */
export class TappedResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  exchange: ExchangeTap | undefined = undefined;

  override writeHead(statusCode: number, reason?: unknown, headers?: unknown): this {
    this.exchange?.sending();
    return (super.writeHead as (status: number, reason?: unknown, headers?: unknown) => this)(statusCode, reason, headers);
  }

  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    this.exchange?.capture(chunk, encoding);
    return (super.write as (...args: unknown[]) => boolean)(chunk, encoding, callback);
  }

  override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
    const { exchange } = this;
    if (!exchange) return (super.end as (...args: unknown[]) => this)(chunk, encoding, callback);
    this.exchange = undefined;
    exchange.capture(chunk, encoding);
    const result = (super.end as (...args: unknown[]) => this)(chunk, encoding, callback);
    // Node has now built the status line and headers it sends (`_header`): the record keeps that string.
    exchange.finished(this);
    return result;
  }
}

/** The header block Node wrote for a response ("HTTP/1.1 200 OK\r\nName: value\r\n…\r\n\r\n"). */
function sentHead(res: ServerResponse): string {
  const head = (res as unknown as { _header?: unknown })._header;
  return typeof head === 'string' ? head : '';
}

const CONTENT_TYPE = /\r\ncontent-type:[ \t]*([^\r]*)/i;

/** The response's content type: from its header map, or from the head it sent when `writeHead(status, headers)` bypassed the map. */
function sentContentType(res: ServerResponse, head: string): unknown {
  return res.getHeader('content-type') ?? CONTENT_TYPE.exec(head)?.[1];
}

function isTextual(contentType: unknown): boolean {
  return typeof contentType !== 'string' || /json|text|xml|x-www-form-urlencoded/.test(contentType);
}

/**
 * Follows one HTTP exchange while it happens: the request as it arrived, then
 * the response as it is written (status, headers, size, body preview,
 * duration). Handlers don't know it is there. It lives until the response is
 * finished; what the timeline keeps is its ExchangeRecord.
 */
class ExchangeTap {
  private readonly record: ExchangeRecord;
  private startedAt = now();
  /** When the response began to leave. The record is completed at `end()`, but the event is placed here on the timeline. */
  private sentAt: number | undefined = undefined;
  /** The first BODY_PREVIEW_LIMIT bytes (or characters) of the body, as written. */
  private readonly preview: (string | Buffer)[] = [];
  private previewRoom = BODY_PREVIEW_LIMIT;
  private bytes = 0;

  constructor(
    private readonly lab: Lab,
    private readonly sessionId: string,
    protocol: Protocol,
    req: IncomingMessage,
  ) {
    this.record = new ExchangeRecord(protocol, req);
  }

  sending(): void {
    this.sentAt ??= now();
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
          ? cutText(chunk, this.previewRoom)
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
  request(req: IncomingMessage, body: Buffer, at: number): void {
    const { lab, sessionId, record } = this;
    this.startedAt = at;
    const terminal = terminalClient(req);
    if (terminal) {
      // The terminal can't report for itself: its send is recorded here, just before the arrival.
      lab.record(sessionId, {
        at,
        origin: 'terminal',
        protocol: record.protocol,
        kind: 'request',
        dir: 'out',
        stream: record.stream,
        bytes: body.length,
        summary: `${terminal}: ${record.method} ${record.target}`,
        detail: { method: record.method, url: record.target, fields: { client: terminal } },
      });
    }
    record.requestBody(body, isTextual(req.headers['content-type']));
    lab.defer(sessionId, record, 'request', at);
  }

  finished(res: TappedResponse): void {
    const sentAt = this.sentAt ?? now();
    const head = sentHead(res);
    const text = isTextual(sentContentType(res, head)) ? this.previewText() : undefined;
    this.record.response(res, head, this.bytes, text, sentAt - this.startedAt);
    this.lab.defer(this.sessionId, this.record, 'response', sentAt);
  }

  private previewText(): string {
    const parts = this.preview;
    if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
    if (parts.every((part) => typeof part === 'string')) return parts.join('');
    return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part))).toString('utf8');
  }
}

/** What the records keep, one copy per run of equal values (see Repeats): clients resend the same headers, a GET answers the same body. */
const kept = {
  httpVersion: new Repeats<string>(),
  target: new Repeats<string>(),
  stream: new Repeats<string>(),
  requestHeaders: new Repeats<string>(),
  requestText: new Repeats<string>(),
  responseHead: new Repeats<string>(),
  responseText: new Repeats<string>(),
};

/**
 * What the timeline keeps of one exchange, and the describer of its two
 * events. It is kept as long as the events, so it is a handful of strings:
 * the request's raw header list joined into one (HTTP header names and values
 * never contain a newline), the response's header block as Node wrote it,
 * and the body previews; words and header records are made only when the
 * timeline reads the events. Every object kept here
 * is one the garbage collector copies and promotes at thousands of requests a
 * second (see the REST section of docs/PERFORMANCE.md).
 */
class ExchangeRecord implements EventDescriber<'request' | 'response'> {
  readonly method: string;
  readonly stream: string | undefined;
  /** The request target as it arrived (path and query). */
  readonly target: string;
  private readonly httpVersion: string;
  /** Node's raw request header list, joined with "\n". */
  private readonly requestHeaders: string;
  private requestBytes = 0;
  /** The request body's preview, made at once: keeping the whole body until the event is read could hold megabytes. */
  private requestText: string | undefined = undefined;
  private requestTruncated = false;
  private status = 0;
  private statusText = '';
  /** The status line and headers exactly as Node sent them. */
  private responseHead = '';
  private responseBytes = 0;
  /** The response body's preview (undefined if not text). */
  private responseText: string | undefined = undefined;
  /** In microseconds, a small integer: a fractional number field would be one more object to keep. */
  private durationMicros = 0;

  constructor(
    readonly protocol: Protocol,
    req: IncomingMessage,
  ) {
    this.method = req.method ?? 'GET';
    const trace = traceOf(req);
    this.stream = trace === undefined ? undefined : kept.stream.keep(trace);
    this.target = kept.target.keep(req.url ?? '/');
    this.httpVersion = kept.httpVersion.keep(req.httpVersion); // Node makes a new "1.1" for every request
    this.requestHeaders = kept.requestHeaders.keep(req.rawHeaders.join('\n'));
  }

  requestBody(body: Buffer, textual: boolean): void {
    this.requestBytes = body.length;
    if (body.length === 0) return;
    const { body: text, bodyTruncated } = previewBody(
      textual ? body.toString('utf8', 0, 4 * BODY_PREVIEW_LIMIT) : `<${body.length} bytes>`,
    );
    this.requestText = text === undefined ? undefined : kept.requestText.keep(text);
    // The text was cut at 4 bytes per character at most, so the preview flags a cut only if the body was longer.
    this.requestTruncated = bodyTruncated === true || body.length > 4 * BODY_PREVIEW_LIMIT;
  }

  response(res: ServerResponse, head: string, bytes: number, text: string | undefined, durationMs: number): void {
    this.status = res.statusCode;
    this.statusText = res.statusMessage;
    this.responseHead = kept.responseHead.keep(head);
    this.responseBytes = bytes;
    this.responseText = text === undefined ? undefined : kept.responseText.keep(text);
    this.durationMicros = Math.round(durationMs * 1000);
  }

  describe(part: 'request' | 'response'): EventInput {
    return part === 'request' ? this.describeRequest() : this.describeResponse();
  }

  private describeRequest(): EventInput {
    const { method, target, protocol, stream } = this;
    const headers = this.requestHeaders === '' ? {} : requestHeaderRecord(this.requestHeaders.split('\n'));
    const detail: EventDetail = { method, url: target, headers };
    if (this.requestText !== undefined) detail.body = this.requestText;
    if (this.requestTruncated) detail.bodyTruncated = true;
    return {
      origin: 'server',
      protocol,
      kind: 'request',
      dir: 'in',
      stream,
      bytes: this.requestBytes,
      summary: `${method} ${target} — HTTP/${this.httpVersion} arrived`,
      detail,
    };
  }

  private describeResponse(): EventInput {
    const { method, target, responseBytes: bytes, status, statusText, protocol, stream } = this;
    const headers = sentHeaderRecord(this.responseHead);
    const text = this.responseText ?? `<${bytes} bytes>`;
    const durationMs = this.durationMicros / 1000;
    const path = target.split('?', 1)[0];
    return {
      origin: 'server',
      protocol,
      kind: 'response',
      dir: 'out',
      stream,
      bytes,
      summary: `${status} ${statusText} ← ${method} ${path} (${durationMs.toFixed(1)} ms)`,
      detail: {
        ...previewBody(text),
        method,
        url: target,
        status,
        statusText,
        headers,
        bodyTruncated: bytes > BODY_PREVIEW_LIMIT,
        durationMs,
      },
    };
  }
}

/** The headers of a header block Node sent, as a record: lower-case names, repeats joined with ", ". */
function sentHeaderRecord(head: string): Record<string, string> {
  const record: Record<string, string> = {};
  const lines = head.split('\r\n');
  // lines[0] is the status line; the block ends with an empty line.
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    record[name] = name in record ? `${record[name]}, ${value}` : value;
  }
  return record;
}

function traceOf(req: IncomingMessage): string | undefined {
  const trace = req.headers[TRACE_HEADER];
  return typeof trace === 'string' ? trace : undefined;
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
): ExchangeTap {
  if (!(res instanceof TappedResponse)) {
    throw new Error('tapExchange: the server must be created with { ServerResponse: TappedResponse }');
  }
  const tap = new ExchangeTap(lab, sessionId, protocol, req);
  res.exchange = tap;
  return tap;
}
