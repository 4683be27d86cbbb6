import type { IncomingMessage, ServerResponse } from 'node:http';
import etag from 'etag';
import fresh from 'fresh';
import { HttpError } from '../../http/errors';

/**
 * HTTP caching and conditional requests (RFC 9110 §8.8.3, §13; RFC 9111).
 * Validators are strong ETags computed from the exact bytes sent, so two
 * instances that produce the same JSON produce the same ETag.
 */

/** How long a browser may reuse each kind of resource without asking. */
export const CACHE_POLICY = {
  /** Balances change: the browser must ask every time, but may get a 304 instead of the body. */
  account: 'private, no-cache',
  /** A statement must never be written to disk by a cache, not even the browser's. */
  transactions: 'no-store',
  /** A transaction never changes once made, but it can be asked for right after it is created. */
  transaction: 'private, no-cache',
  /** Merchants hardly ever change: reuse for a minute without asking. */
  merchant: 'private, max-age=60',
} as const;

/** The strong validator of a representation: a hash of its bytes (`etag` package). */
export function strongEtag(text: string): string {
  return etag(text);
}

/**
 * Sends a GET representation with its ETag and Cache-Control, or `304 Not
 * Modified` with no body when the request's If-None-Match already names it.
 */
export function sendRepresentation(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  cacheControl: string,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  const tag = strongEtag(text);
  // A 304 carries the same validator and caching headers a 200 would have (RFC 9110 §15.4.5).
  const common = { etag: tag, 'cache-control': cacheControl, ...headers };
  if (notModified(req, tag)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...common });
  res.end(text);
}

/**
 * If-None-Match, compared the RFC 9110 way (weak comparison, lists, `*`) by the
 * `fresh` package. Only If-None-Match is handed over: `fresh` also treats a
 * request's `Cache-Control: no-cache` as "send everything", a rule for caches
 * that an origin server does not follow (§13.2.1) — and browsers add exactly
 * that header to any fetch() that sets If-None-Match itself.
 */
export function notModified(req: IncomingMessage, currentEtag: string): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (!ifNoneMatch) return false;
  return fresh({ 'if-none-match': ifNoneMatch }, { etag: currentEtag });
}

/**
 * If-Match on PUT/PATCH/DELETE: optimistic concurrency. The write goes ahead
 * only if the client's copy is still current; strong comparison (RFC 9110
 * §13.1.1), so a weak `W/` tag never matches. Throws 412 otherwise.
 */
export function requireIfMatch(req: IncomingMessage, currentEtag: string): void {
  const ifMatch = req.headers['if-match'];
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((t) => t.trim());
  if (tags.includes('*') || tags.some((t) => !t.startsWith('W/') && t === currentEtag)) return;
  // A weak form of the current tag names the right version, so "someone changed it" would be false.
  const weakOfCurrent = tags.includes(`W/${currentEtag}`);
  throw new HttpError(
    412,
    'Precondition failed',
    weakOfCurrent
      ? `If-Match uses strong comparison, and a weak tag (W/"…") never matches, not even W/ of the current one. ` +
          `Your If-Match was ${ifMatch}; send the ETag exactly as the server gave it: If-Match: ${currentEtag}.`
      : `Someone changed this resource since you read it: your If-Match was ${ifMatch}, it is now ${currentEtag}. ` +
          'GET it again, reapply your change, and send it with the new ETag.',
    { currentEtag },
    { etag: currentEtag },
  );
}
