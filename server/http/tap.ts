import { type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { now } from '../../lib/clock';
import { TRACE_HEADER } from '../../lib/lab-info';
import { BODY_PREVIEW_LIMIT, type EventDetail, type EventInput, type Protocol, previewBody } from '../../lib/timeline';
import type { Lab } from '../lab';
import type { EventDescriber } from '../lab/event-log';
import { requestHeaderRecord } from './headers';
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

/** One outgoing header (a string, number or list; `undefined` means unset) into a record like requestHeaderRecord's. */
function addHeader(into: Record<string, string>, name: string, value: unknown): void {
  if (value !== undefined) into[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
}

function isTextual(contentType: unknown): boolean {
  return typeof contentType !== 'string' || /json|text|xml|x-www-form-urlencoded/.test(contentType);
}

function onFinish(this: TappedResponse): void {
  this.exchange?.finished(this);
  this.exchange = undefined;
}

/**
 * Records one HTTP exchange on the session's timeline: the request as it
 * arrived, and the response as it left (status line, headers, size, body
 * preview, duration). Handlers don't know it is there.
 *
 * It is also the describer of both events: it keeps what Node already made
 * (the raw header list, the response's header names and values, the body preview) and
 * turns it into words and records only when the timeline reads the events.
 * It holds no reference to the request, the response or the socket.
 */
class ExchangeTap implements EventDescriber<'request' | 'response'> {
  private readonly method: string;
  private readonly stream: string | undefined;
  /** The request target as it arrived (path and query). */
  private readonly target: string;
  private readonly httpVersion: string;
  private readonly requestHeaders: string[];
  private startedAt = now();
  /** The request body's preview, made at once: keeping the whole body until the event is read could hold megabytes. */
  private requestPreview: Pick<EventDetail, 'body' | 'bodyTruncated'> | undefined = undefined;
  private requestBytes = 0;
  /** When the response began to leave. Recording waits for 'finish', but the event is placed here on the timeline. */
  private sentAt: number | undefined = undefined;
  /** Headers passed to writeHead: Node sends them without adding them to getHeaders() unless one was set before. */
  private headArgument: OutgoingHttpHeaders | undefined = undefined;
  /** The response's headers at 'finish' as `[name, value, …]`: smaller to keep than getHeaders()'s dictionary. */
  private responseHeaders: unknown[] = [];
  private status = 0;
  private statusText = '';
  /** The first BODY_PREVIEW_LIMIT bytes (or characters) of the body, as written. */
  private readonly preview: (string | Buffer)[] = [];
  private previewRoom = BODY_PREVIEW_LIMIT;
  private bytes = 0;

  constructor(
    private readonly lab: Lab,
    private readonly sessionId: string,
    private readonly protocol: Protocol,
    req: IncomingMessage,
  ) {
    this.method = req.method ?? 'GET';
    this.stream = traceOf(req);
    this.target = req.url ?? '/';
    this.httpVersion = req.httpVersion;
    this.requestHeaders = req.rawHeaders;
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
  request(req: IncomingMessage, body: Buffer, at: number): void {
    const { lab, sessionId, protocol, stream } = this;
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
        summary: `${terminal}: ${this.method} ${this.target}`,
        detail: { method: this.method, url: this.target, fields: { client: terminal } },
      });
    }
    this.requestBytes = body.length;
    if (body.length > 0) {
      this.requestPreview = previewBody(
        isTextual(req.headers['content-type']) ? body.toString('utf8', 0, 4 * BODY_PREVIEW_LIMIT) : `<${body.length} bytes>`,
      );
      // The text was cut at 4 bytes per character at most, so the preview flags a cut only if the body was longer.
      if (body.length > 4 * BODY_PREVIEW_LIMIT) this.requestPreview.bodyTruncated = true;
    }
    lab.defer(sessionId, this, 'request', at);
  }

  finished(res: TappedResponse): void {
    for (const name of res.getHeaderNames()) this.responseHeaders.push(name, res.getHeader(name));
    this.status = res.statusCode;
    this.statusText = res.statusMessage;
    this.lab.defer(this.sessionId, this, 'response', this.sentAt ?? now());
  }

  describe(part: 'request' | 'response', at: number): EventInput {
    return part === 'request' ? this.describeRequest() : this.describeResponse(at);
  }

  private describeRequest(): EventInput {
    const { method, target, protocol, stream } = this;
    const detail: EventDetail = { method, url: target, headers: requestHeaderRecord(this.requestHeaders) };
    if (this.requestPreview) Object.assign(detail, this.requestPreview);
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

  private describeResponse(sentAt: number): EventInput {
    const { method, target, bytes, status, statusText, protocol, stream } = this;
    const headers: Record<string, string> = {};
    const set = this.responseHeaders;
    for (let i = 0; i + 1 < set.length; i += 2) addHeader(headers, set[i] as string, set[i + 1]);
    for (const name in this.headArgument) addHeader(headers, name, this.headArgument[name]);
    const text = isTextual(headers['content-type']) ? this.previewText() : `<${bytes} bytes>`;
    const durationMs = sentAt - this.startedAt;
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

  private previewText(): string {
    const parts = this.preview;
    if (parts.every((part) => typeof part === 'string')) return parts.join('');
    return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part))).toString('utf8');
  }
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
  res.on('finish', onFinish);
  return tap;
}
