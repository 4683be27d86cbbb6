import { type DescMessage, fromBinary, toJsonString } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-web';
import { now } from '../../../lib/clock';
import { TRACE_HEADER } from '../../../lib/lab-info';
import { previewBody } from '../../../lib/timeline';
import { ENVELOPE_FLAGS, EnvelopeSplitter } from '../../../proto/envelope';
import { type LabFetch, labResponseInfo } from './fetch';
import { headersToRecord, type Recorder, shortId, toBase64 } from './recorder';

/** Where the lab serves Connect and gRPC-Web on its main port. */
export const GRPC_BASE_URL = '/api/grpc';

export type BrowserGrpcProtocol = 'connect' | 'grpc-web';

export interface GrpcClientOptions {
  protocol?: BrowserGrpcProtocol;
  /** Protobuf binary (default) or JSON, for the Connect protocol (gRPC-Web is binary here). */
  binary?: boolean;
  /** Connect only: send NO_SIDE_EFFECTS methods as GET, so the browser's HTTP cache may answer. */
  useHttpGet?: boolean;
  /** Told about every finished call with its exact bytes (hex dumps, the widgets' own views). */
  onCall?: (call: GrpcCall) => void;
}

/** One message (or end-of-stream frame) exactly as it crossed the wire. */
export interface GrpcWireMessage {
  dir: 'out' | 'in';
  /** The bytes as sent: the 5-byte envelope included when the protocol uses one. */
  raw: Uint8Array;
  /** The message alone (raw without the envelope). */
  data: Uint8Array;
  envelope: boolean;
  flags: number;
  /** An end-of-stream/trailers frame rather than a message. */
  endFrame: boolean;
  /** The message as JSON (decoded from the bytes, or the bytes themselves for the JSON codec). */
  json: string;
  at: number;
}

export interface GrpcCall {
  trace: string;
  /** e.g. "GetAccount" */
  rpc: string;
  protocol: BrowserGrpcProtocol;
  httpMethod: string;
  contentType: string;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  httpStatus: number;
  /** Connect's code name ("ok", "not_found", ...). */
  code: string;
  errorMessage?: string;
  /** The browser cache answered (Connect GET). */
  cache?: 'hit' | 'network';
  messages: GrpcWireMessage[];
  inputType: DescMessage;
  outputType: DescMessage;
}

interface Pending {
  call: GrpcCall;
  done: Promise<void>;
  finish: () => void;
}

function codeName(code: number): string {
  return code === 0 ? 'ok' : (Code[code] ?? 'unknown').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * A connect-web transport that puts every call on the timeline: the request
 * (protocol, content type, headers), each message with its exact bytes
 * (envelope included), end-of-stream frames, and the final status.
 *
 * Interceptors see messages, never bytes, so the bytes are read one level
 * down, in the `fetch` the transport uses: the request body as sent, and a
 * tee of the response body as it streams in (the transport reads the other
 * half, so streaming stays streaming). GETs go through the lab's instrumented
 * fetch, which also reports whether the browser cache answered.
 */
export function createGrpcTransport(record: Recorder, labFetch: LabFetch, options: GrpcClientOptions = {}): Transport {
  const protocol = options.protocol ?? 'connect';
  const binary = protocol === 'grpc-web' ? true : (options.binary ?? true);
  const pending = new Map<string, Pending>();

  const interceptor: Interceptor = (next) => async (req) => {
    const trace = shortId('rpc');
    req.header.set(TRACE_HEADER, trace);
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const call: GrpcCall = {
      trace,
      rpc: req.method.name,
      protocol,
      httpMethod: req.requestMethod,
      contentType: '',
      requestHeaders: {},
      responseHeaders: {},
      httpStatus: 0,
      code: 'unknown',
      messages: [],
      inputType: req.method.input,
      outputType: req.method.output,
    };
    pending.set(trace, { call, done, finish });
    const started = now();
    const end = (code: string, message?: string) => {
      call.code = code;
      if (message) call.errorMessage = message;
      record({
        protocol: 'grpc',
        kind: code === 'ok' ? 'response' : 'error',
        dir: 'in',
        stream: call.trace,
        summary: `${call.rpc} → ${code}${message ? `: ${message}` : ''} (${protocol}, ${(now() - started).toFixed(0)} ms)`,
        detail: {
          status: call.httpStatus,
          code,
          ...(message ? { reason: message } : {}),
          headers: call.responseHeaders,
          durationMs: now() - started,
          fields: {
            rpc: call.rpc,
            protocol,
            messagesIn: call.messages.filter((m) => m.dir === 'in' && !m.endFrame).length,
            ...(call.cache ? { cache: call.cache } : {}),
          },
        },
      });
      pending.delete(trace);
      options.onCall?.(call);
    };
    try {
      const res = await next(req);
      if (!res.stream) {
        await done;
        end('ok');
        return res;
      }
      // Server streaming: report once the transport has read the last message.
      const source = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            for await (const m of source) yield m;
            await done;
            end('ok');
          } catch (error: unknown) {
            const e = ConnectError.from(error);
            await done;
            end(codeName(e.code), e.rawMessage);
            throw error;
          }
        })(),
      };
    } catch (error: unknown) {
      const e = ConnectError.from(error);
      // Let the tap finish reading the error body first (it never started if fetch itself failed).
      if (call.httpStatus) await done;
      end(codeName(e.code), e.rawMessage);
      throw error;
    }
  };

  const tappedFetch: typeof globalThis.fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    const trace = headers.get(TRACE_HEADER) ?? '';
    const entry = pending.get(trace);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    const contentType = headers.get('content-type') ?? '';
    const enveloped = contentType.startsWith('application/connect+') || contentType.startsWith('application/grpc-web');
    if (entry) {
      // The transport picks GET (Connect, NO_SIDE_EFFECTS) after the interceptors ran: the fetch knows.
      entry.call.httpMethod = method;
      entry.call.contentType = contentType || 'none (GET: the message is in the query)';
      entry.call.requestHeaders = headersToRecord(headers);
    }
    const body = init?.body instanceof Uint8Array ? init.body : method === 'GET' ? getMessage(url) : new Uint8Array(0);
    record({
      protocol: 'grpc',
      kind: 'request',
      dir: 'out',
      stream: trace,
      bytes: body.length,
      summary: `${entry?.call.rpc ?? url} — ${method} ${contentType || '(query string)'}`,
      detail: { method, url, headers: headersToRecord(headers) },
    });
    if (entry) addMessages(entry.call, 'out', body, enveloped, entry.call.inputType, binary, record);

    let response: Response;
    try {
      response = method === 'GET' ? await labFetch(url, { ...init, protocol: 'grpc' }) : await fetch(input, init);
    } catch (error: unknown) {
      entry?.finish();
      throw error;
    }
    if (!entry) return response;
    entry.call.httpStatus = response.status;
    entry.call.responseHeaders = headersToRecord(response.headers);
    const info = labResponseInfo(response);
    if (info?.cache) entry.call.cache = info.cache;
    if (!response.body) {
      entry.finish();
      return response;
    }
    const [forTransport, forTap] = response.body.tee();
    void readAll(forTap, (chunk) => chunk, enveloped, entry, binary, record).finally(() => entry.finish());
    return new Response(forTransport, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  const common = { baseUrl: GRPC_BASE_URL, interceptors: [interceptor], fetch: tappedFetch };
  return protocol === 'grpc-web'
    ? createGrpcWebTransport({ ...common, useBinaryFormat: true })
    : createConnectTransport({ ...common, useBinaryFormat: binary, useHttpGet: options.useHttpGet ?? false });
}

/** Connect GET: the request message is in `?message=`, base64url when `base64=1`. */
function getMessage(url: string): Uint8Array {
  const query = new URL(url, 'http://lab.invalid').searchParams;
  const message = query.get('message') ?? '';
  if (query.get('base64') !== '1') return new TextEncoder().encode(message);
  const b64 = message.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}

async function readAll(
  stream: ReadableStream<Uint8Array>,
  map: (chunk: Uint8Array) => Uint8Array,
  enveloped: boolean,
  entry: Pending,
  binary: boolean,
  record: Recorder,
): Promise<void> {
  const reader = stream.getReader();
  const splitter = new EnvelopeSplitter();
  const whole: Uint8Array[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = map(value);
      if (enveloped)
        for (const e of splitter.push(chunk)) addMessages(entry.call, 'in', e.raw, true, entry.call.outputType, binary, record);
      else whole.push(chunk);
    }
  } catch {
    // The connection died mid-body (a drop): the transport reports the error; keep what arrived.
    return;
  }
  if (!enveloped && whole.length > 0) {
    const joined = new Uint8Array(whole.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const c of whole) {
      joined.set(c, offset);
      offset += c.length;
    }
    // Connect unary: the body is the message, or (non-200) a JSON error.
    const isError = entry.call.httpStatus !== 200;
    addMessages(entry.call, 'in', joined, false, entry.call.outputType, isError ? false : binary, record, isError);
  }
}

/** Records the message(s) in `bytes`: one unenveloped message, or one enveloped frame. */
function addMessages(
  call: GrpcCall,
  dir: 'out' | 'in',
  bytes: Uint8Array,
  enveloped: boolean,
  schema: DescMessage,
  binary: boolean,
  record: Recorder,
  errorBody = false,
): void {
  if (bytes.length === 0 && !enveloped) return;
  const flags = enveloped ? (bytes[0] ?? 0) : 0;
  const data = enveloped ? bytes.subarray(5) : bytes;
  const endFrame = errorBody || (flags & (ENVELOPE_FLAGS.connectEndStream | ENVELOPE_FLAGS.grpcWebTrailers)) !== 0;
  let json: string;
  if (endFrame || !binary) json = new TextDecoder().decode(data);
  else {
    try {
      json = toJsonString(schema, fromBinary(schema, data), { prettySpaces: 0 });
    } catch (error: unknown) {
      json = `<not a valid ${schema.typeName}: ${(error as Error).message}>`;
    }
  }
  const message: GrpcWireMessage = { dir, raw: bytes, data, envelope: enveloped, flags, endFrame, json, at: now() };
  call.messages.push(message);
  const index = call.messages.filter((m) => m.dir === dir && !m.endFrame).length;
  record({
    protocol: 'grpc',
    kind: endFrame ? 'frame' : 'message',
    dir,
    stream: call.trace,
    bytes: bytes.length,
    summary: endFrame
      ? `${call.rpc} ${flags & ENVELOPE_FLAGS.grpcWebTrailers ? 'trailers frame' : errorBody ? 'error body' : 'end-of-stream frame'}: ${json.slice(0, 120)}`
      : `${call.rpc} ${dir === 'out' ? 'request' : 'response'} message #${index}: ${enveloped ? `5-byte envelope + ${data.length}` : data.length} bytes (${binary ? 'binary' : 'JSON'})`,
    detail: {
      raw: toBase64(bytes),
      ...previewBody(json),
      fields: {
        rpc: call.rpc,
        message: schema.typeName,
        envelope: enveloped,
        ...(enveloped ? { flags, length: data.length } : {}),
      },
    },
  });
}
