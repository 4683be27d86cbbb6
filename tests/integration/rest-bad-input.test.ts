/**
 * The REST API under bad input: every malformed or hostile request gets a
 * clear 4xx problem document, the server stays up, and another session's
 * bank and timeline are untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startLab, type TestLab } from './helpers';

let lab: TestLab;
let attacker: string;
let bystander: string;
let bystanderSeq: number;
let bystanderAccount: string;

beforeAll(async () => {
  lab = await startLab();
  attacker = await lab.newSession();
  bystander = await lab.newSession();
  bystanderAccount = await (await lab.request('/api/accounts/123', { session: bystander })).text();
  bystanderSeq = (await lab.events(bystander)).lastSeq;
});
afterAll(() => lab.close());

const send = (
  method: string,
  path: string,
  body?: BodyInit,
  contentType = 'application/json',
  headers: Record<string, string> = {},
) =>
  lab.request(path, {
    method,
    session: attacker,
    headers: body === undefined ? headers : { 'content-type': contentType, ...headers },
    body,
  });

const payment = (overrides: Record<string, unknown>) =>
  JSON.stringify({ accountId: '123', merchantId: 'm-coffee', amountCents: 350, description: 'Flat white', ...overrides });

describe('malformed bodies', () => {
  it('malformed JSON → 400 quoting the parser', async () => {
    const problem = await expectProblem(await send('POST', '/api/transactions', '{"accountId": "123",'), 400, 'Malformed JSON');
    expect(problem.detail).toContain('could not be parsed as JSON');
    await expectProblem(await send('PATCH', '/api/accounts/123', '{owner: Ada}'), 400, 'Malformed JSON');
  });

  it('the wrong content type → 415 naming application/json', async () => {
    const problem = await expectProblem(await send('POST', '/api/transactions', payment({}), 'text/plain'), 415);
    expect(problem.detail).toContain('application/json');
    await expectProblem(await send('PUT', '/api/accounts/123', 'owner=Ada', 'application/x-www-form-urlencoded'), 415);
  });

  it('an empty body → 400', async () => {
    await expectProblem(await send('POST', '/api/transactions', ''), 400, 'Empty body');
  });

  it('a huge body → 413 with the limit', async () => {
    const huge = payment({ description: 'x'.repeat(2 * 1024 * 1024) });
    const problem = await expectProblem(await send('POST', '/api/transactions', huge), 413, 'Body too large');
    expect(problem.limit).toBe(1024 * 1024);
  });

  it('JSON that is not an object → 422', async () => {
    for (const body of ['[]', '"pay"', 'null', '42']) {
      await expectProblem(await send('POST', '/api/transactions', body), 422);
      await expectProblem(await send('PATCH', '/api/accounts/123', body), 422);
    }
  });
});

describe('invalid payments', () => {
  it('negative, zero, fractional, huge or textual amounts → 422 saying what an amount is', async () => {
    const negative = await expectProblem(await send('POST', '/api/transactions', payment({ amountCents: -500 })), 422);
    expect(negative.detail).toContain('never negative');
    for (const amountCents of [0, 3.5, 1e12, '350', null, Number.MAX_SAFE_INTEGER + 2]) {
      await expectProblem(await send('POST', '/api/transactions', payment({ amountCents })), 422);
    }
  });

  it('unknown or missing fields, unknown account or merchant → 422 that names them', async () => {
    expect((await expectProblem(await send('POST', '/api/transactions', payment({ currency: 'EUR' })), 422)).detail).toContain(
      'currency',
    );
    await expectProblem(await send('POST', '/api/transactions', payment({ accountId: undefined })), 422);
    await expectProblem(await send('POST', '/api/transactions', payment({ description: '' })), 422);
    await expectProblem(await send('POST', '/api/transactions', payment({ description: 'x'.repeat(201) })), 422);
    await expectProblem(await send('POST', '/api/transactions', payment({ accountId: '999' })), 422, 'Unknown account');
    await expectProblem(await send('POST', '/api/transactions', payment({ merchantId: 'm-nope' })), 422, 'Unknown merchant');
  });

  it('control characters in text fields → 422', async () => {
    await expectProblem(await send('PATCH', '/api/accounts/123', JSON.stringify({ owner: 'Ada\u0000Lovelace' })), 422);
    await expectProblem(await send('POST', '/api/transactions', payment({ description: 'line\nbreak' })), 422);
  });

  it('unicode text is fine: stored and returned as sent', async () => {
    const owner = 'Zoë 李小龍 🧮 Ωmega';
    const res = await send('PATCH', '/api/accounts/123', JSON.stringify({ owner }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { owner: string }).owner).toBe(owner);
    const paid = await send('POST', '/api/transactions', payment({ description: 'Café crème ☕' }));
    expect(paid.status).toBe(201);
    expect(((await paid.json()) as { description: string }).description).toBe('Café crème ☕');
  });

  it('a wrong currency code → 422', async () => {
    await expectProblem(await send('PATCH', '/api/accounts/123', JSON.stringify({ currency: 'euro' })), 422);
  });
});

describe('unknown ids and hostile paths', () => {
  it('unknown ids → 404 that says which ids exist', async () => {
    for (const path of [
      '/api/accounts/999',
      '/api/accounts/999/transactions',
      '/api/merchants/m-nope',
      '/api/transactions/t-nope',
    ]) {
      await expectProblem(await send('GET', path), 404);
    }
    expect((await expectProblem(await send('GET', '/api/accounts/999'), 404)).detail).toContain('123 or 456');
    await expectProblem(await send('DELETE', '/api/accounts/123/cards/c-nope'), 404, 'No such card');
    await expectProblem(await send('DELETE', '/api/accounts/999/cards/c-1'), 404, 'No such account');
  });

  it('path traversal, SQL and unicode in ids → 404, nothing else happens', async () => {
    for (const id of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', "123'%20OR%20'1'%3D'1", '%E2%9C%93', '123%00', 'x'.repeat(500)]) {
      await expectProblem(await send('GET', `/api/accounts/${id}`), 404);
    }
    await expectProblem(await send('GET', '/api/merchants/..%2F..%2Fpackage.json'), 404);
    // An encoded traversal stays a (strange) account id: it never reaches another route.
    await expectProblem(await send('GET', '/api/accounts/123%2F..%2F..%2Flab%2Finfo'), 404, 'No such account');
  });

  it('no session → 401 explaining how to get one', async () => {
    const res = await lab.request('/api/accounts/123');
    await expectProblem(res, 401, 'No lab session');
    await expectProblem(await lab.request('/api/accounts/123', { session: 'not-a-session' }), 401);
  });
});

describe('afterwards', () => {
  it('the server is up and the bystander session is untouched', async () => {
    const res = await lab.request('/api/accounts/123', { session: bystander });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(bystanderAccount);
    const events = (await lab.events(bystander)).events.filter((e) => (e.seq ?? 0) > bystanderSeq);
    // Only the GET just made (request, queries, response), nothing from the attacker.
    expect(events.every((e) => e.detail?.url === undefined || e.detail.url === '/api/accounts/123')).toBe(true);
    expect(events.filter((e) => e.origin === 'server' && e.kind === 'request')).toHaveLength(1);
  });
});
