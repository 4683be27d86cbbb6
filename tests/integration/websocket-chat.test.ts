/**
 * The WebSocket lesson's raw endpoints with a real `ws` client: handshake and
 * frame capture, the chat protocol, bad input, drops, outages and isolation.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { acceptFor } from '../../server/lab/ws-capture';
import { eventually, startLab, type TestLab } from './helpers';
import { refusedUpgrade, type WsClient } from './ws-client';

let lab: TestLab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab.close();
});

type Msg = Record<string, unknown>;
const ofType = (messages: readonly unknown[], type: string) => (messages as Msg[]).filter((m) => m.type === type);

async function serverEvents(session: string, predicate: (e: TimelineEvent) => boolean, count = 1, description = 'events') {
  return eventually(async () => {
    const found = (await lab.events(session)).events.filter(predicate);
    return found.length >= count ? found : undefined;
  }, description);
}

async function chat(session: string, as: 'customer' | 'agent', conn?: string): Promise<WsClient> {
  const client = await lab.socket('/api/ws/chat', { session, query: { as, ...(conn ? { conn } : {}) } });
  await client.waitFor((m) => ofType(m, 'welcome').length === 1, 'welcome');
  return client;
}

describe('handshake and frame capture', () => {
  it('records the upgrade request and the 101, and the Accept it sent is the one computed from the key', async () => {
    const session = await lab.newSession();
    await lab.socket('/api/ws/echo', { session, query: { conn: 'hs-1' } });
    const [request] = await serverEvents(session, (e) => e.kind === 'request' && e.conn === 'hs-1');
    const [response] = await serverEvents(session, (e) => e.kind === 'response' && e.conn === 'hs-1');
    const key = request?.detail?.headers?.['sec-websocket-key'] as string;
    expect(request?.detail?.headers?.upgrade).toBe('websocket');
    expect(response?.detail?.status).toBe(101);
    expect(response?.detail?.headers?.['sec-websocket-accept']).toBe(acceptFor(key));
    expect(response?.detail?.fields?.['accept matches']).toBe(true);
  });

  it('decodes the three length encodings, masked client frames and unmasked server frames', async () => {
    const session = await lab.newSession();
    const echo = await lab.socket('/api/ws/echo', { session, query: { conn: 'fr-1' } });
    for (const size of [125, 126, 65_536]) echo.send('a'.repeat(size));
    await echo.waitFor((m) => m.length === 3, 'three echoes');
    const frames = await serverEvents(
      session,
      (e) => e.kind === 'frame' && e.conn === 'fr-1' && e.detail?.fields?.opcodeName === 'text',
      6,
    );
    const rows = frames.map((e) => [
      e.dir,
      e.detail?.fields?.payloadLength,
      e.detail?.fields?.headerLength,
      e.detail?.fields?.mask,
    ]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['in', 125, 6, true],
        ['out', 125, 2, false],
        ['in', 126, 8, true],
        ['out', 126, 4, false],
        ['in', 65_536, 14, true],
        ['out', 65_536, 10, false],
      ]),
    );
    const big = frames.find((e) => e.dir === 'in' && e.detail?.fields?.payloadLength === 65_536);
    // The raw bytes kept are the header and the start of the payload, not 64 KiB.
    expect(Buffer.from(big?.detail?.raw ?? '', 'base64').length).toBeLessThan(200);
  });

  it('a large message keeps a preview of whole characters, flagged as cut, and its full size', async () => {
    const session = await lab.newSession();
    const echo = await lab.socket('/api/ws/echo', { session, query: { conn: 'big-1' } });
    // 3-byte characters: the 4,096-byte preview ends inside one unless the cut is made on a character boundary.
    const text = '€'.repeat(10_000);
    echo.send(text);
    await echo.waitFor((m) => m.length === 1, 'the echo');
    const [received] = await serverEvents(session, (e) => e.kind === 'message' && e.conn === 'big-1' && e.dir === 'in');
    expect(received?.bytes).toBe(30_000);
    expect(received?.detail?.bodyTruncated).toBe(true);
    expect(received?.detail?.body).toBe('€'.repeat(1_365));
    expect(received?.summary).toBe(`received ${JSON.stringify('€'.repeat(60))}`);
  });

  it('injected latency holds each echo back; cleared, the echo comes at once', async () => {
    const session = await lab.newSession();
    const echo = await lab.socket('/api/ws/echo', { session, query: { conn: 'lat-1' } });
    const roundTrip = async (count: number) => {
      const sent = performance.now();
      echo.send(`ping ${count}`);
      await echo.waitFor((m) => m.length === count, `echo ${count}`);
      return performance.now() - sent;
    };
    expect((await lab.postJson('/api/lab/faults', session, { action: 'latency', ms: 300 })).status).toBe(200);
    // A lower bound only (no wall-clock ceiling): the server held the echo for the injected latency.
    expect(await roundTrip(1)).toBeGreaterThanOrEqual(290);
    expect((await lab.postJson('/api/lab/faults', session, { action: 'clear' })).status).toBe(200);
    await roundTrip(2);
    const [held, prompt] = await serverEvents(
      session,
      (e) => e.kind === 'message' && e.conn === 'lat-1' && e.dir === 'out',
      2,
      'both echoes',
    );
    const [firstIn, secondIn] = await serverEvents(
      session,
      (e) => e.kind === 'message' && e.conn === 'lat-1' && e.dir === 'in',
      2,
    );
    // On the server's own clock: the first echo left ≥ 300 ms after its message arrived, the second sooner.
    expect((held?.at ?? 0) - (firstIn?.at ?? 0)).toBeGreaterThanOrEqual(300);
    expect((prompt?.at ?? 0) - (secondIn?.at ?? 0)).toBeLessThan((held?.at ?? 0) - (firstIn?.at ?? 0));
  });

  it('shows the opening ping, the client pong and both close frames with their code', async () => {
    const session = await lab.newSession();
    const echo = await lab.socket('/api/ws/echo', { session, query: { conn: 'cl-1' } });
    await serverEvents(session, (e) => e.conn === 'cl-1' && e.detail?.fields?.opcodeName === 'pong', 1, 'the pong');
    echo.ws.close(4000, 'bye now');
    await echo.closed;
    const closes = await serverEvents(
      session,
      (e) => e.conn === 'cl-1' && e.detail?.fields?.opcodeName === 'close',
      2,
      'close frames',
    );
    expect(closes.map((e) => [e.dir, e.detail?.code, e.detail?.fields?.mask])).toEqual([
      ['in', 4000, true],
      ['out', 4000, false],
    ]);
    const [ping] = await serverEvents(session, (e) => e.conn === 'cl-1' && e.detail?.fields?.opcodeName === 'ping');
    expect(ping?.dir).toBe('out');
  });
});

describe('the chat protocol', () => {
  it('delivers messages between the two panes of one session with acks, typing and delivered receipts', async () => {
    const session = await lab.newSession();
    const customer = await chat(session, 'customer');
    const agent = await chat(session, 'agent');
    customer.send(JSON.stringify({ type: 'typing', typing: true }));
    customer.send(JSON.stringify({ type: 'message', id: 'm-1', text: 'my card is blocked' }));
    await agent.waitFor((m) => ofType(m, 'message').length === 1, 'the message');
    expect(ofType(agent.messages, 'typing')[0]).toMatchObject({ from: 'customer', typing: true });
    expect(ofType(agent.messages, 'message')[0]).toMatchObject({ id: 'm-1', from: 'customer', text: 'my card is blocked' });
    await customer.waitFor((m) => ofType(m, 'ack').length === 1, 'the ack');
    agent.send(JSON.stringify({ type: 'delivered', id: 'm-1' }));
    await customer.waitFor((m) => ofType(m, 'delivered').length === 1, 'the receipt');
    expect(ofType(customer.messages, 'delivered')[0]).toMatchObject({ id: 'm-1', by: 'agent' });
  });

  it('drops a re-sent message id: acknowledged again as a duplicate, delivered once', async () => {
    const session = await lab.newSession();
    const customer = await chat(session, 'customer');
    const agent = await chat(session, 'agent');
    const line = JSON.stringify({ type: 'message', id: 'dup-1', text: 'once' });
    customer.send(line);
    customer.send(line);
    await customer.waitFor((m) => ofType(m, 'ack').length === 2, 'two acks');
    expect(ofType(customer.messages, 'ack').map((a) => a.duplicate)).toEqual([false, true]);
    agent.send(JSON.stringify({ type: 'typing', typing: false })); // a later message, to be sure nothing else is coming
    await new Promise((r) => setTimeout(r, 100));
    expect(ofType(agent.messages, 'message')).toHaveLength(1);
  });

  it('holds a message while nobody of the other role is online, and delivers it once when one connects', async () => {
    const session = await lab.newSession();
    const customer = await chat(session, 'customer');
    customer.send(JSON.stringify({ type: 'message', id: 'early-1', text: 'is anyone there?' }));
    await customer.waitFor((m) => ofType(m, 'ack').length === 1, 'the ack');
    const agent = await chat(session, 'agent');
    await agent.waitFor((m) => ofType(m, 'message').length === 1, 'the held message');
    expect(ofType(agent.messages, 'message')[0]).toMatchObject({ id: 'early-1', text: 'is anyone there?' });
    const second = await chat(session, 'agent');
    await new Promise((r) => setTimeout(r, 100));
    expect(ofType(second.messages, 'message')).toEqual([]);
  });

  it('answers a request by id while chat lines overtake it', async () => {
    const session = await lab.newSession();
    const customer = await chat(session, 'customer');
    customer.send(JSON.stringify({ type: 'request', id: 'r-1', method: 'balance', params: { account: '123' } }));
    customer.send(JSON.stringify({ type: 'message', id: 'm-after', text: 'still here' }));
    await customer.waitFor((m) => ofType(m, 'response').length === 1, 'the response', 5_000);
    const types = (customer.messages as Msg[]).map((m) => m.type);
    expect(types.indexOf('ack')).toBeLessThan(types.indexOf('response'));
    expect(ofType(customer.messages, 'response')[0]).toMatchObject({
      id: 'r-1',
      result: { owner: 'Ada Lovelace', balance: 1000 },
    });
  });

  it('keeps sessions apart: another session hears nothing', async () => {
    const [a, b] = [await lab.newSession(), await lab.newSession()];
    const alice = await chat(a, 'customer');
    const eve = await chat(b, 'agent');
    alice.send(JSON.stringify({ type: 'message', id: 'secret', text: 'my PIN' }));
    await alice.waitFor((m) => ofType(m, 'ack').length === 1, 'ack');
    await new Promise((r) => setTimeout(r, 100));
    expect(ofType(eve.messages, 'message')).toEqual([]);
    expect((await lab.events(b)).events.some((e) => JSON.stringify(e).includes('my PIN'))).toBe(false);
  });
});

describe('bad input', () => {
  it('non-JSON, unknown types and bad shapes get protocol errors; the socket stays open', async () => {
    const session = await lab.newSession();
    const c = await chat(session, 'customer');
    c.send('hello?');
    c.send(JSON.stringify({ type: 'shout', text: 'HI' }));
    c.send(JSON.stringify({ type: 'message', text: 'no id' }));
    c.send(JSON.stringify([1, 2]));
    c.send(JSON.stringify({ type: 'request', id: 'r-x', method: 'transfer' }));
    await c.waitFor((m) => ofType(m, 'error').length === 5, 'five errors');
    expect(ofType(c.messages, 'error').map((e) => e.code)).toEqual([
      'bad-json',
      'unknown-type',
      'bad-message',
      'bad-message',
      'unknown-method',
    ]);
    expect(c.isOpen).toBe(true);
  });

  it('an oversized frame is refused with close code 1009', async () => {
    const session = await lab.newSession();
    const c = await chat(session, 'customer');
    c.send('x'.repeat(200 * 1024));
    expect((await c.closed).code).toBe(1009);
  });

  it('invalid UTF-8 in a text frame closes with 1007', async () => {
    const session = await lab.newSession();
    const { port } = lab;
    // A hand-written client: ws would refuse to send invalid UTF-8 as text.
    const code = await new Promise<number>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(
          `GET /api/ws/chat?session=${session} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
        );
      });
      let buffer = Buffer.alloc(0);
      let upgraded = false;
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (!upgraded) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          upgraded = true;
          buffer = buffer.subarray(end + 4);
          const payload = Buffer.from([0xc3, 0x28]); // an invalid two-byte sequence
          const mask = Buffer.from([1, 2, 3, 4]);
          const masked = payload.map((b, i) => b ^ (mask[i % 4] ?? 0));
          socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
        }
        // Look for the server's close frame (opcode 8) among what follows the welcome message.
        for (let i = 0; i + 1 < buffer.length; ) {
          const len = (buffer[i + 1] ?? 0) & 0x7f;
          const start = i + (len === 126 ? 4 : 2);
          const size = len === 126 ? buffer.readUInt16BE(i + 2) : len;
          if (start + size > buffer.length) break;
          if (((buffer[i] ?? 0) & 0x0f) === 0x8) {
            resolve(buffer.readUInt16BE(start));
            socket.destroy();
            return;
          }
          i = start + size;
        }
      });
      socket.on('error', reject);
    });
    expect(code).toBe(1007);
  });

  it('a flood from one client is rate-limited with a clear error, and other sockets are unaffected', async () => {
    const session = await lab.newSession();
    const flooder = await chat(session, 'customer');
    const agent = await chat(session, 'agent');
    for (let i = 0; i < 200; i++) flooder.send(JSON.stringify({ type: 'message', id: `f-${i}`, text: 'spam' }));
    await flooder.waitFor((m) => ofType(m, 'error').some((e) => e.code === 'rate-limited'), 'rate-limited');
    const acks = () => ofType(flooder.messages, 'ack').length;
    await new Promise((r) => setTimeout(r, 200));
    expect(acks()).toBeLessThan(100);
    expect(String(ofType(flooder.messages, 'error')[0]?.message)).toMatch(/Too many messages/);
    agent.send(JSON.stringify({ type: 'message', id: 'calm', text: 'hello' }));
    await agent.waitFor((m) => ofType(m, 'ack').some((a) => a.id === 'calm'), 'the agent still chats');
  });

  it('connections without a session get 401 before the upgrade; a bad role gets 400', async () => {
    expect((await refusedUpgrade(`${lab.wsBase}/api/ws/chat`)).status).toBe(401);
    expect((await refusedUpgrade(`${lab.wsBase}/api/ws/echo?session=not-a-session`)).status).toBe(401);
    const session = await lab.newSession();
    expect((await refusedUpgrade(`${lab.wsBase}/api/ws/chat?session=${session}&as=admin`)).status).toBe(400);
  });
});

describe('drops, outages and terminals', () => {
  it('drop target ws kills only this session chat sockets (1006), not the intro echo or another session', async () => {
    const [mine, theirs] = [await lab.newSession(), await lab.newSession()];
    const c = await chat(mine, 'customer');
    const intro = await lab.socket('/api/intro/echo', { session: mine });
    const other = await chat(theirs, 'customer');
    const res = await lab.postJson('/api/lab/faults', mine, { action: 'drop', target: 'ws' });
    expect(await res.json()).toEqual({ dropped: 1 });
    expect((await c.closed).code).toBe(1006);
    expect(intro.isOpen).toBe(true);
    expect(other.isOpen).toBe(true);
  });

  it('an outage refuses this session reconnects with 503 until it ends, and nobody else is affected', async () => {
    const [mine, theirs] = [await lab.newSession(), await lab.newSession()];
    const c = await chat(mine, 'customer');
    const res = await lab.postJson('/api/ws/outage', mine, { seconds: 1 });
    expect(await res.json()).toEqual({ dropped: 1, downForMs: 1000 });
    expect((await c.closed).code).toBe(1006);
    expect((await refusedUpgrade(`${lab.wsBase}/api/ws/chat?session=${mine}`)).status).toBe(503);
    await chat(theirs, 'customer');
    await new Promise((r) => setTimeout(r, 1_100));
    await chat(mine, 'customer');
    expect((await lab.postJson('/api/ws/outage', mine, { seconds: 999 })).status).toBe(400);
  });

  it('a terminal client (wscat) gets its own terminal-origin upgrade event', async () => {
    const session = await lab.newSession();
    await lab.socket('/api/ws/chat', { session, query: { conn: 'term-1' }, headers: { 'user-agent': 'wscat/6.1.0' } });
    const [sent] = await serverEvents(session, (e) => e.origin === 'terminal' && e.conn === 'term-1');
    expect(sent?.summary).toMatch(/^wscat\/6\.1\.0: GET \/api\/ws\/chat \(Upgrade: websocket\)/);
  });
});

describe('the flood limit follows LAB_WS_MESSAGES_PER_SECOND', () => {
  it('with 2 a second (burst 4), the echo answers the burst and then says why it refuses', async () => {
    const strict = await startLab({ wsMessagesPerSecond: 2 });
    try {
      const session = await strict.newSession();
      const echo = await strict.socket('/api/ws/echo', { session, query: { conn: 'limit-1' } });
      for (let i = 0; i < 20; i++) echo.send(`n${i}`);
      await echo.waitFor((m) => ofType(m, 'error').length > 0, 'the rate-limited error');
      const error = ofType(echo.messages, 'error')[0];
      expect(error?.code).toBe('rate-limited');
      expect(String(error?.message)).toMatch(/2 a second allowed/);
      const echoed = echo.messages.filter((m) => typeof m === 'string');
      // The burst, plus at most a token or two earned while the 20 arrived.
      expect(echoed.length).toBeGreaterThanOrEqual(4);
      expect(echoed.length).toBeLessThan(8);
    } finally {
      await strict.close();
    }
  });
});
