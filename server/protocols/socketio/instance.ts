import type { IncomingMessage } from 'node:http';
import { Server as Engine, type Socket as EngineSocket } from 'engine.io';
import { Server, type Socket } from 'socket.io';
import { HttpError } from '../../http/errors';
import { sessionIdFrom, terminalClient } from '../../http/session';
import type { Lab } from '../../lab';
import { connectionIdFrom } from '../../lab/websocket';
import { isRole, parseClientMessage, RateLimiter, RecentIds, type Role } from '../websocket/protocol';
import { SocketIoMessages } from './message-events';
import type { AdapterConstructor } from './pubsub';

/** How long a disconnected socket.io session is kept for recovery. Short, so the lesson can outlast it. */
export const MAX_DISCONNECTION_MS = 5_000;
/** Largest socket.io packet (engine.io maxHttpBufferSize): bigger ones close the connection. */
export const MAX_PACKET_BYTES = 64 * 1024;
/** The chat's own events; anything else gets a protocol error. */
const EVENTS = new Set(['message', 'typing', 'delivered', 'request']);
/** The balance lookup is slow on purpose, as in the raw chat. */
const BALANCE_DELAY_MS = 1_500;

export interface InstanceOptions {
  /** "chat", "server 1", "server 2". */
  name: string;
  adapter?: AdapterConstructor;
  /** Should this session's broadcasts go through pub/sub (true) or stay on this instance (false)? */
  publishes?: (sessionId: string) => boolean;
  /** engine.io's pingInterval (default 10 s): also the longest an idle long-poll is held open. */
  pingIntervalMs?: number;
}

/** What engine.io reports when it refuses a request (its `connection_error` event). */
interface EngineRefusal {
  req: IncomingMessage;
  code: number;
  message: string;
}

interface SocketData {
  sessionId: string;
  conn: string;
  as: Role;
}

/**
 * One socket.io server: the support chat as socket.io events, with
 * connection state recovery, not attached to any HTTP server. The lab's
 * router hands it polling requests (`handleRequest`) and upgrades
 * (`handleUpgrade`), so sessions, 401s and the timeline work as everywhere else.
 */
export function createInstance(lab: Lab, options: InstanceOptions) {
  const { name } = options;
  const engine = new Engine({
    pingInterval: options.pingIntervalMs ?? 10_000,
    pingTimeout: 5_000,
    maxHttpBufferSize: MAX_PACKET_BYTES,
    transports: ['polling', 'websocket'],
  });
  const io = new Server<
    Record<string, (...args: unknown[]) => void>,
    Record<string, (...args: unknown[]) => void>,
    object,
    SocketData
  >({
    serveClient: false,
    connectionStateRecovery: { maxDisconnectionDuration: MAX_DISCONNECTION_MS, skipMiddlewares: false },
    ...(options.adapter ? { adapter: options.adapter as never } : {}),
  });
  io.bind(engine as never);
  /** engine.io session id → lab session, so one student can't ride on another's sid. */
  const sids = new Map<string, string>();
  const seen = new Map<string, RecentIds>();
  /** Slow answers still on their way: cleared at shutdown, so none fires after the database closes. */
  const pendingAnswers = new Set<ReturnType<typeof setTimeout>>();
  lab.sessions.onExpire((id) => seen.delete(id));

  const urlOf = (req: IncomingMessage) => new URL(req.url ?? '/', 'http://lab.invalid');

  engine.on('connection', (conn: EngineSocket) => {
    // engine.io's typings keep `id` private; it is the sid every request of this connection carries.
    const sid = (conn as unknown as { id: string }).id;
    const req = conn.request as IncomingMessage;
    const url = urlOf(req);
    const sessionId = sessionIdFrom(req, url);
    if (!sessionId) return;
    sids.set(sid, sessionId);
    const connId = connectionIdFrom(url, 'sio');
    const terminal = terminalClient(req);
    lab.record(sessionId, {
      origin: 'server',
      protocol: 'socketio',
      kind: 'open',
      conn: connId,
      summary: `${name}: engine.io handshake over ${conn.transport.name}, sid ${sid}${terminal ? ` (${terminal})` : ''}`,
      detail: { fields: { server: name, sid: sid, transport: conn.transport.name, upgrades: 'websocket' } },
    });
    conn.on('upgrade', (transport: { name: string }) => {
      lab.record(sessionId, {
        origin: 'server',
        protocol: 'socketio',
        kind: 'note',
        conn: connId,
        summary: `${name}: upgraded from polling to ${transport.name}`,
        detail: { fields: { server: name, sid: sid, transport: transport.name } },
      });
    });
    conn.on('close', (reason: string) => {
      sids.delete(sid);
      lab.record(sessionId, {
        origin: 'server',
        protocol: 'socketio',
        kind: 'close',
        conn: connId,
        summary: `${name}: engine.io connection closed (${reason})`,
        detail: { reason, fields: { server: name, sid: sid } },
      });
    });
  });

  // engine.io's own refusals, e.g. 400 {"code":1,"message":"Session ID unknown"} for a sid this
  // instance never issued (what a load balancer without sticky sessions causes).
  engine.on('connection_error', ({ req, code, message }: EngineRefusal) => {
    const url = urlOf(req);
    const sessionId = sessionIdFrom(req, url);
    if (!sessionId) return;
    // engine.io answers 403 for "Forbidden" (code 4) and 400 for every other code.
    const status = code === 4 ? 403 : 400;
    const sid = url.searchParams.get('sid');
    const upgrade = req.headers.upgrade?.toLowerCase() === 'websocket';
    const request = upgrade ? 'WebSocket upgrade' : (req.method ?? 'GET');
    lab.record(sessionId, {
      origin: 'server',
      protocol: 'socketio',
      kind: 'error',
      ...(url.searchParams.has('conn') ? { conn: connectionIdFrom(url, 'sio') } : {}),
      summary: `${name}: ${status} ${message} (engine.io code ${code}) for ${request}${sid ? ` with sid ${sid}` : ''}`,
      detail: { status, code, reason: message, method: request, fields: { server: name, sid: sid ?? '', engineCode: code } },
    });
  });

  io.use((socket, next) => {
    const req = socket.request;
    const url = urlOf(req);
    const sessionId = sessionIdFrom(req, url);
    if (!sessionId || !lab.sessions.touch(sessionId)) {
      next(new Error('No lab session: open a lab page, or pass ?session=<id> or an X-Lab-Session header.'));
      return;
    }
    const as = socket.handshake.auth?.as ?? url.searchParams.get('as') ?? 'customer';
    if (!isRole(as)) {
      next(new Error('"as" must be customer or agent.'));
      return;
    }
    socket.data = { sessionId, conn: connectionIdFrom(url, 'sio'), as };
    next();
  });

  io.on('connection', (socket) => onConnection(socket));

  function onConnection(
    socket: Socket<
      Record<string, (...args: unknown[]) => void>,
      Record<string, (...args: unknown[]) => void>,
      object,
      SocketData
    >,
  ) {
    const { sessionId, conn, as } = socket.data;
    const room = `session:${sessionId}`;
    void socket.join(room);
    // Described when the timeline reads them: a message costs the log one string (see SocketIoMessages).
    const incoming = new SocketIoMessages(name, conn, 'in');
    const outgoing = new SocketIoMessages(name, conn, 'out');
    socket.onAny((event: string, ...args: unknown[]) =>
      lab.defer(
        sessionId,
        incoming,
        SocketIoMessages.keep(
          event,
          args.filter((a) => typeof a !== 'function'),
        ),
      ),
    );
    socket.onAnyOutgoing((event: string, ...args: unknown[]) =>
      lab.defer(sessionId, outgoing, SocketIoMessages.keep(event, args)),
    );

    const untrack = lab.connections.track(sessionId, { id: conn, protocol: 'socketio', drop: () => cutTransport(socket.conn) });
    lab.record(sessionId, {
      origin: 'server',
      protocol: 'socketio',
      kind: socket.recovered ? 'reconnected' : 'open',
      conn,
      summary: socket.recovered
        ? `${name}: socket ${socket.id} recovered: missed events replayed`
        : `${name}: socket ${socket.id} connected as ${as} (a new session: nothing to recover)`,
      detail: { fields: { server: name, socketId: socket.id, recovered: socket.recovered, as } },
    });
    socket.on('disconnect', (reason) => {
      untrack();
      lab.record(sessionId, {
        origin: 'server',
        protocol: 'socketio',
        kind: 'close',
        conn,
        summary: `${name}: socket ${socket.id} disconnected (${reason})`,
        detail: { reason, fields: { server: name, socketId: socket.id } },
      });
    });

    const limiter = new RateLimiter(lab.config.wsMessagesPerSecond);
    socket.use(([event], next) => {
      if (limiter.take()) {
        next();
        return;
      }
      if (limiter.shouldWarn()) {
        socket.emit('protocol-error', {
          code: 'rate-limited',
          message: `Too many messages: ${limiter.ratePerSecond} a second allowed. "${event}" and others over the limit were dropped.`,
        });
      }
    });
    // Broadcasts to the session's room: through pub/sub when the session has it on, else this instance only.
    // Both targets are made once per connection: `socket.to()` builds an operator and two Sets per call,
    // and connection state recovery keeps every broadcast's targets for MAX_DISCONNECTION_MS.
    const others = socket.to(room);
    const othersHere = others.local;
    const toOthers = () => (options.publishes?.(sessionId) === false ? othersHere : others);

    socket.onAny((event: string, ...args: unknown[]) => {
      // socket.io passes the ack callback last: `emit("request", payload, callback)`, or without a payload.
      const last = args.at(-1);
      const reply = typeof last === 'function' ? (last as (value: unknown) => void) : undefined;
      const payload = args[0] === last && reply ? undefined : args[0];
      if (!EVENTS.has(event)) {
        socket.emit('protocol-error', {
          code: 'unknown-type',
          message: `Unknown event "${event}"; this chat knows: ${[...EVENTS].join(', ')}.`,
        });
        return;
      }
      const parsed =
        typeof payload === 'object' && payload !== null && !Array.isArray(payload)
          ? parseClientMessage(JSON.stringify({ ...payload, type: event }))
          : ({ ok: false, code: 'bad-message', message: `"${event}" takes one object argument.` } as const);
      if (!parsed.ok) {
        const error = { code: parsed.code, message: parsed.message };
        if (reply) reply({ error });
        else socket.emit('protocol-error', error);
        return;
      }
      const m = parsed.message;
      switch (m.type) {
        case 'message': {
          let ids = seen.get(sessionId);
          if (!ids) {
            ids = new RecentIds();
            seen.set(sessionId, ids);
          }
          const fresh = ids.add(m.id);
          reply?.({ id: m.id, duplicate: !fresh, server: name });
          if (fresh) toOthers().emit('message', { id: m.id, from: as, text: m.text, server: name });
          return;
        }
        case 'typing':
          toOthers().emit('typing', { from: as, typing: m.typing });
          return;
        case 'delivered':
          toOthers().emit('delivered', { id: m.id, by: as });
          return;
        case 'request': {
          const timer = setTimeout(() => {
            pendingAnswers.delete(timer);
            const row = lab
              .sessionDb(sessionId)
              .get<{ id: string; owner: string; balance_cents: number; currency: string }>(
                'SELECT id, owner, balance_cents, currency FROM accounts WHERE session_id = :session AND id = ?',
                m.params.account,
              );
            const response = row
              ? {
                  id: m.id,
                  result: { account: row.id, owner: row.owner, balance: row.balance_cents / 100, currency: row.currency },
                }
              : { id: m.id, error: { code: 'not-found', message: `No account "${m.params.account}".` } };
            if (reply) reply(response);
            else socket.emit('response', response);
          }, BALANCE_DELAY_MS);
          pendingAnswers.add(timer);
          return;
        }
      }
    });
    socket.emit('welcome', { conn, as, server: name, socketId: socket.id, recovered: socket.recovered });
  }

  return {
    name,
    io,
    engine,
    /** Which lab session owns an engine.io sid (undefined: not this instance's). */
    sessionOf: (sid: string) => sids.get(sid),
    /** Closes every engine connection of a session (or of one role in it) on this instance, as a crash would. */
    cutSession(sessionId: string, as?: Role): number {
      let cut = 0;
      for (const socket of io.sockets.sockets.values()) {
        if (socket.data.sessionId === sessionId && (as === undefined || socket.data.as === as)) {
          cutTransport(socket.conn);
          cut += 1;
        }
      }
      return cut;
    },
    async close(): Promise<void> {
      for (const timer of pendingAnswers) clearTimeout(timer);
      await io.close();
      engine.close();
    },
  };
}

export type Instance = ReturnType<typeof createInstance>;

/**
 * A drop: kill the transport under socket.io (a WebSocket is terminated at the
 * TCP level, a polling connection closed), never `socket.disconnect()`, which
 * tells the client "don't come back" and throws the recovery state away.
 */
function cutTransport(conn: EngineSocket): void {
  const ws = (conn.transport as unknown as { socket?: { terminate?: () => void } }).socket;
  if (conn.transport.name === 'websocket' && typeof ws?.terminate === 'function') ws.terminate();
  else conn.close();
}

/** The 400 for a request that names another session's engine.io sid. */
export const foreignSid = () =>
  new HttpError(400, 'Unknown sid', 'This engine.io session id does not belong to your lab session. Start a new connection.');
