import type { ServerResponse } from 'node:http';

/**
 * Errors a student can read. Every lab API error is an RFC 9457 problem
 * document: `title` names the problem, `detail` says what to do about it.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${title}: ${detail}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendProblem(res: ServerResponse, error: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify({
    type: 'about:blank',
    title: error.title,
    status: error.status,
    detail: error.detail,
    ...error.extra,
  });
  res.writeHead(error.status, {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...error.headers,
  });
  res.end(text);
}

/**
 * The `401` for a request that names no live session. `retryAfterSeconds` > 0: the client's address
 * may not create a session right now (the session limit), which the detail says, since reloading
 * the page or creating a session would not help until then.
 */
export const unknownSession = (retryAfterSeconds = 0) =>
  new HttpError(
    401,
    'No lab session',
    'This endpoint belongs to a lab session, and the request did not name a live one. ' +
      'Create one with `curl -X POST <lab>/api/lab/sessions` and send its id in the X-Lab-Session header ' +
      '(WebSockets: ?session=<id>). Browsers get a session cookie automatically when they open a lab page: ' +
      'in a browser, reload the page. Sessions end after a while without use (LAB_SESSION_IDLE_MS, two hours by default).' +
      (retryAfterSeconds > 0
        ? ` Right now your address may not create a new session: too many were created from it lately. ` +
          `Try again in ${retryAfterSeconds} s (in a browser, the page gets its session by itself then).`
        : ''),
    retryAfterSeconds > 0 ? { howToFix: 'POST /api/lab/sessions', retryAfterSeconds } : { howToFix: 'POST /api/lab/sessions' },
  );
