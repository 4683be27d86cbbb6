import { Code } from '@connectrpc/connect';

/**
 * What a call looks like on the wire, read from its method and content type.
 * The three protocols differ in framing and in where the status travels:
 * - gRPC: every message enveloped; status in HTTP/2 trailers (`grpc-status`).
 * - gRPC-Web: every message enveloped; status in a last frame flagged 0x80
 *   (HTTP/1.1 has no trailers a browser can read).
 * - Connect unary: the body *is* the message (no envelope); status is the HTTP
 *   status, errors are a JSON body. A GET carries the message in the query.
 * - Connect streaming: enveloped; status in a last JSON frame flagged 0x02.
 */
export type WireProtocol = 'grpc' | 'grpc-web' | 'connect';

export interface WireFormat {
  protocol: WireProtocol;
  codec: 'proto' | 'json';
  /** Messages carry the 5-byte envelope. */
  enveloped: boolean;
  /** Connect unary over GET: the request message is in the query string. */
  get: boolean;
}

/** Every format there is, made once: a call keeps its format as long as its timeline events. */
const FORMATS = {
  get: { proto: format('connect', 'proto', false, true), json: format('connect', 'json', false, true) },
  'grpc-web': { proto: format('grpc-web', 'proto', true), json: format('grpc-web', 'json', true) },
  grpc: { proto: format('grpc', 'proto', true), json: format('grpc', 'json', true) },
  'connect-stream': { proto: format('connect', 'proto', true), json: format('connect', 'json', true) },
  connect: { proto: format('connect', 'proto', false), json: format('connect', 'json', false) },
} as const;

function format(protocol: WireProtocol, codec: 'proto' | 'json', enveloped: boolean, get = false): WireFormat {
  return Object.freeze({ protocol, codec, enveloped, get });
}

/** The few content types clients send, each worked out once. */
const byContentType = new Map<string, WireFormat>();

/** `query` is read only for GET (Connect's `?encoding=`). */
export function wireFormat(method: string, contentType: string | null, query: () => URLSearchParams): WireFormat {
  if (method === 'GET') return FORMATS.get[query().get('encoding') === 'json' ? 'json' : 'proto'];
  const key = contentType ?? '';
  let found = byContentType.get(key);
  if (!found) {
    found = formatOf(key);
    // Bounded: content types come from clients, and any string may arrive.
    if (byContentType.size < 64) byContentType.set(key, found);
  }
  return found;
}

function formatOf(contentType: string): WireFormat {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const codec = type.endsWith('json') ? 'json' : 'proto';
  if (type.startsWith('application/grpc-web')) return FORMATS['grpc-web'][codec];
  if (type.startsWith('application/grpc')) return FORMATS.grpc[codec];
  if (type.startsWith('application/connect+')) return FORMATS['connect-stream'][codec];
  return FORMATS.connect[codec];
}

/** gRPC's numeric codes as Connect's names: 3 → "invalid_argument". */
export function codeName(code: number): string {
  if (code === 0) return 'ok';
  const name = Code[code];
  return name ? name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase() : `code_${code}`;
}

/** The HTTP statuses Connect unary uses for each code, read back (for a unary error without a JSON body). */
export function codeFromHttpStatus(status: number): string {
  if (status >= 200 && status < 300) return 'ok';
  const byStatus: Record<number, string> = {
    400: 'invalid_argument',
    401: 'unauthenticated',
    403: 'permission_denied',
    404: 'unimplemented',
    408: 'deadline_exceeded',
    409: 'aborted',
    412: 'failed_precondition',
    413: 'resource_exhausted',
    415: 'internal',
    429: 'unavailable',
    431: 'resource_exhausted',
    499: 'canceled',
    502: 'unavailable',
    503: 'unavailable',
    504: 'unavailable',
  };
  return byStatus[status] ?? 'unknown';
}
