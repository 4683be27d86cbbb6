import { fromBinary, toJsonString } from '@bufbuild/protobuf';
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from '@connectrpc/connect/protocol';
import { now } from '../../../lib/clock';
import { type EventInput, previewBody } from '../../../lib/timeline';
import { ENVELOPE_FLAGS, type Envelope, EnvelopeSplitter, parseTrailerBlock } from '../../../proto/envelope';
import type { Lab } from '../../lab';
import type { EventDescriber } from '../../lab/event-log';
import { codeFromHttpStatus, codeName, type WireFormat, wireFormat } from './wire';

/** Who is calling, over what: worked out by the adapter from the socket and headers. */
export interface CallSite {
  sessionId: string;
  /** Logical connection id (one per TCP connection): HTTP/2 streams of one connection share it. */
  conn: string;
  /** The browser's trace id, else the HTTP/2 stream id, else a counter. */
  stream: string;
  httpVersion: string;
  /** Set for terminal clients (buf curl, grpcurl): the server records their side too. */
  terminal?: string;
}

type Schema = UniversalHandler['method']['input'];

/** One decoder for every call: constructing one per message showed up in the benchmark's profile. */
const utf8 = new TextDecoder();

function headerRecord(headers: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  headers?.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** One message (or end-of-stream frame) of a call, kept as bytes until the timeline reads it. */
interface MessagePart {
  dir: 'in' | 'out';
  /** The exact bytes on the wire, envelope included. */
  bytes: Uint8Array;
  envelope: Envelope | undefined;
  /** 1-based per direction; undefined for end-of-stream frames. */
  index: number | undefined;
}

type CallPart = 'terminal' | 'request' | 'response' | MessagePart;

function isEndFrame(envelope: Envelope | undefined): boolean {
  return ((envelope?.flags ?? 0) & (ENVELOPE_FLAGS.connectEndStream | ENVELOPE_FLAGS.grpcWebTrailers)) !== 0;
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
export async function tappedCall(
  lab: Lab,
  handler: UniversalHandler,
  uReq: UniversalServerRequest,
  site: CallSite,
): Promise<UniversalServerResponse> {
  const call = new CallRecord(handler, uReq, site);
  const { sessionId } = site;
  if (site.terminal) lab.defer(sessionId, call, 'terminal', call.startedAt);
  lab.defer(sessionId, call, 'request', call.startedAt);

  const counts = { in: 0, out: 0 };
  const recordMessage = (dir: 'in' | 'out', bytes: Uint8Array, envelope: Envelope | undefined) => {
    const index = isEndFrame(envelope) ? undefined : ++counts[dir];
    lab.defer<CallPart>(sessionId, call, { dir, bytes, envelope, index });
  };

  const { format } = call;
  const observed: UniversalServerRequest = { ...uReq };
  if (format.get) {
    const message = connectGetMessage(call.url.searchParams);
    if (message) recordMessage('in', message, undefined);
  } else if (isByteStream(uReq.body)) {
    observed.body = observeBytes(uReq.body, format, (bytes, envelope) => recordMessage('in', bytes, envelope));
  }

  const uRes = await handler(observed);
  const responseBody = uRes.body;
  let status: { code: string; message?: string } | undefined;
  const finish = () => {
    call.finished(uRes, status ?? statusOf(format, uRes, undefined), counts);
    lab.defer(sessionId, call, 'response', call.startedAt + call.durationMs);
  };
  if (!responseBody) {
    finish();
    return uRes;
  }
  return {
    ...uRes,
    body: observeBytes(
      responseBody,
      format,
      (bytes, envelope) => {
        if (envelope) {
          if (isEndFrame(envelope)) status = statusOf(format, uRes, envelope);
          recordMessage('out', bytes, envelope);
        } else if (uRes.status === 200) {
          recordMessage('out', bytes, undefined);
        } else {
          status = statusOf(format, uRes, undefined, bytes);
        }
      },
      finish,
    ),
  };
}

/** What one call did, and how each of its events reads. Holds headers and bytes, never the request or socket. */
class CallRecord implements EventDescriber<CallPart> {
  readonly startedAt = now();
  readonly url: URL;
  readonly format: WireFormat;
  private readonly method: string;
  private readonly requestHeaders: Headers;
  private response:
    | { status: number; headers: Headers | undefined; trailer: Headers | undefined; code: string; message?: string }
    | undefined = undefined;
  private messagesIn = 0;
  private messagesOut = 0;
  durationMs = 0;

  constructor(
    private readonly handler: UniversalHandler,
    uReq: UniversalServerRequest,
    private readonly site: CallSite,
  ) {
    this.url = new URL(uReq.url, 'http://lab.invalid');
    this.method = uReq.method;
    this.requestHeaders = uReq.header;
    this.format = wireFormat(uReq.method, uReq.header.get('content-type'), this.url.searchParams);
  }

  finished(uRes: UniversalServerResponse, status: { code: string; message?: string }, counts: { in: number; out: number }): void {
    this.durationMs = now() - this.startedAt;
    this.messagesIn = counts.in;
    this.messagesOut = counts.out;
    this.response = { status: uRes.status, headers: uRes.header, trailer: uRes.trailer, ...status };
  }

  describe(part: CallPart, at: number): EventInput {
    const base = { origin: 'server', protocol: 'grpc', conn: this.site.conn, stream: this.site.stream } as const;
    if (part === 'terminal') return { ...base, ...this.terminalRequest() };
    if (part === 'request') return { ...base, ...this.request() };
    if (part === 'response') return { ...base, ...this.responded(at) };
    return { ...base, ...this.message(part) };
  }

  private get rpc(): string {
    return this.handler.method.name;
  }

  private fields() {
    const { handler, format, site } = this;
    return {
      rpc: `${handler.service.typeName}/${handler.method.name}`,
      protocol: format.protocol,
      codec: format.codec,
      kind: handler.method.methodKind,
      http: site.httpVersion,
    };
  }

  private terminalRequest() {
    const client = this.site.terminal ?? 'terminal';
    return {
      origin: 'terminal',
      kind: 'request',
      dir: 'out',
      summary: `${client}: ${this.rpc} over ${this.format.protocol}`,
      detail: { method: this.method, url: this.url.pathname, fields: { client, ...this.fields() } },
    } as const;
  }

  private request() {
    const { format, method, url, site } = this;
    return {
      kind: 'request',
      dir: 'in',
      summary: `${format.protocol} ${this.rpc} (${this.handler.method.methodKind.replace('_', ' ')}) — ${method} HTTP/${site.httpVersion}, ${this.requestHeaders.get('content-type') ?? 'no content type'}`,
      detail: { method, url: `${url.pathname}${url.search}`, headers: headerRecord(this.requestHeaders), fields: this.fields() },
    } as const;
  }

  private responded(at: number) {
    const response = this.response;
    if (!response) throw new Error('CallRecord: the response event is described only after finished()');
    const { status, code, message } = response;
    return {
      kind: 'response',
      dir: 'out',
      summary: `${this.rpc} → ${code}${message ? `: ${message}` : ''} (HTTP ${status}, ${this.messagesIn} in / ${this.messagesOut} out, ${(at - this.startedAt).toFixed(1)} ms)`,
      detail: {
        status,
        code,
        reason: message,
        headers: headerRecord(response.headers),
        durationMs: this.durationMs,
        fields: {
          ...this.fields(),
          messagesIn: this.messagesIn,
          messagesOut: this.messagesOut,
          ...prefixed('trailer.', response.trailer),
        },
      },
    } as const;
  }

  private message({ dir, bytes, envelope, index }: MessagePart) {
    const { format, rpc } = this;
    const schema = dir === 'in' ? this.handler.method.input : this.handler.method.output;
    const flags = envelope?.flags ?? 0;
    const endFrame = isEndFrame(envelope);
    const data = envelope?.data ?? bytes;
    const text = endFrame ? endFrameText(flags, data) : decodeForDisplay(schema, data, format, flags);
    return {
      kind: endFrame ? 'frame' : 'message',
      dir,
      bytes: bytes.length,
      summary: endFrame
        ? `${rpc} ${flags & ENVELOPE_FLAGS.grpcWebTrailers ? 'trailers frame' : 'end-of-stream frame'} (${bytes.length} bytes): ${text}`
        : `${rpc} ${dir === 'in' ? 'request' : 'response'} message #${index}: ${envelope ? `5-byte envelope + ${data.length}` : data.length} bytes (${format.codec})`,
      detail: {
        ...previewBody(text),
        raw: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
        fields: {
          rpc: `${this.handler.service.typeName}/${rpc}`,
          protocol: format.protocol,
          codec: format.codec,
          message: schema.typeName,
          envelope: envelope !== undefined,
          ...(envelope ? { flags, length: data.length } : {}),
          ...(index ? { index } : {}),
        },
      },
    } as const;
  }
}

function isByteStream(body: unknown): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}

/**
 * Passes a byte stream through unchanged, reporting each whole message: each
 * envelope as it completes, or (Connect unary) the whole body at the end.
 */
async function* observeBytes(
  source: AsyncIterable<Uint8Array>,
  format: WireFormat,
  onMessage: (bytes: Uint8Array, envelope: Envelope | undefined) => void,
  onEnd?: () => void,
): AsyncIterable<Uint8Array> {
  const splitter = format.enveloped ? new EnvelopeSplitter() : undefined;
  const whole: Uint8Array[] = [];
  try {
    for await (const chunk of source) {
      if (splitter) for (const envelope of splitter.push(chunk)) onMessage(envelope.raw, envelope);
      else whole.push(chunk);
      yield chunk;
    }
    if (!splitter && whole.length > 0) onMessage(Buffer.concat(whole), undefined);
  } finally {
    onEnd?.();
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

function prefixed(prefix: string, headers: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  headers?.forEach((value, name) => {
    out[`${prefix}${name}`] = value;
  });
  return out;
}
