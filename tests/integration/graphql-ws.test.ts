import { type Client, createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually, startLab, type TestLab } from './helpers';

/**
 * Subscriptions with a real graphql-ws client (graphql-transport-ws over the
 * lab's port): events arrive, stay in their session, die with a dropped
 * socket and resume for new events after the client reconnects.
 */

interface Created {
  transactionCreated: { id: string; amount: number; description: string; merchant: { name: string } | null };
}

let lab: TestLab;
let session: string;
const clients: Client[] = [];
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());
beforeEach(async () => {
  session = await lab.newSession();
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
});

function connect(s: string, conn?: string) {
  const closes: number[] = [];
  let connects = 0;
  const client = createClient({
    url: `${lab.wsBase}/graphql?session=${s}${conn ? `&conn=${conn}` : ''}`,
    webSocketImpl: WebSocket,
    // Reconnect quickly in tests; the browser client uses the lab's backoff.
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 50)),
    shouldRetry: () => true,
    on: {
      closed: (event) => closes.push((event as { code: number }).code),
      connected: () => {
        connects += 1;
      },
    },
  });
  clients.push(client);
  return { client, closes, connects: () => connects };
}

/** Subscribes and collects every `next` payload; resolves once the server has the subscription registered. */
async function subscribe(client: Client, accountId: string, s = session) {
  const received: Created[] = [];
  const errors: unknown[] = [];
  client.subscribe<Created>(
    {
      query: `subscription ($id: ID!) { transactionCreated(accountId: $id) { id amount description merchant { name } } }`,
      variables: { id: accountId },
    },
    {
      next: (result) => {
        if (result.data) received.push(result.data);
        if (result.errors) errors.push(...result.errors);
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  // The subscribe resolver looks the account up first: its SQL statement (tagged with the path) is the sign it ran.
  await eventually(async () => {
    const { events } = await lab.events(s);
    return events.some((e) => e.origin === 'db' && e.detail?.fields?.resolver === 'transactionCreated');
  }, 'the subscription to be registered');
  return { received, errors };
}

function createTransaction(s: string, description: string, accountId = '123') {
  return lab.postJson('/graphql', s, {
    query: 'mutation ($input: CreateTransactionInput!) { createTransaction(input: $input) { id } }',
    variables: { input: { accountId, amount: -1.5, description, merchantId: 'm-rail' } },
  });
}

describe('transactionCreated', () => {
  it('delivers a mutation from another client to the subscriber, merchant resolved', async () => {
    const { client } = connect(session, 'gql-test1');
    const { received } = await subscribe(client, '123');
    expect((await createTransaction(session, 'Night bus')).status).toBe(200);
    await eventually(() => received.length === 1, 'the event');
    expect(received[0]?.transactionCreated).toMatchObject({
      amount: -1.5,
      description: 'Night bus',
      merchant: { name: 'City Rail' },
    });

    // Both directions are on the session's timeline, on the socket's lane.
    const { events } = await lab.events(session);
    const frames = events.filter((e) => e.conn === 'gql-test1' && e.kind === 'message').map((e) => e.summary);
    expect(frames).toEqual(
      expect.arrayContaining([
        'received connection_init',
        'sent connection_ack',
        expect.stringMatching(/^received subscribe #/),
        expect.stringMatching(/^sent next #/),
      ]),
    );
    expect(events.find((e) => e.conn === 'gql-test1' && e.kind === 'open')?.detail?.fields?.subprotocol).toBe(
      'graphql-transport-ws',
    );
  });

  it('a terminal subscriber (scripts/graphql-subscribe.ts: Node ws, no browser User-Agent) gets a terminal-origin upgrade event; a browser does not', async () => {
    await subscribe(connect(session, 'gql-term').client, '123');
    /** What a browser's WebSocket sends: its User-Agent starts with Mozilla/. */
    class BrowserSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { 'user-agent': 'Mozilla/5.0 (lab test)' } });
      }
    }
    const browser = createClient({
      url: `${lab.wsBase}/graphql?session=${session}&conn=gql-browser`,
      webSocketImpl: BrowserSocket,
    });
    clients.push(browser);
    await subscribe(browser, '456');
    const { events } = await lab.events(session);
    const terminal = events.filter((e) => e.origin === 'terminal');
    expect(terminal).toHaveLength(1);
    expect(terminal[0]).toMatchObject({ protocol: 'graphql', kind: 'request', dir: 'out', conn: 'gql-term' });
    expect(terminal[0]?.summary).toBe('a terminal client: GET /graphql (Upgrade: websocket, subprotocol graphql-transport-ws)');
    // Recorded just before the server's side of the same socket.
    const open = events.find((e) => e.conn === 'gql-term' && e.kind === 'open');
    expect(open?.seq).toBeGreaterThan(terminal[0]?.seq ?? Number.POSITIVE_INFINITY);
  });

  it('only for that account, and never across sessions', async () => {
    const other = await lab.newSession();
    const mine = await subscribe(connect(session).client, '123');
    const theirs = await subscribe(connect(other).client, '123', other);
    await createTransaction(session, 'mine');
    await createTransaction(session, 'other account', '456');
    await createTransaction(other, 'theirs');
    await eventually(() => mine.received.length === 1 && theirs.received.length === 1, 'one event each');
    expect(mine.received.map((r) => r.transactionCreated.description)).toEqual(['mine']);
    expect(theirs.received.map((r) => r.transactionCreated.description)).toEqual(['theirs']);
  });

  it('after a drop (1006) the client reconnects and resubscribes; events during the gap are lost', async () => {
    const { client, closes, connects } = connect(session);
    const { received } = await subscribe(client, '123');
    await createTransaction(session, 'before');
    await eventually(() => received.length === 1, 'the first event');

    const drop = await lab.postJson('/api/lab/faults', session, { action: 'drop', target: 'graphql-ws' });
    expect(await drop.json()).toEqual({ dropped: 1 });
    await eventually(() => closes.includes(1006), 'the client to see 1006');
    // Published while nobody is subscribed: plain pub/sub keeps nothing.
    const listeners = lab.server.lab.connections.count(session);
    expect(listeners).toBe(0);
    await createTransaction(session, 'during the gap');

    await eventually(() => connects() === 2, 'the reconnect');
    await eventually(async () => {
      const { events } = await lab.events(session);
      return events.filter((e) => e.origin === 'db' && e.detail?.fields?.resolver === 'transactionCreated').length === 2;
    }, 'the resubscription');
    await createTransaction(session, 'after');
    await eventually(() => received.length === 2, 'the event after the reconnect');
    expect(received.map((r) => r.transactionCreated.description)).toEqual(['before', 'after']);
  });
});

describe('bad input over the socket', () => {
  it('an unknown account: a GraphQL error for that subscription, the socket stays open', async () => {
    const { client, closes } = connect(session);
    // A subscribe resolver that throws yields one result with errors (a `next`), then `complete`.
    const errors = await new Promise<string[]>((resolve) => {
      const seen: string[] = [];
      client.subscribe(
        { query: 'subscription { transactionCreated(accountId: "999") { id } }' },
        {
          next: (result) => seen.push(...(result.errors ?? []).map((e) => e.message)),
          error: () => resolve(['unexpected socket error']),
          complete: () => resolve(seen),
        },
      );
    });
    expect(errors).toEqual([expect.stringMatching(/no account "999"/)]);
    expect(closes).toEqual([]);
  });

  it('too deep, or an unknown field: refused by validation like over HTTP', async () => {
    const { client } = connect(session);
    const run = (query: string) =>
      new Promise<string[]>((resolve) => {
        client.subscribe(
          { query },
          {
            next: () => undefined,
            error: (e) => resolve((e as { message: string }[]).map((x) => x.message)),
            complete: () => resolve([]),
          },
        );
      });
    const deep = Array.from({ length: 10 }).reduce<string>((inner) => `merchant { ${inner} }`, 'id');
    expect(await run(`subscription { transactionCreated(accountId: "123") { ${deep} } }`)).toContainEqual(
      expect.stringMatching(/^Query depth limit of 6 exceeded/),
    );
    expect(await run('subscription { transactionCreated(accountId: "123") { nope } }')).toContainEqual(
      expect.stringMatching(/Cannot query field "nope"/),
    );
  });

  it('a socket without the graphql-transport-ws subprotocol is closed with 4406', async () => {
    const raw = await lab.socket('/graphql', { session });
    const close = await raw.waitForClose();
    expect(close.code).toBe(4406);
  });

  it('a message that is not graphql-transport-ws JSON closes the socket with 4400', async () => {
    const raw = new WebSocket(`${lab.wsBase}/graphql?session=${session}`, 'graphql-transport-ws');
    await new Promise((resolve) => raw.once('open', resolve));
    const closed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
    raw.send('hello?');
    expect(await closed).toBe(4400);
  });

  it('without a session the upgrade is refused with 401', async () => {
    const raw = new WebSocket(`${lab.wsBase}/graphql`, 'graphql-transport-ws');
    const status = await new Promise<number>((resolve) =>
      raw.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(401);
  });
});
