/**
 * The lab channel carries the server's events to the page. When its socket
 * dies, the page reconnects and resumes from the last sequence number it
 * received: no server event is lost or shown twice.
 */
import type { WebSocketRoute } from '@playwright/test';
import { expect, test } from './fixtures';

test('a lab channel dropped at the socket level resumes with no gap in sequence numbers', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('how-this-lab-works');
  const api = await lab.api(page);

  // Some history before the drop.
  for (let i = 0; i < 3; i++) expect((await api.get('/api/intro/accounts/123')).status()).toBe(200);
  await lab.waitForEvent(page, (e) => e.origin === 'db', 'a db event before the drop');

  expect(await lab.dropChannel(page)).toBeGreaterThan(0);
  // Events recorded while the channel is down (the page can't hear them yet).
  for (let i = 0; i < 5; i++) expect((await api.get('/api/intro/accounts/456')).status()).toBe(200);

  const exported = await api.get(`/api/lab/sessions/${api.sessionId}/events`);
  const { lastSeq } = (await exported.json()) as { lastSeq: number };
  await expect.poll(() => page.evaluate(() => window.__lab?.lastServerSeq), { timeout: 15_000 }).toBeGreaterThanOrEqual(lastSeq);
  await expect.poll(() => page.evaluate(() => window.__lab?.channel)).toBe('open');

  const seqs = (await lab.events(page)).flatMap((e) => (e.seq === undefined ? [] : [e.seq])).sort((a, b) => a - b);
  expect(seqs.length).toBeGreaterThanOrEqual(lastSeq);
  // Contiguous from the first to the last, without duplicates.
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] as number) + i));
  expect(seqs[0]).toBe(1);

  // What was recorded while no tab could hear it was kept raw and described on the way out
  // (deferred events): it arrives as complete as what a watching tab gets.
  const missed = (await lab.events(page)).filter((e) => e.origin === 'server' && e.detail?.url === '/api/intro/accounts/456');
  const requests = missed.filter((e) => e.kind === 'request');
  const responses = missed.filter((e) => e.kind === 'response');
  expect(requests).toHaveLength(5);
  expect(responses).toHaveLength(5);
  for (const request of requests) {
    expect(request.summary).toMatch(/^GET \/api\/intro\/accounts\/456 — HTTP\/1\.1 arrived$/);
    expect(request.detail?.headers?.['x-lab-session']).toBe(api.sessionId);
  }
  for (const response of responses) {
    expect(response.summary).toMatch(/^200 OK ← GET \/api\/intro\/accounts\/456 \(\d+\.\d ms\)$/);
    expect(response.detail?.headers?.['content-type']).toContain('application/json');
    expect(JSON.parse(response.detail?.body ?? '{}')).toMatchObject({ id: '456' });
  }
  const statements = (await lab.events(page)).filter(
    (e) => e.origin === 'db' && (e.detail?.params ?? []).includes('456') && typeof e.detail?.sql === 'string',
  );
  expect(statements.length).toBeGreaterThanOrEqual(5);
});

test('after a server restart (a new epoch) the timeline says so and keeps the new run apart from the old', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('how-this-lab-works');
  const api = await lab.api(page);
  for (let i = 0; i < 3; i++) expect((await api.get('/api/intro/accounts/123')).status()).toBe(200);
  await lab.waitForEvent(page, (e) => e.origin === 'db', 'history before the restart');

  // From here on the channel goes through this route. The first hello through it claims another
  // epoch, as a restarted server's would; the next connection meets the real epoch again, which to
  // the page is a second restart, and the server replays its log from #1: numbers the page has seen.
  const routes: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
  await page.routeWebSocket(/\/api\/lab\/channel/, (ws) => {
    const first = routes.length === 0;
    const server = ws.connectToServer();
    server.onMessage((m) => ws.send(first ? String(m).replace(/"epoch":"[^"]+"/, '"epoch":"a-previous-run"') : m));
    ws.onMessage((m) => server.send(m));
    routes.push({ page: ws, server });
  });
  const restarts = async () => (await lab.events(page)).filter((e) => /^the lab server restarted/.test(e.summary));

  expect(await lab.dropChannel(page)).toBeGreaterThan(0);
  await expect.poll(async () => (await restarts()).length, { timeout: 15_000 }).toBe(1);

  const first = routes[0] as { page: WebSocketRoute; server: WebSocketRoute };
  await first.server.close();
  await first.page.close();
  await expect.poll(async () => (await restarts()).length, { timeout: 15_000 }).toBe(2);
  // The replay from #1 arrives: two events now carry seq 1, one from each "run".
  await expect
    .poll(async () => (await lab.events(page)).filter((e) => e.seq === 1).length, { timeout: 15_000 })
    .toBeGreaterThanOrEqual(2);
  const ids = (await lab.events(page)).map((e) => e.id);
  expect(new Set(ids).size, 'every event keeps an id of its own').toBe(ids.length);
});

test('when the cookie names another session (the old one expired), the channel follows the new session from #1', async ({
  lab,
}) => {
  const [{ page, context, sessionId: old }] = await lab.openLesson('how-this-lab-works');
  const oldApi = await lab.api(old);
  // Enough history that the old session's last seq is well past what the new one will have.
  for (let i = 0; i < 5; i++) expect((await oldApi.get('/api/intro/accounts/123')).status()).toBe(200);
  await expect.poll(() => page.evaluate(() => window.__lab?.lastServerSeq)).toBeGreaterThanOrEqual(20);

  // The browser's cookie now names a new session, as after an expiry (context.request shares the cookie jar).
  const started = await context.request.post('/api/lab/session', { data: {} });
  expect(started.status()).toBe(201);
  const { id: fresh } = (await started.json()) as { id: string };
  const freshApi = await lab.api(fresh);
  expect((await freshApi.get('/api/intro/accounts/456')).status()).toBe(200); // seqs 1–4 of the new log

  expect(await lab.dropChannel(page)).toBeGreaterThan(0);
  await expect(page.getByTestId('session-id')).toHaveText(fresh, { timeout: 15_000 });
  await lab.waitForEvent(
    page,
    (e) => e.kind === 'note' && e.summary.startsWith(`this tab now follows session ${fresh}`),
    'the switch note',
  );
  // The new session's first events arrive even though their numbers are ones the page had seen.
  const request = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'request' && e.detail?.url === '/api/intro/accounts/456',
    'the new session’s request (seq 1)',
    { timeout: 15_000 },
  );
  expect(request.seq).toBe(1);
  const ids = (await lab.events(page)).map((e) => e.id);
  expect(new Set(ids).size, 'every event keeps an id of its own').toBe(ids.length);
});
