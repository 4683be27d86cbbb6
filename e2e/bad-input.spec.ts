/**
 * The production server (Next.js in front) takes a batch of malformed requests
 * and keeps serving: every answer is a readable problem document, and another
 * session's data, log and WebSocket are untouched.
 */
import WebSocket from 'ws';
import { expect, type LabHelpers, test } from './fixtures';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

type ApiResponse = Awaited<ReturnType<Awaited<ReturnType<LabHelpers['api']>>['get']>>;

async function expectProblem(res: ApiResponse, status: number): Promise<Problem> {
  expect(res.status(), `${res.url()}`).toBe(status);
  expect(res.headers()['content-type']).toMatch(/^application\/problem\+json/);
  const problem = (await res.json()) as Problem;
  expect(problem).toMatchObject({ type: 'about:blank', status });
  expect(problem.detail.length).toBeGreaterThan(10);
  return problem;
}

/** Opens a WebSocket; resolves when open, rejects with the HTTP status if refused. */
function openSocket(url: string): Promise<{ ws: WebSocket; messages: string[]; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: string[] = [];
    const closed = new Promise<number>((done) => ws.once('close', (code) => done(code)));
    ws.on('message', (data) => messages.push(data.toString()));
    ws.once('open', () => resolve({ ws, messages, closed }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`HTTP ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
}

test('malformed requests get problem answers; the server and another session are unaffected', async ({ lab, request }) => {
  const wsBase = lab.baseURL.replace(/^http/, 'ws');

  // The bystander: a session with a live echo socket and some history.
  const bystander = await lab.api();
  const echo = await openSocket(`${wsBase}/api/intro/echo?session=${bystander.sessionId}`);
  expect((await bystander.get('/api/intro/accounts/123')).status()).toBe(200);
  const before = (await (await bystander.get(`/api/lab/sessions/${bystander.sessionId}/events`)).json()) as {
    lastSeq: number;
  };

  const attacker = await lab.api();
  const faults = '/api/lab/faults';

  await test.step('malformed JSON → 400', async () => {
    const res = await attacker.post(faults, { headers: { 'content-type': 'application/json' }, data: Buffer.from('{"action":') });
    expect((await expectProblem(res, 400)).title).toBe('Malformed JSON');
  });

  await test.step('wrong content type → 415', async () => {
    const res = await attacker.post(faults, {
      headers: { 'content-type': 'text/plain' },
      data: Buffer.from('{"action":"clear"}'),
    });
    expect((await expectProblem(res, 415)).detail).toContain('application/json');
  });

  await test.step('unknown fault action and drop target → 400 listing the valid ones', async () => {
    const action = await expectProblem(await attacker.post(faults, { data: { action: 'explode' } }), 400);
    expect(action.validActions).toEqual(['drop', 'latency', 'clear']);
    const target = await expectProblem(await attacker.post(faults, { data: { action: 'drop', target: 'toaster' } }), 400);
    expect(target.validTargets).toContain('websocket');
  });

  await test.step('2 MB body → 413', async () => {
    const res = await attacker.post(faults, {
      headers: { 'content-type': 'application/json' },
      data: Buffer.alloc(2 * 1024 * 1024, 'x'),
    });
    expect((await expectProblem(res, 413)).limit).toBe(1024 * 1024);
  });

  await test.step('unknown /api/ route → 404 JSON, not a Next.js page', async () => {
    await expectProblem(await request.get('/api/no/such/thing'), 404);
    await expectProblem(await request.post('/api/lab/nope', { data: {} }), 404);
  });

  await test.step('wrong method → 405 with Allow', async () => {
    const res = await request.delete('/api/lab/info');
    await expectProblem(res, 405);
    expect(res.headers().allow).toBe('GET');
  });

  await test.step('no session / unknown session → 401 naming how to get one', async () => {
    const none = await expectProblem(await request.get('/api/intro/accounts/123'), 401);
    expect(none.detail).toContain('/api/lab/sessions');
    await expectProblem(await request.get('/api/intro/accounts/123', { headers: { 'x-lab-session': crypto.randomUUID() } }), 401);
  });

  await test.step('reading another session’s events → 404', async () => {
    await expectProblem(await attacker.get(`/api/lab/sessions/${bystander.sessionId}/events`), 404);
  });

  await test.step('dropping websockets in another session drops nothing of theirs', async () => {
    const res = await attacker.post(faults, { data: { action: 'drop', target: 'all' } });
    expect(await res.json()).toEqual({ dropped: 0 });
  });

  await test.step('garbage WebSocket upgrade paths → 404', async () => {
    for (const path of ['/api/no/such/socket', '/api/lab/channelz']) {
      await expect(openSocket(`${wsBase}${path}?session=${attacker.sessionId}`)).rejects.toThrow('HTTP 404');
    }
    await expect(openSocket(`${wsBase}/api/intro/echo?session=${crypto.randomUUID()}`)).rejects.toThrow('HTTP 401');
  });

  await test.step('the server still answers, pages included', async () => {
    const info = await request.get('/api/lab/info');
    expect(info.status()).toBe(200);
    expect(await info.json()).toMatchObject({ name: 'api-patterns-lab' });
    const home = await request.get('/', { headers: { accept: 'text/html' } });
    expect(home.status()).toBe(200);
    expect(home.headers()['content-type']).toContain('text/html');
  });

  await test.step("the bystander's socket, data and log are untouched", async () => {
    expect(echo.ws.readyState).toBe(WebSocket.OPEN);
    echo.ws.send('still there?');
    await expect.poll(() => echo.messages).toContain('still there?');

    const account = await bystander.get('/api/intro/accounts/123');
    expect(await account.json()).toMatchObject({ owner: 'Ada Lovelace', balance: 1000 });

    const after = (await (await bystander.get(`/api/lab/sessions/${bystander.sessionId}/events`)).json()) as {
      events: { seq: number; kind: string; origin: string }[];
    };
    const since = after.events.filter((e) => e.seq > before.lastSeq).map((e) => `${e.origin}:${e.kind}`);
    // Only its own echo (in + out) and account read (request, 2 queries, response).
    expect(since).toEqual(['server:message', 'server:message', 'server:request', 'db:query', 'db:query', 'server:response']);
  });

  echo.ws.close();
  await echo.closed;
});

test('a page request gets a session cookie before Next renders it', async ({ request }) => {
  const res = await request.get('/', { headers: { accept: 'text/html' } });
  expect(res.status()).toBe(200);
  const cookie = res.headers()['set-cookie'] ?? '';
  expect(cookie).toMatch(/lab_session=[0-9a-f-]{36}/);
  expect(cookie).toMatch(/HttpOnly/i);
  const id = /lab_session=([0-9a-f-]{36})/.exec(cookie)?.[1];
  const session = await request.get('/api/lab/session', { headers: { cookie: `lab_session=${id}` } });
  expect(await session.json()).toEqual({ id, created: false });
});
