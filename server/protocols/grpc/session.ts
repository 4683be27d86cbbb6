import { createContextKey } from '@connectrpc/connect';
import { parse as parseCookie } from 'cookie';
import { SESSION_COOKIE, SESSION_HEADER } from '../../../lib/lab-info';

/** The calling session, set by the session interceptor for every handler. */
export const SESSION = createContextKey<string>('', { description: 'lab session id' });

/**
 * The session a call names: `x-lab-session` metadata (terminal clients, the
 * lab's own HTTP/2 client), else the browser's cookie.
 */
export function sessionFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const named = headers[SESSION_HEADER];
  if (typeof named === 'string' && named.trim()) return named.trim();
  const cookie = headers.cookie;
  return typeof cookie === 'string' ? parseCookie(cookie)[SESSION_COOKIE] : undefined;
}
