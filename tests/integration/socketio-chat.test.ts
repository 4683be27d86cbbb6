/**
 * The WebSocket lesson's socket.io side with real socket.io-client clients:
 * transport upgrade, the chat, connection state recovery after a short drop
 * (and not after a long one), bad input, and sessions kept apart.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_PREVIEW_LIMIT, type TimelineEvent } from '../../lib/timeline';
import { eventually, startLab, type TestLab } from './helpers';

let lab: TestLab;
const clients: Socket[] = [];
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await lab.close();
});

type Msg = Record<string, unknown>;

/** A socket.io client as a terminal program would run it: the session in the query string. */
function connect(base: string, path: string, session: string, query: Record<string, string> = {}): Socket {
  const socket = io(base, { path, query: { session, ...query }, reconnectionDelay: 200, reconnectionDelayMax: 1_000 });
  clients.push(socket);
  return socket;
}

function received(socket: Socket, event: string): Msg[] {
  const list: Msg[] = [];
  socket.on(event, (m: Msg) => list.push(m));
  return list;
}

async function serverEvents(session: string, predicate: (e: TimelineEvent) => boolean, count = 1, timeoutMs = 5_000) {
  return eventually(
    async () => {
      const found = (await lab.events(session)).events.filter(predicate);
      return found.length >= count ? found : undefined;
    },
    'server events',
    timeoutMs,
  );
}

describe('socket.io chat', () => {
  it('starts on long-polling, upgrades to WebSocket, and chats with acks', async () => {
    const session = await lab.newSession();
    const customer = connect(lab.base, '/api/socketio/', session, { as: 'customer', conn: 'sio-c' });
    const agent = connect(lab.base, '/api/socketio/', session, { as: 'agent' });
    const inbox = received(agent, 'message');
    await eventually(() => customer.connected && agent.connected, 'both connected');
    await serverEvents(session, (e) => e.conn === 'sio-c' && /upgraded from polling to websocket/.test(e.summary));
    const [handshake] = await serverEvents(
      session,
      (e) => e.conn === 'sio-c' && e.kind === 'open' && /engine\.io handshake/.test(e.summary),
    );
    expect(handshake?.detail?.fields?.transport).toBe('polling');
    const ack = await customer.emitWithAck('message', { id: 'm-1', text: 'hello agent' });
    expect(ack).toMatchObject({ id: 'm-1', duplicate: false });
    await eventually(() => inbox.length === 1, 'the agent gets it');
    expect(inbox[0]).toMatchObject({ id: 'm-1', from: 'customer', text: 'hello agent' });
    // The server's side of that message: the event name and its arguments as they arrived.
    const [arrived] = await serverEvents(session, (e) => e.conn === 'sio-c' && e.kind === 'message' && e.dir === 'in');
    const args = JSON.stringify([{ id: 'm-1', text: 'hello agent' }]);
    expect(arrived).toMatchObject({ protocol: 'socketio', bytes: Buffer.byteLength(args) });
    expect(arrived?.summary).toBe(`chat received "message" ${args.slice(0, 60)}`);
    expect(arrived?.detail).toMatchObject({ body: args, fields: { event: 'message' } });
    // A large one: its full size, and a preview cut at the timeline's limit.
    const big = [{ id: 'm-big', text: 'é'.repeat(10_000) }];
    customer.emit('message', ...big);
    const [large] = await serverEvents(
      session,
      (e) => e.conn === 'sio-c' && e.kind === 'message' && e.dir === 'in' && e.detail?.bodyTruncated === true,
    );
    expect(large?.bytes).toBe(Buffer.byteLength(JSON.stringify(big)));
    expect(large?.detail?.body).toBe(JSON.stringify(big).slice(0, BODY_PREVIEW_LIMIT));
    expect(large?.summary).toBe(`chat received "message" ${JSON.stringify(big).slice(0, 60)}`);
    const response = await customer.emitWithAck('request', { id: 'r-1', method: 'balance', params: { account: '456' } });
    expect(response).toMatchObject({ id: 'r-1', result: { owner: 'Alan Turing' } });
  });

  it('recovers after a short drop: the socket is "recovered" and the missed message is replayed', async () => {
    const session = await lab.newSession();
    const customer = connect(lab.base, '/api/socketio/', session, { as: 'customer', conn: 'sio-r' });
    const agent = connect(lab.base, '/api/socketio/', session, { as: 'agent', conn: 'sio-a' });
    const inbox = received(customer, 'message');
    await eventually(
      () => customer.connected && agent.connected && customer.io.engine.transport.name === 'websocket',
      'upgraded',
    );
    const oldId = customer.id;
    // Keep the customer away until the agent has spoken, so the message can only arrive by replay.
    customer.io.reconnection(false);
    expect(await (await lab.postJson('/api/lab/faults', session, { action: 'drop', target: 'socketio' })).json()).toEqual({
      dropped: 2,
    });
    await eventually(() => !customer.connected, 'customer cut off');
    await eventually(() => agent.connected, 'agent back (it reconnects by itself)');
    await agent.emitWithAck('message', { id: 'm-missed', text: 'sent while you were away' });
    expect(inbox).toEqual([]);
    customer.io.reconnection(true);
    customer.connect();
    await eventually(() => customer.connected, 'customer back');
    await eventually(() => inbox.some((m) => m.id === 'm-missed'), 'the message reaches the customer');
    expect(customer.recovered).toBe(true);
    expect(customer.id).toBe(oldId);
    await serverEvents(session, (e) => e.conn === 'sio-r' && e.kind === 'reconnected' && e.detail?.fields?.recovered === true);
  });

  it('does not recover after an outage longer than maxDisconnectionDuration', async () => {
    const session = await lab.newSession();
    const customer = connect(lab.base, '/api/socketio/', session, { as: 'customer', conn: 'sio-l' });
    await eventually(() => customer.connected, 'connected');
    const res = await lab.postJson('/api/socketio/outage', session, { server: 'chat', seconds: 6 });
    expect(await res.json()).toMatchObject({ cut: 1 });
    await eventually(() => !customer.connected, 'cut');
    await eventually(() => customer.connected, 'back after the outage', 12_000);
    expect(customer.recovered).toBe(false);
    // Two fresh starts on the server: the first connection, and the one after the outage.
    await serverEvents(session, (e) => e.conn === 'sio-l' && e.kind === 'open' && e.detail?.fields?.recovered === false, 2);
  }, 20_000);

  it('bad input: unknown events and bad payloads get protocol errors; floods are rate-limited', async () => {
    const session = await lab.newSession();
    const c = connect(lab.base, '/api/socketio/', session);
    const errors = received(c, 'protocol-error');
    await eventually(() => c.connected, 'connected');
    c.emit('shout', { text: 'HI' });
    c.emit('message', 'not an object');
    expect(await c.emitWithAck('message', { text: 'no id' })).toMatchObject({ error: { code: 'bad-message' } });
    await eventually(() => errors.length >= 2, 'two errors');
    expect(errors.map((e) => e.code)).toEqual(['unknown-type', 'bad-message']);
    for (let i = 0; i < 200; i++) c.emit('typing', { typing: true });
    await eventually(() => errors.some((e) => e.code === 'rate-limited'), 'rate limited');
    expect(c.connected).toBe(true);
  });

  it('refuses requests without a session (401) and engine sids of another session (400)', async () => {
    expect((await lab.request('/api/socketio/?EIO=4&transport=polling')).status).toBe(401);
    const [mine, theirs] = [await lab.newSession(), await lab.newSession()];
    const handshake = await lab.request('/api/socketio/?EIO=4&transport=polling', { session: mine });
    const sid = /"sid":"([^"]+)"/.exec(await handshake.text())?.[1];
    expect(sid).toBeDefined();
    const hijack = await lab.request(`/api/socketio/?EIO=4&transport=polling&sid=${sid}`, { session: theirs });
    expect(hijack.status).toBe(400);
    expect(((await hijack.json()) as { title: string }).title).toBe('Unknown sid');
  });
});
