/**
 * The REST lesson's API with a plain HTTP client (fetch): verbs and status
 * codes, ETag/304 and Cache-Control, If-Match, Idempotency-Key, the two
 * instances behind the round-robin, and problem+json errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, expectProblem, startLab, type TestLab } from './helpers';

let lab: TestLab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());

const json = (session: string, method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  lab.request(path, {
    method,
    session,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const pay = (session: string, body: unknown, key?: string) =>
  json(session, 'POST', '/api/transactions', body, key ? { 'idempotency-key': key } : {});

const coffee = { accountId: '123', merchantId: 'm-coffee', amountCents: 350, description: 'Flat white' };

async function account(session: string, id = '123') {
  const res = await lab.request(`/api/accounts/${id}`, { session });
  expect(res.status).toBe(200);
  return (await res.json()) as { owner?: string; holderName?: string; balanceCents: number; currency: string; cards: unknown[] };
}

async function transactionCount(session: string, id = '123'): Promise<number> {
  const res = await lab.request(`/api/accounts/${id}/transactions`, { session });
  return ((await res.json()) as { transactions: unknown[] }).transactions.length;
}

describe('resources and status codes', () => {
  it('GET an account: 200 JSON with a strong ETag and no-cache', async () => {
    const session = await lab.newSession();
    const res = await lab.request('/api/accounts/123', { session });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]+-[\w+/=-]+"$/);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(await res.json()).toMatchObject({
      id: '123',
      owner: 'Ada Lovelace',
      balanceCents: 100_000,
      currency: 'EUR',
      cards: [{ id: 'c-1', last4: '4242', status: 'active' }],
      links: { transactions: '/api/accounts/123/transactions' },
    });
  });

  it('each resource has its own Cache-Control', async () => {
    const session = await lab.newSession();
    const merchant = await lab.request('/api/merchants/m-coffee', { session });
    expect(merchant.headers.get('cache-control')).toBe('private, max-age=60');
    expect(await merchant.json()).toMatchObject({ id: 'm-coffee', name: 'Corner Coffee' });
    const list = await lab.request('/api/accounts/123/transactions', { session });
    expect(list.headers.get('cache-control')).toBe('no-store');
    const body = (await list.json()) as { transactions: { id: string; merchantId: string }[] };
    expect(body.transactions.map((t) => t.id)).toEqual(['t-3', 't-2', 't-1']);
  });

  it('?limit=N on the statement returns only the latest N; a limit that is not 1 to 100 → 400', async () => {
    const session = await lab.newSession();
    for (let i = 0; i < 3; i++) expect((await pay(session, coffee)).status).toBe(201);
    const ids = async (query: string) => {
      const res = await lab.request(`/api/accounts/123/transactions${query}`, { session });
      expect(res.status, query).toBe(200);
      return ((await res.json()) as { transactions: { id: string }[] }).transactions.map((t) => t.id);
    };
    const all = await ids('');
    expect(all).toHaveLength(6);
    expect(await ids('?limit=2')).toEqual(all.slice(0, 2));
    expect(await ids('?limit=100')).toEqual(all);
    for (const bad of ['0', '-1', '101', '2.5', 'five', '', '1e2']) {
      const problem = await expectProblem(
        await lab.request(`/api/accounts/123/transactions?limit=${bad}`, { session }),
        400,
        'Invalid limit',
      );
      expect(problem.detail, bad).toContain('1 to 100');
    }
  });

  it('POST a payment: 201 + Location that resolves; the balance moves', async () => {
    const session = await lab.newSession();
    const res = await pay(session, coffee);
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; amountCents: number };
    expect(created.amountCents).toBe(-350);
    const location = res.headers.get('location') as string;
    expect(location).toBe(`/api/transactions/${created.id}`);
    const fetched = await lab.request(location, { session });
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toMatchObject({ id: created.id, description: 'Flat white' });
    expect((await account(session)).balanceCents).toBe(100_000 - 350);
    expect(await transactionCount(session)).toBe(4);
  });

  it('PUT replaces, PATCH merges; both are idempotent', async () => {
    const session = await lab.newSession();
    const current = await account(session);
    for (let i = 0; i < 3; i++) {
      const res = await json(session, 'PUT', '/api/accounts/123', { ...current, owner: 'Ada King', currency: 'GBP' });
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBeTruthy();
    }
    expect(await account(session)).toMatchObject({ owner: 'Ada King', currency: 'GBP', balanceCents: 100_000 });
    const patched = await json(
      session,
      'PATCH',
      '/api/accounts/123',
      { owner: 'Ada, Countess of Lovelace' },
      {
        'content-type': 'application/merge-patch+json',
      },
    );
    expect(patched.status).toBe(200);
    expect(await account(session)).toMatchObject({ owner: 'Ada, Countess of Lovelace', currency: 'GBP' });
  });

  it('PUT without every writable field → 422 pointing at PATCH', async () => {
    const session = await lab.newSession();
    const problem = await expectProblem(await json(session, 'PUT', '/api/accounts/123', { owner: 'X' }), 422);
    expect(problem.detail).toContain('PATCH');
  });

  it('changing a read-only field → 422 that says how money moves', async () => {
    const session = await lab.newSession();
    const problem = await expectProblem(await json(session, 'PATCH', '/api/accounts/123', { balanceCents: 1e9 }), 422);
    expect(problem.detail).toContain('POST /api/transactions');
    expect((await account(session)).balanceCents).toBe(100_000);
  });

  it('DELETE a card: 204, then 404 — the card stays gone either way', async () => {
    const session = await lab.newSession();
    const first = await lab.request('/api/accounts/123/cards/c-1', { method: 'DELETE', session });
    expect(first.status).toBe(204);
    expect(await first.text()).toBe('');
    const again = await expectProblem(await lab.request('/api/accounts/123/cards/c-1', { method: 'DELETE', session }), 404);
    expect(again.detail).toContain('idempotent');
    expect((await account(session)).cards).toEqual([]);
    // Another account's card is not reachable through this account.
    await expectProblem(await lab.request('/api/accounts/123/cards/c-2', { method: 'DELETE', session }), 404);
  });

  it('DELETE an account with money in it → 409; once empty → 204, then 404', async () => {
    const session = await lab.newSession();
    await expectProblem(await lab.request('/api/accounts/456', { method: 'DELETE', session }), 409, 'Account not empty');
    expect((await pay(session, { accountId: '456', amountCents: 25_000, description: 'Everything' })).status).toBe(201);
    expect((await lab.request('/api/accounts/456', { method: 'DELETE', session })).status).toBe(204);
    await expectProblem(await lab.request('/api/accounts/456', { session }), 404);
  });

  it('a payment larger than the balance → 409', async () => {
    const session = await lab.newSession();
    await expectProblem(await pay(session, { ...coffee, accountId: '456', amountCents: 25_001 }), 409, 'Insufficient funds');
  });

  it('a method the resource does not support → 405 with Allow', async () => {
    const session = await lab.newSession();
    const res = await lab.request('/api/accounts/123', { method: 'POST', session });
    await expectProblem(res, 405);
    expect(res.headers.get('allow')).toBe('GET, PUT, PATCH, DELETE');
    const merchant = await lab.request('/api/merchants/m-coffee', { method: 'DELETE', session });
    await expectProblem(merchant, 405);
    expect(merchant.headers.get('allow')).toBe('GET');
  });
});

describe('conditional requests', () => {
  it('If-None-Match with the current ETag → 304, empty body, same validators', async () => {
    const session = await lab.newSession();
    const first = await lab.request('/api/accounts/123', { session });
    const tag = first.headers.get('etag') as string;
    const second = await lab.request('/api/accounts/123', { session, headers: { 'if-none-match': tag } });
    expect(second.status).toBe(304);
    expect(await second.text()).toBe('');
    expect(second.headers.get('etag')).toBe(tag);
    expect(second.headers.get('cache-control')).toBe('private, no-cache');
    // The server's response event records 0 body bytes.
    const events = (await lab.events(session)).events;
    const notModified = events.filter((e) => e.origin === 'server' && e.kind === 'response' && e.detail?.status === 304);
    expect(notModified).toHaveLength(1);
    expect(notModified[0]?.bytes).toBe(0);
  });

  it('weak comparison (RFC 9110): W/"x" matches "x", lists and * work; a browser reload header does not defeat it', async () => {
    const session = await lab.newSession();
    const tag = (await lab.request('/api/merchants/m-books', { session })).headers.get('etag') as string;
    for (const header of [`W/${tag}`, `"nope", ${tag}`, '*']) {
      const res = await lab.request('/api/merchants/m-books', { session, headers: { 'if-none-match': header } });
      expect(res.status, header).toBe(304);
    }
    const withNoCache = await lab.request('/api/merchants/m-books', {
      session,
      headers: { 'if-none-match': tag, 'cache-control': 'no-cache', pragma: 'no-cache' },
    });
    expect(withNoCache.status).toBe(304);
    expect((await lab.request('/api/merchants/m-books', { session, headers: { 'if-none-match': '"other"' } })).status).toBe(200);
  });

  it('after a change the old ETag no longer matches: 200 with a new one', async () => {
    const session = await lab.newSession();
    const tag = (await lab.request('/api/accounts/123', { session })).headers.get('etag') as string;
    expect((await pay(session, coffee)).status).toBe(201);
    const res = await lab.request('/api/accounts/123', { session, headers: { 'if-none-match': tag } });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).not.toBe(tag);
  });

  it('If-Match: the write applies only to the version read (412 otherwise, with the current ETag)', async () => {
    const session = await lab.newSession();
    const tag = (await lab.request('/api/accounts/123', { session })).headers.get('etag') as string;
    // Someone else writes first.
    expect((await json(session, 'PATCH', '/api/accounts/123', { owner: 'Someone else' })).status).toBe(200);
    const stale = await json(session, 'PATCH', '/api/accounts/123', { owner: 'Me' }, { 'if-match': tag });
    const problem = await expectProblem(stale, 412, 'Precondition failed');
    const current = stale.headers.get('etag') as string;
    expect(problem.currentEtag).toBe(current);
    expect((await account(session)).owner).toBe('Someone else');
    // Weak tags never match If-Match (strong comparison), and the 412 says so rather than blaming a change.
    const weak = await expectProblem(
      await json(session, 'PATCH', '/api/accounts/123', { owner: 'Me' }, { 'if-match': `W/${current}` }),
      412,
    );
    expect(weak.detail).toContain('strong comparison');
    expect(weak.detail).not.toContain('changed');
    expect(weak.detail).toContain(current);
    expect(problem.detail).toContain('changed this resource since you read it');
    expect((await json(session, 'PATCH', '/api/accounts/123', { owner: 'Me' }, { 'if-match': current })).status).toBe(200);
    expect(
      (await lab.request('/api/accounts/123', { method: 'DELETE', session, headers: { 'if-match': '"stale"' } })).status,
    ).toBe(412);
  });
});

describe('Idempotency-Key', () => {
  it('same key + same body → the stored response, replayed; one transaction', async () => {
    const session = await lab.newSession();
    const first = await pay(session, coffee, 'key-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const original = await first.text();
    // Key order and whitespace don't make it a different request.
    const retry = await lab.request('/api/transactions', {
      method: 'POST',
      session,
      headers: { 'content-type': 'application/json', 'idempotency-key': 'key-1' },
      body: '{ "description": "Flat white", "amountCents": 350, "merchantId": "m-coffee", "accountId": "123" }',
    });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(await retry.text()).toBe(original);
    expect(await transactionCount(session)).toBe(4);
    expect((await account(session)).balanceCents).toBe(100_000 - 350);
  });

  it('same key + different body → 422', async () => {
    const session = await lab.newSession();
    expect((await pay(session, coffee, 'key-2')).status).toBe(201);
    const problem = await expectProblem(
      await pay(session, { ...coffee, amountCents: 999 }, 'key-2'),
      422,
      'Idempotency-Key reused',
    );
    expect(problem.detail).toContain('key-2');
    expect(await transactionCount(session)).toBe(4);
  });

  it('without a key, three POSTs make three transactions', async () => {
    const session = await lab.newSession();
    for (let i = 0; i < 3; i++) expect((await pay(session, coffee)).status).toBe(201);
    expect(await transactionCount(session)).toBe(6);
  });

  it('keys are scoped to the session', async () => {
    const a = await lab.newSession();
    const b = await lab.newSession();
    expect((await pay(a, coffee, 'shared-key')).headers.get('idempotent-replayed')).toBeNull();
    const inB = await pay(b, { ...coffee, amountCents: 100 }, 'shared-key');
    expect(inB.status).toBe(201);
    expect(inB.headers.get('idempotent-replayed')).toBeNull();
    expect(await transactionCount(a)).toBe(4);
    expect(await transactionCount(b)).toBe(4);
  });

  it('a key that is not a short visible token → 400', async () => {
    const session = await lab.newSession();
    await expectProblem(await pay(session, coffee, 'x'.repeat(300)), 400, 'Bad Idempotency-Key');
  });

  it('a failed attempt stores nothing: the same key can be retried once the cause is fixed', async () => {
    const session = await lab.newSession();
    await expectProblem(await pay(session, { ...coffee, accountId: '456', amountCents: 30_000 }, 'key-3'), 409);
    expect((await pay(session, { ...coffee, accountId: '456', amountCents: 300 }, 'key-3')).status).toBe(201);
  });
});

describe('two stateless instances', () => {
  it('requests alternate between A and B with identical bodies and ETags', async () => {
    const session = await lab.newSession();
    const seen: { instance: string | null; etag: string | null; body: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await lab.request('/api/accounts/123', { session });
      seen.push({ instance: res.headers.get('x-lab-instance'), etag: res.headers.get('etag'), body: await res.text() });
    }
    expect(seen.map((s) => s.instance)).toEqual(['A', 'B', 'A', 'B', 'A', 'B', 'A', 'B', 'A', 'B']);
    expect(new Set(seen.map((s) => s.etag)).size).toBe(1);
    expect(new Set(seen.map((s) => s.body)).size).toBe(1);
  });

  it('stopping A for one session sends that session everything to B, and nobody else notices', async () => {
    const session = await lab.newSession();
    const other = await lab.newSession();
    const stop = await json(session, 'PUT', '/api/rest/instances/A', { running: false });
    expect(await stop.json()).toEqual({
      instances: [
        { name: 'A', running: false },
        { name: 'B', running: true },
      ],
    });
    for (let i = 0; i < 4; i++) {
      const res = await lab.request('/api/accounts/123', { session });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-lab-instance')).toBe('B');
    }
    const others = [];
    for (let i = 0; i < 2; i++)
      others.push((await lab.request('/api/accounts/123', { session: other })).headers.get('x-lab-instance'));
    expect(others).toEqual(['A', 'B']);
    // A write served by B is read back by B (and by A once it is back): the state is in the database.
    expect((await pay(session, coffee)).headers.get('x-lab-instance')).toBe('B');
    await json(session, 'PUT', '/api/rest/instances/A', { running: true });
    const served = [];
    for (let i = 0; i < 2; i++) {
      const res = await lab.request('/api/accounts/123', { session });
      served.push(res.headers.get('x-lab-instance'));
      expect(((await res.json()) as { balanceCents: number }).balanceCents).toBe(100_000 - 350);
    }
    expect(new Set(served)).toEqual(new Set(['A', 'B']));
  });

  it('both stopped → 503 with Retry-After; bad instance names → 404/422', async () => {
    const session = await lab.newSession();
    await json(session, 'PUT', '/api/rest/instances/A', { running: false });
    await json(session, 'PUT', '/api/rest/instances/B', { running: false });
    const res = await lab.request('/api/accounts/123', { session });
    await expectProblem(res, 503, 'No instance running');
    expect(res.headers.get('retry-after')).toBe('5');
    await expectProblem(await json(session, 'PUT', '/api/rest/instances/C', { running: false }), 404);
    await expectProblem(await json(session, 'PUT', '/api/rest/instances/A', { running: 'no' }), 422);
  });
});

describe('deploy v2: the contract changes under the client', () => {
  it('v2 renames owner to holderName, for that session only', async () => {
    const session = await lab.newSession();
    const other = await lab.newSession();
    expect((await json(session, 'PUT', '/api/rest/deployment', { version: 2 })).status).toBe(200);
    const v2 = await account(session);
    expect(v2.owner).toBeUndefined();
    expect(v2.holderName).toBe('Ada Lovelace');
    expect((await account(other)).owner).toBe('Ada Lovelace');
    const problem = await expectProblem(await json(session, 'PATCH', '/api/accounts/123', { owner: 'X' }), 422);
    expect(problem.detail).toContain('holderName');
    await json(session, 'PUT', '/api/rest/deployment', { version: 1 });
    expect((await account(session)).owner).toBe('Ada Lovelace');
    await expectProblem(await json(session, 'PUT', '/api/rest/deployment', { version: 3 }), 422);
  });
});

describe('timeline', () => {
  it('every request and response is a server event with status line, headers and size', async () => {
    const session = await lab.newSession();
    await lab.request('/api/accounts/123', { session, headers: { 'x-lab-trace': 'trace-1' } });
    const events = await eventually(async () => {
      const all = (await lab.events(session)).events.filter((e) => e.stream === 'trace-1');
      return all.length >= 2 ? all : undefined;
    }, 'request and response events');
    const request = events.find((e) => e.kind === 'request');
    const response = events.find((e) => e.kind === 'response');
    expect(request).toMatchObject({ origin: 'server', protocol: 'rest', detail: { method: 'GET', url: '/api/accounts/123' } });
    expect(response).toMatchObject({ origin: 'server', protocol: 'rest', detail: { status: 200, statusText: 'OK' } });
    expect(response?.detail?.headers).toMatchObject({ 'x-lab-instance': 'A', 'cache-control': 'private, no-cache' });
    expect(response?.bytes).toBeGreaterThan(100);
  });
});

describe('a response lost after the commit', () => {
  it('dropping target rest mid-response kills the socket after the INSERT; the keyed retry is replayed, one transaction', async () => {
    const session = await lab.newSession();
    expect((await json(session, 'POST', '/api/lab/faults', { action: 'latency', ms: 400 })).status).toBe(200);
    const attempt = pay(session, coffee, 'lost-1')
      .then(async (res) => ({ status: res.status, body: await res.text() }))
      .catch((error: unknown) => ({ error }));
    // Wait for the commit, then drop the in-flight request from the server side.
    await eventually(
      async () =>
        (await lab.events(session)).events.some(
          (e) => e.origin === 'db' && /^INSERT INTO transactions/.test(e.detail?.sql ?? ''),
        ),
      'the INSERT',
    );
    const drop = await json(session, 'POST', '/api/lab/faults', { action: 'drop', target: 'rest' });
    expect(await drop.json()).toEqual({ dropped: 1 });
    // The client saw the status line, then the connection died mid-body.
    expect(await attempt).toMatchObject({ error: expect.any(TypeError) });
    const events = (await lab.events(session)).events;
    expect(events.some((e) => e.origin === 'server' && e.kind === 'error' && e.detail?.url === '/api/transactions')).toBe(true);
    expect(events.some((e) => e.origin === 'server' && e.kind === 'response' && e.detail?.url === '/api/transactions')).toBe(
      false,
    );

    await json(session, 'POST', '/api/lab/faults', { action: 'clear' });
    const retry = await pay(session, coffee, 'lost-1');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await transactionCount(session)).toBe(4);
  });

  it("a drop only reaches the dropping session's requests", async () => {
    const session = await lab.newSession();
    const other = await lab.newSession();
    await json(other, 'POST', '/api/lab/faults', { action: 'latency', ms: 300 });
    const slow = lab.request('/api/accounts/123', { session: other });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await (await json(session, 'POST', '/api/lab/faults', { action: 'drop', target: 'rest' })).json()).toEqual({
      dropped: 0,
    });
    expect((await slow).status).toBe(200);
  });
});
