import type { Route, Upgrade } from './http/router';
import type { Lab } from './lab';
import type { labApi } from './lab/api';
import type { LabChannel } from './lab/channel';
import * as intro from './protocols/intro';

/** Something to run once the HTTP port is bound (extra listeners), or at shutdown. */
type Hook = () => void | Promise<void>;

/**
 * THE route and upgrade table: every lab endpoint on the HTTP port.
 * Anything under /api/ that is not listed here is a 404; every other path
 * is a page, rendered by Next.js.
 *
 * Each protocol folder exports a factory that takes the lab and returns its
 * handlers (and a `close`); the table below is where they meet their paths.
 */
export function routeTable(lab: Lab, api: ReturnType<typeof labApi>, channel: LabChannel, testHooks: boolean) {
  const echo = intro.createEcho();

  const routes: Route[] = [
    // Lab plumbing: discovery, sessions, faults, the server-side event log.
    { method: 'GET', path: '/api/lab/info', access: 'public', handler: api.info },
    { method: 'POST', path: '/api/lab/sessions', access: 'public', handler: api.createSession },
    { method: 'GET', path: '/api/lab/session', access: 'public', handler: api.currentSession },
    { method: 'GET', path: '/api/lab/sessions/:id/events', access: 'session', handler: api.events },
    { method: 'GET', path: '/api/lab/faults', access: 'session', handler: api.currentFaults },
    { method: 'POST', path: '/api/lab/faults', access: 'session', handler: api.faults },

    // Lesson "How this lab works".
    { method: 'GET', path: '/api/intro/accounts/:id', access: 'session', tap: 'http', handler: intro.getAccount },

    // Lesson "REST" (server/protocols/rest).

    // Lesson "Server-Sent Events" (server/protocols/sse).

    // Lesson "Polling" (server/protocols/polling).

    // Lesson "GraphQL" (server/protocols/graphql).

    // Lesson "WebSocket" (server/protocols/websocket, server/protocols/socketio).
  ];
  if (testHooks) {
    routes.push({ method: 'POST', path: '/api/lab/test/drop-channel', access: 'session', handler: api.dropChannel });
  }

  const upgrades: Upgrade[] = [
    { path: '/api/lab/channel', name: 'labChannel', handler: (ctx) => channel.accept(ctx) },
    { path: '/api/intro/echo', name: 'echo', dropTarget: 'websocket', handler: echo.accept },

    // Lesson "GraphQL".

    // Lesson "WebSocket".
  ];

  // Run once the HTTP port is bound (e.g. extra listeners, a local redis-server).
  const start: Hook[] = [];
  // Run at shutdown, before the database closes.
  const close: Hook[] = [echo.close];

  return { routes, upgrades, start, close };
}

export type RouteTable = ReturnType<typeof routeTable>;
