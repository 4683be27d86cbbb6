import type { IncomingMessage } from 'node:http';

/**
 * What the lab's own reverse proxy (LAB_TRUST_PROXY) says in an `X-Forwarded-*` header: the last
 * entry, the one it appended; the entries before it are whatever the client sent. Only read when
 * the lab is told a proxy is there, since without one any client can send these headers.
 */
export function forwardedByProxy(req: IncomingMessage, name: `x-forwarded-${string}`): string | undefined {
  const value = req.headers[name];
  const list = Array.isArray(value) ? value.join(',') : value;
  return list?.split(',').at(-1)?.trim() || undefined;
}
