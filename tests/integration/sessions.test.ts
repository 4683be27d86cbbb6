import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Problem, startLab, type TestLab } from './helpers';
import { refusedUpgrade } from './ws-client';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let lab: TestLab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());

async function expectNoSessionProblem(res: Response): Promise<Problem> {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await res.json()) as Problem;
  expect(problem).toMatchObject({
    type: 'about:blank',
    status: 401,
    title: 'No lab session',
    howToFix: 'POST /api/lab/sessions',
  });
  // The detail tells a student how to get a session, not just that they lack one.
  expect(problem.detail).toContain('POST');
  expect(problem.detail).toContain('/api/lab/sessions');
  expect(problem.detail).toContain('X-Lab-Session');
  return problem;
}

describe('creating sessions', () => {
  it('POST /api/lab/sessions answers 201 with a fresh uuid and a Location where its events are', async () => {
    const res = await lab.request('/api/lab/sessions', { method: 'POST' });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(UUID);
    expect(res.headers.get('location')).toBe(`/api/lab/sessions/${id}/events`);
    const events = await lab.request(res.headers.get('location') as string, { session: id });
    expect(events.status).toBe(200);
    expect(await lab.newSession()).not.toBe(id);
  });

  it('a new session can be used right away and starts with the seeded bank', async () => {
    const id = await lab.newSession();
    const res = await lab.request('/api/intro/accounts/123', { session: id });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: '123', owner: 'Ada Lovelace', balance: 1000, currency: 'EUR' });
  });

  it('GET /api/lab/session creates a session with an HttpOnly cookie when the request names none', async () => {
    const res = await lab.request('/api/lab/session');
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; created: boolean };
    expect(body.created).toBe(true);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`lab_session=${body.id}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // The cookie outlives the idle timeout by far: the server, not the cookie, decides when a session ends.
    expect(cookie).toContain('Max-Age=604800');

    // Sending the cookie back names the same session, no new one is made, and the cookie is set again
    // (a page in use keeps naming its session however long the lesson runs).
    const again = await lab.request('/api/lab/session', { headers: { cookie: `lab_session=${body.id}` } });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id: body.id, created: false });
    expect(again.headers.get('set-cookie')).toBe(cookie);
  });
});

describe('starting over', () => {
  it('POST /api/lab/session gives this browser a fresh session and cookie, and leaves the old one alone', async () => {
    const old = await lab.newSession();
    const res = await lab.request('/api/lab/session', {
      method: 'POST',
      headers: { cookie: `lab_session=${old}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(201);
    const { id, created } = (await res.json()) as { id: string; created: boolean };
    expect(created).toBe(true);
    expect(id).toMatch(UUID);
    expect(id).not.toBe(old);
    expect(res.headers.get('set-cookie')).toContain(`lab_session=${id}`);
    // A fresh seeded bank for the new one; the old one still answers until it expires.
    expect((await lab.request('/api/intro/accounts/123', { session: id })).status).toBe(200);
    expect((await lab.request('/api/intro/accounts/123', { session: old })).status).toBe(200);
  });

  it('refuses a body that is not JSON (a cross-site form cannot swap a session)', async () => {
    const res = await lab.request('/api/lab/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x=1',
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('set-cookie')).toBeNull();
    const malformed = await lab.request('/api/lab/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { title: string }).title).toBe('Malformed JSON');
  });
});

describe('requests without a live session', () => {
  it('401 problem+json naming how to get a session when no session is sent', async () => {
    await expectNoSessionProblem(await lab.request('/api/intro/accounts/123'));
  });

  it('401 for a well-formed but unknown session id', async () => {
    await expectNoSessionProblem(await lab.request('/api/intro/accounts/123', { session: crypto.randomUUID() }));
  });

  it('401 for a session id that is not even a uuid', async () => {
    await expectNoSessionProblem(await lab.request('/api/intro/accounts/123', { session: "'; DROP TABLE sessions; --" }));
  });

  it('401 on POST endpoints too, before the body is looked at', async () => {
    const res = await lab.request('/api/lab/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"action":"clear"}',
    });
    await expectNoSessionProblem(res);
  });

  it('a WebSocket upgrade without a live session is refused with 401 problem+json', async () => {
    const refused = await refusedUpgrade(`${lab.wsBase}/api/intro/echo?session=${crypto.randomUUID()}`);
    expect(refused.status).toBe(401);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(refused.body)).toMatchObject({ status: 401, title: 'No lab session' });
  });
});

describe('naming the session: header, cookie or ?session=', () => {
  let id: string;
  beforeAll(async () => {
    id = await lab.newSession();
  });

  it('accepts the X-Lab-Session header', async () => {
    expect((await lab.request('/api/intro/accounts/123', { headers: { 'X-Lab-Session': id } })).status).toBe(200);
  });

  it('accepts the lab_session cookie', async () => {
    const res = await lab.request('/api/intro/accounts/123', { headers: { cookie: `theme=dark; lab_session=${id}` } });
    expect(res.status).toBe(200);
  });

  it('accepts ?session= in the query string', async () => {
    expect((await lab.request(`/api/intro/accounts/123?session=${id}`)).status).toBe(200);
  });

  it('accepts the cookie and ?session= on WebSocket upgrades', async () => {
    const byCookie = await lab.socket('/api/intro/echo', { headers: { cookie: `lab_session=${id}` } });
    expect(byCookie.isOpen).toBe(true);
    const byQuery = await lab.socket('/api/intro/echo', { session: id });
    expect(byQuery.isOpen).toBe(true);
    byCookie.terminate();
    byQuery.terminate();
  });

  it('the header wins over the cookie, and the cookie over the query string', async () => {
    const other = await lab.newSession();
    const before = { id: (await lab.events(id)).lastSeq, other: (await lab.events(other)).lastSeq };

    // Header names `id`, cookie names `other`: the exchange (4 events, with a trace id as the pages send) lands on `id`'s timeline.
    const trace = { 'x-lab-trace': 'naming-test' };
    await lab.request('/api/intro/accounts/123', {
      headers: { ...trace, 'x-lab-session': id, cookie: `lab_session=${other}` },
    });
    expect((await lab.events(id)).lastSeq).toBe(before.id + 4);
    expect((await lab.events(other)).lastSeq).toBe(before.other);

    // Cookie names `other`, query names `id`: it lands on `other`'s.
    await lab.request(`/api/intro/accounts/123?session=${id}`, { headers: { ...trace, cookie: `lab_session=${other}` } });
    expect((await lab.events(other)).lastSeq).toBe(before.other + 4);
    expect((await lab.events(id)).lastSeq).toBe(before.id + 4);
  });

  it('an unknown session in the header is not rescued by a valid cookie', async () => {
    const res = await lab.request('/api/intro/accounts/123', {
      headers: { 'x-lab-session': crypto.randomUUID(), cookie: `lab_session=${id}` },
    });
    await expectNoSessionProblem(res);
  });
});
