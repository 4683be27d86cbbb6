/**
 * Two socket.io instances ("server 1", "server 2") in one lab: a message from
 * a user on one never reaches a user on the other until the session switches
 * pub/sub on. Runs against a real redis-server (started by the lab) and
 * against the in-process stand-in; the switch and the outages are per session.
 * Then the load balancer without sticky sessions: long-polling breaks with
 * engine.io's own 400 "Session ID unknown", a WebSocket-only client doesn't.
 */
import { execFileSync } from 'node:child_process';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { hasRedisServer } from '../../server/protocols/socketio/redis-server';
import { eventually, expectProblem, startLab, type TestLab } from './helpers';

type Msg = Record<string, unknown>;

/** redis-server processes started by this test process. */
function childRedisServers(): string[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), 'redis-server'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

for (const backend of ['redis', 'in-process'] as const) {
  describe.skipIf(backend === 'redis' && !hasRedisServer())(`scaling with the ${backend} pub/sub`, () => {
    let lab: TestLab;
    const clients: Socket[] = [];
    beforeAll(async () => {
      if (backend === 'in-process') process.env.LAB_PUBSUB = 'in-process';
      else delete process.env.LAB_PUBSUB;
      delete process.env.REDIS_URL;
      lab = await startLab();
    });
    afterAll(async () => {
      for (const c of clients) c.close();
      await lab.close();
      delete process.env.LAB_PUBSUB;
    });

    const connect = (path: string, session: string, query: Record<string, string> = {}) => {
      const socket = io(lab.base, { path, query: { session, ...query }, reconnectionDelay: 200, reconnectionDelayMax: 1_000 });
      clients.push(socket);
      return socket;
    };
    const inbox = (socket: Socket) => {
      const list: Msg[] = [];
      socket.on('message', (m: Msg) => list.push(m));
      return list;
    };
    const events = async (session: string, predicate: (e: TimelineEvent) => boolean) =>
      (await lab.events(session)).events.filter(predicate);

    it(`reports its backend: ${backend}`, async () => {
      const session = await lab.newSession();
      const res = await lab.request('/api/socketio/pubsub', { session });
      expect(await res.json()).toEqual({ backend, enabled: false });
    });

    it('loses the message across instances without pub/sub, delivers it with pub/sub (with the hop on the timeline)', async () => {
      const session = await lab.newSession();
      const a = connect('/api/socketio/1/', session, { as: 'customer' });
      const b = connect('/api/socketio/2/', session, { as: 'agent' });
      const bGot = inbox(b);
      await eventually(() => a.connected && b.connected, 'both connected');

      await a.emitWithAck('message', { id: 'lost-1', text: 'anyone on server 2?' });
      // Give a broker hop every chance to happen; there is none to wait for.
      await new Promise((r) => setTimeout(r, 300));
      expect(bGot).toEqual([]);
      expect(await events(session, (e) => e.origin === 'broker')).toEqual([]);

      const on = await lab.postJson('/api/socketio/pubsub', session, { enabled: true });
      expect(await on.json()).toEqual({ backend, enabled: true });
      await a.emitWithAck('message', { id: 'found-1', text: 'and now?' });
      await eventually(() => bGot.length === 1, 'B gets it through pub/sub');
      expect(bGot[0]).toMatchObject({ id: 'found-1', from: 'customer', server: 'server 1' });
      const hops = await eventually(async () => {
        const found = await events(session, (e) => e.origin === 'broker');
        return found.length >= 2 ? found : undefined;
      }, 'publish and deliver hops');
      expect(hops.map((e) => e.detail?.fields?.phase)).toEqual(['publish', 'deliver']);
      expect(hops[0]?.summary).toMatch(/^server 1 → /);
      expect(hops[1]?.summary).toMatch(/ → server 2: /);
    });

    it('the pub/sub switch is per session: a classmate with it off stays unjoined', async () => {
      const [mine, theirs] = [await lab.newSession(), await lab.newSession()];
      await lab.postJson('/api/socketio/pubsub', mine, { enabled: true });
      const a = connect('/api/socketio/1/', theirs);
      const b = connect('/api/socketio/2/', theirs);
      const bGot = inbox(b);
      const spy = connect('/api/socketio/2/', mine);
      const spyGot = inbox(spy);
      await eventually(() => a.connected && b.connected && spy.connected, 'connected');
      await a.emitWithAck('message', { id: 'private-1', text: 'only for my session' });
      await new Promise((r) => setTimeout(r, 300));
      expect(bGot).toEqual([]);
      expect(spyGot).toEqual([]);
    });

    it('the load balancer keeps users on their instance, and fails a user over when its instance dies', async () => {
      const session = await lab.newSession();
      const a = connect('/api/socketio/lb/', session, { user: 'A', as: 'customer' });
      const b = connect('/api/socketio/lb/', session, { user: 'B', as: 'agent' });
      const servers = new Map<Socket, string>();
      for (const s of [a, b]) s.on('welcome', (w: Msg) => servers.set(s, String(w.server)));
      await eventually(() => servers.get(a) === 'server 1' && servers.get(b) === 'server 2', 'A on 1, B on 2');
      await eventually(() => a.io.engine.transport.name === 'websocket', 'A upgraded through the balancer');

      const res = await lab.postJson('/api/socketio/outage', session, { server: '1', seconds: 5 });
      expect(await res.json()).toMatchObject({ cut: 1 });
      await eventually(() => servers.get(a) === 'server 2' && a.connected, 'A failed over to server 2', 5_000);
      expect(a.recovered).toBe(false);
      const routes = await events(session, (e) => e.kind === 'route' && e.origin === 'server');
      expect(routes.some((e) => /server 1, is down: failing over/.test(e.summary))).toBe(true);
      // Both on server 2 now: they chat without any pub/sub.
      const bGot = inbox(b);
      await a.emitWithAck('message', { id: 'same-box', text: 'we share a server now' });
      await eventually(() => bGot.length === 1, 'B hears A');
    });

    it.runIf(backend === 'redis')('leaves no redis-server behind once the lab closes', async () => {
      const session = await lab.newSession();
      await lab.request('/api/socketio/pubsub', { session });
      expect(childRedisServers()).toHaveLength(1);
      for (const c of clients) c.close();
      await lab.close();
      await eventually(() => childRedisServers().length === 0, 'redis-server gone');
      lab = await startLab(); // afterAll closes it again
    });
  });
}

describe('the load balancer without sticky sessions', () => {
  let lab: TestLab;
  const clients: Socket[] = [];
  beforeAll(async () => {
    process.env.LAB_PUBSUB = 'in-process';
    lab = await startLab();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await lab.close();
    delete process.env.LAB_PUBSUB;
  });

  const LB = '/api/socketio/lb/';
  const connect = (session: string, transports: ('polling' | 'websocket')[], user = 'A') => {
    const socket = io(lab.base, {
      path: LB,
      transports,
      query: { session, user, as: user === 'A' ? 'customer' : 'agent' },
      reconnectionDelay: 200,
      reconnectionDelayMax: 500,
    });
    clients.push(socket);
    return socket;
  };
  const setSticky = async (session: string, enabled: boolean) => {
    const res = await lab.postJson('/api/socketio/sticky', session, { enabled });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ enabled });
  };
  /** engine.io's refusals as the server recorded them on the session's timeline. */
  const refusals = async (session: string) =>
    (await lab.events(session)).events.filter((e) => e.origin === 'server' && e.kind === 'error' && e.protocol === 'socketio');
  /** One raw engine.io polling request through the balancer (EIO=4). */
  const engineRequest = (session: string, sid?: string, body?: string) =>
    lab.request(`${LB}?EIO=4&transport=polling&user=A${sid ? `&sid=${sid}` : ''}`, {
      session,
      ...(body === undefined ? {} : { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } }),
    });

  it('is sticky by default', async () => {
    const session = await lab.newSession();
    const res = await lab.request('/api/socketio/sticky', { session });
    expect(await res.json()).toEqual({ enabled: true });
  });

  it("sends each request round-robin: the one after the handshake reaches the other server and gets engine.io's 400", async () => {
    const session = await lab.newSession();
    await setSticky(session, false);
    const handshake = await engineRequest(session);
    expect(handshake.status).toBe(200);
    const sid = (JSON.parse((await handshake.text()).slice(1)) as { sid: string }).sid; // "0{...}": the open packet

    const second = await engineRequest(session, sid, '40');
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({ code: 1, message: 'Session ID unknown' });
    // The third request is server 1's turn again, where the sid lives.
    const third = await engineRequest(session, sid, '40');
    expect(third.status).toBe(200);
    expect(await third.text()).toBe('ok');

    const routes = (await lab.events(session)).events.filter((e) => e.kind === 'route' && e.origin === 'server');
    expect(routes.map((e) => e.detail?.fields?.server)).toEqual(['server 1', 'server 2', 'server 1']);
    expect(routes[1]?.summary).toContain(`sid ${sid} lives on server 1, not here`);
    const [refused] = await refusals(session);
    expect(refused?.detail).toMatchObject({ status: 400, reason: 'Session ID unknown', fields: { server: 'server 2', sid } });
  });

  it('breaks a long-polling socket.io client, which keeps reconnecting, until stickiness is back on', async () => {
    const session = await lab.newSession();
    await setSticky(session, false);
    const socket = connect(session, ['polling']);
    let attempts = 0;
    let connects = 0;
    socket.io.on('reconnect_attempt', () => {
      attempts += 1;
    });
    socket.on('connect', () => {
      connects += 1;
    });
    await eventually(() => attempts >= 2, 'two reconnect attempts', 10_000);
    const refused = await refusals(session);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const e of refused) expect(e.detail).toMatchObject({ status: 400, reason: 'Session ID unknown' });
    const responses = (await lab.events(session)).events.filter((e) => e.kind === 'response' && e.detail?.status === 400);
    expect(responses[0]?.detail?.body).toBe('{"code":1,"message":"Session ID unknown"}');
    expect(connects).toBe(0);

    await setSticky(session, true);
    await eventually(() => socket.connected, 'connected once sticky again', 10_000);
    expect(socket.io.engine.transport.name).toBe('polling');
    // Several polling round trips on one sid, all through the balancer.
    for (const n of [1, 2, 3]) await socket.emitWithAck('message', { id: `sticky-${n}`, text: `poll ${n}` });
    expect(socket.connected).toBe(true);
    expect(connects).toBe(1);
  });

  it("breaks socket.io's default transport too: it starts on polling, and fails before it can upgrade", async () => {
    const session = await lab.newSession();
    await setSticky(session, false);
    const socket = connect(session, ['polling', 'websocket']);
    let attempts = 0;
    socket.io.on('reconnect_attempt', () => {
      attempts += 1;
    });
    await eventually(() => attempts >= 2, 'two reconnect attempts', 10_000);
    expect(socket.connected).toBe(false);
    expect((await refusals(session)).length).toBeGreaterThanOrEqual(2);
  });

  it('a WebSocket-only client works without stickiness: its one connection stays where it landed', async () => {
    const session = await lab.newSession();
    await setSticky(session, false);
    const socket = connect(session, ['websocket']);
    await eventually(() => socket.connected, 'connected over WebSocket');
    for (const n of [1, 2, 3]) await socket.emitWithAck('message', { id: `ws-${n}`, text: `frame ${n}` });
    expect(await refusals(session)).toEqual([]);
  });

  it("the switch is per session: a classmate's polling client is untouched", async () => {
    const [mine, theirs] = [await lab.newSession(), await lab.newSession()];
    await setSticky(mine, false);
    const socket = connect(theirs, ['polling']);
    await eventually(() => socket.connected, "the classmate's polling client connected");
    for (const n of [1, 2, 3]) await socket.emitWithAck('message', { id: `other-${n}`, text: `poll ${n}` });
    expect(await (await lab.request('/api/socketio/sticky', { session: theirs })).json()).toEqual({ enabled: true });
    expect(await (await lab.request('/api/socketio/sticky', { session: mine })).json()).toEqual({ enabled: false });
    expect(await refusals(theirs)).toEqual([]);
  });

  it('refuses a malformed switch with a clear 400', async () => {
    const session = await lab.newSession();
    for (const body of [{ enabled: 'off' }, { sticky: false }, []]) {
      const problem = await expectProblem(
        await lab.postJson('/api/socketio/sticky', session, body),
        400,
        'Bad sticky-sessions switch',
      );
      expect(problem.detail).toContain('{"enabled": false}');
    }
    const notJson = await lab.request('/api/socketio/sticky', {
      method: 'POST',
      session,
      body: 'off',
      headers: { 'content-type': 'application/json' },
    });
    await expectProblem(notJson, 400);
    expect(await (await lab.request('/api/socketio/sticky', { session })).json()).toEqual({ enabled: true });
  });
});
