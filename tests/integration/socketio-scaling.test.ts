/**
 * Two socket.io instances ("server 1", "server 2") in one lab: a message from
 * a user on one never reaches a user on the other until the session switches
 * pub/sub on. Runs against a real redis-server (started by the lab) and
 * against the in-process stand-in; the switch and the outages are per session.
 */
import { execFileSync } from 'node:child_process';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { hasRedisServer } from '../../server/protocols/socketio/redis-server';
import { eventually, startLab, type TestLab } from './helpers';

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
