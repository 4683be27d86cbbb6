/**
 * The embedded broker with real mqtt.js clients over TCP and WebSocket:
 * routing, QoS handshakes on the timeline with exact bytes, session
 * namespaces, persistent sessions, wills, faults and the fleet.
 */
import net from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLab, type TestLab } from './helpers';
import { closeAll, inbox, mqttPort, tcpClient, waitForEvent, waitForMessages, wsClient } from './mqtt-helpers';

let lab: TestLab;
let port: number;

beforeAll(async () => {
  lab = await startLab();
  port = await mqttPort(lab);
});
afterAll(async () => {
  await lab.close();
});

describe('routing within a session', () => {
  it('routes a TCP publish to a WebSocket subscriber by topic, and records a route event listing matched and unmatched subscriptions', async () => {
    const session = await lab.newSession();
    const dashboard = await wsClient(lab, session, { clientId: 'dashboard' });
    const alerts = await tcpClient(port, session, { clientId: 'alerts' });
    await dashboard.subscribeAsync('atms/#', { qos: 1 });
    await alerts.subscribeAsync('atms/+/+/alarm', { qos: 1 });
    const dashboardInbox = inbox(dashboard);
    const alertsInbox = inbox(alerts);
    const atm = await tcpClient(port, session, { clientId: 'atm-0001' });
    await atm.publishAsync('atms/eu-west/atm-0001/cash-level', '{"cash":48200}', { qos: 1 });

    const [msg] = await waitForMessages(dashboardInbox, 1, 'message for the dashboard');
    expect(msg).toMatchObject({ topic: 'atms/eu-west/atm-0001/cash-level', payload: '{"cash":48200}', qos: 1 });
    expect(alertsInbox).toEqual([]);

    const route = await waitForEvent(lab, session, (e) => e.kind === 'route', 'the route event');
    expect(route.origin).toBe('broker');
    expect(route.summary).toBe('atms/eu-west/atm-0001/cash-level from atm-0001 → 1 of 2 subscriptions');
    expect(route.detail?.fields).toMatchObject({
      matched: 'dashboard atms/# (QoS 1)',
      unmatched: 'alerts atms/+/+/alarm (QoS 1)',
    });
    await closeAll(dashboard, alerts, atm);
  });

  it('shows each QoS handshake packet by packet, with packet ids and exact bytes', async () => {
    const session = await lab.newSession();
    const sub = await wsClient(lab, session, { clientId: 'sub' });
    await sub.subscribeAsync('qos/#', { qos: 2 });
    const pub = await tcpClient(port, session, { clientId: 'pub' });
    await pub.publishAsync('qos/one', 'x', { qos: 1 });
    await pub.publishAsync('qos/two', 'y', { qos: 2 });

    const pubFrames = async () =>
      (await lab.events(session)).events.filter((e) => e.kind === 'frame' && e.detail?.fields?.clientId === 'pub');
    const frames = await eventually(async () => {
      const f = await pubFrames();
      return f.some((e) => e.summary.startsWith('PUBCOMP')) && f;
    }, 'the QoS 2 handshake to complete');
    const types = frames.map((e) => `${e.origin}:${e.detail?.fields?.type}`);
    expect(types).toEqual([
      'terminal:CONNECT',
      'broker:CONNACK',
      'terminal:PUBLISH',
      'broker:PUBACK',
      'terminal:PUBLISH',
      'broker:PUBREC',
      'terminal:PUBREL',
      'broker:PUBCOMP',
    ]);
    const [q1, ack, q2, rec, rel, comp] = frames.slice(2);
    expect(ack?.stream).toBe(q1?.stream);
    expect(new Set([q2?.stream, rec?.stream, rel?.stream, comp?.stream]).size).toBe(1);
    // PUBACK is four bytes: type 0x40, remaining length 2, the packet id.
    const id = Number(ack?.stream);
    expect(Buffer.from(ack?.detail?.raw ?? '', 'base64')).toEqual(Buffer.from([0x40, 0x02, id >> 8, id & 0xff]));
    expect(rel?.bytes).toBe(4);
    // The PUBLISH bytes: QoS 1 flags (0x32), then topic length-prefixed, packet id, payload.
    const raw = Buffer.from(q1?.detail?.raw ?? '', 'base64');
    expect(raw[0]).toBe(0x32);
    expect(raw.subarray(2, 4 + 'qos/one'.length).toString('latin1')).toBe('\u0000\u0007qos/one');
    expect(q1?.bytes).toBe(raw.length);
    await closeAll(sub, pub);
  });

  it('PINGREQ and PINGRESP are two bytes each on the timeline', async () => {
    const session = await lab.newSession();
    const client = await tcpClient(port, session, { clientId: 'pinger', keepalive: 1 });
    const ping = await waitForEvent(lab, session, (e) => e.detail?.fields?.type === 'PINGRESP', 'a PINGRESP', 5_000);
    expect(Buffer.from(ping.detail?.raw ?? '', 'base64')).toEqual(Buffer.from([0xd0, 0x00]));
    const req = (await lab.events(session)).events.find((e) => e.detail?.fields?.type === 'PINGREQ');
    expect(Buffer.from(req?.detail?.raw ?? '', 'base64')).toEqual(Buffer.from([0xc0, 0x00]));
    await closeAll(client);
  });
});

describe('session isolation', () => {
  it('atms/# in one session never sees another session’s messages, retained messages or wills', async () => {
    const [a, b] = [await lab.newSession(), await lab.newSession()];
    // Same client ids in both sessions: they must not take each other over.
    const subA = await tcpClient(port, a, { clientId: 'dashboard' });
    const subB = await wsClient(lab, b, { clientId: 'dashboard' });
    await subA.subscribeAsync('#', { qos: 1 });
    await subB.subscribeAsync('atms/#', { qos: 1 });
    const inboxA = inbox(subA);
    const inboxB = inbox(subB);
    const pubB = await tcpClient(port, b, {
      clientId: 'atm',
      will: { topic: 'atms/eu/atm/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await pubB.publishAsync('atms/eu/atm/cash-level', 'b-only', { qos: 1, retain: true });
    await waitForMessages(inboxB, 1, 'B’s own message');
    pubB.stream.destroy(); // no DISCONNECT: the will fires
    await waitForMessages(inboxB, 2, 'B’s will');
    // A latecomer in A subscribing to everything gets no retained message of B's.
    const lateA = await tcpClient(port, a, { clientId: 'late' });
    const lateInbox = inbox(lateA);
    await lateA.subscribeAsync('#', { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inboxA).toEqual([]);
    expect(lateInbox).toEqual([]);
    expect(subA.connected && subB.connected).toBe(true);
    // Nothing of B's is on A's timeline.
    const eventsA = (await lab.events(a)).events;
    expect(eventsA.some((e) => JSON.stringify(e).includes('b-only'))).toBe(false);
    await closeAll(subA, subB, lateA);
  });

  it('a drop only kills the dropping session’s MQTT connections', async () => {
    const [a, b] = [await lab.newSession(), await lab.newSession()];
    const ca = await wsClient(lab, a, { clientId: 'c' });
    const cb = await tcpClient(port, b, { clientId: 'c' });
    const closed = new Promise<void>((resolve) => ca.once('close', () => resolve()));
    const res = await lab.postJson('/api/lab/faults', a, { action: 'drop', target: 'mqtt' });
    expect(await res.json()).toEqual({ dropped: 1 });
    await closed;
    expect(cb.connected).toBe(true);
    await waitForEvent(lab, a, (e) => e.kind === 'close' && e.summary.includes('drop fault'), 'the drop on the timeline');
    await closeAll(ca, cb);
  });
});

describe('persistent sessions, retained messages and wills', () => {
  it('a persistent session gets QoS 1 messages published while it was offline; a clean one does not', async () => {
    const session = await lab.newSession();
    const durable = await tcpClient(port, session, { clientId: 'durable', clean: false });
    await durable.subscribeAsync('alerts/#', { qos: 1 });
    const forgetful = await tcpClient(port, session, { clientId: 'forgetful', clean: true });
    await forgetful.subscribeAsync('alerts/#', { qos: 1 });
    await closeAll(durable, forgetful);

    const pub = await wsClient(lab, session, { clientId: 'pub' });
    await pub.publishAsync('alerts/atm-7', 'jammed', { qos: 1 });
    const route = await waitForEvent(lab, session, (e) => e.kind === 'route' && e.summary.includes('alerts/atm-7'), 'route');
    expect(route.summary).toContain('(1 offline)');

    const back = await tcpClient(port, session, { clientId: 'durable', clean: false, manualConnect: false });
    const backInbox = inbox(back);
    expect(back.connected).toBe(true);
    await waitForMessages(backInbox, 1, 'the queued message');
    expect(backInbox[0]).toMatchObject({ topic: 'alerts/atm-7', payload: 'jammed', qos: 1 });
    const fresh = await tcpClient(port, session, { clientId: 'forgetful', clean: true });
    const freshInbox = inbox(fresh);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(freshInbox).toEqual([]);
    await closeAll(back, fresh, pub);
  });

  it('messages in flight to a frozen persistent receiver come back after a drop: QoS 1 with DUP, QoS 2 exactly once with the right PUBREL ids', async () => {
    const session = await lab.newSession();
    let frozen = true;
    const received: string[] = [];
    const receiver = await tcpClient(port, session, { clientId: 'receiver', clean: false });
    receiver.on('message', (_topic, payload, packet) => received.push(`${payload}${packet.dup ? ' DUP' : ''}`));
    // A frozen receiver: never acknowledges (mqtt.js acks once handleMessage calls back).
    const handle = receiver.handleMessage.bind(receiver);
    receiver.handleMessage = (packet, callback) => {
      if (packet.qos > 0 && frozen) return;
      handle(packet, callback);
    };
    await receiver.subscribeAsync('link/#', { qos: 2 });
    const sender = await tcpClient(port, session, { clientId: 'sender', clean: false });
    for (const i of [1, 2, 3]) {
      sender.publish('link/q1', `q1-${i}`, { qos: 1 });
      sender.publish('link/q2', `q2-${i}`, { qos: 2 });
    }
    await waitForEvent(
      lab,
      session,
      (e) => e.summary.startsWith('PUBLISH link/q1 QoS 1') && e.origin === 'broker' && e.dir === 'out',
      'deliveries',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    receiver.stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    frozen = false;
    // Keep mqtt.js's stores: they hold the QoS 2 messages it has PUBREC'd.
    receiver.reconnect({ incomingStore: receiver.incomingStore, outgoingStore: receiver.outgoingStore });
    await eventually(
      () => received.filter((r) => r.startsWith('q2-')).length === 3 && received.filter((r) => r.startsWith('q1-')).length >= 3,
      'all six',
      5_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received.filter((r) => r.startsWith('q2-')).sort()).toEqual(['q2-1', 'q2-2', 'q2-3']);
    expect(new Set(received.filter((r) => r.startsWith('q1-')).map((r) => r.split(' ')[0]))).toEqual(
      new Set(['q1-1', 'q1-2', 'q1-3']),
    );
    expect(received.some((r) => r.startsWith('q1-') && r.endsWith(' DUP'))).toBe(true);
    // Every PUBREL the broker sent named a packet the receiver had PUBREC'd.
    const frames = (await lab.events(session)).events.filter((e) => e.detail?.fields?.clientId === 'receiver');
    const recs = new Set(frames.filter((e) => e.detail?.fields?.type === 'PUBREC').map((e) => e.stream));
    const rels = frames.filter((e) => e.detail?.fields?.type === 'PUBREL').map((e) => e.stream);
    expect(rels.length).toBeGreaterThanOrEqual(3);
    for (const id of rels) expect(recs.has(id)).toBe(true);
    await closeAll(receiver, sender);
  });

  it('a new subscriber gets the retained cash level at once; a dropped ATM’s will is published', async () => {
    const session = await lab.newSession();
    const atm = await tcpClient(port, session, {
      clientId: 'atm-0042',
      will: { topic: 'atms/eu-west/atm-0042/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await atm.publishAsync('atms/eu-west/atm-0042/cash-level', '{"cash":1200}', { qos: 1, retain: true });
    const watcher = await wsClient(lab, session, { clientId: 'watcher' });
    const messages = inbox(watcher);
    await watcher.subscribeAsync('atms/eu-west/atm-0042/#', { qos: 1 });
    await waitForMessages(messages, 1, 'the retained cash level');
    expect(messages[0]).toMatchObject({ topic: 'atms/eu-west/atm-0042/cash-level', retain: true });

    atm.stream.destroy();
    await waitForMessages(messages, 2, 'the will');
    expect(messages[1]).toMatchObject({ topic: 'atms/eu-west/atm-0042/status', payload: 'offline' });
    const route = await waitForEvent(lab, session, (e) => e.kind === 'route' && e.summary.includes('/status'), 'the will route');
    expect(route.summary).toContain('the will of atm-0042');
    await closeAll(watcher);
  });
});

describe('faults', () => {
  it('broker down: the session’s clients are cut off and its CONNECTs refused with "server unavailable" until it is back; other sessions carry on', async () => {
    const [a, b] = [await lab.newSession(), await lab.newSession()];
    const ca = await tcpClient(port, a, { clientId: 'a1' });
    const cb = await tcpClient(port, b, { clientId: 'b1' });
    const closed = new Promise<void>((resolve) => ca.once('close', () => resolve()));
    const res = await lab.postJson('/api/mqtt/broker-down', a, { seconds: 1 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ dropped: 1, broker: { down: true } });
    await closed;
    await expect(tcpClient(port, a, { clientId: 'a2' })).rejects.toThrow(/Server unavailable/i);
    const refusal = await waitForEvent(lab, a, (e) => e.kind === 'error' && e.summary.includes('CONNACK 3'), 'the refusal');
    expect(refusal.summary).toContain('broker is down');
    const other = await tcpClient(port, b, { clientId: 'b2' });
    expect(cb.connected && other.connected).toBe(true);
    await waitForEvent(lab, a, (e) => e.summary.startsWith('Broker is back up'), 'the broker back', 3_000);
    const again = await tcpClient(port, a, { clientId: 'a2' });
    expect(again.connected).toBe(true);
    await closeAll(cb, other, again);
  });

  it('refuses a bad broker-down duration and a fleet bigger than the cap with a 400 a student understands', async () => {
    const session = await lab.newSession();
    const down = await lab.postJson('/api/mqtt/broker-down', session, { seconds: 9999 });
    expect(down.status).toBe(400);
    expect(((await down.json()) as { detail: string }).detail).toMatch(/from 1 to 120/);
    const fleet = await lab.request('/api/mqtt/fleet', {
      method: 'PUT',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 5001 }),
    });
    expect(fleet.status).toBe(400);
    expect(((await fleet.json()) as { detail: string }).detail).toMatch(/0 to 5,000/);
  });
});

describe('the ATM fleet', () => {
  async function resize(session: string, size: number) {
    const res = await lab.request('/api/mqtt/fleet', {
      method: 'PUT',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { fleet: { atms: number } };
  }

  it('publishes cash levels per region; one wildcard subscription catches a region; thousands of ATMs are counted, not listed', async () => {
    const session = await lab.newSession();
    const client = await wsClient(lab, session, { clientId: 'dashboard' });
    const messages = inbox(client);
    await client.subscribeAsync('atms/us-east/+/cash-level', { qos: 0 });
    expect((await resize(session, 9)).fleet.atms).toBe(9);
    await waitForMessages(messages, 2, 'cash levels from us-east', 10_000);
    expect(messages.every((m) => /^atms\/us-east\/atm-\d{4}\/cash-level$/.test(m.topic))).toBe(true);

    await resize(session, 3000);
    const note = await waitForEvent(
      lab,
      session,
      (e) => e.kind === 'note' && e.summary.includes('counted not listed'),
      'an aggregated note',
      5_000,
    );
    expect(Number(note.detail?.fields?.aggregated)).toBeGreaterThan(100);
    await resize(session, 0);
    await closeAll(client);
  }, 20_000); // the fleet reports on its own schedule (each ATM every ~5 s)
});

describe('session expiry', () => {
  it('drops the expired session’s clients (its fleet stops with it) and refuses its id afterwards', async () => {
    const session = await lab.newSession();
    const client = await tcpClient(port, session, { clientId: 'soon-gone' });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await client.publishAsync('atms/x/cash-level', '1', { qos: 1, retain: true });
    const res = await lab.request('/api/mqtt/fleet', {
      method: 'PUT',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 5 }),
    });
    expect(res.status).toBe(200);
    expect(lab.server.lab.sessions.sweep(Date.now() + 3 * 60 * 60 * 1000)).toContain(session);
    await closed;
    // The expired session's id is refused from now on.
    await expect(tcpClient(port, session, { clientId: 'back' })).rejects.toThrow(/Not authorized/i);
  });
});

describe('the TCP listener', () => {
  it('a taken MQTT port: one log line, the listener is reported as off, the rest of the lab runs', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    let other: TestLab | undefined;
    try {
      other = await startLab({ mqttPort: taken });
    } finally {
      console.warn = warn;
    }
    const info = (await (await fetch(`${other.base}/api/lab/info`)).json()) as {
      listeners: Record<string, { port: number | null; note?: string }>;
    };
    expect(info.listeners.mqtt?.port).toBeNull();
    expect(info.listeners.mqtt?.note).toContain(`port ${taken}`);
    expect(warnings.filter((w) => w.includes('MQTT'))).toHaveLength(1);
    // MQTT over WebSocket and the rest of the lab still work.
    const session = await other.newSession();
    const client: MqttClient = await wsClient(other, session, { clientId: 'still-here' });
    expect(client.connected).toBe(true);
    expect((await other.touchAccount(session)).status).toBe(200);
    await closeAll(client);
    await other.close();
    await new Promise((resolve) => blocker.close(resolve));
  });
});
