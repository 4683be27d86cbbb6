import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { LabInfo } from '../../lib/lab-info';
import type { TimelineEvent } from '../../lib/timeline';
import { eventually, type TestLab } from './helpers';

/** The lab's MQTT TCP port, from /api/lab/info (as a terminal client would find it). */
export async function mqttPort(lab: TestLab): Promise<number> {
  const info = (await (await fetch(`${lab.base}/api/lab/info`)).json()) as LabInfo;
  const port = info.listeners.mqtt?.port;
  if (!port) throw new Error(`no MQTT listener: ${JSON.stringify(info.listeners)}`);
  return port;
}

const NO_RECONNECT: IClientOptions = { reconnectPeriod: 0, connectTimeout: 5_000 };

/** mqtt.js over TCP, as `session` (the username). */
export function tcpClient(port: number, session: string | undefined, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { ...NO_RECONNECT, username: session, ...options });
}

/** mqtt.js over WebSocket on the lab's port (session in ?session=, as a cookie-less browser would). */
export function wsClient(lab: TestLab, session: string, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(`${lab.wsBase}/api/mqtt?session=${session}`, { ...NO_RECONNECT, ...options });
}

export interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  dup: boolean;
}

/** Collects every message a client receives. */
export function inbox(client: MqttClient): Received[] {
  const messages: Received[] = [];
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain, dup: packet.dup }),
  );
  return messages;
}

export function waitForMessages(messages: Received[], count: number, what: string, timeoutMs = 5_000): Promise<Received[]> {
  return eventually(() => messages.length >= count && messages, `${count} ${what}`, timeoutMs);
}

/** Waits for a server event of the session's log matching `predicate`. */
export function waitForEvent(
  lab: TestLab,
  session: string,
  predicate: (e: TimelineEvent) => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<TimelineEvent> {
  return eventually(async () => (await lab.events(session)).events.find(predicate), what, timeoutMs);
}

/** Closes clients without waiting for a polite goodbye. */
export async function closeAll(...clients: (MqttClient | undefined)[]): Promise<void> {
  await Promise.all(clients.map((c) => c?.endAsync(true).catch(() => undefined)));
}
