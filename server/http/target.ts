/**
 * A request target (`req.url`: path and query, as it arrived), read lazily.
 *
 * Routing needs only the path, and most lab requests carry a plain one
 * (`/api/accounts/123`), which is its own pathname. Building a WHATWG `URL`
 * for every request cost the busy routes several microseconds (see the REST
 * and gRPC sections of docs/PERFORMANCE.md), so the `URL` is built only when a
 * handler asks for it — or at once when the path is not plain, because then the
 * parser's normalisation (dot segments, percent-encoding, backslashes) decides
 * what the path is.
 */
export class RequestTarget {
  readonly pathname: string;
  private parsed: URL | undefined = undefined;

  constructor(readonly raw: string) {
    const query = raw.indexOf('?');
    const path = query < 0 ? raw : raw.slice(0, query);
    this.pathname = isPlainPath(path) ? path : this.url.pathname;
  }

  get url(): URL {
    this.parsed ??= new URL(this.raw, 'http://lab.invalid');
    return this.parsed;
  }

  get searchParams(): URLSearchParams {
    return this.url.searchParams;
  }
}

/** Characters a URL path keeps exactly as they are (RFC 3986 pchar, and "/"). */
const PLAIN = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
/** Dot segments, also percent-encoded ("%2e"): the URL parser resolves them. */
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:\/|$)/i;

/** True when `new URL(path, base).pathname` would be `path` itself. */
export function isPlainPath(path: string): boolean {
  return PLAIN.test(path) && !path.startsWith('//') && !DOT_SEGMENT.test(path);
}
