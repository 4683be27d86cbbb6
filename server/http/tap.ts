import { type IncomingMessage, ServerResponse } from 'node:http';
import { now } from '../../lib/clock';
import { TRACE_HEADER } from '../../lib/lab-info';
import { BODY_PREVIEW_LIMIT, cutText, type EventDetail, type EventInput, type Protocol, previewBody } from '../../lib/timeline';
import type { Lab } from '../lab';
import type { EventDescriber } from '../lab/event-log';
import { Repeats, sameItems } from '../lab/repeats';
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
 * finished; what the timeline keeps is a RequestRecord and a ResponseRecord.
 */
class ExchangeTap {
  private requestRecord: RequestRecord | undefined = undefined;
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
    private readonly protocol: Protocol,
    private readonly req: IncomingMessage,
  ) {}

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
    const { lab, sessionId } = this;
    this.startedAt = at;
    const record = keptRequests.keep(new RequestRecord(this.protocol, req, body));
    this.requestRecord = record;
    // A terminal can't report for itself: its send is recorded here, just before the arrival.
    if (record.client !== undefined) lab.defer(sessionId, record, 'sent', at);
    lab.defer(sessionId, record, 'arrived', at);
  }

  finished(res: TappedResponse): void {
    const sentAt = this.sentAt ?? now();
    const head = sentHead(res);
    const text = isTextual(sentContentType(res, head)) ? this.previewText() : undefined;
    // Refused before its body was read (a 413, say): the response still says what it answered.
    const request = this.requestRecord ?? keptRequests.keep(new RequestRecord(this.protocol, this.req, EMPTY));
    const record = keptResponses.keep(new ResponseRecord(request, res, head, this.bytes, text));
    this.lab.defer(this.sessionId, record, Math.round((sentAt - this.startedAt) * 1000), sentAt);
  }

  private previewText(): string {
    const parts = this.preview;
    if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
    if (parts.every((part) => typeof part === 'string')) return parts.join('');
    return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part))).toString('utf8');
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * What the records keep, one copy per run of equal values (see Repeats): clients resend the same
 * headers, a GET answers the same body. Whole records repeat too: a client that asks the same
 * thing again, and gets the same answer, shares the records of the last time, and the log keeps
 * only each event's time and duration (small numbers, no objects). Every object kept is one the
 * garbage collector copies and promotes at thousands of requests a second (see the REST section
 * of docs/PERFORMANCE.md).
 */
const kept = {
  httpVersion: new Repeats<string>(),
  target: new Repeats<string>(),
  stream: new Repeats<string>(),
  client: new Repeats<string>(),
  rawHeaders: new Repeats<readonly string[]>(sameItems),
  requestText: new Repeats<string>(),
  responseHead: new Repeats<string>(),
  responseText: new Repeats<string>(),
};
// Their fields were kept through `kept`, so equal fields are mostly the same strings, compared at once.
const keptRequests = new Repeats<RequestRecord>((a, b) => a.sameAs(b));
const keptResponses = new Repeats<ResponseRecord>((a, b) => a.sameAs(b));

/**
 * A request as it arrived, and the describer of its events: Node's raw header list, the body's
 * size and preview. Words and header records are made only when the timeline reads the event.
 * Its events are the server's `arrived` and, for a terminal client, which records nothing itself,
 * the terminal's `sent`.
 */
class RequestRecord implements EventDescriber<'sent' | 'arrived'> {
  readonly method: string;
  readonly stream: string | undefined;
  /** The terminal client that sent it (curl/8.5.0…), if not a browser (see terminalClient). */
  readonly client: string | undefined;
  /** The request target as it arrived (path and query). */
  readonly target: string;
  private readonly httpVersion: string;
  /** Node's raw request header list (name, value, name, value…). */
  private readonly rawHeaders: readonly string[];
  private readonly bytes: number;
  /** The body's preview, made at once: keeping the whole body until the event is read could hold megabytes. */
  private readonly text: string | undefined = undefined;
  private readonly truncated: boolean = false;

  constructor(
    readonly protocol: Protocol,
    req: IncomingMessage,
    body: Buffer,
  ) {
    this.method = req.method ?? 'GET';
    const trace = traceOf(req);
    this.stream = trace === undefined ? undefined : kept.stream.keep(trace);
    const client = terminalClient(req);
    this.client = client === undefined ? undefined : kept.client.keep(client);
    this.target = kept.target.keep(req.url ?? '/');
    this.httpVersion = kept.httpVersion.keep(req.httpVersion); // Node makes a new "1.1" for every request
    this.rawHeaders = kept.rawHeaders.keep(req.rawHeaders);
    this.bytes = body.length;
    if (body.length === 0) return;
    const textual = isTextual(req.headers['content-type']);
    const { body: text, bodyTruncated } = previewBody(
      textual ? body.toString('utf8', 0, 4 * BODY_PREVIEW_LIMIT) : `<${body.length} bytes>`,
    );
    this.text = text === undefined ? undefined : kept.requestText.keep(text);
    // The text was cut at 4 bytes per character at most, so the preview flags a cut only if the body was longer.
    this.truncated = bodyTruncated === true || body.length > 4 * BODY_PREVIEW_LIMIT;
  }

  sameAs(other: RequestRecord): boolean {
    return (
      this.target === other.target &&
      this.method === other.method &&
      this.rawHeaders === other.rawHeaders &&
      this.text === other.text &&
      this.bytes === other.bytes &&
      this.stream === other.stream &&
      this.client === other.client &&
      this.protocol === other.protocol &&
      this.httpVersion === other.httpVersion &&
      this.truncated === other.truncated
    );
  }

  describe(part: 'sent' | 'arrived'): EventInput {
    const { method, target, protocol, stream, client } = this;
    if (part === 'sent') {
      return {
        origin: 'terminal',
        protocol,
        kind: 'request',
        dir: 'out',
        stream,
        bytes: this.bytes,
        summary: `${client}: ${method} ${target}`,
        detail: { method, url: target, fields: { client: client ?? '' } },
      };
    }
    const detail: EventDetail = { method, url: target, headers: requestHeaderRecord(this.rawHeaders) };
    if (this.text !== undefined) detail.body = this.text;
    if (this.truncated) detail.bodyTruncated = true;
    return {
      origin: 'server',
      protocol,
      kind: 'request',
      dir: 'in',
      stream,
      bytes: this.bytes,
      summary: `${method} ${target} — HTTP/${this.httpVersion} arrived`,
      detail,
    };
  }
}

/**
 * The answer to a request, and the describer of its event: the status line and headers exactly as
 * Node sent them, the body's size and preview. The event's part is how long the exchange took, in
 * whole microseconds.
 */
class ResponseRecord implements EventDescriber<number> {
  private readonly status: number;
  private readonly statusText: string;
  /** The status line and headers exactly as Node sent them. */
  private readonly head: string;
  /** The body's preview (undefined if not text). */
  private readonly text: string | undefined;

  constructor(
    private readonly request: RequestRecord,
    res: ServerResponse,
    head: string,
    private readonly bytes: number,
    text: string | undefined,
  ) {
    this.status = res.statusCode;
    this.statusText = res.statusMessage;
    this.head = kept.responseHead.keep(head);
    this.text = text === undefined ? undefined : kept.responseText.keep(text);
  }

  sameAs(other: ResponseRecord): boolean {
    return (
      this.request === other.request &&
      this.head === other.head &&
      this.text === other.text &&
      this.bytes === other.bytes &&
      this.status === other.status &&
      this.statusText === other.statusText
    );
  }

  describe(durationMicros: number): EventInput {
    const { bytes, status, statusText } = this;
    const { method, target, protocol, stream } = this.request;
    const text = this.text ?? `<${bytes} bytes>`;
    const durationMs = durationMicros / 1000;
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
        headers: sentHeaderRecord(this.head),
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
