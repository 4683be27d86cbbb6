import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import { generate } from 'mqtt-packet';
import type { EventInput } from '../../../lib/timeline';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff';
import { type Recorder, shortId, toBase64 } from './recorder';
import { labSocketUrl } from './websocket';

/** Raw bytes kept per packet for the inspector's hex view. */
const RAW_PREVIEW_BYTES = 1024;
/**
 * Above this many packets per second, one client's packets are counted, not
 * listed: a subscriber to a fleet of thousands would bury the timeline.
 */
export const PACKETS_PER_SECOND = 60;

export type MqttState = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

export interface LabMqttOptions {
  clientId: string;
  /** Clean session (default true): off = the broker keeps subscriptions and queued messages while offline. */
  clean?: boolean;
  keepalive?: number;
  will?: { topic: string; payload: string; qos: 0 | 1 | 2; retain: boolean };
  /** Reconnect after an unexpected close with backoff (default on); false = stay offline until `reconnect()`. */
  reconnect?: boolean;
  backoff?: Partial<BackoffOptions>;
  /**
   * Hold acknowledgements: an incoming QoS 1 or 2 message is noticed but never acknowledged,
   * like a receiver that froze mid-work. mqtt.js handles packets one at a time, so the
   * packets behind it wait too — they stay "in flight" until the connection is lost.
   * (QoS 0 messages have nothing to acknowledge, so they are handled as usual.)
   */
  holdAcks?: () => boolean;
}

export interface MqttMessage {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  packetId?: number;
}

type Listener = {
  state?: (state: MqttState) => void;
  message?: (message: MqttMessage) => void;
  packet?: (view: PacketSummary) => void;
};

/** One packet as the widgets show it. */
export interface PacketSummary {
  dir: 'out' | 'in';
  type: string;
  packetId?: number;
  summary: string;
  bytes: Uint8Array;
}

const CONNACK_TEXT: Record<number, string> = {
  0: 'accepted',
  1: 'refused: unacceptable protocol version',
  2: 'refused: identifier rejected',
  3: 'refused: server unavailable',
  4: 'refused: bad user name or password',
  5: 'refused: not authorized',
};

/** A readable line for one packet (MQTT 3.1.1 names, packet ids, flags). */
export function describePacket(packet: Packet): { type: string; packetId?: number; summary: string } {
  const type = packet.cmd.toUpperCase();
  // mqtt.js gives QoS 0 PUBLISHes a messageId of 0 internally; on the wire they carry none [MQTT-2.3.1-5].
  const packetId =
    'messageId' in packet && typeof packet.messageId === 'number' && packet.messageId > 0 ? packet.messageId : undefined;
  const id = packetId === undefined ? '' : ` id ${packetId}`;
  switch (packet.cmd) {
    case 'connect':
      return { type, summary: `CONNECT "${packet.clientId}" clean=${packet.clean} keepalive=${packet.keepalive}s` };
    case 'connack': {
      const code = packet.returnCode ?? 0;
      return { type, summary: `CONNACK ${code} ${CONNACK_TEXT[code] ?? ''}${packet.sessionPresent ? ' (session present)' : ''}` };
    }
    case 'publish': {
      const flags = `${packet.dup ? ' DUP' : ''}${packet.retain ? ' RETAIN' : ''}`;
      return { type, packetId, summary: `PUBLISH ${packet.topic} QoS ${packet.qos}${id}${flags}` };
    }
    case 'subscribe':
      return {
        type,
        packetId,
        summary: `SUBSCRIBE${id}: ${packet.subscriptions.map((s) => `${s.topic} (QoS ${s.qos})`).join(', ')}`,
      };
    case 'suback':
      return {
        type,
        packetId,
        summary: `SUBACK${id}: ${(packet.granted as number[]).map((g) => (g === 128 ? '0x80 failure' : `QoS ${g}`)).join(', ')}`,
      };
    case 'unsubscribe':
      return { type, packetId, summary: `UNSUBSCRIBE${id}: ${packet.unsubscriptions.join(', ')}` };
    default:
      return { type, packetId, summary: `${type}${id}` };
  }
}

/** The packet's bytes, as mqtt.js (and aedes) put them on the wire: both encode with mqtt-packet. */
function bytesOf(packet: Packet): Uint8Array {
  try {
    return new Uint8Array(generate(packet));
  } catch {
    return new Uint8Array();
  }
}

/**
 * An mqtt.js client over WebSocket to the lab's broker (`/api/mqtt`,
 * subprotocol `mqtt`), instrumented: every packet it sends and receives goes
 * on the timeline with its bytes and packet id, and so do connects, losses and
 * reconnect attempts. The MQTT username is the lab session id; the cookie
 * names the session on the upgrade too. Reconnects use exponential backoff
 * with jitter (mqtt.js alone waits a fixed period).
 */
export class LabMqtt {
  readonly connId: string;
  state: MqttState = 'connecting';
  private readonly client: MqttClient;
  private readonly listeners = new Set<Listener>();
  private readonly backoff: BackoffOptions;
  private attempt = 0;
  private everConnected = false;
  private closedByUser = false;
  private window = { startedAt: 0, shown: 0, counted: 0 };
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly record: Recorder,
    sessionId: string,
    private readonly options: LabMqttOptions,
  ) {
    this.connId = shortId('mqtt');
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    const url = labSocketUrl('/api/mqtt', { conn: this.connId });
    const mqttOptions: IClientOptions = {
      protocolVersion: 4,
      clientId: options.clientId,
      clean: options.clean ?? true,
      keepalive: options.keepalive ?? 60,
      username: sessionId,
      reconnectPeriod: options.reconnect === false ? 0 : backoffDelay(1, this.backoff),
      // Keep trying through "server unavailable" refusals (the broker-down experiment).
      reconnectOnConnackError: true,
      connectTimeout: 5_000,
      resubscribe: true,
      will: options.will && { ...options.will, payload: new TextEncoder().encode(options.will.payload) as Buffer },
      // Connect only once our listeners are attached, so the CONNECT itself is on the timeline.
      manualConnect: true,
    };
    this.note(`connecting to /api/mqtt as "${options.clientId}" (clean session ${mqttOptions.clean ? 'on' : 'off'})…`);
    this.client = mqtt.connect(url, mqttOptions);
    this.wire();
    this.client.connect();
  }

  private note(summary: string, extra: Partial<EventInput> = {}): void {
    this.record({ protocol: 'mqtt', kind: 'note', conn: this.connId, summary, ...extra });
  }

  private wire(): void {
    const c = this.client;
    c.on('packetsend', (packet) => this.recordPacket('out', packet));
    c.on('packetreceive', (packet) => this.recordPacket('in', packet));
    c.on('connect', () => {
      const reconnected = this.everConnected;
      this.record({
        protocol: 'mqtt',
        kind: reconnected ? 'reconnected' : 'open',
        conn: this.connId,
        summary: reconnected
          ? `"${this.options.clientId}" reconnected after ${this.attempt} attempt${this.attempt === 1 ? '' : 's'}`
          : `"${this.options.clientId}" connected`,
        detail: { attempt: this.attempt },
      });
      this.everConnected = true;
      this.attempt = 0;
      if (this.options.reconnect !== false) c.options.reconnectPeriod = backoffDelay(1, this.backoff);
      this.setState('open');
    });
    c.on('close', () => {
      if (this.closedByUser) return;
      const wasOpen = this.state === 'open';
      if (wasOpen) {
        this.record({
          protocol: 'mqtt',
          kind: 'close',
          conn: this.connId,
          summary: `"${this.options.clientId}": connection lost (no DISCONNECT was sent)`,
          detail: { wasClean: false },
        });
      }
      if (this.options.reconnect === false) {
        this.setState('offline');
        return;
      }
      this.attempt += 1;
      const delayMs = c.options.reconnectPeriod ?? 0;
      this.record({
        protocol: 'mqtt',
        kind: 'reconnect-attempt',
        conn: this.connId,
        summary: `reconnect attempt ${this.attempt} in ${delayMs} ms`,
        detail: { attempt: this.attempt, delayMs },
      });
      // mqtt.js reads the period when it schedules the next attempt: grow it for the one after.
      c.options.reconnectPeriod = backoffDelay(this.attempt + 1, this.backoff);
      this.setState('reconnecting');
    });
    c.on('error', (error) => {
      this.record({
        protocol: 'mqtt',
        kind: 'error',
        conn: this.connId,
        summary: `"${this.options.clientId}": ${error.message}`,
      });
    });
    c.on('message', (topic, payload, packet) => {
      const message: MqttMessage = {
        topic,
        payload: new TextDecoder().decode(payload),
        qos: packet.qos,
        retain: packet.retain,
        dup: packet.dup,
        packetId: packet.messageId,
      };
      for (const l of this.listeners) l.message?.(message);
    });
    // A frozen receiver: never acknowledge (mqtt.js waits for this callback before PUBACK/PUBCOMP).
    // mqtt.js emits 'message' just before calling handleMessage, so the held message is still
    // delivered to the app. A QoS 2 PUBLISH is PUBREC'd without it: QoS 2 is held at its PUBREL.
    const handle = c.handleMessage.bind(c);
    c.handleMessage = (packet, callback) => {
      if (packet.qos > 0 && this.options.holdAcks?.()) return;
      handle(packet, callback);
    };
  }

  private recordPacket(dir: 'out' | 'in', packet: Packet): void {
    const { type, packetId, summary } = describePacket(packet);
    const hasListeners = [...this.listeners].some((l) => l.packet);
    if (!this.allowEvent()) {
      if (hasListeners) for (const l of this.listeners) l.packet?.({ dir, type, packetId, summary, bytes: bytesOf(packet) });
      return;
    }
    const bytes = bytesOf(packet);
    this.record({
      protocol: 'mqtt',
      kind: 'frame',
      dir,
      conn: this.connId,
      stream: packetId === undefined ? undefined : String(packetId),
      bytes: bytes.length,
      summary,
      detail: {
        raw: toBase64(bytes.subarray(0, RAW_PREVIEW_BYTES)),
        fields: { type, clientId: this.options.clientId, ...(packetId === undefined ? {} : { packetId }) },
      },
    });
    for (const l of this.listeners) l.packet?.({ dir, type, packetId, summary, bytes });
  }

  /** True while under the rate; otherwise counts the packet and schedules one summary for the second. */
  private allowEvent(): boolean {
    const now = performance.now();
    if (now - this.window.startedAt >= 1000) {
      this.flushCounts();
      this.window = { startedAt: now, shown: 0, counted: 0 };
    }
    if (this.window.shown < PACKETS_PER_SECOND) {
      this.window.shown++;
      return true;
    }
    this.window.counted++;
    this.flushTimer ??= setTimeout(
      () => {
        this.flushTimer = undefined;
        this.flushCounts();
        this.window = { startedAt: performance.now(), shown: 0, counted: 0 };
      },
      1000 - (now - this.window.startedAt),
    );
    return false;
  }

  private flushCounts(): void {
    if (this.window.counted === 0) return;
    const counted = this.window.counted;
    this.window.counted = 0;
    this.note(`+${counted.toLocaleString('en')} more packets in 1 s, counted not listed`, {
      detail: { fields: { aggregated: counted, shownIndividually: PACKETS_PER_SECOND } },
    });
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes; resolves with the granted QoS (128 = refused). */
  async sub(filter: string, qos: 0 | 1 | 2 = 0): Promise<number> {
    const granted = await this.client.subscribeAsync(filter, { qos });
    return granted[0]?.qos ?? 128;
  }

  async unsub(filter: string): Promise<void> {
    await this.client.unsubscribeAsync(filter);
  }

  /** Publishes; resolves once the QoS handshake is complete (QoS 0: once written). */
  async publish(topic: string, payload: string, options: { qos?: 0 | 1 | 2; retain?: boolean } = {}): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false });
  }

  /** Reconnects now (for clients made with `reconnect: false`). */
  reconnect(): void {
    if (this.state === 'open') return;
    this.attempt += 1;
    this.setState('connecting');
    // mqtt.js's reconnect() starts with empty stores unless given them. A persistent session
    // must keep its incoming store: it remembers QoS 2 messages received but not yet released
    // (PUBREC sent, PUBREL pending), and the broker's PUBREL after reconnecting refers to them.
    const c = this.client;
    this.client.reconnect(
      this.options.clean === false ? { incomingStore: c.incomingStore, outgoingStore: c.outgoingStore } : undefined,
    );
  }

  /** Disconnects politely (DISCONNECT packet, so no will). */
  close(): void {
    clearTimeout(this.flushTimer);
    this.closedByUser = true;
    this.setState('closed');
    this.client.end(false);
  }

  private setState(state: MqttState): void {
    this.state = state;
    for (const l of this.listeners) l.state?.(state);
  }
}
