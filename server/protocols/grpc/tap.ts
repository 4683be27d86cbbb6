import { fromBinary, toJsonString } from '@bufbuild/protobuf';
import type { UniversalHandler, UniversalServerRequest, UniversalServerResponse } from '@connectrpc/connect/protocol';
import { now } from '../../../lib/clock';
import { type EventInput, previewBody } from '../../../lib/timeline';
import { ENVELOPE_FLAGS, type Envelope, EnvelopeSplitter, parseTrailerBlock } from '../../../proto/envelope';
import type { Lab } from '../../lab';
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

/**
 * Records one RPC on the session's timeline from the bytes themselves: the
 * request (protocol, content type, headers), every message with its exact
 * encoded bytes (envelope included), end-of-stream frames, and the status.
 *
 * Connect interceptors see decoded messages, never bytes, so this wraps the
 * universal handler instead: it observes the request and response byte
 * streams on their way through, without changing them.
 */
export async function tappedCall(
  lab: Lab,
  handler: UniversalHandler,
  uReq: UniversalServerRequest,
  site: CallSite,
): Promise<UniversalServerResponse> {
  const url = new URL(uReq.url, 'http://lab.invalid');
  const format = wireFormat(uReq.method, uReq.header.get('content-type'), url.searchParams);
  const rpc = handler.method.name;
  // Object.assign rather than `{ ...base, … }`: V8's spread before other properties is slow,
  // and this runs for every message of every call (see server/lab/event-log.ts).
  const record = (event: Omit<EventInput, 'protocol' | 'conn' | 'stream' | 'origin'> & Partial<Pick<EventInput, 'origin'>>) =>
    lab.record(
      site.sessionId,
      Object.assign({ origin: 'server', protocol: 'grpc', conn: site.conn, stream: site.stream } as const, event),
    );
  const startedAt = now();
  const fields = {
    rpc: `${handler.service.typeName}/${rpc}`,
    protocol: format.protocol,
    codec: format.codec,
    kind: handler.method.methodKind,
    http: site.httpVersion,
  };
  if (site.terminal) {
    record({
      at: startedAt,
      origin: 'terminal',
      kind: 'request',
      dir: 'out',
      summary: `${site.terminal}: ${rpc} over ${format.protocol}`,
      detail: { method: uReq.method, url: url.pathname, fields: { client: site.terminal, ...fields } },
    });
  }
  record({
    at: startedAt,
    kind: 'request',
    dir: 'in',
    summary: `${format.protocol} ${rpc} (${handler.method.methodKind.replace('_', ' ')}) — ${uReq.method} HTTP/${site.httpVersion}, ${uReq.header.get('content-type') ?? 'no content type'}`,
    detail: { method: uReq.method, url: `${url.pathname}${url.search}`, headers: headerRecord(uReq.header), fields },
  });

  const counts = { in: 0, out: 0 };
  const recordMessage = (dir: 'in' | 'out', schema: Schema, bytes: Uint8Array, envelope: Envelope | undefined) => {
    const flags = envelope?.flags ?? 0;
    const endFrame = (flags & (ENVELOPE_FLAGS.connectEndStream | ENVELOPE_FLAGS.grpcWebTrailers)) !== 0;
    const data = envelope?.data ?? bytes;
    const text = endFrame ? endFrameText(flags, data) : decodeForDisplay(schema, data, format, flags);
    const index = endFrame ? undefined : ++counts[dir];
    record({
      kind: endFrame ? 'frame' : 'message',
      dir,
      bytes: bytes.length,
      summary: endFrame
        ? `${rpc} ${flags & ENVELOPE_FLAGS.grpcWebTrailers ? 'trailers frame' : 'end-of-stream frame'} (${bytes.length} bytes): ${text}`
        : `${rpc} ${dir === 'in' ? 'request' : 'response'} message #${index}: ${envelope ? `5-byte envelope + ${data.length}` : data.length} bytes (${format.codec})`,
      detail: Object.assign(previewBody(text), {
        raw: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
        fields: {
          rpc: fields.rpc,
          protocol: format.protocol,
          codec: format.codec,
          message: schema.typeName,
          envelope: envelope !== undefined,
          ...(envelope ? { flags, length: data.length } : {}),
          ...(index ? { index } : {}),
        },
      }),
    });
  };

  const observed: UniversalServerRequest = { ...uReq };
  if (format.get) {
    const message = connectGetMessage(url.searchParams);
    if (message) recordMessage('in', handler.method.input, message, undefined);
  } else if (isByteStream(uReq.body)) {
    observed.body = observeBytes(uReq.body, format, (bytes, envelope) =>
      recordMessage('in', handler.method.input, bytes, envelope),
    );
  }

  const uRes = await handler(observed);
  const responseBody = uRes.body;
  let status: { code: string; message?: string } | undefined;
  const finish = () => {
    status ??= statusOf(format, uRes, undefined);
    const durationMs = now() - startedAt;
    record({
      kind: 'response',
      dir: 'out',
      summary: `${rpc} → ${status.code}${status.message ? `: ${status.message}` : ''} (HTTP ${uRes.status}, ${counts.in} in / ${counts.out} out, ${durationMs.toFixed(1)} ms)`,
      detail: {
        status: uRes.status,
        code: status.code,
        reason: status.message,
        headers: headerRecord(uRes.header),
        durationMs,
        fields: { ...fields, messagesIn: counts.in, messagesOut: counts.out, ...prefixed('trailer.', uRes.trailer) },
      },
    });
  };
  if (!responseBody) {
    finish();
    return uRes;
  }
  const unaryBody: Uint8Array[] = [];
  return {
    ...uRes,
    body: observeBytes(
      responseBody,
      format,
      (bytes, envelope) => {
        if (envelope) {
          if (envelope.flags & (ENVELOPE_FLAGS.connectEndStream | ENVELOPE_FLAGS.grpcWebTrailers)) {
            status = statusOf(format, uRes, envelope);
          }
          recordMessage('out', handler.method.output, bytes, envelope);
        } else if (uRes.status === 200) {
          recordMessage('out', handler.method.output, bytes, undefined);
        } else {
          unaryBody.push(bytes);
          status = statusOf(format, uRes, undefined, bytes);
        }
      },
      finish,
    ),
  };
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
