/**
 * Lesson "WebSocket", socket.io side: the support chat on socket.io with
 * connection state recovery ("chat", path /api/socketio/), and two more
 * instances ("server 1", "server 2") joined by a pub/sub layer, reached
 * directly (/api/socketio/1/, /api/socketio/2/) or through a sticky load
 * balancer (/api/socketio/lb/). None is attached to the HTTP server: the
 * route table hands each its polling requests and upgrades.
 */
import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import { refuseUpgrade, type SessionContext, type UpgradeContext } from '../../http/router';
import type { Lab } from '../../lab';
import { Outages, outageMs } from '../websocket/outages';
import { isRole } from '../websocket/protocol';
import { createInstance, foreignSid, type Instance } from './instance';
import { type Backend, type Hop, inProcessPubSub, type PubSub, redisPubSub } from './pubsub';
import { hasRedisServer, type LocalRedis, startLocalRedis } from './redis-server';

export const SERVERS = ['chat', '1', '2'] as const;
type ServerKey = (typeof SERVERS)[number];

const LABEL: Record<ServerKey, string> = { chat: 'chat', '1': 'server 1', '2': 'server 2' };

export interface SocketIoOptions {
  /** 'auto' (default): Redis at REDIS_URL, else a local redis-server if installed, else the stand-in. */
  pubsub?: 'auto' | 'in-process';
  redisUrl?: string;
}

export function createSocketIoLesson(lab: Lab, options: SocketIoOptions = {}) {
  const outages = new Outages();
  /** Sessions that switched pub/sub on. Off by default, so the lost message comes first. */
  const publishing = new Set<string>();
  lab.sessions.onExpire((id) => {
    publishing.delete(id);
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
      });
      const two = createInstance(lab, {
        name: LABEL['2'],
        adapter: pubsub.adapterFor(LABEL['2'], (h) => recordHop(h, pubsub.backend)),
        publishes,
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
   * The load balancer: a new connection (no sid) goes to the user's home
   * instance — user "A" to server 1, "B" to server 2 — unless that one is down
   * for the session; every later request of that connection goes wherever its
   * sid lives. That second rule is "sticky sessions": without it, polling
   * requests would land on an instance that never heard of their sid.
   */
  async function balance(sessionId: string, url: URL): Promise<{ key: ServerKey; why: string }> {
    const s = await ensureScaling();
    const sid = url.searchParams.get('sid');
    if (sid) {
      if (s.one.sessionOf(sid) !== undefined) return { key: '1', why: `sticky: sid ${sid} lives on server 1` };
      if (s.two.sessionOf(sid) !== undefined) return { key: '2', why: `sticky: sid ${sid} lives on server 2` };
      return { key: '1', why: `unknown sid ${sid}` };
    }
    const user = url.searchParams.get('user') ?? 'A';
    const home: ServerKey = user === 'B' ? '2' : '1';
    const other: ServerKey = home === '1' ? '2' : '1';
    if (outages.remaining(sessionId, home) > 0)
      return { key: other, why: `user ${user}'s home, ${LABEL[home]}, is down: failing over` };
    return { key: home, why: `new connection for user ${user}: home instance` };
  }

  function recordRoute(sessionId: string, url: URL, key: ServerKey, why: string, transport: string): void {
    // Only new connections and upgrades: every long-poll would bury the lesson in routing lines.
    if (url.searchParams.has('sid') && transport !== 'websocket') return;
    lab.record(sessionId, {
      origin: 'server',
      protocol: 'socketio',
      kind: 'route',
      summary: `load balancer → ${LABEL[key]} (${why})`,
      detail: { url: url.pathname, fields: { server: LABEL[key], why, transport } },
    });
  }

  const lbPoll = async (ctx: SessionContext) => {
    const { key, why } = await balance(ctx.sessionId, ctx.url);
    recordRoute(ctx.sessionId, ctx.url, key, why, 'polling');
    await poll(key)(ctx);
  };

  const lbUpgrade = (ctx: UpgradeContext) => {
    void balance(ctx.sessionId, ctx.url).then(({ key, why }) => {
      recordRoute(ctx.sessionId, ctx.url, key, why, 'websocket');
      upgrade(key)(ctx);
    });
  };

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
    outage,
    close,
  };
}
