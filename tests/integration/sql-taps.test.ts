import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelEvents, seqs, startLab, type TestLab } from './helpers';

let lab: TestLab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());

describe('GET /api/intro/accounts/123 on the timeline', () => {
  it('logs server request, two db queries with their SQL and duration, then the server response, in seq order', async () => {
    const session = await lab.newSession();
    const res = await lab.request('/api/intro/accounts/123', { session, headers: { 'x-lab-trace': 'req-abc123' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { recentTransactions: unknown[] };
    expect(body.recentTransactions).toHaveLength(3);

    const { events } = await lab.events(session);
    expect(seqs(events)).toEqual([1, 2, 3, 4]);
    const [request, accountQuery, txQuery, response] = events;

    expect(request).toMatchObject({
      origin: 'server',
      protocol: 'http',
      kind: 'request',
      dir: 'in',
      stream: 'req-abc123',
      detail: { method: 'GET', url: '/api/intro/accounts/123' },
    });
    expect(request?.detail?.headers?.['x-lab-session']).toBe(session);

    for (const query of [accountQuery, txQuery]) {
      expect(query).toMatchObject({ origin: 'db', protocol: 'sql', kind: 'query' });
      expect(query?.detail?.durationMs).toEqual(expect.any(Number));
      expect(query?.detail?.durationMs).toBeGreaterThanOrEqual(0);
      expect(query?.detail?.params).toEqual(['123']);
    }
    expect(accountQuery?.detail?.sql).toMatch(/^SELECT id, owner, balance_cents, currency FROM accounts WHERE/);
    expect(accountQuery?.detail?.rows).toBe(1);
    expect(txQuery?.detail?.sql).toMatch(/FROM transactions t LEFT JOIN merchants m/);
    expect(txQuery?.detail?.rows).toBe(3);
    // The SQL shown is the statement that ran, with the session bound as a parameter, not pasted in.
    expect(accountQuery?.detail?.sql).toContain(':session');
    expect(accountQuery?.detail?.sql).not.toContain(session);

    expect(response).toMatchObject({
      origin: 'server',
      protocol: 'http',
      kind: 'response',
      dir: 'out',
      stream: 'req-abc123',
      detail: { method: 'GET', status: 200, statusText: 'OK' },
    });
    expect(response?.detail?.headers?.['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response?.detail?.body ?? '')).toEqual(body);
    expect(response?.bytes).toBe(Buffer.byteLength(JSON.stringify(body)));
    expect(response?.detail?.durationMs).toBeGreaterThanOrEqual(0);

    // Times follow the sequence: the request arrived before the queries ran, the response left last.
    const times = events.map((e) => e.at);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });

  it('an unknown account runs one query (0 rows) and logs the 404 response', async () => {
    const session = await lab.newSession();
    const res = await lab.request('/api/intro/accounts/999', { session, headers: { 'x-lab-trace': 'req-404' } });
    expect(res.status).toBe(404);
    const { events } = await lab.events(session);
    expect(events.map((e) => `${e.origin}:${e.kind}`)).toEqual(['server:request', 'db:query', 'server:response']);
    expect(events[1]?.detail?.rows).toBe(0);
    expect(events[2]?.detail?.status).toBe(404);
  });

  it('a terminal client (no trace header, not a browser) gets a terminal-side request event first', async () => {
    const session = await lab.newSession();
    await lab.request('/api/intro/accounts/999', { session, headers: { 'user-agent': 'curl/8.14.1' } });
    const { events } = await lab.events(session);
    expect(events.map((e) => `${e.origin}:${e.kind}`)).toEqual([
      'terminal:request',
      'server:request',
      'db:query',
      'server:response',
    ]);
    expect(events[0]).toMatchObject({ dir: 'out', summary: 'curl/8.14.1: GET /api/intro/accounts/999' });

    // A browser (its User-Agent starts with Mozilla/) is not a terminal, even without a trace header.
    const browser = await lab.newSession();
    await lab.request('/api/intro/accounts/999', { session: browser, headers: { 'user-agent': 'Mozilla/5.0 (X11)' } });
    expect((await lab.events(browser)).events.map((e) => e.origin)).not.toContain('terminal');
  });

  it('the lab channel carries the same four events, in the same order', async () => {
    const session = await lab.newSession();
    const channel = await lab.channel(session);
    await lab.touchAccount(session);
    await channel.waitFor((m) => channelEvents(m).length >= 4, 'four events on the channel');
    const pushed = channelEvents(channel.messages);
    const logged = (await lab.events(session)).events;
    expect(pushed).toEqual(logged);
  });

  it('untapped lab plumbing (sessions, info, faults) adds no request/response events', async () => {
    const session = await lab.newSession();
    await lab.request('/api/lab/info', { session });
    await lab.request('/api/lab/session', { session });
    await lab.events(session);
    expect((await lab.events(session)).events).toEqual([]);
  });
});

describe('with recording off (recordHttpAndSql: false, the REST benchmark baseline)', () => {
  it('answers the same and records neither the exchange nor its statements', async () => {
    const quiet = await startLab({ recordHttpAndSql: false });
    try {
      const session = await quiet.newSession();
      const res = await quiet.request('/api/accounts/123', { session });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toMatch(/^"/);
      const { events } = await quiet.events(session);
      expect(events.filter((e) => e.protocol === 'rest' || e.protocol === 'sql')).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});
