import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesOptions, type AedesPublishPacket, type AuthenticateError, type Client, type Subscription } from 'aedes';
import memory from 'aedes-persistence';
import { MAX_TOPIC_LEVELS, topicFilterError, topicMatches, topicNameError } from '../../../lib/mqtt-topic';
import { cutText, type EventInput, type Origin } from '../../../lib/timeline';
import type { Lab } from '../../lab';
import type { MqttConfig } from './config';
import { prefixOf, SubscriptionBook, sessionOf, toExternal, toInternal } from './namespace';
import { describePacket } from './packets';
import { MqttTimeline } from './timeline';
import { packetType, tapStream } from './wire';

/** Raw bytes kept per packet for the hex view. */
const RAW_PREVIEW_BYTES = 1024;

/**
 * aedes' in-memory persistence, with one fix: it finds a stored packet for
 * `outgoingUpdate` by brokerId + brokerCounter, and PUBREL packets have
 * neither, so with several QoS 2 messages in flight to a persistent client
 * each new PUBREL overwrote the previous one's packet id (wrong PUBREL ids on
 * the wire, and a lost message on reconnect). Giving each PUBREL a key of its
 * own makes the lookup fall through to its packet id, as intended.
 */
function memoryPersistence() {
  const persistence = memory() as unknown as { outgoingUpdate(client: unknown, packet: Record<string, unknown>): Promise<void> };
  const update = persistence.outgoingUpdate.bind(persistence);
  persistence.outgoingUpdate = (client, packet) => {
    if (packet.cmd === 'pubrel') Object.assign(packet, { brokerId: 'lab-pubrel', brokerCounter: packet.messageId });
    return update(client, packet);
  };
  return persistence;
}

/** What the lab knows about one MQTT connection, before and after its CONNECT. */
interface Connection {
  connId: string;
  transport: 'tcp' | 'websocket';
  /** The session named by the WebSocket upgrade (cookie or ?session=); TCP clients name it as their username. */
  upgradeSession: string | undefined;
  /** Set once CONNECT named a live session. */
  sessionId: string | undefined;
  /** The client id as the client sent it (the broker sees it prefixed with the session). */
  clientId: string;
  refusal: { code: 2 | 3 | 4 | 5; reason: string } | undefined;
  /** Packets seen before the session was known (the CONNECT itself). */
  early: Buffer[];
  dropped: boolean;
  /** Kills the transport (socket.destroy / ws.terminate): the client sees a network failure. */
  kill(): void;
  untrack?: () => void;
}

/** Who an event is from, for the timeline: terminal tools have no instrumentation of their own. */
function senderOrigin(conn: Connection): Origin {
  return conn.transport === 'tcp' ? 'terminal' : 'broker';
}

type RefusalCode = 2 | 3 | 4 | 5;

interface RoutedPacket {
  topic: string;
  qos: number;
  retain: boolean;
  payload: Buffer | string;
}

function refusal(code: RefusalCode, reason: string): AuthenticateError {
  return Object.assign(new Error(reason), { returnCode: code }) as AuthenticateError;
}

/**
 * The lab's MQTT broker: one aedes instance shared by every session, each
 * session in its own topic namespace (see namespace.ts), every packet tapped
 * with its exact bytes, every PUBLISH routed on the timeline.
 */
export class MqttBroker {
  readonly aedes: Aedes;
  readonly subscriptions = new SubscriptionBook();
  readonly timeline: MqttTimeline;
  private readonly connections = new Map<Duplex, Connection>();
  private readonly liveBySession = new Map<string, Set<Connection>>();
  private readonly downUntil = new Map<string, number>();
  private readonly downTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Retained topics per session (internal names), so an expired session's can be cleared. */
  private readonly retained = new Map<string, Set<string>>();
  private persistence: { destroy?: () => Promise<void> } | undefined;
  /**
   * QoS 1/2 messages already sent to each persistent client and not yet acknowledged
   * (`brokerId:brokerCounter`), so a replay after reconnecting can be marked DUP
   * [MQTT-3.3.1-1]; aedes resends them without it.
   */
  private readonly unacked = new Map<string, Set<string>>();

  constructor(
    private readonly lab: Lab,
    private readonly config: MqttConfig,
  ) {
    this.timeline = new MqttTimeline(lab);
    const options: AedesOptions = {
      // The session prefix adds one level and up to 37 characters to what clients send.
      maxTopicLevels: MAX_TOPIC_LEVELS + 1,
      maxClientsIdLength: 23 + 37,
      maxInflightInbound: config.maxInflightInbound,
      queueLimit: config.queueLimit,
      drainTimeout: config.drainTimeoutMs,
      connectTimeout: config.connectTimeoutMs,
      preConnect: (client, packet, done) => this.preConnect(client, packet, done),
      authenticate: (client, _username, _password, done) => this.authenticate(client, done),
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => this.authorizeSubscribe(client, sub, done),
      authorizeForward: (client, packet) => this.authorizeForward(client, packet),
    };
    if (config.redisUrl) Object.assign(options, this.redisBackends(config.redisUrl));
    else options.persistence = memoryPersistence();
    this.aedes = new Aedes(options);
    this.aedes.on('clientReady', (client) => this.onReady(client));
    this.aedes.on('clientDisconnect', (client) => this.onDisconnect(client));
    this.aedes.on('subscribe', (subs, client) => this.onSubscribe(subs, client));
    this.aedes.on('unsubscribe', (topics, client) => this.onUnsubscribe(topics, client));
    this.aedes.on('clientError', (client, error) => this.onClientError(client, error));
    this.aedes.on('ack', (packet, client) => {
      const p = packet as { brokerId?: string; brokerCounter?: number };
      this.unacked.get(client.id)?.delete(`${p.brokerId}:${p.brokerCounter}`);
    });
    this.aedes.on('connectionError', (client, error) => this.onClientError(client, error));
  }

  /** Persistent sessions, retained messages and pub/sub in Redis, with the well-kept aedes packages. */
  private redisBackends(url: string): Pick<AedesOptions, 'mq' | 'persistence'> {
    const u = new URL(url);
    const redis = {
      host: u.hostname,
      port: Number(u.port || 6379),
      username: u.username || undefined,
      password: u.password || undefined,
      db: Number(u.pathname.slice(1) || 0),
    };
    const require = createRequire(import.meta.url);
    const RedisPersistence = require('aedes-persistence-redis/asyncPersistence.js');
    const mqemitterRedis = require('mqemitter-redis');
    const persistence = new RedisPersistence({ ...redis, maxSessionDelivery: 1000 });
    this.persistence = persistence;
    return { persistence, mq: mqemitterRedis({ ...redis, matchEmptyLevels: true }) };
  }

  async listen(): Promise<void> {
    await this.aedes.listen();
  }

  /** Hands a new transport to the broker, tapped. */
  handle(
    transport: Duplex,
    info: { connId: string; transport: Connection['transport']; upgradeSession?: string; kill: () => void },
  ): void {
    const conn: Connection = {
      ...info,
      upgradeSession: info.upgradeSession,
      sessionId: undefined,
      clientId: '',
      refusal: undefined,
      early: [],
      dropped: false,
    };
    const stream = tapStream(
      transport,
      {
        received: (bytes) => {
          if (conn.sessionId) this.recordPacket(conn, conn.sessionId, 'in', bytes);
          else if (conn.early.length < 4) conn.early.push(bytes);
        },
        sent: (bytes) => {
          const sessionId = conn.sessionId ?? conn.upgradeSession;
          if (sessionId) this.recordPacket(conn, sessionId, 'out', bytes);
        },
        oversized: (size) => {
          const sessionId = conn.sessionId ?? conn.upgradeSession;
          if (sessionId) {
            this.timeline.always(sessionId, {
              origin: 'broker',
              protocol: 'mqtt',
              kind: 'error',
              conn: conn.connId,
              summary: `Packet of ${size.toLocaleString('en')} bytes refused (limit ${this.config.maxPacketBytes.toLocaleString('en')}): connection closed`,
              detail: { reason: 'packet too large', fields: { size, limit: this.config.maxPacketBytes } },
            });
          }
        },
      },
      this.config.maxPacketBytes,
    );
    this.connections.set(stream, conn);
    stream.on('close', () => this.onTransportClosed(stream, conn));
    const client = this.aedes.handle(stream);
    this.rewriteUnsubscribe(client, conn);
  }

  /**
   * UNSUBSCRIBE has no authorize hook in aedes, so its filters are moved into
   * the session's namespace as the parser hands the packet over, before the
   * broker's own handler (registered first, prepended to) sees it.
   */
  private rewriteUnsubscribe(client: Client, conn: Connection): void {
    const parser = (client as unknown as { _parser?: NodeJS.EventEmitter })._parser;
    parser?.prependListener('packet', (packet: { cmd: string; unsubscriptions?: string[] }) => {
      if (packet.cmd !== 'unsubscribe' || !conn.sessionId || !packet.unsubscriptions) return;
      const sessionId = conn.sessionId;
      packet.unsubscriptions = packet.unsubscriptions.map((t) => toInternal(sessionId, t));
    });
  }

  private connOf(client: Client | null): Connection | undefined {
    return client ? this.connections.get(client.conn as Duplex) : undefined;
  }

  // ---- CONNECT: which session, which client id, may it come in? ----

  private preConnect(
    client: Client,
    packet: Parameters<NonNullable<AedesOptions['preConnect']>>[1],
    done: (e: Error | null, ok: boolean) => void,
  ) {
    const conn = this.connOf(client);
    if (!conn) return done(new Error('unknown connection'), false);
    conn.clientId = packet.clientId;
    const username = packet.username;
    const named = conn.upgradeSession ?? username;
    if (conn.upgradeSession && username && username !== conn.upgradeSession) {
      conn.refusal = { code: 4, reason: 'bad user name: the MQTT username must be your own lab session id (or left out)' };
    } else if (!named) {
      conn.refusal = { code: 4, reason: 'no user name: use your lab session id as the MQTT username (-u <session>)' };
    } else if (!this.lab.sessions.touch(named)) {
      conn.refusal = {
        code: 5,
        reason: 'not authorized: the username is not a live lab session id (get one with POST /api/lab/sessions)',
      };
    }
    const sessionId = conn.refusal && !conn.upgradeSession ? undefined : named;
    conn.sessionId = sessionId;
    if (sessionId && !conn.refusal) {
      // [MQTT-3.1.3-8] a persistent session needs a client id to be found again.
      if (!packet.clientId && !packet.clean) {
        conn.refusal = { code: 2, reason: 'identifier rejected: a persistent session (clean session off) needs a client id' };
      } else if (packet.will) {
        const error = this.topicError(packet.will.topic);
        if (error) conn.refusal = { code: 5, reason: `not authorized: will topic ${packet.will.topic}: ${error}` };
        else packet.will.topic = toInternal(sessionId, packet.will.topic);
      }
      // Client ids live in the session's namespace too, so two sessions' "dashboard"s never collide.
      if (packet.clientId) packet.clientId = toInternal(sessionId, packet.clientId);
      if (!conn.refusal && (this.liveBySession.get(sessionId)?.size ?? 0) >= this.config.maxConnectionsPerSession) {
        conn.refusal = {
          code: 3,
          reason: `server unavailable: your session already has ${this.config.maxConnectionsPerSession} MQTT connections`,
        };
      }
    }
    if (sessionId) for (const bytes of conn.early.splice(0)) this.recordPacket(conn, sessionId, 'in', bytes);
    done(null, true);
  }

  private authenticate(client: Client, done: (error: AuthenticateError | null, ok: boolean | null) => void) {
    const conn = this.connOf(client);
    if (!conn) return done(refusal(5, 'not authorized'), false);
    const sessionId = conn.sessionId;
    if (!conn.refusal && sessionId && this.isDown(sessionId)) {
      const left = Math.ceil(((this.downUntil.get(sessionId) ?? 0) - Date.now()) / 1000);
      conn.refusal = { code: 3, reason: `server unavailable: the broker is down for your session (back in ${left} s)` };
    }
    if (conn.refusal || !sessionId) {
      const { code, reason } = conn.refusal ?? { code: 5 as const, reason: 'not authorized' };
      if (sessionId) {
        this.timeline.always(sessionId, {
          origin: 'broker',
          protocol: 'mqtt',
          kind: 'error',
          conn: conn.connId,
          summary: `CONNECT "${conn.clientId}" refused with CONNACK ${code}: ${reason}`,
          detail: { code, reason, fields: { returnCode: code, clientId: conn.clientId } },
        });
      }
      return done(refusal(code, reason), false);
    }
    let live = this.liveBySession.get(sessionId);
    if (!live) {
      live = new Set();
      this.liveBySession.set(sessionId, live);
    }
    live.add(conn);
    conn.untrack = this.lab.connections.track(sessionId, {
      id: conn.connId,
      protocol: 'mqtt',
      drop: () => {
        conn.dropped = true;
        conn.kill();
      },
    });
    done(null, true);
  }

  // ---- Topics in and out of the session's namespace ----

  /** Why a client may not use this topic name, or undefined. */
  private topicError(topic: string): string | undefined {
    if (topic.startsWith('$')) return 'topics starting with $ (like $SYS) belong to the broker; clients may not publish there';
    return topicNameError(topic);
  }

  private authorizePublish(
    client: Client | null,
    packet: { topic: string; retain?: boolean; payload?: unknown },
    done: (e?: Error | null) => void,
  ) {
    const conn = this.connOf(client);
    const sessionId = conn?.sessionId ?? sessionOf(packet.topic);
    if (!sessionId) return done(new Error('no session'));
    if (this.isDown(sessionId)) return done(new Error('the broker is down for this session'));
    if (!packet.topic.startsWith(prefixOf(sessionId))) {
      const error = this.topicError(packet.topic);
      if (error) {
        this.timeline.always(sessionId, {
          origin: 'broker',
          protocol: 'mqtt',
          kind: 'error',
          conn: conn?.connId,
          summary: `PUBLISH to "${packet.topic}" refused: ${error}. MQTT 3.1.1 has no negative PUBACK, so the broker closes the connection`,
          detail: { reason: error, fields: { topic: packet.topic } },
        });
        return done(new Error(error));
      }
      packet.topic = toInternal(sessionId, packet.topic);
    }
    if (packet.retain) this.noteRetained(sessionId, packet.topic, packet.payload);
    // Recorded here, before the broker fans it out, so the route precedes the deliveries on the timeline.
    // A broker-assigned id (the client sent none) has no session prefix.
    const clientId = conn?.clientId || (client && (toExternal(sessionId, client.id) ?? client.id)) || 'a client';
    // A closed client's publish is its will, sent by the broker on its behalf.
    this.recordRoute(sessionId, packet as RoutedPacket, client?.closed ? `the will of ${clientId}` : clientId, conn?.connId);
    done(null);
  }

  private authorizeSubscribe(client: Client, sub: Subscription, done: (e: Error | null, sub?: Subscription | null) => void) {
    const sessionId = this.connOf(client)?.sessionId;
    if (!sessionId) return done(new Error('no session'));
    // Restored persistent subscriptions come back already in the namespace.
    if (sub.topic.startsWith(prefixOf(sessionId))) return done(null, sub);
    const error = sub.topic.startsWith('$')
      ? '$SYS and other $ topics are the broker’s own and not open to lab sessions'
      : topicFilterError(sub.topic);
    if (error) {
      this.timeline.always(sessionId, {
        origin: 'broker',
        protocol: 'mqtt',
        kind: 'error',
        conn: this.connOf(client)?.connId,
        summary: `SUBSCRIBE to "${sub.topic}" refused (SUBACK 0x80): ${error}`,
        detail: { reason: error, fields: { filter: sub.topic } },
      });
      return done(null, null); // SUBACK return code 0x80 for this filter [MQTT-3.9.3]
    }
    sub.topic = toInternal(sessionId, sub.topic);
    done(null, sub);
  }

  private authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const sessionId = this.connOf(client)?.sessionId;
    if (!sessionId) return null;
    const topic = toExternal(sessionId, packet.topic);
    if (packet.qos > 0 && !client.clean && this.sentBefore(client.id, packet)) packet.dup = true;
    // Without the prefix: replayed from the client's persistent session, stored already translated.
    if (topic === undefined) return packet;
    // Deliver at the lowest of the publish QoS and the best matching subscription's [MQTT-3.8.4-6].
    let granted = -1;
    // aedes keeps each client's granted subscriptions (internal filters) on the client.
    const subscriptions = (client as unknown as { subscriptions?: Record<string, { qos: number }> }).subscriptions ?? {};
    for (const [filter, sub] of Object.entries(subscriptions)) {
      if (sub.qos > granted && topicMatches(filter, packet.topic)) granted = sub.qos;
    }
    // Changed in place: aedes hands each subscriber its own copy, and its offline-queue
    // replay ignores the returned packet and writes this one.
    packet.topic = topic;
    if (granted >= 0) packet.qos = Math.min(packet.qos, granted) as AedesPublishPacket['qos'];
    return packet;
  }

  /** Notes a QoS 1/2 delivery to a persistent client; true if it was delivered before (a replay). */
  private sentBefore(clientId: string, packet: AedesPublishPacket): boolean {
    const key = `${packet.brokerId}:${packet.brokerCounter}`;
    let keys = this.unacked.get(clientId);
    if (!keys) {
      keys = new Set();
      this.unacked.set(clientId, keys);
    }
    if (keys.has(key)) return true;
    keys.add(key);
    // Bounded: the oldest go first (QoS 2 completions aren't reported with their key).
    if (keys.size > 1000) keys.delete(keys.values().next().value as string);
    return false;
  }

  private noteRetained(sessionId: string, topic: string, payload: unknown): void {
    let topics = this.retained.get(sessionId);
    if (!topics) {
      topics = new Set();
      this.retained.set(sessionId, topics);
    }
    const empty = payload === undefined || (payload as { length?: number }).length === 0;
    if (empty) topics.delete(topic);
    else topics.add(topic);
  }

  // ---- Taps ----

  private recordPacket(conn: Connection, sessionId: string, dir: 'in' | 'out', bytes: Buffer): void {
    const label = `${packetType(bytes[0] ?? 0)} ${dir}`;
    this.timeline.record(sessionId, label, () => {
      const view = describePacket(bytes);
      const origin: Origin = dir === 'in' ? senderOrigin(conn) : 'broker';
      const event: EventInput = {
        origin,
        protocol: 'mqtt',
        kind: 'frame',
        // The terminal's own packet is one it sent; the broker's are ones it received or sent.
        dir: origin === 'terminal' ? 'out' : dir,
        conn: conn.connId,
        stream: view.packetId === undefined ? undefined : String(view.packetId),
        bytes: bytes.length,
        summary: view.summary,
        detail: {
          raw: bytes.subarray(0, RAW_PREVIEW_BYTES).toString('base64'),
          // Not `{ ...view.fields, … }`: V8 makes a spread followed by more properties slow, and this runs per packet.
          fields: Object.assign({}, view.fields, { clientId: conn.clientId || null, transport: conn.transport }),
        },
      };
      return event;
    });
  }

  /** A `route` event: which of the session's subscriptions this PUBLISH matches, and which it doesn't. */
  private recordRoute(sessionId: string, packet: RoutedPacket, from: string, connId: string | undefined) {
    const topic = toExternal(sessionId, packet.topic);
    if (topic === undefined) return;
    this.timeline.record(sessionId, 'routes', () => {
      const { matched, unmatched } = this.subscriptions.route(sessionId, topic);
      const list = (subs: typeof matched) =>
        subs.map((s) => `${s.clientId} ${s.filter} (QoS ${s.qos}${s.online ? '' : ', offline'})`).join('; ');
      const offline = matched.filter((s) => !s.online);
      return {
        origin: 'broker',
        protocol: 'mqtt',
        kind: 'route',
        conn: connId,
        summary: `${topic} from ${from} → ${matched.length} of ${matched.length + unmatched.length} subscription${matched.length + unmatched.length === 1 ? '' : 's'}${offline.length ? ` (${offline.length} offline)` : ''}`,
        detail: {
          fields: {
            topic,
            from,
            qos: packet.qos,
            retain: packet.retain,
            payload: cutText(String(packet.payload), 200),
            matched: list(matched),
            unmatched: list(unmatched),
            matchedCount: matched.length,
            unmatchedCount: unmatched.length,
          },
        },
      };
    });
  }

  private onReady(client: Client): void {
    const conn = this.connOf(client);
    if (!conn?.sessionId) return;
    if (client.clean) this.unacked.delete(client.id);
    // An empty client id (clean session) gets one assigned by the broker [MQTT-3.1.3-6]; show that one.
    conn.clientId ||= client.id;
    this.subscriptions.connected(conn.sessionId, conn.clientId, client.clean);
  }

  private onDisconnect(client: Client): void {
    const conn = this.connOf(client);
    if (conn?.sessionId) this.subscriptions.disconnected(conn.sessionId, conn.clientId || client.id, client.clean);
  }

  private onSubscribe(subs: { topic: string; qos: number }[], client: Client): void {
    const conn = this.connOf(client);
    const sessionId = conn?.sessionId;
    if (!conn || !sessionId) return;
    for (const sub of subs) {
      const filter = toExternal(sessionId, sub.topic);
      if (filter !== undefined && sub.qos !== 128)
        this.subscriptions.subscribed(sessionId, conn.clientId || client.id, filter, sub.qos);
    }
  }

  private onUnsubscribe(topics: string[], client: Client): void {
    const conn = this.connOf(client);
    const sessionId = conn?.sessionId;
    if (!conn || !sessionId) return;
    for (const t of topics) {
      const filter = toExternal(sessionId, t);
      if (filter !== undefined) this.subscriptions.unsubscribed(sessionId, conn.clientId || client.id, filter);
    }
  }

  private onClientError(client: Client, error: Error): void {
    const conn = this.connOf(client);
    const sessionId = conn?.sessionId;
    if (!conn || !sessionId || conn.dropped) return;
    if (/^(connection closed|drain timeout)$/.test(error.message) && !conn.sessionId) return;
    this.timeline.always(sessionId, {
      origin: 'broker',
      protocol: 'mqtt',
      kind: 'error',
      conn: conn.connId,
      summary: `Connection of "${conn.clientId}" closed by the broker: ${error.message}`,
      detail: { reason: error.message },
    });
  }

  private onTransportClosed(stream: Duplex, conn: Connection): void {
    this.connections.delete(stream);
    conn.untrack?.();
    const sessionId = conn.sessionId;
    if (!sessionId) return;
    const live = this.liveBySession.get(sessionId);
    live?.delete(conn);
    if (live?.size === 0) this.liveBySession.delete(sessionId);
    if (conn.refusal) return;
    this.timeline.always(sessionId, {
      origin: 'broker',
      protocol: 'mqtt',
      kind: 'close',
      conn: conn.connId,
      summary: conn.dropped
        ? `"${conn.clientId}": connection destroyed by the lab (drop fault)`
        : `"${conn.clientId}": connection closed`,
      detail: { wasClean: !conn.dropped, fields: { clientId: conn.clientId, transport: conn.transport } },
    });
  }

  // ---- Faults and session lifecycle ----

  isDown(sessionId: string): boolean {
    return (this.downUntil.get(sessionId) ?? 0) > Date.now();
  }

  /** "Broker down" for one session: its clients are cut off and its CONNECTs refused until it is back. */
  down(sessionId: string, seconds: number): { dropped: number; backAt: number } {
    const backAt = Date.now() + seconds * 1000;
    this.downUntil.set(sessionId, backAt);
    clearTimeout(this.downTimers.get(sessionId));
    const timer = setTimeout(() => {
      this.downTimers.delete(sessionId);
      this.downUntil.delete(sessionId);
      this.timeline.always(sessionId, {
        origin: 'broker',
        protocol: 'mqtt',
        kind: 'fault',
        summary: 'Broker is back up: CONNECTs are accepted again',
        detail: { fields: { action: 'broker-up' } },
      });
    }, seconds * 1000);
    timer.unref();
    this.downTimers.set(sessionId, timer);
    const dropped = this.lab.connections.drop(sessionId, 'mqtt').length;
    this.timeline.always(sessionId, {
      origin: 'broker',
      protocol: 'mqtt',
      kind: 'fault',
      summary: `Broker down for ${seconds} s: ${dropped} client${dropped === 1 ? '' : 's'} cut off, every CONNECT refused until it is back`,
      detail: { fields: { action: 'broker-down', seconds, dropped } },
    });
    return { dropped, backAt };
  }

  downInfo(sessionId: string): { down: boolean; backInMs: number } {
    const left = (this.downUntil.get(sessionId) ?? 0) - Date.now();
    return { down: left > 0, backInMs: Math.max(0, left) };
  }

  /** Kills one client's connection at the socket (no DISCONNECT, so its will fires). Returns how many. */
  dropClient(sessionId: string, clientId: string): number {
    const victims = [...(this.liveBySession.get(sessionId) ?? [])].filter((c) => c.clientId === clientId);
    for (const conn of victims) {
      conn.dropped = true;
      conn.kill();
    }
    return victims.length;
  }

  clientCount(sessionId: string): number {
    return this.liveBySession.get(sessionId)?.size ?? 0;
  }

  /** Publishes into a session's namespace from inside the lab (the simulated fleet). */
  publishFor(sessionId: string, message: { topic: string; payload: string; qos: 0 | 1 | 2; retain: boolean }): Promise<void> {
    if (this.isDown(sessionId) || this.aedes.closed) return Promise.resolve();
    const topic = toInternal(sessionId, message.topic);
    if (message.retain) this.noteRetained(sessionId, topic, message.payload);
    const packet = {
      cmd: 'publish' as const,
      topic,
      payload: Buffer.from(message.payload),
      qos: message.qos,
      retain: message.retain,
      dup: false,
    };
    this.recordRoute(sessionId, packet, 'the ATM fleet', undefined);
    return new Promise((resolve) => this.aedes.publish(packet, () => resolve()));
  }

  /** Frees what an expired session left behind: its retained messages, routing view and faults. */
  forget(sessionId: string): void {
    for (const topic of this.retained.get(sessionId) ?? []) {
      // An empty retained payload deletes the retained message [MQTT-3.3.1-10].
      this.aedes.publish({ cmd: 'publish', topic, payload: Buffer.alloc(0), qos: 0, retain: true, dup: false }, () => undefined);
    }
    this.retained.delete(sessionId);
    for (const clientId of this.unacked.keys()) if (sessionOf(clientId) === sessionId) this.unacked.delete(clientId);
    this.subscriptions.forget(sessionId);
    this.timeline.forget(sessionId);
    clearTimeout(this.downTimers.get(sessionId));
    this.downTimers.delete(sessionId);
    this.downUntil.delete(sessionId);
  }

  async close(): Promise<void> {
    for (const timer of this.downTimers.values()) clearTimeout(timer);
    this.downTimers.clear();
    this.timeline.close();
    for (const conn of this.connections.values()) conn.kill();
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await this.persistence?.destroy?.().catch(() => undefined);
  }
}
