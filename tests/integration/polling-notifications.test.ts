/**
 * The polling endpoints with real HTTP clients: short polls answer at once,
 * long polls park without blocking anything, and a cursor means a dropped
 * long poll loses nothing.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Problem, startLab, type TestLab } from './helpers';

let lab: TestLab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());

interface Answer {
  notifications: { id: number; text: string; at: number }[];
  cursor: number;
  missed?: number;
  timedOut?: boolean;
}

const get = async (path: string, session: string): Promise<Answer> => {
  const res = await lab.request(path, { session });
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as Answer;
};
const stopSource = (session: string) => lab.postJson('/api/poll/source', session, { running: false });
const emit = async (session: string, text: string) => {
  const res = await lab.postJson('/api/poll/notifications', session, { text });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number };
};

describe('short polling', () => {
  it('answers at once, empty or not, and hands back the cursor for the next poll', async () => {
    const session = await lab.newSession();
    await stopSource(session);
    const start = await get('/api/poll/notifications', session);
    expect(start.notifications).toEqual([]);
    const empty = await get(`/api/poll/notifications?after=${start.cursor}`, session);
    expect(empty).toEqual({ notifications: [], cursor: start.cursor });
    await emit(session, 'one');
    await emit(session, 'two');
    const full = await get(`/api/poll/notifications?after=${start.cursor}`, session);
    expect(full.notifications.map((n) => n.text)).toEqual(['one', 'two']);
    expect(full.cursor).toBe(start.cursor + 2);
  });
});

describe('long polling', () => {
  it('parks until a notification arrives, then answers with it', async () => {
    const session = await lab.newSession();
    await stopSource(session);
    const { cursor } = await get('/api/poll/notifications', session);
    const parked = get(`/api/longpoll/notifications?after=${cursor}`, session);
    await eventually(
      async () => (await lab.events(session)).events.some((e) => e.summary.startsWith('long poll parked')),
      'the park',
    );
    // Meanwhile the server answers other requests: parking blocks nothing.
    expect((await get(`/api/poll/notifications?after=${cursor}`, session)).notifications).toEqual([]);
    const sent = await emit(session, 'wake up');
    const answer = await parked;
    expect(answer).toMatchObject({ cursor: sent.id, notifications: [{ id: sent.id, text: 'wake up' }] });
  });

  it('answers an empty timedOut answer after ?timeout=, and at once when something is already newer', async () => {
    const session = await lab.newSession();
    await stopSource(session);
    const { cursor } = await get('/api/poll/notifications', session);
    const timedOut = await get(`/api/longpoll/notifications?after=${cursor}&timeout=1000`, session);
    expect(timedOut).toEqual({ notifications: [], cursor, timedOut: true });
    await emit(session, 'already here');
    const immediate = await get(`/api/longpoll/notifications?after=${cursor}`, session);
    expect(immediate.notifications.map((n) => n.text)).toEqual(['already here']);
  });

  it('a drop while parked loses nothing: the client re-polls with the same cursor', async () => {
    const session = await lab.newSession();
    await stopSource(session);
    const { cursor } = await get('/api/poll/notifications', session);
    const parked = lab.request(`/api/longpoll/notifications?after=${cursor}`, { session });
    await eventually(() => lab.server.lab.connections.count(session) === 1 || undefined, 'the parked request');
    const dropped = await lab.postJson('/api/lab/faults', session, { action: 'drop', target: 'polling' });
    expect(await dropped.json()).toEqual({ dropped: 1 });
    await expect(parked).rejects.toThrow();
    // Produced while the client had no request out:
    await emit(session, 'while you were away');
    const again = await get(`/api/longpoll/notifications?after=${cursor}`, session);
    expect(again.notifications.map((n) => n.text)).toEqual(['while you were away']);
    const close = (await lab.events(session)).events.find((e) => e.kind === 'close' && e.protocol === 'polling');
    expect(close?.summary).toMatch(/dropped by a fault/);
  });

  it('caps parked polls per session with a 429', async () => {
    const session = await lab.newSession();
    await stopSource(session);
    const { cursor } = await get('/api/poll/notifications', session);
    const controller = new AbortController();
    const parked = Array.from({ length: 8 }, () =>
      lab.request(`/api/longpoll/notifications?after=${cursor}`, { session, signal: controller.signal }).catch(() => undefined),
    );
    await eventually(() => lab.server.lab.connections.count(session) === 8 || undefined, 'eight parked polls');
    const ninth = await lab.request(`/api/longpoll/notifications?after=${cursor}`, { session });
    expect(ninth.status).toBe(429);
    expect(((await ninth.json()) as Problem).detail).toMatch(/allows 8/);
    controller.abort();
    await Promise.all(parked);
    await eventually(() => lab.server.lab.connections.count(session) === 0 || undefined, 'the parked polls to go');
  });
});

describe('the same source, three ways', () => {
  it('short poll, long poll and the event stream all see the same notifications, in order', async () => {
    const session = await lab.newSession();
    await stopSource(session);
    const { cursor } = await get('/api/poll/notifications', session);
    const streamed = new Promise<string>((resolve) => {
      execFile('curl', ['-sN', '--max-time', '1.5', `${lab.base}/api/sse/notifications?session=${session}`], (_e, stdout) =>
        resolve(stdout),
      );
    });
    // The stream starts "from now": start the source once it is open, so all three see the same first one.
    await eventually(async () => (await lab.events(session)).events.some((e) => e.kind === 'open'), 'the stream to open');
    await lab.postJson('/api/poll/source', session, { running: true, meanIntervalMs: 100, seed: 7 });
    const long: number[] = [];
    let longCursor = cursor;
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline) {
      const answer = await get(`/api/longpoll/notifications?after=${longCursor}&timeout=1000`, session);
      long.push(...answer.notifications.map((n) => n.id));
      longCursor = answer.cursor;
    }
    await stopSource(session);
    const short = await get(`/api/poll/notifications?after=${cursor}`, session);
    const streamIds = [...(await streamed).matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(long.length).toBeGreaterThan(3);
    expect(long).toEqual(short.notifications.map((n) => n.id).slice(0, long.length));
    expect(streamIds.slice(0, 3)).toEqual(long.slice(0, 3));
  });

  it('the seed makes the sequence repeatable', async () => {
    const texts = async () => {
      const session = await lab.newSession();
      await lab.postJson('/api/poll/source', session, { running: false, seed: 99 });
      for (let i = 0; i < 5; i++) await lab.request('/api/poll/notifications', { session, method: 'POST' });
      return (await get('/api/poll/notifications?after=0', session)).notifications.map((n) => n.text);
    };
    expect(await texts()).toEqual(await texts());
  });
});

describe('bad input', () => {
  it('answers bad cursors, timeouts and settings with a 400 that says what is allowed', async () => {
    const session = await lab.newSession();
    await stopSource(session);
    const cases: [string, RegExp][] = [
      ['/api/poll/notifications?after=abc', /"after" must be the cursor/],
      ['/api/poll/notifications?after=-1', /"after" must be the cursor/],
      ['/api/poll/notifications?after=500', /ahead of your notifications/],
      ['/api/longpoll/notifications?timeout=5', /"timeout" must be a whole number from 1000 to 60000 ms/],
      ['/api/longpoll/notifications?timeout=9999999', /"timeout"/],
    ];
    for (const [path, detail] of cases) {
      const res = await lab.request(path, { session });
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as Problem).detail).toMatch(detail);
    }
    for (const body of [{ meanIntervalMs: 1 }, { running: 'yes' }, { seed: -1 }, { colour: 'red' }, 'hello']) {
      expect((await lab.postJson('/api/poll/source', session, body)).status).toBe(400);
    }
    expect((await lab.postJson('/api/poll/notifications', session, { text: '' })).status).toBe(400);
    expect((await lab.request('/api/poll/notifications')).status).toBe(401);
  });

  it("sessions don't see each other's notifications", async () => {
    const a = await lab.newSession();
    const b = await lab.newSession();
    await stopSource(a);
    await stopSource(b);
    await emit(a, 'for a only');
    expect((await get('/api/poll/notifications?after=0', b)).notifications).toEqual([]);
  });
});
