/**
 * The SSE lesson's terminal box: each command, run as printed through a
 * shell (streams cut after a few seconds), works and lands on the
 * student's timeline.
 */
import { expect, readTerminalCommands, runForSeconds, test } from './fixtures';

/** Every command carries the session and the lab's address once the box has filled them in. */
const filled = (sessionId: string): [string, RegExp][] => [
  ['/api/', new RegExp(sessionId)],
  ['/api/', /http:\/\/127\.0\.0\.1:\d+/],
];

test('the SSE terminal box: curl -N streams, resumes with Last-Event-ID, filters channels, and POSTs', async ({ lab }) => {
  test.setTimeout(45_000);
  const [{ page, sessionId }] = await lab.openLesson('sse');
  const { find } = await readTerminalCommands(page, filled(sessionId));

  const ticks = await runForSeconds(find("/api/sse/ticks -H 'X-Lab-Session"), 4);
  expect(ticks.startsWith('retry: 1000\n\n')).toBe(true);
  expect(ticks).toMatch(/^id: \d+\nevent: tick\ndata: /m);
  const sent = await lab.waitForEvent(
    page,
    (e) => e.origin === 'terminal' && e.protocol === 'sse' && e.kind === 'request',
    "curl's request",
  );
  expect(sent.summary).toMatch(/^curl\/[\d.]+: GET \/api\/sse\/ticks$/);
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'frame' && e.conn === sent.conn,
    "the server's chunks to curl",
  );

  const resumed = await runForSeconds(find('Last-Event-ID: 5'), 2);
  expect(resumed).toMatch(/^retry: 1000\n\nid: 6\nevent: tick\n/);
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'reconnected' && e.detail?.fields?.lastEventId === 5,
    'the resume after id 5',
  );

  // The alerts-only feed, with the payment made while it listens.
  const alerts = runForSeconds(find('channels=alerts'), 4);
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'open' && (e.detail?.url ?? '').includes('channels=alerts'),
    'the feed open',
  );
  const ack = JSON.parse(await runForSeconds(find('/api/sse/payments'), 5)) as { accepted: boolean };
  expect(ack.accepted).toBe(true);
  const feed = await alerts;
  expect(feed).toMatch(/event: alerts\ndata: \{"level":"warning","account":"123","message":"Large payment: €600.00/);
  expect(feed).not.toContain('event: balance');
});

test('the polling terminal box: cursor, catch-up, a long poll and the stream', async ({ lab }) => {
  test.setTimeout(45_000);
  const [{ page, sessionId }] = await lab.openLesson('polling');
  const { find } = await readTerminalCommands(page, filled(sessionId));
  const api = await lab.api(page);
  await api.post('/api/poll/source', { data: { running: false } });

  const where = JSON.parse(await runForSeconds(find("/api/poll/notifications -H 'X-Lab"), 5)) as {
    cursor: number;
    notifications: unknown[];
  };
  expect(where.notifications).toEqual([]);
  const all = JSON.parse(await runForSeconds(find('after=0'), 5)) as { cursor: number };
  expect(all.cursor).toBe(where.cursor);

  const long = runForSeconds(find('/api/longpoll/'), 8);
  await lab.waitForEvent(page, (e) => e.origin === 'server' && e.summary.startsWith('long poll parked'), 'the parked long poll');
  await api.post('/api/poll/notifications', { data: { text: 'hello from the spec' } });
  expect(JSON.parse(await long)).toMatchObject({ notifications: [{ text: 'hello from the spec' }] });

  const stream = runForSeconds(find('/api/sse/notifications'), 3);
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'open' && e.detail?.url === '/api/sse/notifications',
    'the stream open',
  );
  await api.post('/api/poll/notifications', { data: { text: 'streamed' } });
  expect(await stream).toMatch(/event: notification\ndata: \{"id":\d+,"text":"streamed"/);
});
