/**
 * The SSE endpoints with real clients: the `eventsource` package (the
 * WHATWG EventSource for Node) and curl, against a real lab server.
 */
import { execFile } from 'node:child_process';
import net from 'node:net';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { eventually, type Problem, startLab, type TestLab } from './helpers';

// Read by createSse when the lab starts: fast ticks, a small replay buffer, frequent keep-alives.
const ENV = { LAB_SSE_TICK_MS: '40', LAB_SSE_REPLAY_SIZE: '20', LAB_SSE_KEEPALIVE_MS: '150', LAB_SSE_MAX_STREAMS: '16' };

let lab: TestLab;
beforeAll(async () => {
  Object.assign(process.env, ENV);
  lab = await startLab();
});
afterAll(async () => {
  await lab.close();
  for (const name of Object.keys(ENV)) delete process.env[name];
});

const url = (path: string, session: string, query: Record<string, string> = {}) => {
  const u = new URL(path, lab.base);
  u.searchParams.set('session', session);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
};

/** curl for `seconds`, returning what it printed (curl exits 28 when --max-time ends a stream: expected). */
function curl(args: string[], seconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sN', '--max-time', String(seconds), ...args], (error, stdout) => {
      if (error && (error as { code?: unknown }).code !== 28) reject(error);
      else resolve(stdout);
    });
  });
}

/** The `id:` values in a raw event stream, in order. */
const idsIn = (text: string) => [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

interface Received {
  id: number;
  type: string;
  data: string;
}

/** An EventSource that collects what it receives, closed by the test. */
function listen(target: string, types: string[]) {
  const es = new EventSource(target);
  const received: Received[] = [];
  const errors: Event[] = [];
  for (const type of types) es.addEventListener(type, (e) => received.push({ id: Number(e.lastEventId), type, data: e.data }));
  es.addEventListener('error', (e) => errors.push(e));
  const opened = new Promise<void>((resolve) => es.addEventListener('open', () => resolve(), { once: true }));
  return { es, received, errors, opened };
}

async function serverEvents(session: string, predicate: (e: TimelineEvent) => boolean, what: string, count = 1) {
  return eventually(async () => {
    const found = (await lab.events(session)).events.filter(predicate);
    return found.length >= count && found;
  }, what);
}

async function problem(res: Response): Promise<Problem> {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await res.json()) as Problem;
}

describe('ticks', () => {
  it('streams numbered tick events with retry:, and records open, every chunk with its exact text, and close', async () => {
    const session = await lab.newSession();
    const raw = await curl([url('/api/sse/ticks', session, { retry: '2500', conn: 'sse-curl1' })], 0.5);
    expect(raw.startsWith('retry: 2500\n\n')).toBe(true);
    expect(raw).toMatch(/^id: \d+\nevent: tick\ndata: \{"tick":\d+,"at":[\d.]+\}\n\n/m);
    const ids = idsIn(raw);
    expect(ids.length).toBeGreaterThan(2);
    expect(ids).toEqual(ids.map((_, i) => (ids[0] ?? 0) + i));

    await serverEvents(session, (e) => e.kind === 'close' && e.conn === 'sse-curl1', 'the close');
    const { events } = await lab.events(session);
    const mine = events.filter((e) => e.conn === 'sse-curl1');
    expect(mine[0]).toMatchObject({ origin: 'terminal', kind: 'request' });
    expect(mine[1]).toMatchObject({ origin: 'server', kind: 'open', protocol: 'sse' });
    const frames = mine.filter((e) => e.kind === 'frame');
    // The chunks, concatenated, are exactly the bytes curl received.
    expect(frames.map((e) => e.detail?.body).join('')).toBe(raw);
    expect(mine.at(-1)).toMatchObject({ kind: 'close', detail: { wasClean: true } });
  });

  it('survives two drops in a row: EventSource reconnects with Last-Event-ID and the ids stay contiguous', async () => {
    const session = await lab.newSession();
    const client = listen(url('/api/sse/ticks', session, { retry: '200', conn: 'sse-drop' }), ['tick']);
    await client.opened;
    for (let drop = 1; drop <= 2; drop++) {
      const before = client.received.length;
      await eventually(() => client.received.length >= before + 3, 'a few ticks');
      const res = await lab.postJson('/api/lab/faults', session, { action: 'drop', target: 'sse' });
      expect(await res.json()).toEqual({ dropped: 1 });
      await serverEvents(session, (e) => e.kind === 'reconnected' && e.conn === 'sse-drop', `resume ${drop}`, drop);
    }
    const count = client.received.length;
    await eventually(() => client.received.length >= count + 3, 'ticks after the second resume');
    client.es.close();
    const ids = client.received.map((r) => r.id);
    expect(ids).toEqual(ids.map((_, i) => (ids[0] ?? 0) + i));
    expect(client.errors.length).toBe(2);

    const resumes = (await lab.events(session)).events.filter((e) => e.kind === 'reconnected' && e.conn === 'sse-drop');
    for (const resume of resumes) {
      expect(resume.detail?.fields?.missed).toBe(0);
      expect(Number(resume.detail?.fields?.replayed)).toBeGreaterThanOrEqual(1);
    }
    const opens = (await lab.events(session)).events.filter((e) => e.kind === 'open' && e.conn === 'sse-drop');
    expect(opens.map((e) => e.detail?.fields?.lastEventId === null)).toEqual([true, false, false]);
  });

  it('replays everything after Last-Event-ID for curl, then goes live', async () => {
    const session = await lab.newSession();
    const first = await curl([url('/api/sse/ticks', session)], 0.4);
    const seen = idsIn(first).at(-1) ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 150));
    const resumed = await curl(['-H', `Last-Event-ID: ${seen}`, url('/api/sse/ticks', session)], 0.4);
    const ids = idsIn(resumed);
    expect(ids[0]).toBe(seen + 1);
    expect(ids).toEqual(ids.map((_, i) => seen + 1 + i));
    const resume = await serverEvents(session, (e) => e.kind === 'reconnected', 'the resume event');
    expect(resume[0]?.detail?.fields?.lastEventId).toBe(seen);
  });

  it('says so with a gap event when Last-Event-ID is older than the replay buffer', async () => {
    const session = await lab.newSession();
    // Start the ticker and let it run past the 20-event buffer.
    const client = listen(url('/api/sse/ticks', session), ['tick']);
    await eventually(() => (client.received.at(-1)?.id ?? 0) > 30, 'more ticks than the buffer holds', 5_000);
    client.es.close();
    const raw = await curl(['-H', 'Last-Event-ID: 1', url('/api/sse/ticks', session)], 0.3);
    const gap = /event: gap\ndata: (.*)\n/.exec(raw);
    expect(gap, raw.slice(0, 300)).not.toBeNull();
    const info = JSON.parse(gap?.[1] ?? '{}') as { lastEventId: number; missedFrom: number; missedTo: number; missed: number };
    expect(info.lastEventId).toBe(1);
    expect(info.missedFrom).toBe(2);
    expect(info.missed).toBe(info.missedTo - 1);
    // After the gap, the held events follow without a hole.
    const ids = idsIn(raw);
    expect(ids[0]).toBe(info.missedTo + 1);
    expect(ids).toEqual(ids.map((_, i) => info.missedTo + 1 + i));
  });
});

describe('feed', () => {
  it('carries balance, transactions and alerts as event types over one connection; a POST is the way back', async () => {
    const session = await lab.newSession();
    const client = listen(url('/api/sse/feed', session, { conn: 'sse-feed' }), ['balance', 'transactions', 'alerts']);
    await client.opened;
    await eventually(() => client.received.filter((r) => r.type === 'balance').length === 2, 'the balance snapshot');

    const res = await lab.postJson('/api/sse/payments', session, { account: '123', amount: 600, description: 'New laptop' });
    expect(res.status).toBe(202);
    const ack = (await res.json()) as { transaction: string; eventIds: number[] };
    await eventually(() => client.received.some((r) => r.type === 'alerts'), 'the alert');
    client.es.close();

    const live = client.received.filter((r) => r.id > 0);
    expect(live.map((r) => r.type)).toEqual(['transactions', 'balance', 'alerts']);
    expect(live.map((r) => r.id)).toEqual(ack.eventIds);
    expect(JSON.parse(live[1]?.data ?? '{}')).toMatchObject({ account: '123', balance: 400, cause: 'payment' });
    expect(JSON.parse(live[0]?.data ?? '{}')).toMatchObject({ id: ack.transaction, amount: -600 });
    // One stream on the server's side of that session.
    const opens = (await lab.events(session)).events.filter((e) => e.kind === 'open' && e.protocol === 'sse');
    expect(opens).toHaveLength(1);
  });

  it('filters channels with ?channels= and sends keep-alive comments when nothing happens', async () => {
    const session = await lab.newSession();
    const raw = await curl([url('/api/sse/feed', session, { channels: 'alerts' })], 0.5);
    expect(raw).not.toContain('event: balance');
    expect(raw.match(/^: keep-alive$/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
  });
});

describe('backpressure', () => {
  /** A client that sends the request and then never reads: the server's writes pile up. */
  async function stalledClient(path: string) {
    const socket = net.connect(lab.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    socket.pause();
    return socket;
  }

  it('without a bound, the bytes Node buffers for a reader that stopped keep growing', async () => {
    const session = await lab.newSession();
    const socket = await stalledClient(`/api/sse/firehose?session=${session}&rate=500&size=16384&conn=sse-hose1`);
    const reports = await serverEvents(
      session,
      (e) => e.conn === 'sse-hose1' && e.kind === 'note' && Number(e.detail?.fields?.buffered) > 1024 * 1024,
      'a buffer above 1 MiB',
      3,
    );
    const sizes = reports.map((e) => Number(e.detail?.fields?.buffered));
    expect(sizes[2]).toBeGreaterThan(sizes[0] ?? 0);
    expect(reports.every((e) => e.detail?.fields?.dropped === 0)).toBe(true);
    socket.destroy();
  });

  it('with a bound, it drops and counts events instead of buffering past the bound', async () => {
    const session = await lab.newSession();
    const bound = 256 * 1024;
    const socket = await stalledClient(`/api/sse/firehose?session=${session}&rate=500&size=16384&bound=${bound}&conn=sse-hose2`);
    const reports = await serverEvents(
      session,
      (e) => e.conn === 'sse-hose2' && e.kind === 'note' && Number(e.detail?.fields?.dropped) > 50,
      'dropped events',
    );
    const last = reports.at(-1);
    // One event may overshoot the bound: the check happens before each write.
    expect(Number(last?.detail?.fields?.buffered)).toBeLessThan(bound + 17 * 1024);
    expect(Number(last?.detail?.fields?.peak)).toBeLessThan(bound + 17 * 1024);
    socket.destroy();
  });
});

describe('bad input', () => {
  it('answers a malformed or future Last-Event-ID and absurd retry values with a 400 a student can read', async () => {
    const session = await lab.newSession();
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ 'last-event-id': 'abc' }, '/api/sse/ticks', /Last-Event-ID must be/],
      [{ 'last-event-id': '999999' }, '/api/sse/ticks', /ahead of this stream/],
      [{}, '/api/sse/ticks?retry=5', /"retry" must be a whole number from 100 to 60000/],
      [{}, '/api/sse/ticks?retry=1e9', /"retry"/],
      [{}, '/api/sse/ticks?retry=abc', /"retry"/],
      [{}, '/api/sse/feed?channels=gossip', /"channels" can name balance, transactions, alerts/],
      [{}, '/api/sse/firehose?size=10', /"size"/],
    ];
    for (const [headers, path, detail] of cases) {
      const res = await lab.request(path, { session, headers });
      expect(res.status, path).toBe(400);
      expect((await problem(res)).detail).toMatch(detail);
    }
    const notJson = await lab.request('/api/sse/payments', {
      session,
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'pay me',
    });
    expect(notJson.status).toBe(415);
    const bad = await lab.request('/api/sse/payments', {
      session,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"account":',
    });
    expect(bad.status).toBe(400);
    for (const body of [{ account: '123', amount: -5 }, { account: '123', amount: 1.234 }, { account: 123, amount: 5 }, [1]]) {
      expect((await lab.postJson('/api/sse/payments', session, body)).status).toBe(400);
    }
    expect((await lab.postJson('/api/sse/payments', session, { account: '999', amount: 5 })).status).toBe(404);
  });

  it('answers HEAD with the stream headers and ends at once', async () => {
    const session = await lab.newSession();
    const res = await lab.request('/api/sse/ticks', { session, method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await eventually(async () => (await lab.events(session)).events.some((e) => e.kind === 'close'), 'the stream to end');
    expect(lab.server.lab.connections.count(session)).toBe(0);
  });

  it('refuses an unknown session with a 401 before any stream opens', async () => {
    const res = await lab.request('/api/sse/ticks', { session: '00000000-0000-4000-8000-000000000000' });
    expect(res.status).toBe(401);
    expect((await problem(res)).title).toBe('No lab session');
  });

  it('caps concurrent streams per session with a clear 429, and other sessions are untouched', async () => {
    const session = await lab.newSession();
    const other = await lab.newSession();
    const clients = Array.from({ length: 16 }, () => listen(url('/api/sse/feed', session), ['balance']));
    await Promise.all(clients.map((c) => c.opened));
    const refused = await lab.request('/api/sse/ticks', { session });
    expect(refused.status).toBe(429);
    expect((await problem(refused)).detail).toMatch(/already has 16 event streams open/);
    // A storm of further attempts changes nothing, and the server stays up for everyone.
    // Waves of 200 at once (more would overflow the listen backlog, a different lesson): 1000 attempts.
    for (let wave = 0; wave < 5; wave++) {
      const storm = await Promise.all(Array.from({ length: 200 }, () => lab.request('/api/sse/feed', { session })));
      expect(new Set(storm.map((r) => r.status))).toEqual(new Set([429]));
      await Promise.all(storm.map((r) => r.arrayBuffer()));
    }
    const theirs = await curl([url('/api/sse/feed', other)], 0.3);
    expect(theirs).toContain('event: balance');
    for (const c of clients) c.es.close();
    await eventually(async () => {
      const res = await lab.request('/api/sse/status', { session });
      return ((await res.json()) as { openStreams: number }).openStreams === 0;
    }, 'the streams to close');
  }, 30_000);
});

describe('faults and discovery', () => {
  it('lists sse and polling as drop targets in /api/lab/info', async () => {
    const info = (await (await lab.request('/api/lab/info')).json()) as { dropTargets: string[] };
    expect(info.dropTargets).toEqual(expect.arrayContaining(['sse', 'polling']));
  });

  it('injected latency delays each pushed event, in order, without stalling the stream', async () => {
    const session = await lab.newSession();
    await lab.postJson('/api/lab/faults', session, { action: 'latency', ms: 300 });
    const client = listen(url('/api/sse/ticks', session), ['tick']);
    await client.opened;
    const arrivals: number[] = [];
    client.es.addEventListener('tick', (e) => arrivals.push(performance.timeOrigin + performance.now() - JSON.parse(e.data).at));
    await eventually(() => arrivals.length >= 5, 'five delayed ticks', 10_000);
    await lab.postJson('/api/lab/faults', session, { action: 'clear' });
    const count = client.received.length;
    await eventually(() => client.received.length >= count + 5, 'ticks after clearing the fault');
    client.es.close();
    // Each delayed tick arrived at least 300 ms after it was produced; ids never went backwards.
    for (const delay of arrivals.slice(0, 5)) expect(delay).toBeGreaterThanOrEqual(300 - 2);
    const ids = client.received.map((r) => r.id);
    expect(ids).toEqual(ids.map((_, i) => (ids[0] ?? 0) + i));
  });
});

describe('isolation', () => {
  it("one session's drop and payments never reach another session's streams", async () => {
    const a = await lab.newSession();
    const b = await lab.newSession();
    const feedA = listen(url('/api/sse/feed', a), ['balance', 'transactions', 'alerts']);
    const ticksA = listen(url('/api/sse/ticks', a), ['tick']);
    await Promise.all([feedA.opened, ticksA.opened]);
    await lab.postJson('/api/sse/payments', b, { account: '123', amount: 10 });
    const dropped = await lab.postJson('/api/lab/faults', b, { action: 'drop', target: 'sse' });
    expect(await dropped.json()).toEqual({ dropped: 0 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(feedA.received.filter((r) => r.type === 'transactions')).toEqual([]);
    expect(ticksA.errors).toEqual([]);
    expect((await lab.events(a)).events.some((e) => e.kind === 'fault')).toBe(false);
    feedA.es.close();
    ticksA.es.close();
  });
});
