import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { HttpError, sendProblem } from './http/errors';
import { createRouter, refuseUpgrade } from './http/router';
import { sessionCookie, sessionIdFrom } from './http/session';
import { TappedResponse } from './http/tap';
import { RequestTarget } from './http/target';
import { createLab, type Lab } from './lab';
import { labApi } from './lab/api';
import { LabChannel } from './lab/channel';
import type { LabConfig } from './lab/config';
import { routeTable } from './routes';

export const LAB_VERSION = '0.1.0';

type NextHandlers = {
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  close: () => Promise<void>;
};

async function startNext(config: LabConfig, port: number): Promise<NextHandlers | undefined> {
  if (!config.next) return undefined;
  const { default: next } = await import('next');
  const app = next({ dev: config.next.dev, dir: config.next.dir, hostname: 'localhost', port });
  await app.prepare();
  const handle = app.getRequestHandler();
  return {
    handle: (req, res) => handle(req, res),
    close: () => app.close(),
  };
}

/** Lab endpoints: everything under /api/, plus /graphql where GraphQL clients expect it. */
function isLabPath(pathname: string): boolean {
  return pathname.startsWith('/api/') || pathname === '/graphql';
}

/** Page requests get a session cookie before Next renders them, so every tab has a sandbox. */
function wantsPage(req: IncomingMessage, url: URL): boolean {
  return req.method === 'GET' && !url.pathname.startsWith('/_next/') && (req.headers.accept ?? '').includes('text/html');
}

export interface LabServer {
  lab: Lab;
  server: Server;
  /** Binds the port (failing fast if it is taken), then starts Next; resolves with the port once pages can be served. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/** One process, one HTTP port: pages (Next.js), every /api/ endpoint and every WebSocket upgrade. */
export async function createLabServer(config: LabConfig): Promise<LabServer> {
  const lab = createLab(config);
  const channel = new LabChannel();
  lab.sessions.onExpire((id) => channel.closeSession(id));
  let table: ReturnType<typeof routeTable> | undefined;
  const api = labApi({
    channel,
    version: LAB_VERSION,
    endpoints: {
      dropTargets: () => [
        ...new Set(
          [...(table?.upgrades ?? []), ...(table?.routes ?? [])].flatMap((e) =>
            'dropTarget' in e && e.dropTarget ? [e.dropTarget] : [],
          ),
        ),
      ],
      websockets: () => Object.fromEntries((table?.upgrades ?? []).map((u) => [u.name, u.path])),
    },
  });
  table = routeTable(lab, api, channel, config.testHooks);
  const router = createRouter(lab, table.routes, table.upgrades);
  // Next starts after the port is bound, so a busy port is reported at once, and Next learns the real port.
  let nextReady: Promise<NextHandlers | undefined> = Promise.resolve(undefined);
  let nextHandlers: NextHandlers | undefined;

  async function servePage(req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void> {
    const { url } = target;
    const pages = await nextReady;
    if (!pages) {
      sendProblem(res, new HttpError(404, 'No pages here', 'This lab server runs without Next.js (API only).'));
      return;
    }
    // Over the session limit (a crawler, a script), the page is served all the same, without a
    // session: its GET /api/lab/session is refused with a 429 until the address may create one
    // again, and the page keeps asking (the lab channel's reconnects), so a student's tab recovers.
    if (wantsPage(req, url) && !lab.sessions.touch(sessionIdFrom(req, url)) && lab.sessionLimit.take(req) === undefined) {
      res.setHeader('set-cookie', sessionCookie(lab.sessions.create()));
    }
    await pages.handle(req, res);
  }

  // TappedResponse lets the HTTP tap see what each recorded response sends (see server/http/tap.ts).
  // Not async: an /api request goes straight to the router, which answers every failure itself.
  const server = createServer({ ServerResponse: TappedResponse }, (req, res) => {
    const target = new RequestTarget(req.url ?? '/');
    if (isLabPath(target.pathname)) router.handle(req, res, target);
    else void servePage(req, res, target);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://lab.invalid');
    socket.on('error', () => socket.destroy());
    if (router.upgrade(req, socket, head, url)) return;
    // Next's own upgrades (dev-mode hot reload): Next's request handler attaches
    // its own 'upgrade' listener to this server on the first page request, and
    // that listener answers them. Forwarding here as well would answer twice.
    if (config.next && url.pathname.startsWith('/_next/')) return;
    refuseUpgrade(socket, new HttpError(404, 'No such WebSocket', `No WebSocket endpoint at ${url.pathname}.`));
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  return {
    lab,
    server,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const port = (server.address() as AddressInfo).port;
      nextReady = startNext(config, port);
      // Extra listeners and helpers (gRPC h2c, MQTT TCP, ...) start beside Next; each reports its own port.
      await Promise.all((table?.start ?? []).map((start) => start(port)));
      nextHandlers = await nextReady;
      lab.sessions.startSweeping();
      return port;
    },
    async close() {
      channel.close();
      // Protocols first (they may still write to the database or the event log), then the lab.
      await Promise.allSettled((table?.close ?? []).map((close) => close()));
      lab.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await nextHandlers?.close();
    },
  };
}
