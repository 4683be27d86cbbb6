import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import FindMyWay from 'find-my-way';
import { now } from '../../lib/clock';
import type { Protocol } from '../../lib/timeline';
import type { Lab } from '../lab';
import { readBody } from './body';
import { HttpError, sendProblem, unknownSession } from './errors';
import { sessionIdFrom } from './session';
import { tapExchange } from './tap';
import type { RequestTarget } from './target';

export interface PublicContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string | undefined>;
  lab: Lab;
  /** The session the request names, if it names a live one. */
  sessionId: string | undefined;
  /** The request body (read up front, bounded by the lab's body limit). */
  body: Buffer;
}

export interface SessionContext extends PublicContext {
  sessionId: string;
}

export interface UpgradeContext {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  url: URL;
  lab: Lab;
  sessionId: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type Route =
  | { method: Method; path: string; access: 'public'; handler: (ctx: PublicContext) => unknown }
  | {
      method: Method;
      path: string;
      access: 'session';
      /** Record request and response on the session's timeline under this protocol. */
      tap?: Protocol;
      /** Long-lived responses (streams, parked polls) register with this fault target so they can be dropped. */
      dropTarget?: string;
      /**
       * The handler reads the request stream itself (uploads, engine.io polling):
       * the router then neither buffers the body nor records it, and `body` is empty.
       */
      streamingBody?: boolean;
      handler: (ctx: SessionContext) => unknown;
    };

export interface Upgrade {
  path: string;
  /** Name in /api/lab/info's `websockets`. */
  name: string;
  /** Connections accepted here can be dropped with this fault target (a protocol name, or e.g. `graphql-ws`). */
  dropTarget?: string;
  handler: (ctx: UpgradeContext) => void;
}

type SessionRoute = Extract<Route, { access: 'session' }>;

const METHODS: Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Routes that read the request stream themselves get this (never written to). */
const EMPTY_BODY = Buffer.alloc(0);

/** What a handler gets. The URL is built only if the handler reads it (see RequestTarget). */
class Context implements PublicContext {
  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly target: RequestTarget,
    readonly params: Record<string, string | undefined>,
    readonly lab: Lab,
    readonly sessionId: string | undefined,
    readonly body: Buffer,
  ) {}

  get url(): URL {
    return this.target.url;
  }
}

/** Compiles the route table into a request handler for /api/* and an upgrade handler. */
export function createRouter(lab: Lab, routes: Route[], upgrades: Upgrade[]) {
  const router = FindMyWay({ ignoreTrailingSlash: true });
  for (const route of routes) router.on(route.method, route.path, () => route);
  const upgradeByPath = new Map(upgrades.map((u) => [u.path, u]));

  /**
   * Finds the route, checks the session and runs the handler. Not async: it returns the handler's
   * promise (or the body read's, then the handler's) as is, so a route that needs no body and no
   * latency fault (a gRPC call, an upload) reaches its handler without a layer of promises of the
   * router's own. Throws HttpError for requests it refuses.
   */
  function handle(req: IncomingMessage, res: ServerResponse, target: RequestTarget): unknown {
    const method = (req.method ?? 'GET').toUpperCase();
    const { pathname } = target;
    // HEAD is GET without a body (Node drops the body for HEAD responses).
    const found = router.find((method === 'HEAD' ? 'GET' : method) as Method, pathname);
    if (!found) {
      recordRefusal(req, res, target);
      throw notFoundOrNotAllowed(pathname);
    }
    const route = (found.handler as unknown as () => Route)();
    const params = found.params as Record<string, string | undefined>;

    const named = sessionIdFrom(req, target);
    const sessionId = lab.sessions.touch(named) ? named : undefined;
    if (route.access === 'public') {
      return readBody(req, lab.config.maxBodyBytes).then((body) =>
        route.handler(new Context(req, res, target, params, lab, sessionId, body)),
      );
    }
    if (!sessionId) throw unknownSession(lab.sessionLimit.retryAfterSeconds(req));
    const startedAt = now();
    const tap = route.tap && lab.config.recordHttpAndSql ? tapExchange(lab, sessionId, route.tap, req, res) : undefined;
    if (route.streamingBody) return run(route, tap, startedAt, new Context(req, res, target, params, lab, sessionId, EMPTY_BODY));
    return readBody(req, lab.config.maxBodyBytes).then((body) =>
      run(route, tap, startedAt, new Context(req, res, target, params, lab, sessionId, body)),
    );
  }

  /** Runs a session route's handler once its body is in (a function of the router's, not a closure per request). */
  function run(
    route: SessionRoute,
    tap: ReturnType<typeof tapExchange> | undefined,
    startedAt: number,
    context: Context,
  ): unknown {
    tap?.request(context.req, context.body, startedAt);
    // Injected latency is a lesson fault: it slows lesson endpoints, never the lab's own controls.
    const latency = route.tap ? lab.faults.delay(context.sessionId as string) : undefined;
    const session = context as SessionContext;
    return latency ? latency.then(() => route.handler(session)) : route.handler(session);
  }

  /** Answers a request that failed: an HttpError as problem+json, anything else as a logged 500. */
  function fail(req: IncomingMessage, res: ServerResponse, target: RequestTarget, error: unknown): void {
    if (error instanceof HttpError) sendProblem(res, error);
    else {
      console.error('[lab] unexpected error in', req.method, target.pathname, error);
      sendProblem(
        res,
        new HttpError(500, 'Lab error', 'The lab hit an unexpected error handling this request; it has been logged.'),
      );
    }
  }

  /**
   * A 404 or 405 is part of the lesson too (the REST lesson sends a POST where only GET is
   * served, on purpose): when the request names a live session, the exchange goes on its
   * timeline like any other, under the protocol of the path's other routes, or plain HTTP.
   */
  function recordRefusal(req: IncomingMessage, res: ServerResponse, target: RequestTarget): void {
    if (!lab.config.recordHttpAndSql) return;
    const named = sessionIdFrom(req, target);
    if (!lab.sessions.touch(named)) return;
    tapExchange(lab, named, protocolAt(target.pathname), req, res).request(req, EMPTY_BODY, now());
  }

  function protocolAt(pathname: string): Protocol {
    for (const method of METHODS) {
      const route = (router.find(method, pathname)?.handler as (() => Route) | undefined)?.();
      if (route?.access === 'session' && route.tap) return route.tap;
    }
    return 'http';
  }

  function notFoundOrNotAllowed(pathname: string): HttpError {
    const allowed = METHODS.filter((m) => router.find(m, pathname));
    if (allowed.length === 0) {
      return new HttpError(
        404,
        'No such endpoint',
        `Nothing is served at ${pathname}. GET /api/lab/info lists the lab's endpoints.`,
      );
    }
    return new HttpError(
      405,
      'Method not allowed',
      `${pathname} accepts ${allowed.join(', ')}.`,
      { allow: allowed },
      {
        allow: allowed.join(', '),
      },
    );
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean {
    const entry = upgradeByPath.get(url.pathname);
    if (!entry) return false;
    const named = sessionIdFrom(req, url);
    if (!lab.sessions.touch(named)) {
      refuseUpgrade(socket, unknownSession(lab.sessionLimit.retryAfterSeconds(req)));
      return true;
    }
    entry.handler({ req, socket, head, url, lab, sessionId: named });
    return true;
  }

  return {
    /** Serves one /api request. Never throws or rejects: every failure becomes a problem+json answer. */
    handle(req: IncomingMessage, res: ServerResponse, target: RequestTarget): void {
      try {
        const done = handle(req, res, target);
        if (done instanceof Promise) done.catch((error: unknown) => fail(req, res, target, error));
      } catch (error: unknown) {
        fail(req, res, target, error);
      }
    },
    upgrade,
  };
}

/** Answers a WebSocket upgrade with a plain HTTP error, then closes the socket. */
export function refuseUpgrade(socket: Duplex, error: HttpError): void {
  const body = JSON.stringify({ type: 'about:blank', title: error.title, status: error.status, detail: error.detail });
  socket.end(
    `HTTP/1.1 ${error.status} ${error.title}\r\n` +
      'Content-Type: application/problem+json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
