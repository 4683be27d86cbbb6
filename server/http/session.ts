import type { IncomingMessage } from 'node:http';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import { SESSION_COOKIE, SESSION_HEADER, SESSION_QUERY, TRACE_HEADER } from '../../lib/lab-info';

/** The session a request names: the `x-lab-session` header, else the cookie, else `?session=` (read only then). */
export function sessionIdFrom(req: IncomingMessage, url: Pick<URL, 'searchParams'>): string | undefined {
  const header = req.headers[SESSION_HEADER];
  if (typeof header === 'string' && header) return header.trim();
  const cookies = req.headers.cookie ? parseCookie(req.headers.cookie) : {};
  return cookies[SESSION_COOKIE] ?? url.searchParams.get(SESSION_QUERY) ?? undefined;
}

/**
 * How long the browser keeps the session cookie: a week. The cookie only names the session; the
 * server decides when the session ends (after LAB_SESSION_IDLE_MS without use). Tying the cookie to
 * that timeout made it die two hours after it was set, even in the middle of a lesson.
 */
export const SESSION_COOKIE_MAX_AGE_S = 7 * 24 * 60 * 60;

export function sessionCookie(id: string): string {
  return serializeCookie(SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: SESSION_COOKIE_MAX_AGE_S,
  });
}

/**
 * Names the terminal program behind a request (curl, wscat, buf, ...), or
 * undefined for the lab's own pages. The browser's instrumented clients send
 * a trace header and every browser's User-Agent starts with "Mozilla/"; a
 * terminal tool sends neither, and has no instrumentation of its own, so the
 * server records its side of the conversation with origin `terminal`.
 */
export function terminalClient(req: IncomingMessage): string | undefined {
  if (req.headers[TRACE_HEADER] !== undefined) return undefined;
  const agent = req.headers['user-agent'] ?? '';
  if (agent.startsWith('Mozilla/')) return undefined;
  return agent.split(' ')[0] || 'a terminal client';
}
