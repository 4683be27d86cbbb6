/**
 * Experiment 3 of the REST lesson: the browser's cache answers while
 * max-age holds (no server twin), If-None-Match gets a 304 with 0 body
 * bytes, and no-cache vs no-store behave differently on the wire.
 */
import type { TimelineEvent } from '../lib/timeline';
import { expect, test } from './fixtures';
import { browserResponses, REST_SLUG, serverTwin, waitForServerResponses } from './rest-helpers';

// Many real round trips (some with injected latency) per test: allow for a busy machine.
test.describe.configure({ timeout: 90_000 });

const MERCHANT = '/api/merchants/m-coffee';
const ACCOUNT = '/api/accounts/123';
const TRANSACTIONS = '/api/accounts/123/transactions';

test('a max-age resource is answered by the browser cache: a browser request with no server-side twin', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const widget = page.getByTestId('rest-cache');
  for (let i = 1; i <= 3; i++) {
    await widget.getByTestId('cache-merchant').click();
    await expect(widget.getByTestId('cache-row')).toHaveCount(i);
  }
  expect(await widget.getByTestId('cache-row').evaluateAll((els) => els.map((el) => el.getAttribute('data-source')))).toEqual([
    'network',
    'cache',
    'cache',
  ]);

  const responses = await browserResponses(lab, page, MERCHANT);
  expect(responses).toHaveLength(3);
  expect(responses.map((e) => e.detail?.fields?.cache)).toEqual(['network', 'hit', 'hit']);
  await waitForServerResponses(lab, page, 1, (e) => e.detail?.url === MERCHANT);
  // Give any stray server event time to arrive before asserting there is none.
  await page.waitForTimeout(300);
  const events = await lab.events(page);
  const [first, ...cached] = responses as [TimelineEvent, ...TimelineEvent[]];
  expect(serverTwin(events, first).map((e) => e.kind)).toEqual(['request', 'response']);
  for (const hit of cached) {
    expect(serverTwin(events, hit), 'a cache hit never reaches the server').toEqual([]);
    expect(hit.bytes).toBe(0);
    expect(hit.detail?.status).toBe(200);
  }
  expect(events.filter((e) => e.origin === 'server' && e.kind === 'request' && e.detail?.url === MERCHANT)).toHaveLength(1);
  // Two bodies of 101 bytes were not sent.
  await expect(widget.getByTestId('cache-saved')).toHaveAttribute('data-bytes', '202');
});

test('If-None-Match with the current ETag is answered 304 with 0 body bytes, and counted as saved', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const widget = page.getByTestId('rest-cache');
  await widget.getByTestId('cache-revalidate').click();
  await expect(widget.getByTestId('cache-row')).toHaveCount(2);
  await widget.getByTestId('cache-revalidate').click();
  await expect(widget.getByTestId('cache-row')).toHaveCount(3);
  await expect(widget.getByTestId('cache-304s')).toHaveText('2');

  const responses = await browserResponses(lab, page, ACCOUNT);
  const full = responses[0];
  const bodyBytes = full?.bytes ?? 0;
  expect(bodyBytes).toBeGreaterThan(200);
  expect(responses.slice(1).map((e) => e.detail?.status)).toEqual([304, 304]);
  const serverSide = await waitForServerResponses(lab, page, 3, (e) => e.detail?.url === ACCOUNT);
  const notModified = serverSide.filter((e) => e.detail?.status === 304);
  expect(notModified).toHaveLength(2);
  for (const e of notModified) {
    expect(e.bytes).toBe(0);
    expect(e.detail?.headers?.etag).toBe(full?.detail?.headers?.etag);
  }
  // The revalidation sent the ETag in If-None-Match.
  const requests = (await lab.events(page)).filter(
    (e) => e.origin === 'server' && e.kind === 'request' && e.detail?.url === ACCOUNT,
  );
  expect(requests.at(-1)?.detail?.headers?.['if-none-match']).toBe(full?.detail?.headers?.etag);
  await expect(widget.getByTestId('cache-saved')).toHaveAttribute('data-bytes', String(2 * bodyBytes));
});

test('no-cache: the browser revalidates by itself (server 304, page 200); no-store: full responses every time', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const widget = page.getByTestId('rest-cache');
  await widget.getByTestId('cache-no-cache').click();
  await expect(widget.getByTestId('cache-row')).toHaveCount(1);
  await widget.getByTestId('cache-no-cache').click();
  await expect(widget.getByTestId('cache-row')).toHaveCount(2);
  await widget.getByTestId('cache-no-store').click();
  await expect(widget.getByTestId('cache-row')).toHaveCount(3);
  await widget.getByTestId('cache-no-store').click();
  await expect(widget.getByTestId('cache-row')).toHaveCount(4);

  // no-cache: the page saw 200 twice; the server sent the body once, then 304 with 0 bytes.
  const accountPage = await browserResponses(lab, page, ACCOUNT);
  expect(accountPage.map((e) => e.detail?.status)).toEqual([200, 200]);
  const accountServer = await waitForServerResponses(lab, page, 2, (e) => e.detail?.url === ACCOUNT);
  expect(accountServer.map((e) => e.detail?.status)).toEqual([200, 304]);
  expect(accountServer[1]?.bytes).toBe(0);
  const revalidation = (await lab.events(page)).filter(
    (e) => e.origin === 'server' && e.kind === 'request' && e.detail?.url === ACCOUNT,
  )[1];
  expect(revalidation?.detail?.headers?.['if-none-match']).toBe(accountServer[0]?.detail?.headers?.etag);
  expect(await widget.getByTestId('cache-row').nth(1).getAttribute('data-source')).toBe('304');

  // no-store: two full 200s from the server, no If-None-Match.
  const listServer = await waitForServerResponses(lab, page, 2, (e) => e.detail?.url === TRANSACTIONS);
  expect(listServer.map((e) => e.detail?.status)).toEqual([200, 200]);
  for (const e of listServer) expect(e.bytes).toBeGreaterThan(300);
  const listRequests = (await lab.events(page)).filter(
    (e) => e.origin === 'server' && e.kind === 'request' && e.detail?.url === TRANSACTIONS,
  );
  expect(listRequests.every((e) => e.detail?.headers?.['if-none-match'] === undefined)).toBe(true);
});
