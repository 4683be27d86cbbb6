/**
 * The router answers every failure itself, whether a handler throws at once,
 * rejects later, or the body is refused, and the server keeps serving.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLab, type Lab } from '../lab';
import { configFromEnv } from '../lab/config';
import { HttpError, sendJson } from './errors';
import { createRouter, type Route } from './router';
import { TappedResponse } from './tap';
import { RequestTarget } from './target';

let lab: Lab;
let server: Server;
let base: string;
let session: string;

const routes: Route[] = [
  {
    method: 'GET',
    path: '/api/t/sync-refusal',
    access: 'session',
    handler: () => {
      throw new HttpError(409, 'Conflict here', 'A refusal thrown before any await.');
    },
  },
  {
    method: 'GET',
    path: '/api/t/sync-bug',
    access: 'session',
    handler: () => {
      throw new Error('a bug thrown before any await');
    },
  },
  {
    method: 'GET',
    path: '/api/t/async-bug',
    access: 'session',
    handler: async () => {
      await Promise.resolve();
      throw new Error('a bug after an await');
    },
  },
  {
    method: 'POST',
    path: '/api/t/echo',
    access: 'session',
    tap: 'rest',
    handler: (ctx) => {
      sendJson(ctx.res, 200, { bytes: ctx.body.length });
    },
  },
  {
    method: 'POST',
    path: '/api/t/public',
    access: 'public',
    handler: (ctx) => {
      sendJson(ctx.res, 200, { bytes: ctx.body.length, session: ctx.sessionId ?? null });
    },
  },
];

beforeAll(async () => {
  lab = createLab({ ...configFromEnv({}), dbPath: ':memory:', maxBodyBytes: 1024 });
  session = lab.sessions.create();
  const router = createRouter(lab, routes, []);
  server = createServer({ ServerResponse: TappedResponse }, (req, res) =>
    router.handle(req, res, new RequestTarget(req.url ?? '/')),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  lab.close();
});

const get = (path: string, headers: Record<string, string> = { 'x-lab-session': session }) =>
  fetch(`${base}${path}`, { headers });
const post = (path: string, body: string, headers: Record<string, string> = { 'x-lab-session': session }) =>
  fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

describe('router', () => {
  it('answers an HttpError thrown at once as problem+json', async () => {
    const res = await get('/api/t/sync-refusal');
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ title: 'Conflict here' });
  });

  it('answers a bug, thrown at once or after an await, with a logged 500, and keeps serving', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const path of ['/api/t/sync-bug', '/api/t/async-bug']) {
        const res = await get(path);
        expect(res.status).toBe(500);
        expect(await res.json()).toMatchObject({ title: 'Lab error' });
      }
      expect(logged).toHaveBeenCalledTimes(2);
    } finally {
      logged.mockRestore();
    }
    expect((await post('/api/t/echo', '{}')).status).toBe(200);
  });

  it('refuses unknown paths, wrong methods, missing sessions and oversized bodies', async () => {
    expect((await get('/api/t/nothing')).status).toBe(404);
    const wrong = await post('/api/t/sync-bug', '{}');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect((await get('/api/t/sync-refusal', {})).status).toBe(401);
    expect((await post('/api/t/echo', 'x'.repeat(2048))).status).toBe(413);
    expect((await post('/api/t/public', 'x'.repeat(2048), {})).status).toBe(413);
    expect(await (await post('/api/t/echo', '{"a":1}')).json()).toEqual({ bytes: 7 });
  });

  it("puts a 404 or 405 on the session's timeline, under the protocol of the path's other routes", async () => {
    const before = lab.events.lastSeq(session);
    expect((await get('/api/t/echo')).status).toBe(405);
    expect((await get('/api/t/nowhere')).status).toBe(404);
    const events = lab.events
      .after(session, before)
      .events.filter((e) => e.origin === 'server' && (e.kind === 'request' || e.kind === 'response'));
    expect(events.map((e) => [e.protocol, e.kind, e.detail?.status ?? e.detail?.method])).toEqual([
      ['rest', 'request', 'GET'],
      ['rest', 'response', 405],
      ['http', 'request', 'GET'],
      ['http', 'response', 404],
    ]);
    expect(events[1]?.detail?.headers?.allow).toBe('POST');
    // Without a live session there is no timeline to put it on, and nothing else changes.
    expect((await get('/api/t/nowhere', { 'x-lab-session': 'not-a-session' })).status).toBe(404);
  });

  it('reads the body for public routes too, with or without a session', async () => {
    expect(await (await post('/api/t/public', '{}', {})).json()).toEqual({ bytes: 2, session: null });
    expect(await (await post('/api/t/public', '{}')).json()).toEqual({ bytes: 2, session });
  });

  it('waits out a latency fault on tapped routes before the handler runs', async () => {
    lab.faults.setLatency(session, 150);
    try {
      const started = performance.now();
      expect((await post('/api/t/echo', '{}')).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      lab.faults.setLatency(session, 0);
    }
  });
});
