import type { IncomingMessage } from 'node:http';
import { parse as parseCookie, serialize as serializeCookie } from 'cookie';
import { SESSION_COOKIE, SESSION_HEADER, SESSION_QUERY } from '../../lib/lab-info';

/** The session a request names: the X-Lab-Session header, else the cookie, else ?session=. */
export function sessionIdFrom(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers[SESSION_HEADER];
  if (typeof header === 'string' && header) return header.trim();
  const cookies = req.headers.cookie ? parseCookie(req.headers.cookie) : {};
  return cookies[SESSION_COOKIE] ?? url.searchParams.get(SESSION_QUERY) ?? undefined;
}

export function sessionCookie(id: string, maxAgeMs: number): string {
  return serializeCookie(SESSION_COOKIE, id, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}
