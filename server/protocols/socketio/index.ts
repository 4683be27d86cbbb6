/**
 * Lesson "WebSocket", socket.io side: the support chat on socket.io with
 * connection state recovery ("chat", path /api/socketio/), and two more
 * instances ("server 1", "server 2") joined by a pub/sub layer, reached
 * directly (/api/socketio/1/, /api/socketio/2/) or through a load balancer
 * (/api/socketio/lb/) that is sticky unless a session switches that off.
 * None is attached to the HTTP server: the route table hands each its
 * polling requests and upgrades.
 */
import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import { refuseUpgrade, type SessionContext, type UpgradeContext } from '../../http/router';
import type { Lab } from '../../lab';
import { connectionIdFrom } from '../../lab/websocket';
import { Outages, outageMs } from '../websocket/outages';
import { isRole } from '../websocket/protocol';
import { createInstance, foreignSid, type Instance } from './instance';
import { type Backend, type Hop, inProcessPubSub, type PubSub, redisPubSub } from './pubsub';
import { hasRedisServer, type LocalRedis, startLocalRedis } from './redis-server';

export const SERVERS = ['chat', '1', '2'] as const;
type ServerKey = (typeof SERVERS)[number];

const LABEL: Record<ServerKey, string> = { chat: 'chat', '1': 'server 1', '2': 'server 2' };
type ScaledKey = '1' | '2';
const otherServer = (key: ScaledKey): ScaledKey => (key === '1' ? '2' : '1');
/** Ping often on the scaled instances: a long-poll left behind by a failed connection is answered within this. */
const SCALED_PING_INTERVAL_MS = 3_000;

export interface SocketIoOptions {
  /** 'auto' (default): Redis at REDIS_URL, else a local redis-server if installed, else the stand-in. */
  pubsub?: 'auto' | 'in-process';
  redisUrl?: string;
}

export function createSocketIoLesson(lab: Lab, options: SocketIoOptions = {}) {
  const outages = new Outages();
  /** Sessions that switched pub/sub on. Off by default, so the lost message comes first. */
  const publishing = new Set<string>();
  /** Sessions that switched sticky sessions off. On by default, so the chat works first. */
  const unsticky = new Set<string>();
  /** With sticky sessions off: per session, per user, the server that user's next request goes to. */
  const nextTurn = new Map<string, Map<string, ScaledKey>>();
  lab.sessions.onExpire((id) => {
    publishing.delete(id);
    unsticky.delete(id);
    nextTurn.delete(id);
    for (const key of SERVERS) {
      outages.end(id, key);
      outages.end(id, `${key}:customer`);
      outages.end(id, `${key}:agent`);
    }
  });

  const chat = createInstance(lab, { name: LABEL.chat });

  // The two scaled instances need their pub/sub adapter at birth, and Redis takes a moment to
  // start: they are made on first use, so a lab that never reaches this lesson never starts Redis.
  let scaling: Promise<{ pubsub: PubSub; one: Instance; two: Instance; redis?: LocalRedis }> | undefined;
  let closed = false;

  function recordHop(hop: Hop, backend: Backend): void {
    const sessionId = hop.room.startsWith('session:') ? hop.room.slice('session:'.length) : undefined;
    if (!sessionId) return;
    const broker = backend === 'redis' ? 'Redis' : 'in-process stand-in';
    lab.record(sessionId, {
      origin: 'broker',
      protocol: 'socketio',
      kind: 'route',
      dir: hop.phase === 'publish' ? 'in' : 'out',
      summary:
        hop.phase === 'publish'
          ? `${hop.server} → ${broker}: PUBLISH ${hop.channel} ("${hop.event}")`
          : `${broker} → ${hop.server}: message on ${hop.channel} ("${hop.event}"), delivered to its sockets in the room`,
      detail: { fields: { phase: hop.phase, server: hop.server, channel: hop.channel, event: hop.event, backend } },
    });
  }

  function ensureScaling() {
    scaling ??= (async () => {
      let redis: LocalRedis | undefined;
      let pubsub: PubSub;
      const url = options.redisUrl ?? process.env.REDIS_URL;
      const mode = options.pubsub ?? (process.env.LAB_PUBSUB === 'in-process' ? 'in-process' : 'auto');
      try {
        if (mode === 'in-process') pubsub = inProcessPubSub();
        else if (url) pubsub = await redisPubSub(url);
        else if (hasRedisServer()) {
          redis = await startLocalRedis();
          pubsub = await redisPubSub(redis.url);
        } else pubsub = inProcessPubSub();
      } catch (error: unknown) {
        console.warn('[lab] Redis unavailable, using the in-process pub/sub stand-in:', (error as Error).message);
        await redis?.stop();
        redis = undefined;
        pubsub = inProcessPubSub();
      }
      const publishes = (sessionId: string) => publishing.has(sessionId);
      const one = createInstance(lab, {
        name: LABEL['1'],
        adapter: pubsub.adapterFor(LABEL['1'], (h) => recordHop(h, pubsub.backend)),
        publishes,
        pingIntervalMs: SCALED_PING_INTERVAL_MS,
      });
      const two = createInstance(lab, {
        name: LABEL['2'],
        adapter: pubsub.adapterFor(LABEL['2'], (h) => recordHop(h, pubsub.backend)),
        publishes,
        pingIntervalMs: SCALED_PING_INTERVAL_MS,
      });
      return { pubsub, one, two, redis };
    })();
    return scaling;
  }

  async function instanceFor(key: ServerKey): Promise<Instance> {
    if (key === 'chat') return chat;
    const s = await ensureScaling();
    return key === '1' ? s.one : s.two;
  }

  /** Refuses a new connection while the session's outage of that server lasts; checks a named sid is the session's own. */
  function admit(instance: Instance, key: ServerKey, sessionId: string, url: URL): HttpError | undefined {
    const sid = url.searchParams.get('sid');
    if (sid) {
      const owner = instance.sessionOf(sid);
      return owner !== undefined && owner !== sessionId ? foreignSid() : undefined;
    }
    // An outage of the whole instance, or only of one role's connections to it ("the customer's network").
    const as = url.searchParams.get('as');
    const left = Math.max(outages.remaining(sessionId, key), as ? outages.remaining(sessionId, `${key}:${as}`) : 0);
    return left > 0
      ? outages.refusal(as && outages.remaining(sessionId, key) === 0 ? `${LABEL[key]} (for the ${as})` : LABEL[key], left)
      : undefined;
  }

  /** HTTP long-polling (and the handshake) for one instance: the engine reads the body itself. */
  const poll = (key: ServerKey) => async (ctx: SessionContext) => {
    if (closed) throw new HttpError(503, 'Shutting down', 'The lab is shutting down.');
    const instance = await instanceFor(key);
    const refusal = admit(instance, key, ctx.sessionId, ctx.url);
    if (refusal) {
      ctx.req.resume();
      throw refusal;
    }
    instance.engine.handleRequest(ctx.req as never, ctx.res);
  };

  const upgrade = (key: ServerKey) => (ctx: UpgradeContext) => {
    void instanceFor(key).then((instance) => {
      const refusal = admit(instance, key, ctx.sessionId, ctx.url);
      if (refusal) refuseUpgrade(ctx.socket, refusal);
      else instance.engine.handleUpgrade(ctx.req as never, ctx.socket as never, ctx.head);
    });
  };

  /**
   * The load balancer. Sticky (the default): a new connection (no sid) goes
   * to the user's home instance — user "A" to server 1, "B" to server 2 —
   * unless that one is down for the session; every later request of that
   * connection goes wherever its sid lives. Not sticky (a session's switch):
   * plain round-robin, so polling requests land on an instance that never
   * heard of their sid, and engine.io there answers 400 "Session ID unknown".
   */
  async function balance(sessionId: string, url: URL): Promise<{ key: ScaledKey; why: string }> {
    const s = await ensureScaling();
    const sid = url.searchParams.get('sid');
    // Two users, A (the default) and B: anything else counts as A, so the turn table stays two entries.
    const user = url.searchParams.get('user') === 'B' ? 'B' : 'A';
    const home: ScaledKey = user === 'B' ? '2' : '1';
    let lives: ScaledKey | undefined;
    if (sid && s.one.sessionOf(sid) !== undefined) lives = '1';
    else if (sid && s.two.sessionOf(sid) !== undefined) lives = '2';
    if (unsticky.has(sessionId)) return roundRobin(sessionId, user, home, sid, lives);
    if (sid)
      return lives ? { key: lives, why: `sticky: sid ${sid} lives on ${LABEL[lives]}` } : { key: '1', why: `unknown sid ${sid}` };
    const other = otherServer(home);
    if (outages.remaining(sessionId, home) > 0)
      return { key: other, why: `user ${user}'s home, ${LABEL[home]}, is down: failing over` };
    return { key: home, why: `new connection for user ${user}: home instance` };
  }

  /**
   * Takes turns per user, so each user's requests alternate between the
   * servers whatever the other user does (a repeatable demo). Like a real
   * balancer's health check, it skips a server that is down.
   */
  function roundRobin(sessionId: string, user: string, home: ScaledKey, sid: string | null, lives: ScaledKey | undefined) {
    let turns = nextTurn.get(sessionId);
    if (!turns) {
      turns = new Map();
      nextTurn.set(sessionId, turns);
    }
    let key = turns.get(user) ?? home;
    if (outages.remaining(sessionId, key) > 0) key = otherServer(key);
    turns.set(user, otherServer(key));
    const where = !sid
      ? 'a new connection'
      : lives === key
        ? `sid ${sid} lives here`
        : lives
          ? `sid ${sid} lives on ${LABEL[lives]}, not here`
          : `sid ${sid} lives on neither server`;
    return { key, why: `round-robin, sticky sessions off: ${where}` };
  }

  function recordRoute(
    sessionId: string,
    ctx: { url: URL; req: { method?: string } },
    key: ScaledKey,
    why: string,
    transport: string,
  ): void {
    const { url } = ctx;
    const sticky = !unsticky.has(sessionId);
    // Sticky: only new connections and upgrades, or every long-poll would bury the lesson in routing lines.
    // Not sticky: every request, because where each one lands is the lesson.
    if (sticky && url.searchParams.has('sid') && transport !== 'websocket') return;
    const method = transport === 'websocket' ? 'upgrade' : (ctx.req.method ?? 'GET');
    lab.record(sessionId, {
      origin: 'server',
      protocol: 'socketio',
      kind: 'route',
      ...(url.searchParams.has('conn') ? { conn: connectionIdFrom(url, 'sio') } : {}),
      summary: `load balancer → ${LABEL[key]}: ${method} (${why})`,
      detail: {
        url: url.pathname,
        method,
        fields: { server: LABEL[key], why, transport, sticky, sid: url.searchParams.get('sid') ?? '' },
      },
    });
  }

  const lbPoll = async (ctx: SessionContext) => {
    const { key, why } = await balance(ctx.sessionId, ctx.url);
    recordRoute(ctx.sessionId, ctx, key, why, 'polling');
    await poll(key)(ctx);
  };

  const lbUpgrade = (ctx: UpgradeContext) => {
    void balance(ctx.sessionId, ctx.url).then(({ key, why }) => {
      recordRoute(ctx.sessionId, ctx, key, why, 'websocket');
      upgrade(key)(ctx);
    });
  };

  /** GET /api/socketio/sticky — whether this session's load balancer is sticky. */
  function getSticky(ctx: SessionContext) {
    sendJson(ctx.res, 200, { enabled: !unsticky.has(ctx.sessionId) });
  }

  /** POST /api/socketio/sticky {"enabled":bool} — per session: other students' balancers stay sticky. */
  function setSticky(ctx: SessionContext) {
    const body = parseJson(ctx.req.headers['content-type'], ctx.body) as Record<string, unknown> | null;
    const enabled = body?.enabled;
    if (typeof enabled !== 'boolean')
      throw new HttpError(400, 'Bad sticky-sessions switch', 'Send {"enabled": true} or {"enabled": false}.');
    if (enabled) unsticky.delete(ctx.sessionId);
    else unsticky.add(ctx.sessionId);
    nextTurn.delete(ctx.sessionId);
    ctx.lab.record(ctx.sessionId, {
      origin: 'server',
      protocol: 'socketio',
      kind: 'note',
      summary: enabled
        ? 'sticky sessions on for your session: the load balancer sends each request to the server that holds its sid'
        : 'sticky sessions off for your session: the load balancer sends each request round-robin to server 1, then server 2',
      detail: { fields: { enabled } },
    });
    sendJson(ctx.res, 200, { enabled });
  }

  /** GET /api/socketio/pubsub — which pub/sub is in use, and whether this session has it on. */
  async function getPubSub(ctx: SessionContext) {
    const s = await ensureScaling();
    sendJson(ctx.res, 200, { backend: s.pubsub.backend, enabled: publishing.has(ctx.sessionId) });
  }

  /** POST /api/socketio/pubsub {"enabled":bool} — per session: other students' chats are unaffected. */
  async function setPubSub(ctx: SessionContext) {
    const body = parseJson(ctx.req.headers['content-type'], ctx.body) as Record<string, unknown> | null;
    const enabled = body?.enabled;
    if (typeof enabled !== 'boolean')
      throw new HttpError(400, 'Bad pub/sub switch', 'Send {"enabled": true} or {"enabled": false}.');
    const s = await ensureScaling();
    if (enabled) publishing.add(ctx.sessionId);
    else publishing.delete(ctx.sessionId);
    ctx.lab.record(ctx.sessionId, {
      origin: 'server',
      protocol: 'socketio',
      kind: 'note',
      summary: `pub/sub ${enabled ? 'on' : 'off'} for your session (${s.pubsub.backend === 'redis' ? 'Redis' : 'in-process stand-in'})`,
      detail: { fields: { enabled, backend: s.pubsub.backend } },
    });
    sendJson(ctx.res, 200, { backend: s.pubsub.backend, enabled });
  }

  /**
   * POST /api/socketio/outage {"server":"chat"|"1"|"2","seconds":N,"as"?:"customer"|"agent"} — that
   * instance "dies" for this session only (or, with "as", only that role's connections lose their network).
   */
  async function outage(ctx: SessionContext) {
    const body = parseJson(ctx.req.headers['content-type'], ctx.body) as Record<string, unknown> | null;
    const key = body?.server;
    if (typeof key !== 'string' || !(SERVERS as readonly string[]).includes(key)) {
      throw new HttpError(400, 'Unknown server', `"server" must be one of: ${SERVERS.join(', ')}.`);
    }
    const ms = outageMs(body);
    const as = body?.as;
    if (as !== undefined && !isRole(as))
      throw new HttpError(400, 'Unknown role', '"as" must be customer or agent (or left out).');
    const instance = await instanceFor(key as ServerKey);
    outages.start(ctx.sessionId, as ? `${key}:${as}` : key, ms);
    const cut = instance.cutSession(ctx.sessionId, as);
    ctx.lab.record(ctx.sessionId, {
      origin: 'server',
      protocol: 'lab',
      kind: 'fault',
      summary: `${LABEL[key as ServerKey]}${as ? ` (${as} only)` : ''} down for ${ms / 1000} s (for your session): cut ${cut} connection${cut === 1 ? '' : 's'}, refusing new ones with 503`,
      detail: { fields: { action: 'outage', server: LABEL[key as ServerKey], ms, cut } },
    });
    sendJson(ctx.res, 200, { cut, downForMs: ms });
  }

  async function close(): Promise<void> {
    closed = true;
    await chat.close();
    if (scaling) {
      const s = await scaling.catch(() => undefined);
      if (s) {
        await Promise.allSettled([s.one.close(), s.two.close()]);
        await s.pubsub.close();
        await s.redis?.stop();
      }
    }
  }

  return {
    poll,
    upgrade,
    lbPoll,
    lbUpgrade,
    getPubSub,
    setPubSub,
    getSticky,
    setSticky,
    outage,
    close,
  };
}
