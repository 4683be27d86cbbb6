/**
 * The webhooks lesson's server, end to end over real HTTP: the bank signs and
 * POSTs to the lab's own receivers, retries on the (sped-up) schedule, and
 * the receivers verify, dedupe, reorder and queue as the lesson says.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { eventually, startLab, type TestLab } from './helpers';

// Every class duration × 0.25: retries after 0, 0.25, 0.5, 1.25, 2.5 s; 0.5 s timeout; 0.75 s slow work.
process.env.LAB_WEBHOOKS_TIME_SCALE = '0.25';
// A give-up takes about five seconds even sped up; allow for a busy machine.
vi.setConfig({ testTimeout: 30_000 });

let lab: TestLab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab.close();
});

interface Delivery {
  id: string;
  event: string;
  status: string;
  attempts: { n: number; status: number | null; error: string | null; delayMs: number }[];
}

async function setup(settings: Record<string, unknown> = {}, receiver = 'my-app') {
  const session = await lab.newSession();
  const reg = await lab.postJson('/api/webhooks/endpoints', session, { url: `/api/webhooks/receivers/${receiver}` });
  expect(reg.status).toBe(201);
  const endpoint = (await reg.json()) as { id: string; secret: string };
  if (Object.keys(settings).length > 0) await configure(session, settings, receiver);
  return { session, endpoint };
}

async function configure(session: string, settings: Record<string, unknown>, receiver = 'my-app') {
  const res = await lab.request(`/api/webhooks/receivers/${receiver}`, {
    method: 'PUT',
    session,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(settings),
  });
  expect(res.status).toBe(200);
}

async function emit(session: string, body: Record<string, unknown> = {}) {
  const res = await lab.postJson('/api/webhooks/events', session, body);
  expect(res.status).toBe(202);
  return (await res.json()) as { event: { id: string; sequence: number; data: Record<string, unknown> }; deliveries: string[] };
}

async function deliveries(session: string): Promise<Delivery[]> {
  const res = await lab.request('/api/webhooks/deliveries', { session });
  return ((await res.json()) as { deliveries: Delivery[] }).deliveries;
}

async function settled(session: string, count = 1): Promise<Delivery[]> {
  return eventually(
    async () => {
      const all = await deliveries(session);
      return all.length >= count && all.every((d) => d.status === 'delivered' || d.status === 'failed') && all;
    },
    `${count} deliveries to finish`,
    15_000,
  );
}

async function state(session: string, receiver = 'my-app') {
  const res = await lab.request(`/api/webhooks/receivers/${receiver}`, { session });
  return (await res.json()) as {
    balances: Record<string, number>;
    transactions: { id: string; status: string }[];
    processed: number;
    queued: number;
  };
}

const webhookEvents = async (session: string) =>
  (await lab.events(session)).events.filter((e) => e.protocol === 'webhooks') as TimelineEvent[];

describe('register and receive', () => {
  it('delivers a signed POST that both sides record on one lane', async () => {
    const { session } = await setup();
    const {
      event,
      deliveries: [id],
    } = await emit(session, { amountCents: 1234 });
    const [delivery] = await settled(session);
    expect(delivery).toMatchObject({ id, event: event.id, status: 'delivered', attempts: [{ n: 1, status: 200, error: null }] });
    expect((await state(session)).balances['123']).toBe(100_000 + 1234);

    const events = await webhookEvents(session);
    const sent = events.find((e) => e.kind === 'request' && e.detail?.fields?.side === 'bank');
    expect(sent?.detail?.headers).toMatchObject({
      'webhook-id': event.id,
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]+=*$/),
    });
    const lane = sent?.conn;
    const onLane = events.filter((e) => e.conn === lane).map((e) => `${e.detail?.fields?.side}:${e.kind}`);
    expect(onLane).toEqual(
      expect.arrayContaining([
        'bank:note',
        'bank:request',
        'receiver:request',
        'receiver:note',
        'receiver:response',
        'bank:response',
      ]),
    );
    expect(events.some((e) => e.summary.startsWith('signature verified'))).toBe(true);
    // The outbox commit is on the timeline as SQL, before the first attempt.
    const log = (await lab.events(session)).events;
    const commit = log.findIndex((e) => e.origin === 'db' && /INSERT INTO webhook_deliveries/.test(e.detail?.sql ?? ''));
    const attempt = log.findIndex((e) => e === sent || (e.kind === 'request' && e.detail?.fields?.side === 'bank'));
    expect(commit).toBeGreaterThan(-1);
    expect(commit).toBeLessThan(attempt);
  });

  it('emits events with no endpoint registered, and says nothing will be delivered', async () => {
    const session = await lab.newSession();
    const res = await lab.postJson('/api/webhooks/events', session, {});
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ deliveries: [], note: expect.stringMatching(/No endpoint/) });
  });
});

describe('retries', () => {
  it('retries a 500 on the schedule with growing delays, gives up, then redelivers by hand', async () => {
    const { session } = await setup({ mode: 'fail' });
    const { event } = await emit(session);
    const [delivery] = await settled(session);
    expect(delivery?.status).toBe('failed');
    expect(delivery?.attempts.map((a) => a.status)).toEqual([500, 500, 500, 500, 500]);
    const delays = delivery?.attempts.map((a) => a.delayMs) ?? [];
    expect(delays[0]).toBe(0);
    for (let i = 2; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1] ?? 0);
    const retries = (await webhookEvents(session)).filter((e) => e.kind === 'retry');
    expect(retries.map((e) => e.detail?.attempt)).toEqual([2, 3, 4, 5]);
    expect((await webhookEvents(session)).some((e) => /gave up/.test(e.summary))).toBe(true);

    await configure(session, { mode: 'ok' });
    const redo = await lab.request(`/api/webhooks/events/${event.id}/redeliver`, { method: 'POST', session });
    expect(redo.status).toBe(202);
    const [after] = await eventually(async () => {
      const all = await deliveries(session);
      return all[0]?.status === 'delivered' && all;
    }, 'the redelivery');
    expect(after?.attempts.map((a) => a.status)).toEqual([500, 500, 500, 500, 500, 200]);
    // The numbering goes on after a redeliver (the sixth attempt), while the retry schedule starts again.
    expect(after?.attempts.map((a) => a.n)).toEqual([1, 2, 3, 4, 5, 6]);
    const sixth = (await webhookEvents(session)).find(
      (e) => e.kind === 'request' && e.detail?.fields?.side === 'bank' && e.detail?.fields?.attempt === 6,
    );
    expect(sixth?.summary).toMatch(/^attempt 6 \(try 1 since the redeliver\): POST /);
    expect(sixth?.detail?.fields?.try).toBe(1);
    // Only failed deliveries can be redelivered.
    const again = await lab.request(`/api/webhooks/events/${event.id}/redeliver`, { method: 'POST', session });
    expect(again.status).toBe(409);
  });

  it('counts a hang as a timeout and a down receiver as a refused connection', async () => {
    const { session } = await setup({ mode: 'hang' });
    await emit(session);
    await eventually(async () => (await deliveries(session))[0]?.attempts.length === 2, 'two timed-out attempts', 10_000);
    await configure(session, { mode: 'down' });
    await eventually(
      async () => (await deliveries(session))[0]?.attempts.some((a) => /ECONNREFUSED/.test(a.error ?? '')),
      'a refused attempt',
      10_000,
    );
    await configure(session, { mode: 'ok' });
    const [delivery] = await settled(session);
    expect(delivery?.status).toBe('delivered');
    const errors = delivery?.attempts.map((a) => a.error) ?? [];
    expect(errors[0]).toMatch(/timed out after 500 ms/);
    expect(errors).toContainEqual(expect.stringMatching(/connection refused/));
    expect(errors.at(-1)).toBeNull();
  });
});

describe('duplicates', () => {
  it.each([
    [false, 2],
    [true, 1],
  ])('process-then-timeout with dedupe=%s credits the balance %i time(s)', async (dedupe, credits) => {
    const { session } = await setup({ mode: 'slow-once', dedupe });
    await emit(session, { amountCents: 1000 });
    const [delivery] = await settled(session);
    expect(delivery?.status).toBe('delivered');
    expect(delivery?.attempts.map((a) => a.status ?? a.error)).toEqual([expect.stringMatching(/timed out/), 200]);
    await eventually(async () => (await state(session)).balances['123'] === 100_000 + credits * 1000, `${credits} credit(s)`);
    if (dedupe) expect((await webhookEvents(session)).some((e) => e.detail?.fields?.dedupe === 'hit')).toBe(true);
  });

  it('process-then-timeout happens once: the receiver is back to "ok" and its note says so', async () => {
    const { session } = await setup({ mode: 'slow-once' });
    await emit(session);
    await settled(session);
    const res = await lab.request('/api/webhooks/receivers/my-app', { session });
    expect(((await res.json()) as { settings: { mode: string } }).settings.mode).toBe('ok');
    const stall = (await webhookEvents(session)).find((e) => e.detail?.fields?.modeNow !== undefined);
    expect(stall?.detail?.fields).toMatchObject({ side: 'receiver', receiver: 'my-app', modeNow: 'ok' });
    expect(stall?.summary).toMatch(/back to "ok" from the next delivery/);
  });
});

describe('out of order', () => {
  it.each([
    ['naive', 'pending'],
    ['sequence', 'settled'],
  ])('a %s receiver given settled before created ends %s', async (ordering, final) => {
    const { session } = await setup({ ordering });
    const tx = `tx_${ordering}`;
    await emit(session, { type: 'transaction.created', transactionId: tx, delayMs: 1500 });
    await emit(session, { type: 'transaction.settled', transactionId: tx });
    await settled(session, 2);
    expect((await state(session)).transactions).toEqual([expect.objectContaining({ id: tx, status: final })]);
    if (ordering === 'sequence')
      expect((await webhookEvents(session)).some((e) => /stale update ignored/.test(e.summary))).toBe(true);
  });
});

describe('queue-then-200', () => {
  it('answers at once and processes afterwards, where the slow handler times out and is retried', async () => {
    const slow = await setup({ mode: 'slow' });
    await emit(slow.session);
    await eventually(async () => ((await deliveries(slow.session))[0]?.attempts.length ?? 0) >= 2, 'a retry of the slow handler');

    const queued = await setup({ mode: 'queue' });
    await emit(queued.session, { amountCents: 500 });
    const [delivery] = await settled(queued.session);
    expect(delivery?.attempts.map((a) => a.status)).toEqual([200]);
    await eventually(async () => (await state(queued.session)).balances['123'] === 100_500, 'the background processing');
    expect((await state(queued.session)).queued).toBe(0);
    expect((await webhookEvents(queued.session)).map((e) => e.summary)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^queued evt_/), expect.stringMatching(/^background worker picked/)]),
    );
  });
});

describe('the delivery worker', () => {
  it("stops and starts for one session only; the other session's deliveries carry on", async () => {
    const a = await setup();
    const b = await setup();
    const stop = await lab.postJson('/api/webhooks/worker', a.session, { action: 'stop' });
    expect(await stop.json()).toMatchObject({ worker: 'stopped' });
    for (let i = 0; i < 3; i++) await emit(a.session);
    await emit(b.session);
    await settled(b.session);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await deliveries(a.session)).map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);
    await lab.postJson('/api/webhooks/worker', a.session, { action: 'start' });
    const done = await settled(a.session, 3);
    expect(done.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });
});

describe("the bank's controls", () => {
  it('GET /api/webhooks/bank reports the schedule, the worker and the receivers, so a page can draw them after a reload', async () => {
    const session = await lab.newSession();
    const bankState = async () => (await lab.request('/api/webhooks/bank', { session })).json();
    expect(await bankState()).toEqual({ autoEvents: false, everyMs: 2500, worker: 'running', receivers: [] });
    await lab.postJson('/api/webhooks/endpoints', session, { url: '/api/webhooks/receivers/my-app' });
    await lab.postJson('/api/webhooks/worker', session, { action: 'stop' });
    expect(await bankState()).toMatchObject({ worker: 'stopped', receivers: ['my-app'] });
    const put = await lab.request('/api/webhooks/bank', {
      method: 'PUT',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ autoEvents: true }),
    });
    expect(await put.json()).toEqual({ autoEvents: true, everyMs: 2500, worker: 'stopped', receivers: ['my-app'] });
    expect(await bankState()).toMatchObject({ autoEvents: true });
    await lab.postJson('/api/webhooks/worker', session, { action: 'start' });
    await lab.request('/api/webhooks/bank', {
      method: 'PUT',
      session,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ autoEvents: false }),
    });
    expect(await bankState()).toMatchObject({ autoEvents: false, worker: 'running' });
  });
});

describe('the bank on a schedule', () => {
  it('emits transactions on its own until switched off, for that session only', async () => {
    const { session } = await setup();
    const other = await setup();
    const put = (body: unknown) =>
      lab.request('/api/webhooks/bank', {
        method: 'PUT',
        session,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await put({ autoEvents: 'yes' })).status).toBe(400);
    expect(await (await put({ autoEvents: true })).json()).toMatchObject({ autoEvents: true, everyMs: 2500 });
    await settled(session, 2);
    await put({ autoEvents: false });
    const count = (await deliveries(session)).length;
    // Off means off: nothing new after more than one interval.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await deliveries(session)).length).toBe(count);
    expect(await deliveries(other.session)).toEqual([]);
  });
});

describe('session expiry', () => {
  // Last in this file: sweeping "after the idle limit" expires every session of this lab.
  it('frees every webhook row of an expired session and lets go of its deliveries', async () => {
    const doomed = await setup({ mode: 'hang' });
    await emit(doomed.session);
    await eventually(
      async () => (await deliveries(doomed.session))[0]?.attempts.length === 1 || undefined,
      'an attempt in flight or done',
    );
    const sqlite = lab.server.lab.db.sqlite;
    const rows = (session: string) =>
      [
        'webhook_senders',
        'webhook_endpoints',
        'webhook_events',
        'webhook_deliveries',
        'webhook_attempts',
        'webhook_receivers',
      ].map(
        (table) => (sqlite.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE session_id = ?`).get(session) as { n: number }).n,
      );
    expect(rows(doomed.session).every((n) => n > 0)).toBe(true);
    const idle = lab.server.lab.sessions.idleMs;
    const expired = lab.server.lab.sessions.sweep(Date.now() + idle + 1);
    expect(expired).toContain(doomed.session);
    expect(rows(doomed.session)).toEqual([0, 0, 0, 0, 0, 0]);
    // The worker lets go too: no attempt rows reappear for the dead session.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(rows(doomed.session)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
