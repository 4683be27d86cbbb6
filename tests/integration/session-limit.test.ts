import { afterEach, describe, expect, it } from 'vitest';
import { eventually, expectProblem, startLab, type TestLab } from './helpers';
import { refusedUpgrade } from './ws-client';

/** 40 a minute: a token every 1.5 s, short enough for a test, long enough that the checks run while refused. */
const PER_MINUTE = 40;
const TOKEN_MS = 60_000 / PER_MINUTE;

let lab: TestLab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

const postSession = (l: TestLab, headers: Record<string, string> = {}) =>
  l.request('/api/lab/sessions', { method: 'POST', headers });

async function expectTooMany(res: Response): Promise<number> {
  const retryAfter = res.headers.get('retry-after');
  const problem = await expectProblem(res, 429, 'Too many new sessions');
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  const seconds = Number(retryAfter);
  expect(seconds).toBeLessThanOrEqual(Math.ceil(TOKEN_MS / 1000));
  expect(problem.retryAfterSeconds).toBe(seconds);
  expect(problem.detail).toContain(`Try again in ${seconds} s`);
  expect(problem.detail).toContain('X-Lab-Session');
  return seconds;
}

describe('the limit on creating sessions (per client address)', () => {
  it('refuses the 4th new session with a burst of 3, serves existing sessions meanwhile, and allows one again after the refill', async () => {
    const l = await startLab({ sessionsPerMinute: PER_MINUTE, sessionBurst: 3 });
    lab = l;
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await postSession(l);
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const [first] = ids as [string];

    // The 4th, and every other way of creating one, is refused; a made-up X-Forwarded-For doesn't help.
    await expectTooMany(await postSession(l));
    await expectTooMany(await postSession(l, { 'x-forwarded-for': '203.0.113.9' }));
    const noCookie = await l.request('/api/lab/session');
    expect(noCookie.headers.get('set-cookie')).toBeNull();
    await expectTooMany(noCookie);
    await expectTooMany(
      await l.request('/api/lab/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    );

    // A request without a session is told why reloading won't help yet (the widgets show this detail).
    const noSession = await expectProblem(await l.request('/api/intro/accounts/123'), 401, 'No lab session');
    expect(noSession.detail).toMatch(/may not create a new session.*Try again in \d+ s/);
    expect(noSession.retryAfterSeconds).toBeGreaterThan(0);
    const refusedSocket = await refusedUpgrade(`${l.wsBase}/api/intro/echo`);
    expect(refusedSocket.status).toBe(401);
    expect(JSON.parse(refusedSocket.body).detail).toContain('Try again in');

    // Existing sessions are never limited.
    for (let i = 0; i < 5; i++) expect((await l.touchAccount(first)).status).toBe(200);
    const current = await l.request('/api/lab/session', { session: first });
    expect(current.status).toBe(200);
    expect(await current.json()).toEqual({ id: first, created: false });
    expect((await l.postJson('/api/lab/faults', first, { action: 'clear' })).status).toBe(200);
    expect((await l.events(first)).events.length).toBeGreaterThan(0);
    const channel = await l.channel(first);
    channel.terminate();

    // Refused attempts took nothing: a token comes back one refill interval after the first take.
    const created = await eventually(async () => {
      const res = await postSession(l);
      if (res.status === 429) {
        await res.arrayBuffer();
        return false;
      }
      return res;
    }, 'a new session once a token is back');
    expect(created.status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(TOKEN_MS - 100);
    // ... one token only.
    await expectTooMany(await postSession(l));

    // The server is still up, and the first session is still whole.
    expect((await l.request('/api/lab/info')).status).toBe(200);
    expect((await l.touchAccount(first)).status).toBe(200);
  });

  it('ignores X-Forwarded-For unless LAB_TRUST_PROXY says the lab runs behind a proxy; then counts its last entry', async () => {
    const l = await startLab({ sessionsPerMinute: 1, sessionBurst: 1, trustProxy: true });
    lab = l;
    const from = (address: string) => postSession(l, { 'x-forwarded-for': `198.51.100.1, ${address}` });
    expect((await from('192.0.2.1')).status).toBe(201);
    expect((await from('192.0.2.2')).status).toBe(201);
    const refused = await from('192.0.2.1');
    expect(refused.status).toBe(429);
    expect((await refused.json()).detail).toContain('192.0.2.1');
  });

  it('LAB_SESSIONS_PER_MINUTE=0 turns the limit off', async () => {
    const l = await startLab({ sessionsPerMinute: 0, sessionBurst: 1 });
    lab = l;
    for (let i = 0; i < 20; i++) expect((await postSession(l)).status).toBe(201);
  });
});
