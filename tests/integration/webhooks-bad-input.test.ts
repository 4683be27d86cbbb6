/**
 * Bad input to the webhooks lesson: refused registrations (SSRF), bad events,
 * forged or malformed deliveries, unknown ids — each a clear 4xx, nothing
 * sent anywhere but the lab's own receivers, other sessions untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Problem, startLab, type TestLab } from './helpers';

process.env.LAB_WEBHOOKS_TIME_SCALE = '0.25';

let lab: TestLab;
let session: string;
beforeAll(async () => {
  lab = await startLab();
  session = await lab.newSession();
  expect((await lab.postJson('/api/webhooks/endpoints', session, { url: '/api/webhooks/receivers/my-app' })).status).toBe(201);
});
afterAll(async () => {
  await lab.close();
});

const problem = async (res: Response) => {
  expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  return (await res.json()) as Problem;
};

describe('registration refuses anything but the lab’s own receivers', () => {
  it.each([
    ['https://example.com/webhook', 'external', /server-side request forgery/],
    ['http://localhost:6379/', 'private', /loopback or private-network/],
    ['http://127.0.0.1:22/', 'private', /SSRF/],
    ['http://169.254.169.254/latest/meta-data/', 'private', /metadata/],
    ['http://10.0.0.7/hooks', 'private', /private/],
    ['http://[::1]/hooks', 'private', /private/],
    ['/api/lab/faults', 'not-a-receiver', /not a receiver/],
    ['/api/webhooks/receivers/x/../../../lab/info', 'not-a-receiver', /not a receiver/],
    ['/api/webhooks/receivers/x?redirect=https://example.com', 'not-a-receiver', /redirects/],
    ['gopher://example.com/', 'invalid', /HTTP/],
  ])('%s → 400 (%s)', async (url, reason, detail) => {
    const res = await lab.postJson('/api/webhooks/endpoints', session, { url });
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.reason).toBe(reason);
    expect(body.detail).toMatch(detail);
  });

  it("accepts the lab's own full URL, as the student reached it", async () => {
    const res = await lab.postJson('/api/webhooks/endpoints', session, { url: `${lab.base}/api/webhooks/receivers/second` });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      receiver: 'second',
      url: '/api/webhooks/receivers/second',
      secret: expect.stringMatching(/^whsec_/),
    });
    // Registering it again is not an error: the same endpoint comes back.
    expect((await lab.postJson('/api/webhooks/endpoints', session, { url: '/api/webhooks/receivers/second' })).status).toBe(200);
  });

  it('refuses a missing url, malformed JSON and the wrong content type', async () => {
    expect((await lab.postJson('/api/webhooks/endpoints', session, {})).status).toBe(400);
    const malformed = await lab.request('/api/webhooks/endpoints', {
      method: 'POST',
      session,
      headers: { 'content-type': 'application/json' },
      body: '{"url": ',
    });
    expect(malformed.status).toBe(400);
    const text = await lab.request('/api/webhooks/endpoints', {
      method: 'POST',
      session,
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
  });
});

describe('events and redelivery', () => {
  it.each([
    [{ type: 'account.hacked' }, /one of transaction.created/],
    [{ amountCents: -5 }, /whole number of cents/],
    [{ amountCents: 1.5 }, /whole number of cents/],
    [{ accountId: '999' }, /accounts "123" and "456"/],
    [{ delayMs: 60_000 }, /from 0 to 10000/],
    [{ transactionId: '../../etc' }, /tx_/],
    [[1, 2, 3], /JSON object/],
  ])('refuses event %j', async (body, detail) => {
    const res = await lab.postJson('/api/webhooks/events', session, body);
    expect(res.status).toBe(400);
    expect((await problem(res)).detail).toMatch(detail);
  });

  it('refuses a huge payload with 413', async () => {
    const res = await lab.postJson('/api/webhooks/events', session, {
      type: 'transaction.created',
      padding: 'x'.repeat(2 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
  });

  it('answers 404 for an unknown event id, and for another session’s event', async () => {
    const unknown = await lab.request('/api/webhooks/events/evt_nope/redeliver', { method: 'POST', session });
    expect(unknown.status).toBe(404);
    expect((await problem(unknown)).title).toBe('No such event');
    const emitted = (await (await lab.postJson('/api/webhooks/events', session, {})).json()) as { event: { id: string } };
    const other = await lab.newSession();
    const theirs = await lab.request(`/api/webhooks/events/${emitted.event.id}/redeliver`, { method: 'POST', session: other });
    expect(theirs.status).toBe(404);
    // Nor can the other session see the delivery log or the secret of this one.
    const log = (await (await lab.request('/api/webhooks/deliveries', { session: other })).json()) as { deliveries: unknown[] };
    expect(log.deliveries).toEqual([]);
    const mine = (await (await lab.request('/api/webhooks/secret', { session })).json()) as { secret: string };
    const yours = (await (await lab.request('/api/webhooks/secret', { session: other })).json()) as { secret: string };
    expect(yours.secret).not.toBe(mine.secret);
  });

  it('refuses unknown receiver settings and worker actions', async () => {
    const put = (body: unknown) =>
      lab.request('/api/webhooks/receivers/my-app', {
        method: 'PUT',
        session,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put({ mode: 'explode' })).status).toBe(400);
    expect((await put({ dedupe: 'yes' })).status).toBe(400);
    expect((await put({ colour: 'blue' })).status).toBe(400);
    expect((await lab.postJson('/api/webhooks/worker', session, { action: 'reboot' })).status).toBe(400);
    expect((await lab.request('/api/webhooks/receivers/Not_Valid', { session })).status).toBe(400);
  });
});

describe('deliveries that are not what they claim', () => {
  const deliver = (headers: Record<string, string>, body: string, receiver = 'my-app') =>
    lab.request(`/api/webhooks/receivers/${receiver}`, {
      method: 'POST',
      session,
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  const event = JSON.stringify({
    id: 'evt_forged',
    type: 'transaction.created',
    sequence: 1,
    data: { accountId: '123', amountCents: 99_999, transactionId: 'tx_x' },
  });

  it('a verifying receiver rejects missing and malformed signature headers, and the balance stays put', async () => {
    const before = (
      (await (await lab.request('/api/webhooks/receivers/my-app', { session })).json()) as { balances: Record<string, number> }
    ).balances['123'];
    const missing = await deliver({}, event);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({
      reason: 'missing',
      detail: expect.stringMatching(/webhook-id, webhook-timestamp, webhook-signature/),
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const malformed = await deliver(
      { 'webhook-id': 'evt_forged', 'webhook-timestamp': ts, 'webhook-signature': 'sha256=deadbeef' },
      event,
    );
    expect(await malformed.json()).toMatchObject({ reason: 'malformed' });
    const badTime = await deliver(
      { 'webhook-id': 'evt_forged', 'webhook-timestamp': 'soon', 'webhook-signature': 'v1,AAAA' },
      event,
    );
    expect(await badTime.json()).toMatchObject({ reason: 'malformed' });
    const forged = await deliver(
      {
        'webhook-id': 'evt_forged',
        'webhook-timestamp': ts,
        'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      },
      event,
    );
    expect(await forged.json()).toMatchObject({ reason: 'mismatch' });
    const after = (
      (await (await lab.request('/api/webhooks/receivers/my-app', { session })).json()) as { balances: Record<string, number> }
    ).balances['123'];
    expect(after).toBe(before);
  });

  it('refuses an unknown receiver, and a body that is not an event', async () => {
    expect((await deliver({}, event, 'nobody')).status).toBe(404);
    const lax = await lab.newSession();
    await lab.postJson('/api/webhooks/endpoints', lax, { url: '/api/webhooks/receivers/lax' });
    await lab.request('/api/webhooks/receivers/lax', {
      method: 'PUT',
      session: lax,
      headers: { 'content-type': 'application/json' },
      body: '{"verify": false}',
    });
    const res = await lab.request('/api/webhooks/receivers/lax', {
      method: 'POST',
      session: lax,
      headers: { 'content-type': 'application/json' },
      body: '{"hello": 1}',
    });
    expect(res.status).toBe(400);
    // With verification off, a forged event IS processed: the lesson's point.
    const forged = await lab.request('/api/webhooks/receivers/lax', {
      method: 'POST',
      session: lax,
      headers: { 'content-type': 'application/json' },
      body: event,
    });
    expect(forged.status).toBe(200);
    const state = (await (await lab.request('/api/webhooks/receivers/lax', { session: lax })).json()) as {
      balances: Record<string, number>;
    };
    expect(state.balances['123']).toBe(100_000 + 99_999);
  });

  it('requires a session', async () => {
    const res = await lab.request('/api/webhooks/receivers/my-app', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: event,
    });
    expect(res.status).toBe(401);
  });
});
