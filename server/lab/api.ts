import type { IncomingMessage } from 'node:http';
import { FAULT_ACTIONS, MAX_LATENCY_MS } from '../../lib/faults';
import { type LabInfo, SESSION_COOKIE, SESSION_HEADER, SESSION_QUERY } from '../../lib/lab-info';
import { parseJson } from '../http/body';
import { HttpError, sendJson } from '../http/errors';
import { forwardedByProxy } from '../http/forwarded';
import type { PublicContext, SessionContext } from '../http/router';
import { sessionCookie } from '../http/session';
import type { LabChannel } from './channel';

/** What the route table offers, for discovery and fault validation. */
export interface Endpoints {
  /** Protocols whose connections can be dropped. */
  dropTargets(): string[];
  /** WebSocket paths by name. */
  websockets(): Record<string, string>;
}

export function labApi(deps: { channel: LabChannel; endpoints: Endpoints; version: string }) {
  return {
    /** GET /api/lab/info — where everything is. */
    info(ctx: PublicContext) {
      const info: LabInfo = {
        name: 'api-patterns-lab',
        version: deps.version,
        httpUrl: publicOrigin(ctx.req, ctx.lab.config),
        websockets: deps.endpoints.websockets(),
        endpoints: {
          info: '/api/lab/info',
          createSession: '/api/lab/sessions',
          currentSession: '/api/lab/session',
          sessionEvents: '/api/lab/sessions/{id}/events',
          faults: '/api/lab/faults',
        },
        listeners: Object.fromEntries(ctx.lab.listeners),
        dropTargets: ['all', ...deps.endpoints.dropTargets()],
        session: { cookie: SESSION_COOKIE, header: SESSION_HEADER, query: SESSION_QUERY, idleTimeoutMs: ctx.lab.sessions.idleMs },
      };
      sendJson(ctx.res, 200, info);
    },

    /** POST /api/lab/sessions — a new session for a terminal client (its events are at `Location`). */
    createSession(ctx: PublicContext) {
      const id = ctx.lab.createSession(ctx.req);
      sendJson(ctx.res, 201, { id }, { location: `/api/lab/sessions/${id}/events` });
    },

    /**
     * GET /api/lab/session — the browser's session, created if it has none. Either way the answer
     * sets the cookie again, so a page in use keeps naming its session. Creating one counts against
     * the session limit (`429` when the address has made too many lately; the page asks again).
     */
    currentSession(ctx: PublicContext) {
      const created = !ctx.sessionId;
      const id = ctx.sessionId ?? ctx.lab.createSession(ctx.req);
      sendJson(ctx.res, created ? 201 : 200, { id, created }, { 'set-cookie': sessionCookie(id) });
    },

    /**
     * POST /api/lab/session — start over: a fresh session (a new seeded bank, an empty timeline)
     * for this browser, with its cookie. The old session is left alone to expire. The body must be
     * JSON (`{}`), so a form on another site can't swap a student's session behind their back.
     */
    newBrowserSession(ctx: PublicContext) {
      parseJson(ctx.req.headers['content-type'], ctx.body);
      const id = ctx.lab.createSession(ctx.req);
      sendJson(ctx.res, 201, { id, created: true }, { 'set-cookie': sessionCookie(id) });
    },

    /** GET /api/lab/sessions/{id}/events?after=<seq> — the server-side log, for export. */
    events(ctx: SessionContext) {
      if (ctx.params.id !== ctx.sessionId) {
        // Same answer whether the other session exists or not: ids are not discoverable.
        throw new HttpError(404, 'No such session', 'You can only read the events of your own session.');
      }
      const afterParam = ctx.url.searchParams.get('after') ?? '0';
      const after = Number(afterParam);
      if (!Number.isInteger(after) || after < 0) {
        throw new HttpError(400, 'Bad "after"', `"after" must be a non-negative integer sequence number, got "${afterParam}".`);
      }
      const { events, firstHeld } = ctx.lab.events.after(ctx.sessionId, after);
      sendJson(ctx.res, 200, {
        sessionId: ctx.sessionId,
        epoch: ctx.lab.events.epoch,
        lastSeq: ctx.lab.events.lastSeq(ctx.sessionId),
        firstHeld,
        events,
      });
    },

    /** GET /api/lab/faults — the session's lasting faults (latency). */
    currentFaults(ctx: SessionContext) {
      sendJson(ctx.res, 200, ctx.lab.faults.get(ctx.sessionId));
    },

    /** POST /api/lab/faults — drop connections, add latency, or clear. */
    faults(ctx: SessionContext) {
      const body = parseJson(ctx.req.headers['content-type'], ctx.body) as Record<string, unknown> | null;
      const action = typeof body === 'object' && body !== null ? body.action : undefined;
      const { lab, sessionId, res } = ctx;
      switch (action) {
        case 'drop': {
          const targets = ['all', ...deps.endpoints.dropTargets()];
          const target = body?.target;
          if (typeof target !== 'string' || !targets.includes(target)) {
            throw new HttpError(400, 'Unknown drop target', `"target" must be one of: ${targets.join(', ')}.`, {
              validTargets: targets,
            });
          }
          const dropped = lab.connections.drop(sessionId, target);
          lab.record(sessionId, {
            origin: 'server',
            protocol: 'lab',
            kind: 'fault',
            summary: `Drop ${target}: destroyed ${dropped.length} connection${dropped.length === 1 ? '' : 's'} from the server side`,
            detail: {
              fields: { action: 'drop', target, dropped: dropped.length, connections: dropped.map((c) => c.id).join(', ') },
            },
          });
          sendJson(res, 200, { dropped: dropped.length });
          return;
        }
        case 'latency': {
          const ms = body?.ms;
          if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_LATENCY_MS) {
            throw new HttpError(400, 'Bad latency', `"ms" must be a whole number of milliseconds from 0 to ${MAX_LATENCY_MS}.`);
          }
          lab.faults.setLatency(sessionId, ms);
          lab.record(sessionId, {
            origin: 'server',
            protocol: 'lab',
            kind: 'fault',
            summary: `Latency: every response and pushed message now waits ${ms} ms`,
            detail: { fields: { action: 'latency', ms } },
          });
          sendJson(res, 200, lab.faults.get(sessionId));
          return;
        }
        case 'clear': {
          lab.faults.clear(sessionId);
          lab.record(sessionId, {
            origin: 'server',
            protocol: 'lab',
            kind: 'fault',
            summary: 'Faults cleared',
            detail: { fields: { action: 'clear' } },
          });
          sendJson(res, 200, lab.faults.get(sessionId));
          return;
        }
        default:
          throw new HttpError(400, 'Unknown fault action', `"action" must be one of: ${FAULT_ACTIONS.join(', ')}.`, {
            validActions: FAULT_ACTIONS,
          });
      }
    },

    /** POST /api/lab/test/drop-channel — end-to-end tests only (LAB_TEST_HOOKS=1). */
    dropChannel(ctx: SessionContext) {
      sendJson(ctx.res, 200, { destroyed: deps.channel.destroySockets(ctx.sessionId) });
    },
  };
}

/**
 * The address students reach the lab by, for the URLs terminal commands print: the Host it was asked
 * by, or behind the lab's own reverse proxy (LAB_TRUST_PROXY) the host and scheme that proxy reports
 * (`X-Forwarded-Host`, `X-Forwarded-Proto`: their last entries, the ones it added).
 */
function publicOrigin(req: IncomingMessage, config: { trustProxy: boolean; port: number }): string {
  const forwardedHost = config.trustProxy ? forwardedByProxy(req, 'x-forwarded-host') : undefined;
  const forwardedProto = config.trustProxy ? forwardedByProxy(req, 'x-forwarded-proto') : undefined;
  // The host ends up in shell commands a student copies: anything but a plain host[:port] is ignored.
  const host = [forwardedHost, req.headers.host].find((h) => h !== undefined && HOST.test(h)) ?? `localhost:${config.port}`;
  return `${forwardedProto?.toLowerCase() === 'https' ? 'https' : 'http'}://${host}`;
}

/** A host name, IPv4 or bracketed IPv6 address, with an optional port. */
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
