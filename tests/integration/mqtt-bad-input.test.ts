/**
 * Bad input at the broker: each refused the way MQTT 3.1.1 says (CONNACK
 * codes, SUBACK 0x80, or closing the connection where the protocol has no
 * negative acknowledgement), with the broker still up and other sessions
 * untouched. Crafted packets go over a raw TCP socket, since mqtt.js won't send them.
 */
import net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startLab, type TestLab } from './helpers';
import { closeAll, mqttPort, tcpClient, waitForEvent, wsClient } from './mqtt-helpers';

let lab: TestLab;
let port: number;
let bystanderSession: string;
let bystander: Awaited<ReturnType<typeof tcpClient>>;

beforeAll(async () => {
  lab = await startLab();
  port = await mqttPort(lab);
  bystanderSession = await lab.newSession();
  bystander = await tcpClient(port, bystanderSession, { clientId: 'bystander' });
});
afterAll(async () => {
  // Everything below happened in other sessions: the bystander never noticed.
  expect(bystander.connected).toBe(true);
  const events = (await lab.events(bystanderSession)).events;
  expect(events.filter((e) => e.kind === 'error')).toEqual([]);
  await closeAll(bystander);
  await lab.close();
});

/** A raw MQTT connection: send any bytes, read what the broker answers, see when it hangs up. */
async function raw() {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const received: mqttPacket.Packet[] = [];
  parser.on('packet', (p) => received.push(p));
  socket.on('data', (chunk) => parser.parse(chunk));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    received,
    closed,
    send: (packet: mqttPacket.Packet) => socket.write(mqttPacket.generate(packet)),
    write: (bytes: Buffer) => socket.write(bytes),
    connect: (session: string | undefined, clientId = 'raw', extra: Partial<mqttPacket.IConnectPacket> = {}) =>
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          keepalive: 30,
          clientId,
          username: session,
          ...extra,
        }),
      ),
    waitFor: (cmd: string) => eventually(() => received.find((p) => p.cmd === cmd), `a ${cmd.toUpperCase()}`),
    destroy: () => socket.destroy(),
  };
}

async function connected(session: string, clientId = 'raw') {
  const c = await raw();
  c.connect(session, clientId);
  expect(await c.waitFor('connack')).toMatchObject({ returnCode: 0 });
  return c;
}

describe('CONNECT', () => {
  it('refuses an unknown session with CONNACK 5 (not authorized) and a missing username with CONNACK 4', async () => {
    const unknown = await raw();
    unknown.connect('not-a-session');
    expect(await unknown.waitFor('connack')).toMatchObject({ returnCode: 5 });
    await unknown.closed;
    const anonymous = await raw();
    anonymous.connect(undefined);
    expect(await anonymous.waitFor('connack')).toMatchObject({ returnCode: 4 });
    await anonymous.closed;
  });

  it('refuses a WebSocket client whose username is another session (CONNACK 4) and says why on its own timeline', async () => {
    const [mine, theirs] = [await lab.newSession(), await lab.newSession()];
    await expect(wsClient(lab, mine, { username: theirs })).rejects.toThrow(/Bad username or password/i);
    const refusal = await waitForEvent(lab, mine, (e) => e.kind === 'error', 'the refusal');
    expect(refusal.summary).toMatch(/CONNACK 4: bad user name: the MQTT username must be your own lab session id/);
    expect((await lab.events(theirs)).events).toEqual([]);
  });

  it('refuses a persistent session without a client id with CONNACK 2 (identifier rejected)', async () => {
    const session = await lab.newSession();
    const c = await raw();
    // mqtt-packet won't generate this one, so here are its bytes: protocol "MQTT" level 4,
    // flags 0x80 (username, clean session off), keepalive 30, an empty client id, the username.
    const user = Buffer.from(session);
    const body = Buffer.concat([Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x80, 0, 30, 0, 0, 0, user.length]), user]);
    c.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    expect(await c.waitFor('connack')).toMatchObject({ returnCode: 2 });
  });

  it('a client id collision inside a session: the newcomer takes over and the old connection is closed [MQTT-3.1.4-2]', async () => {
    const session = await lab.newSession();
    const first = await tcpClient(port, session, { clientId: 'twin' });
    const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const second = await tcpClient(port, session, { clientId: 'twin' });
    await firstClosed;
    expect(second.connected).toBe(true);
    await closeAll(first, second);
  });

  it('a CONNECT flood: beyond 50 live connections a session gets CONNACK 3 (server unavailable)', async () => {
    const session = await lab.newSession();
    const clients = await Promise.all(Array.from({ length: 50 }, (_, i) => tcpClient(port, session, { clientId: `flood-${i}` })));
    await expect(tcpClient(port, session, { clientId: 'one-too-many' })).rejects.toThrow(/Server unavailable/i);
    // Another session is not affected by this one's flood.
    const other = await tcpClient(port, await lab.newSession(), { clientId: 'flood-0' });
    expect(other.connected).toBe(true);
    await closeAll(...clients, other);
  });

  it('closes a connection that sends a second CONNECT [MQTT-3.1.0-2] or anything before CONNECT', async () => {
    const session = await lab.newSession();
    const twice = await connected(session);
    twice.connect(session);
    await twice.closed;
    const early = await raw();
    early.send({ cmd: 'pingreq' });
    await early.closed;
  });
});

describe('PUBLISH and SUBSCRIBE', () => {
  it('closes the connection of a PUBLISH with a wildcard, an empty topic or a $SYS topic (3.1.1 has no negative PUBACK)', async () => {
    const session = await lab.newSession();
    for (const topic of ['atms/+/cash', 'atms/#', '', '$SYS/broker/uptime']) {
      const c = await connected(session);
      c.send({ cmd: 'publish', topic, payload: Buffer.from('x'), qos: 1, messageId: 1, dup: false, retain: false });
      await c.closed;
      expect(c.received.map((p) => p.cmd)).toEqual(['connack']);
    }
    const sys = await waitForEvent(
      lab,
      session,
      (e) => e.kind === 'error' && e.summary.includes('$SYS/broker/uptime'),
      'the $SYS refusal',
    );
    expect(sys.summary).toMatch(/belong to the broker/);
  });

  it('answers SUBSCRIBE to $SYS/# with SUBACK 0x80 (failure) and keeps the connection; a bad filter closes it', async () => {
    const session = await lab.newSession();
    const c = await connected(session);
    c.send({
      cmd: 'subscribe',
      messageId: 7,
      subscriptions: [
        { topic: '$SYS/#', qos: 0 },
        { topic: 'atms/#', qos: 1 },
      ],
    });
    expect(await c.waitFor('suback')).toMatchObject({ messageId: 7, granted: [128, 1] });
    c.send({ cmd: 'pingreq' });
    await c.waitFor('pingresp');
    c.send({ cmd: 'subscribe', messageId: 8, subscriptions: [{ topic: 'atms/#/cash', qos: 0 }] });
    await c.closed;
  });

  it('closes the connection on an oversized payload, and says so on the timeline', async () => {
    const session = await lab.newSession();
    const c = await connected(session);
    c.send({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(100 * 1024), qos: 0, dup: false, retain: false });
    await c.closed;
    const event = await waitForEvent(
      lab,
      session,
      (e) => e.kind === 'error' && e.summary.includes('refused (limit'),
      'the size refusal',
    );
    expect(event.detail?.fields).toMatchObject({ limit: 65536 });
  });

  it('closes the connection on malformed bytes; the broker keeps serving', async () => {
    const session = await lab.newSession();
    const garbage = await connected(session);
    garbage.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f])); // a remaining length of five bytes
    await garbage.closed;
    const nonsense = await raw();
    nonsense.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await nonsense.closed;
    const fine = await tcpClient(port, session, { clientId: 'after-the-garbage' });
    expect(fine.connected).toBe(true);
    await closeAll(fine);
  });
});
