import { fromBinary, toJsonString } from '@bufbuild/protobuf';
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from '@connectrpc/connect/protocol';
import { now } from '../../../lib/clock';
import { type EventInput, previewBody } from '../../../lib/timeline';
import {
  ENVELOPE_FLAGS,
  ENVELOPE_HEADER_BYTES,
  type Envelope,
  EnvelopeSplitter,
  parseTrailerBlock,
} from '../../../proto/envelope';
import { requestHeaderRecord } from '../../http/headers';
import type { Lab } from '../../lab';
import type { EventDescriber } from '../../lab/event-log';
import { Repeats, sameItems } from '../../lab/repeats';
import { codeFromHttpStatus, codeName, type WireFormat, wireFormat } from './wire';

/** Who is calling, over what: worked out by the adapter from the socket and headers. */
export interface CallSite {
  sessionId: string;
  /** Logical connection id (one per TCP connection): HTTP/2 streams of one connection share it. */
  conn: string;
  /** The browser's trace id, else the HTTP/2 stream id, else a counter. */
  stream: string;
  httpVersion: string;
  /** Node's raw request header list (`req.rawHeaders`). */
  rawHeaders: string[];
  /** Set for terminal clients (buf curl, grpcurl): the server records their side too. */
  terminal?: string;
}

type Schema = UniversalHandler['method']['input'];

/** One decoder for every call: constructing one per message showed up in the benchmark's profile. */
const utf8 = new TextDecoder();

/** Headers as one string, "name\nvalue\n…" (values never hold a newline): one object to keep instead of a Headers map. */
function flatHeaders(headers: Headers | undefined): string {
  const flat: string[] = [];
  headers?.forEach((value, name) => {
    flat.push(name, value);
  });
  return flat.join('\n');
}

/** flatHeaders' string back as a record, names prefixed with `prefix`. */
function headerRecord(flat: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (flat === '') return out;
  const list = flat.split('\n');
  for (let i = 0; i + 1 < list.length; i += 2) out[`${prefix}${list[i]}`] = list[i + 1] as string;
  return out;
}

/**
 * Which event of a call: its request (and the terminal's send), its response,
 * or one of its messages — a number, the message's position in CallRecord's
 * list, so a message event costs the log no object of its own.
 */
type CallPart = 'terminal' | 'request' | 'response' | number;

function isEndFrame(flags: number): boolean {
  return (flags & (ENVELOPE_FLAGS.connectEndStream | ENVELOPE_FLAGS.grpcWebTrailers)) !== 0;
}

/**
 * Records one RPC on the session's timeline from the bytes themselves: the
 * request (protocol, content type, headers), every message with its exact
 * encoded bytes (envelope included), end-of-stream frames, and the status.
 *
 * Connect interceptors see decoded messages, never bytes, so this wraps the
 * universal handler instead: it observes the request and response byte
 * streams on their way through, without changing them. What it records is
 * described only when the timeline reads it (see EventDescriber): decoding
 * each message to JSON for display was the tap's largest cost.
 */
export function tappedCall(
  lab: Lab,
  handler: UniversalHandler,
  uReq: UniversalServerRequest,
  site: CallSite,
): Promise<UniversalServerResponse> {
  const call = new CallRecord(lab, handler, uReq, site);
  const { format } = call;
  let body = uReq.body;
  if (format.get) {
    const message = connectGetMessage(new URL(uReq.url).searchParams);
    if (message) call.message('in', message);
  } else if (isByteStream(body)) {
    body = new ByteObserver(body, format, (bytes) => call.message('in', bytes));
  }
  // Not async, and the request and response rebuilt field by field rather than spread: this runs
  // on every call, and each async layer and generic object copy is work the bare server doesn't do.
  return handler(observedRequest(uReq, body)).then((uRes) => {
    const responseBody = uRes.body;
    if (!responseBody) {
      call.finished(uRes);
      return uRes;
    }
    return {
      status: uRes.status,
      header: uRes.header,
      trailer: uRes.trailer,
      body: new ByteObserver(
        responseBody,
        format,
        (bytes, envelope) => call.sent(uRes, bytes, envelope),
        () => call.finished(uRes),
      ),
    };
  });
}

function observedRequest(uReq: UniversalServerRequest, body: UniversalServerRequest['body']): UniversalServerRequest {
  return {
    httpVersion: uReq.httpVersion,
    method: uReq.method,
    url: uReq.url,
    header: uReq.header,
    body,
    signal: uReq.signal,
    contextValues: uReq.contextValues,
  };
}

/** What the records keep, one copy per run of equal values (see Repeats): calls repeat their headers, and often their messages. */
const kept = {
  url: new Repeats<string>(),
  httpVersion: new Repeats<string>(),
  stream: new Repeats<string>(),
  requestHeaders: new Repeats<string>(),
  contentType: new Repeats<string | null>(),
  responseHeaders: new Repeats<string>(),
  trailers: new Repeats<string>(),
  // Compared item by item: wrapping a small message in a Buffer would make V8 move its bytes out of the heap.
  messages: { in: new Repeats<Uint8Array>(sameItems), out: new Repeats<Uint8Array>(sameItems) },
};

interface Status {
  code: string;
  message?: string;
}

/**
 * What one call did, and how each of its events reads. It lives as long as
 * the call's timeline events, so it keeps few objects: strings for the URL
 * and the header lists, the exact bytes of each message, small integers for
 * the rest. Never the request or the socket.
 */
class CallRecord implements EventDescriber<CallPart> {
  readonly format: WireFormat;
  private readonly sessionId: string;
  private readonly startedAt = now();
  private readonly url: string;
  private readonly method: string;
  private readonly conn: string;
  private readonly stream: string;
  private readonly httpVersion: string;
  private readonly terminal: string | undefined;
  /** Node's raw request header list, joined with "\n" (header values never hold a newline). */
  private readonly requestHeaders: string;
  private readonly contentType: string | null;
  /** Each message's exact bytes (envelope included), in arrival order… */
  private readonly messages: Uint8Array[] = [];
  /** …and for each, its direction and number: `index << 1 | (out ? 1 : 0)`, index 0 for end-of-stream frames. */
  private readonly messageTags: number[] = [];
  private messagesIn = 0;
  private messagesOut = 0;
  private status = 0;
  /** The status code's name once known ("ok", "not_found"…), from the last frame, trailers or HTTP status. */
  private code = '';
  private reason: string | undefined = undefined;
  private responseHeaders = '';
  private trailers = '';
  /** In microseconds, a small integer: a fractional number field would be one more object to keep. */
  private durationMicros = 0;
  /** The call's signal until it ends (then let go: the record outlives the call)… */
  private signal: AbortSignal | undefined;
  /** …and whether the connection was already gone by then (a drop, or the client left): nobody got the status. */
  private clientGone = false;

  constructor(
    private readonly lab: Lab,
    private readonly handler: UniversalHandler,
    uReq: UniversalServerRequest,
    site: CallSite,
  ) {
    this.sessionId = site.sessionId;
    this.signal = uReq.signal;
    this.url = kept.url.keep(uReq.url);
    this.method = uReq.method;
    this.conn = site.conn;
    this.stream = kept.stream.keep(site.stream);
    this.httpVersion = kept.httpVersion.keep(site.httpVersion);
    this.terminal = site.terminal;
    this.requestHeaders = kept.requestHeaders.keep(site.rawHeaders.join('\n'));
    this.contentType = kept.contentType.keep(uReq.header.get('content-type'));
    this.format = wireFormat(uReq.method, this.contentType, () => new URL(uReq.url).searchParams);
    if (site.terminal) lab.defer(this.sessionId, this, 'terminal', this.startedAt);
    lab.defer(this.sessionId, this, 'request', this.startedAt);
  }

  /** Records a message (or end-of-stream frame) with its exact bytes. */
  message(dir: 'in' | 'out', bytes: Uint8Array): void {
    const end = this.format.enveloped && isEndFrame(bytes[0] ?? 0);
    const index = end ? 0 : dir === 'in' ? ++this.messagesIn : ++this.messagesOut;
    this.messageTags.push((index << 1) | (dir === 'out' ? 1 : 0));
    this.lab.defer<CallPart>(this.sessionId, this, this.messages.push(kept.messages[dir].keep(bytes)) - 1);
  }

  /** A piece of the response body: a message, the last frame (which carries the status), or a unary error body. */
  sent(uRes: UniversalServerResponse, bytes: Uint8Array, envelope: Envelope | undefined): void {
    if (envelope) {
      if (isEndFrame(envelope.flags)) this.setStatus(statusOf(this.format, uRes, envelope));
      this.message('out', bytes);
    } else if (uRes.status === 200) {
      this.message('out', bytes);
    } else {
      this.setStatus(statusOf(this.format, uRes, undefined, bytes));
    }
  }

  finished(uRes: UniversalServerResponse): void {
    const endedAt = now();
    if (this.code === '') this.setStatus(statusOf(this.format, uRes, undefined));
    this.status = uRes.status;
    this.clientGone = this.signal?.aborted === true;
    this.signal = undefined;
    this.responseHeaders = kept.responseHeaders.keep(flatHeaders(uRes.header));
    this.trailers = kept.trailers.keep(flatHeaders(uRes.trailer));
    this.durationMicros = Math.round((endedAt - this.startedAt) * 1000);
    this.lab.defer(this.sessionId, this, 'response', endedAt);
  }

  private setStatus(status: Status): void {
    this.code = status.code;
    this.reason = status.message;
  }

  describe(part: CallPart): EventInput {
    const base = { origin: 'server', protocol: 'grpc', conn: this.conn, stream: this.stream } as const;
    if (part === 'terminal') return { ...base, ...this.terminalRequest() };
    if (part === 'request') return { ...base, ...this.request() };
    if (part === 'response') return { ...base, ...this.responded() };
    return { ...base, ...this.describeMessage(part) };
  }

  private get rpc(): string {
    return this.handler.method.name;
  }

  private fields() {
    const { handler, format } = this;
    return {
      rpc: `${handler.service.typeName}/${handler.method.name}`,
      protocol: format.protocol,
      codec: format.codec,
      kind: handler.method.methodKind,
      http: this.httpVersion,
    };
  }

  private terminalRequest() {
    const client = this.terminal ?? 'terminal';
    return {
      origin: 'terminal',
      kind: 'request',
      dir: 'out',
      summary: `${client}: ${this.rpc} over ${this.format.protocol}`,
      detail: { method: this.method, url: new URL(this.url).pathname, fields: { client, ...this.fields() } },
    } as const;
  }

  private request() {
    const { format, method, httpVersion } = this;
    const url = new URL(this.url);
    const headers = this.requestHeaders === '' ? {} : requestHeaderRecord(this.requestHeaders.split('\n'));
    return {
      kind: 'request',
      dir: 'in',
      summary: `${format.protocol} ${this.rpc} (${this.handler.method.methodKind.replace('_', ' ')}) — ${method} HTTP/${httpVersion}, ${this.contentType ?? 'no content type'}`,
      detail: { method, url: `${url.pathname}${url.search}`, headers, fields: this.fields() },
    } as const;
  }

  private responded() {
    if (this.status === 0) throw new Error('CallRecord: the response event is described only after finished()');
    const { status, code, reason } = this;
    const durationMs = this.durationMicros / 1000;
    return {
      kind: 'response',
      dir: 'out',
      summary: `${this.rpc} → ${code}${reason ? `: ${reason}` : ''} (HTTP ${status}, ${this.messagesIn} in / ${this.messagesOut} out, ${durationMs.toFixed(1)} ms)${this.clientGone ? ' — after the connection had closed: the client never got this status' : ''}`,
      detail: {
        status,
        code,
        reason,
        headers: headerRecord(this.responseHeaders),
        durationMs,
        fields: {
          ...this.fields(),
          messagesIn: this.messagesIn,
          messagesOut: this.messagesOut,
          ...(this.clientGone ? { clientGone: true } : {}),
          ...headerRecord(this.trailers, 'trailer.'),
        },
      },
    } as const;
  }

  private describeMessage(position: number) {
    const { format, rpc } = this;
    const bytes = this.messages[position] as Uint8Array;
    const tag = this.messageTags[position] as number;
    const dir = tag & 1 ? 'out' : 'in';
    const index = tag >> 1;
    const schema = dir === 'in' ? this.handler.method.input : this.handler.method.output;
    const enveloped = format.enveloped;
    const flags = enveloped ? (bytes[0] ?? 0) : 0;
    const endFrame = enveloped && isEndFrame(flags);
    const data = enveloped ? bytes.subarray(ENVELOPE_HEADER_BYTES) : bytes;
    const text = endFrame ? endFrameText(flags, data) : decodeForDisplay(schema, data, format, flags);
    return {
      kind: endFrame ? 'frame' : 'message',
      dir,
      bytes: bytes.length,
      summary: endFrame
        ? `${rpc} ${flags & ENVELOPE_FLAGS.grpcWebTrailers ? 'trailers frame' : 'end-of-stream frame'} (${bytes.length} bytes): ${text}`
        : `${rpc} ${dir === 'in' ? 'request' : 'response'} message #${index}: ${enveloped ? `5-byte envelope + ${data.length}` : data.length} bytes (${format.codec})`,
      detail: {
        ...previewBody(text),
        raw: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
        fields: {
          rpc: `${this.handler.service.typeName}/${rpc}`,
          protocol: format.protocol,
          codec: format.codec,
          message: schema.typeName,
          envelope: enveloped,
          ...(enveloped ? { flags, length: data.length } : {}),
          ...(index ? { index } : {}),
        },
      },
    } as const;
  }
}

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * Passes a byte stream through unchanged, reporting each whole message: each
 * envelope as it completes, or (Connect unary) the whole body at the end.
 * `onEnd` runs once, however the stream ends (done, failed, or abandoned).
 *
 * One object that is its own iterator, with plain methods that pass the inner
 * iterator's promise on: an async generator or async methods would add their
 * own promises and resumptions to every call (see the gRPC section of
 * docs/PERFORMANCE.md).
 */
class ByteObserver implements AsyncIterableIterator<Uint8Array> {
  private readonly inner: AsyncIterator<Uint8Array>;
  private readonly splitter: EnvelopeSplitter | undefined;
  private readonly whole: Uint8Array[] = [];
  private ended = false;

  constructor(
    source: AsyncIterable<Uint8Array>,
    format: WireFormat,
    private readonly onMessage: (bytes: Uint8Array, envelope: Envelope | undefined) => void,
    private readonly onEnd?: () => void,
  ) {
    this.inner = source[Symbol.asyncIterator]();
    this.splitter = format.enveloped ? new EnvelopeSplitter() : undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.ended) return Promise.resolve(DONE);
    return this.inner.next().then(
      (result) => this.seen(result),
      (error: unknown) => {
        this.end();
        throw error;
      },
    );
  }

  return(value?: unknown): Promise<IteratorResult<Uint8Array>> {
    this.end();
    const inner = this.inner.return?.(value);
    return inner ? inner.then((result) => result ?? DONE) : Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<Uint8Array>> {
    this.end();
    return this.inner.throw ? this.inner.throw(error) : Promise.reject(error);
  }

  private seen(result: IteratorResult<Uint8Array>): IteratorResult<Uint8Array> {
    if (result.done) {
      if (!this.splitter && this.whole.length > 0) this.onMessage(Buffer.concat(this.whole), undefined);
      this.end();
      return result;
    }
    if (this.splitter) for (const envelope of this.splitter.push(result.value)) this.onMessage(envelope.raw, envelope);
    else this.whole.push(result.value);
    return result;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd?.();
  }
}

/** A message as a student can read it: JSON, whichever codec carried it. */
function decodeForDisplay(schema: Schema, data: Uint8Array, format: WireFormat, flags: number): string {
  if (flags & ENVELOPE_FLAGS.compressed) return `<${data.length} compressed bytes>`;
  if (format.codec === 'json') return utf8.decode(data);
  try {
    return toJsonString(schema, fromBinary(schema, data));
  } catch (error: unknown) {
    return `<not a valid ${schema.typeName}: ${(error as Error).message}>`;
  }
}

function endFrameText(flags: number, data: Uint8Array): string {
  if (flags & ENVELOPE_FLAGS.grpcWebTrailers) {
    return Object.entries(parseTrailerBlock(data))
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
  }
  return utf8.decode(data);
}

/** Connect GET: `?message=` holds the request, base64url-encoded when `base64=1`. */
function connectGetMessage(query: URLSearchParams): Uint8Array | undefined {
  const message = query.get('message');
  if (message === null) return undefined;
  return query.get('base64') === '1' ? Buffer.from(message, 'base64url') : Buffer.from(message, 'utf8');
}

/** Where each protocol puts the status: trailers, a last frame, or the HTTP status and body. */
function statusOf(
  format: WireFormat,
  uRes: UniversalServerResponse,
  endFrame: Envelope | undefined,
  unaryErrorBody?: Uint8Array,
): { code: string; message?: string } {
  if (format.protocol === 'grpc' || (format.protocol === 'grpc-web' && !endFrame)) {
    const raw = uRes.trailer?.get('grpc-status') ?? uRes.header?.get('grpc-status');
    if (raw === null || raw === undefined) return { code: codeFromHttpStatus(uRes.status) };
    const message = uRes.trailer?.get('grpc-message') ?? uRes.header?.get('grpc-message') ?? undefined;
    return { code: codeName(Number(raw)), ...(message ? { message: decodeURIComponent(message) } : {}) };
  }
  if (format.protocol === 'grpc-web' && endFrame) {
    const trailers = parseTrailerBlock(endFrame.data);
    const message = trailers['grpc-message'];
    return { code: codeName(Number(trailers['grpc-status'] ?? 2)), ...(message ? { message: decodeURIComponent(message) } : {}) };
  }
  const json = endFrame ? endFrame.data : unaryErrorBody;
  if (json) {
    try {
      const parsed = JSON.parse(utf8.decode(json)) as {
        code?: string;
        message?: string;
        error?: { code?: string; message?: string };
      };
      const error = endFrame ? parsed.error : parsed;
      if (!error) return { code: 'ok' };
      return { code: error.code ?? 'unknown', ...(error.message ? { message: error.message } : {}) };
    } catch {
      // Not JSON: fall back to the HTTP status.
    }
  }
  return { code: codeFromHttpStatus(uRes.status) };
}
