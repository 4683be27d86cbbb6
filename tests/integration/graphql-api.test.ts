import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BROKEN_QUERIES } from '../../lessons/graphql/broken';
import type { TimelineEvent } from '../../lib/timeline';
import { parse, validate } from '../../server/protocols/graphql/graphql-js';
import { buildBankSchema } from '../../server/protocols/graphql/schema';
import { eventually, type Problem, startLab, type TestLab } from './helpers';

/**
 * Apollo Server at /graphql over plain HTTP: the shape, the N+1 count with
 * and without DataLoader, the resolver trace, persisted queries and caching,
 * the mutation, and every kind of bad input the issue lists.
 */

interface GraphqlResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [k: string]: unknown } }[];
  extensions?: { lab?: { sqlStatements: number; resolverCalls: number; dataLoader: boolean } };
}

const SCREEN = `query AccountScreen($id: ID!, $first: Int!) {
  account(id: $id) { id owner balance transactions(first: $first) { id amount createdAt merchant { id name category } } }
}`;

let lab: TestLab;
let session: string;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());
beforeEach(async () => {
  session = await lab.newSession();
});

let traces = 0;
/** POST /graphql as the lab's pages do (JSON, with a trace id); returns status, trace and parsed body. */
async function gql<T = Record<string, unknown>>(
  query: string,
  variables?: Record<string, unknown>,
  options: { session?: string; operationName?: string } = {},
) {
  const trace = `test-gql-${++traces}`;
  const res = await lab.request('/graphql', {
    method: 'POST',
    session: options.session ?? session,
    headers: { 'content-type': 'application/json', 'x-lab-trace': trace },
    body: JSON.stringify({ query, variables, operationName: options.operationName }),
  });
  return { status: res.status, headers: res.headers, trace, body: (await res.json()) as GraphqlResponse<T> };
}

const setDataLoader = (on: boolean, s = session) =>
  lab.request('/api/graphql/settings', {
    method: 'PUT',
    session: s,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dataLoader: on }),
  });
const setHistory = (transactions: number, s = session) =>
  lab.postJson('/api/graphql/history', s, { accountId: '123', transactions });

/** The session's server events of one operation (same trace id), once its closing note is logged. */
async function operationEvents(trace: string, s = session): Promise<TimelineEvent[]> {
  return eventually(async () => {
    const { events } = await lab.events(s);
    const mine = events.filter((e) => e.stream === trace);
    return mine.some((e) => e.protocol === 'graphql' && (e.kind === 'note' || e.kind === 'error')) && mine;
  }, `the events of ${trace}`);
}

describe('the client chooses the shape', () => {
  it('answers with exactly the fields asked for, from the session bank', async () => {
    const { status, body } = await gql('{ account(id: "123") { owner balance } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ account: { owner: 'Ada Lovelace', balance: 1000 } });
  });

  it('lists accounts and nests transactions with their merchants, newest first', async () => {
    const { body } = await gql<{ accounts: { id: string; transactions: { id: string; merchant: { name: string } }[] }[] }>(
      '{ accounts { id transactions(first: 2) { id merchant { name } } } }',
    );
    expect(body.data?.accounts.map((a) => a.id)).toEqual(['123', '456']);
    expect(body.data?.accounts[0]?.transactions).toEqual([
      { id: 't-3', merchant: { name: 'City Rail' } },
      { id: 't-2', merchant: { name: 'Paper Lantern Books' } },
    ]);
  });

  it('answers an unknown account with null, not an error', async () => {
    const { status, body } = await gql('{ account(id: "999") { id } }');
    expect(status).toBe(200);
    expect(body).toMatchObject({ data: { account: null } });
    expect(body.errors).toBeUndefined();
  });
});

describe('N+1 and DataLoader', () => {
  for (const n of [3, 10, 25]) {
    it(`runs 2 + N = ${2 + n} statements with DataLoader off and 3 with it on (N = ${n})`, async () => {
      if (n !== 3) expect((await setHistory(n)).status).toBe(200);
      const off = await gql(SCREEN, { id: '123', first: 1000 });
      expect(off.body.extensions?.lab).toEqual({ sqlStatements: 2 + n, resolverCalls: 2 + n, dataLoader: false });
      const offSql = (await operationEvents(off.trace)).filter((e) => e.origin === 'db');
      expect(offSql).toHaveLength(2 + n);
      expect(offSql.filter((e) => e.detail?.sql?.includes('AND id = ?') && e.detail.sql.includes('FROM merchants'))).toHaveLength(
        n,
      );

      expect((await setDataLoader(true)).status).toBe(200);
      const on = await gql(SCREEN, { id: '123', first: 1000 });
      expect(on.body.extensions?.lab).toEqual({ sqlStatements: 3, resolverCalls: 2 + n, dataLoader: true });
      expect(on.body.data).toEqual(off.body.data);
      const onSql = (await operationEvents(on.trace)).filter((e) => e.origin === 'db');
      expect(onSql.map((e) => e.detail?.sql)).toEqual([
        expect.stringContaining('FROM accounts'),
        expect.stringContaining('FROM transactions'),
        // Three merchants in the bank: one IN query with each id once (DataLoader dedupes).
        expect.stringMatching(/FROM merchants WHERE session_id = :session AND id IN \(\?, \?, \?\)$/),
      ]);
    });
  }

  it('a transaction’s account is N+1 too: one lookup per transaction with DataLoader off, one batch of one id with it on', async () => {
    const query = 'query Owners { account(id: "123") { transactions(first: 3) { account { owner } } } }';
    const off = await gql<{ account: { transactions: { account: { owner: string } }[] } }>(query);
    expect(off.body.extensions?.lab).toMatchObject({ sqlStatements: 2 + 3, dataLoader: false });
    const offSql = (await operationEvents(off.trace)).filter((e) => e.origin === 'db');
    expect(offSql.map((e) => e.detail?.fields?.resolver).slice(2)).toEqual([
      'account.transactions.0.account',
      'account.transactions.1.account',
      'account.transactions.2.account',
    ]);

    expect((await setDataLoader(true)).status).toBe(200);
    const on = await gql(query);
    expect(on.body.extensions?.lab).toMatchObject({ sqlStatements: 3, dataLoader: true });
    expect(on.body.data).toEqual(off.body.data);
    const batch = (await operationEvents(on.trace)).filter((e) => e.origin === 'db')[2];
    // Three transactions of one account: the loader asks for its id once.
    expect(batch?.detail?.sql).toMatch(/FROM accounts WHERE session_id = :session AND id IN \(\?\)$/);
    expect(batch?.detail?.fields).toMatchObject({ batchedBy: 'DataLoader' });
  });

  it('tags every statement with the resolver that caused it, and every resolver with its path and parent', async () => {
    const { trace } = await gql(SCREEN, { id: '123', first: 10 });
    const events = await operationEvents(trace);
    const sql = events.filter((e) => e.origin === 'db').map((e) => e.detail?.fields?.resolver);
    expect(sql).toEqual([
      'account',
      'account.transactions',
      'account.transactions.0.merchant',
      'account.transactions.1.merchant',
      'account.transactions.2.merchant',
    ]);
    const resolves = events.filter((e) => e.kind === 'resolve');
    expect(resolves.map((e) => [e.detail?.fields?.path, e.detail?.fields?.parent])).toEqual(
      expect.arrayContaining([
        ['account', null],
        ['account.transactions', 'account'],
        ['account.transactions.2.merchant', 'account.transactions'],
      ]),
    );
    expect(resolves).toHaveLength(5);
    for (const r of resolves) expect(r.detail?.durationMs).toBeGreaterThanOrEqual(0);
    // The count is on the timeline too.
    const note = events.find((e) => e.kind === 'note');
    expect(note?.detail?.fields).toMatchObject({ operation: 'AccountScreen', sqlStatements: 5, dataLoader: false });
  });

  it('keeps the switch and the generated history per session', async () => {
    const other = await lab.newSession();
    await setDataLoader(true);
    await setHistory(10);
    const theirs = await gql(SCREEN, { id: '123', first: 1000 }, { session: other });
    expect(theirs.body.extensions?.lab).toMatchObject({ sqlStatements: 5, dataLoader: false });
    const settings = await lab.request('/api/graphql/settings', { session: other });
    expect(await settings.json()).toEqual({ dataLoader: false });
  });
});

describe('mutation', () => {
  it('creates a transaction and moves the balance', async () => {
    const created = await gql<{ createTransaction: { id: string; amount: number; merchant: { name: string } } }>(
      'mutation { createTransaction(input: { accountId: "123", amount: -4.2, description: "Tea", merchantId: "m-coffee" }) { id amount merchant { name } } }',
    );
    expect(created.body.data?.createTransaction).toMatchObject({ amount: -4.2, merchant: { name: 'Corner Coffee' } });
    const { body } = await gql('{ account(id: "123") { balance transactions(first: 1) { description } } }');
    expect(body.data).toEqual({ account: { balance: 995.8, transactions: [{ description: 'Tea' }] } });
  });

  it('refuses an unknown account, a zero amount and an empty description with BAD_USER_INPUT', async () => {
    const cases = [
      ['{ accountId: "999", amount: 1, description: "x" }', /no account "999"/],
      ['{ accountId: "123", amount: 0, description: "x" }', /non-zero/],
      ['{ accountId: "123", amount: 1, description: "  " }', /description/],
      ['{ accountId: "123", amount: 1, description: "x", merchantId: "m-nope" }', /no merchant/],
    ] as const;
    for (const [input, message] of cases) {
      const { status, body } = await gql(`mutation { createTransaction(input: ${input}) { id } }`);
      expect(status).toBe(200);
      expect(body.data).toBeNull();
      expect(body.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
    }
  });
});

describe('persisted queries and HTTP caching', () => {
  const query = '{ account(id: "123") { id owner balance } }';
  const hash = createHash('sha256').update(query).digest('hex');
  const extensions = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }));
  const getPersisted = (s: string) =>
    lab.request(`/graphql?extensions=${extensions}`, { session: s, headers: { 'apollo-require-preflight': 'true' } });

  it('asks for the query text once, then serves the hash as a GET with Cache-Control', async () => {
    const first = await getPersisted(session);
    expect(first.status).toBe(200);
    expect(((await first.json()) as GraphqlResponse).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // Apollo marks the miss so that no cache keeps it (the lesson says so).
    expect(first.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');

    const register = await lab.request('/graphql', {
      method: 'POST',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    });
    expect(register.status).toBe(200);

    const again = await getPersisted(session);
    expect(again.status).toBe(200);
    expect(again.headers.get('cache-control')).toBe('max-age=30, private');
    expect(((await again.json()) as GraphqlResponse).data).toEqual({
      account: { id: '123', owner: 'Ada Lovelace', balance: 1000 },
    });
  });

  it('refuses a hash that does not match the query text', async () => {
    const res = await lab.request('/graphql', {
      method: 'POST',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as GraphqlResponse).errors?.[0]?.message).toBe('provided sha does not match query');
  });

  it('marks mutations and errors no-store', async () => {
    const mutation = await gql('mutation { createTransaction(input: { accountId: "123", amount: 1, description: "x" }) { id } }');
    expect(mutation.headers.get('cache-control')).toBe('no-store');
    const failed = await gql('{ account(id: "123") { nope } }');
    expect(failed.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a GET without a preflight-forcing header (CSRF prevention) and a mutation over GET', async () => {
    const q = encodeURIComponent('{ accounts { id } }');
    const csrf = await lab.request(`/graphql?query=${q}`, { session });
    expect(csrf.status).toBe(400);
    expect(((await csrf.json()) as GraphqlResponse).errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
    const m = encodeURIComponent(
      'mutation { createTransaction(input: { accountId: "123", amount: 1, description: "x" }) { id } }',
    );
    const viaGet = await lab.request(`/graphql?query=${m}`, { session, headers: { 'apollo-require-preflight': 'true' } });
    expect(viaGet.status).toBe(405);
  });
});

describe('errors, in GraphQL format', () => {
  it('a syntax error: 400 GRAPHQL_PARSE_FAILED with the location', async () => {
    const { status, body } = await gql('{ account(id: "123") { ');
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^Syntax Error/),
      locations: [{ line: 1, column: 24 }],
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
  });

  it('an unknown field: 400 GRAPHQL_VALIDATION_FAILED, and the suggestion is masked', async () => {
    const { status, body } = await gql('{ account(id: "123") { ownr } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.message).toMatch(/Cannot query field "ownr" on type "Account"/);
    expect(body.errors?.[0]?.message).not.toContain('owner');
    expect(body.errors?.[0]?.message).toContain('[Suggestion hidden]');
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('the errors widget\u2019s deep query is valid: only its depth (12, over the limit of 6) refuses it, and nothing runs', async () => {
    const deep = BROKEN_QUERIES.depth.query;
    // Valid against the schema (transaction → account → transactions … is a cycle), so no other error hides the point.
    expect(validate(buildBankSchema(), parse(deep))).toEqual([]);
    const { status, body } = await gql(deep);
    expect(status).toBe(400);
    expect(body.errors).toEqual([
      { message: 'Query depth limit of 6 exceeded, found 12.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
    ]);
    expect(body.extensions?.lab?.sqlStatements).toBe(0);
  });

  it('every depth a lesson query reaches (4) is allowed, and the cycle resolves', async () => {
    const { status, body } = await gql<{ account: { transactions: { account: { id: string } }[] } }>(
      '{ account(id: "123") { transactions(first: 1) { account { id } } } }',
    );
    expect(status).toBe(200);
    expect(body.data?.account.transactions[0]?.account.id).toBe('123');
  });

  it('aliases that multiply the cost: refused by the alias and cost limits', async () => {
    const fields = Array.from(
      { length: 40 },
      (_, i) => `a${i}: account(id: "123") { transactions(first: 1000) { merchant { name } } }`,
    );
    const { status, body } = await gql(`{ ${fields.join(' ')} }`);
    expect(status).toBe(400);
    const messages = body.errors?.map((e) => e.message) ?? [];
    expect(messages).toContainEqual(expect.stringMatching(/^Aliases limit of 15 exceeded, found 40\.$/));
    expect(messages).toContainEqual(expect.stringMatching(/^Query Cost limit of 50000 exceeded/));
    // Validation rules refused it, not the parser: no misleading "Syntax Error:" prefix.
    expect(messages.filter((m) => m.startsWith('Syntax Error'))).toEqual([]);
    expect(body.extensions?.lab?.sqlStatements).toBe(0);
  });

  it('a query text of 1 MB: the parser stops at the token limit', async () => {
    const filler = 'id '.repeat(Math.floor(1_000_000 / 3));
    const query = `{ accounts { ${filler} } }`;
    expect(query.length).toBeGreaterThan(999_000);
    const { status, body } = await gql(query);
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/contains more that 1000 tokens/),
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
  });

  it('a body over the lab limit (1 MiB): 413 before GraphQL reads it', async () => {
    const res = await lab.request('/graphql', {
      method: 'POST',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ accounts { id } }${' '.repeat(1_100_000)}` }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Problem).title).toBe('Body too large');
  });

  it('variables of the wrong type: 400 BAD_USER_INPUT naming the variable', async () => {
    const { status, body } = await gql(SCREEN, { id: '123', first: 'ten' });
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/Variable "\$first" got invalid value "ten"/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('an unknown operation name: 400 OPERATION_RESOLUTION_FAILURE', async () => {
    const { status, body } = await gql(SCREEN, { id: '123', first: 1 }, { operationName: 'Nope' });
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: 'Unknown operation named "Nope".',
      extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
    });
  });

  it('malformed JSON: 400 with a GraphQL errors list', async () => {
    const res = await lab.request('/graphql', {
      method: 'POST',
      session,
      headers: { 'content-type': 'application/json' },
      body: '{"query": "{ accounts { id } }"',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errors: [{ message: expect.stringMatching(/^The request body is not valid JSON/), extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('a text/plain POST is blocked as a possible CSRF', async () => {
    const res = await lab.request('/graphql', {
      method: 'POST',
      session,
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ accounts { id } }' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as GraphqlResponse).errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
  });

  it('a resolver error keeps the rest of the data (partial data)', async () => {
    const { status, body } = await gql(
      '{ ok: account(id: "123") { owner } big: account(id: "123") { transactions(first: 5000) { id } } }',
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({ ok: { owner: 'Ada Lovelace' }, big: null });
    expect(body.errors?.[0]).toMatchObject({ path: ['big', 'transactions'], extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('without a session: 401 problem document', async () => {
    const res = await lab.request('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });

  it('the server is still up and other sessions unaffected after all of that', async () => {
    const other = await lab.newSession();
    const { status, body } = await gql('{ account(id: "456") { owner } }', undefined, { session: other });
    expect(status).toBe(200);
    expect(body.data).toEqual({ account: { owner: 'Alan Turing' } });
  });
});

describe('lab controls', () => {
  it('refuse bad settings and bad history requests with problem documents', async () => {
    const badSetting = await lab.request('/api/graphql/settings', {
      method: 'PUT',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataLoader: 'yes' }),
    });
    expect(badSetting.status).toBe(400);
    expect((await lab.postJson('/api/graphql/history', session, { accountId: '123', transactions: 1001 })).status).toBe(400);
    expect((await lab.postJson('/api/graphql/history', session, { accountId: '999', transactions: 1 })).status).toBe(404);
    const notJson = await lab.request('/api/graphql/history', { method: 'POST', session, body: 'n=3' });
    expect(notJson.status).toBe(415);
  });
});
