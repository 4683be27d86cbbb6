/**
 * The GraphQL lesson's subscription and caching experiments in a real
 * browser: a mutation in one pane arrives in the other over graphql-ws; a
 * drop loses the events of the gap until the refetch; the persisted GET is
 * answered from the browser's HTTP cache and Apollo's cache answers with no
 * request at all.
 */
import { expect as baseExpect, test } from './fixtures';
import { EVENT_WAIT, SLUG } from './graphql-helpers';

// Generous limits, not speed claims: the shared test machine is often heavily loaded.
const expect = baseExpect.configure({ timeout: 30_000 });
test.describe.configure({ timeout: 120_000 });

test('a mutation in one pane arrives in the other over graphql-ws; a drop loses the gap until the refetch', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG, { timeout: 30_000 });
  const widget = page.getByTestId('gql-subscription');
  await expect(widget.getByTestId('gql-ws-state')).toHaveAttribute('data-state', 'open');
  const opened = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.protocol === 'graphql' && e.kind === 'open',
    'the socket open',
    EVENT_WAIT,
  );
  const conn = opened.conn as string;
  // The subscription is registered once its subscribe resolver looked the account up.
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'db' && e.detail?.fields?.resolver === 'transactionCreated',
    'the subscription',
    EVENT_WAIT,
  );

  await widget.getByTestId('gql-mutate-description').fill('Before the drop');
  await widget.getByTestId('gql-mutate-send').click();
  await expect(widget.getByTestId('gql-received')).toContainText('Before the drop');
  // It came over the socket: a `next` message on the connection's lane, from both ends.
  await lab.waitForEvent(
    page,
    (e) => e.conn === conn && e.origin === 'browser' && e.kind === 'message' && e.summary.startsWith('received next'),
    'next (browser)',
    EVENT_WAIT,
  );
  await lab.waitForEvent(
    page,
    (e) => e.conn === conn && e.origin === 'server' && e.kind === 'message' && e.summary.startsWith('sent next'),
    'next (server)',
    EVENT_WAIT,
  );

  // Drop, and create a transaction while the socket is down.
  await widget.getByTestId('drop-graphql-ws').click();
  await expect(widget.getByTestId('drop-graphql-ws-result')).toContainText('dropped 1 connection');
  const lost = await lab.waitForEvent(
    page,
    (e) => e.conn === conn && e.origin === 'browser' && e.kind === 'close',
    'the browser close',
    EVENT_WAIT,
  );
  expect(lost.detail?.code).toBe(1006);
  await widget.getByTestId('gql-mutate-description').fill('During the gap');
  await widget.getByTestId('gql-mutate-send').click();
  await expect(widget.getByTestId('gql-sent')).toContainText('During the gap');

  const reconnected = await lab.waitForEvent(page, (e) => e.conn === conn && e.kind === 'reconnected', 'the reconnect', {
    timeout: 30_000,
  });
  // The gap was real: the mutation was answered before the socket came back.
  const gapMutation = (await lab.events(page)).find(
    (e) =>
      e.origin === 'browser' &&
      e.kind === 'response' &&
      e.detail?.method === 'POST' &&
      (e.detail.body ?? '').includes('During the gap'),
  );
  expect(gapMutation?.at).toBeLessThan(reconnected.at);
  await expect(widget.getByTestId('gql-ws-state')).toHaveAttribute('data-state', 'open');
  // Resubscribed by graphql-ws itself: a second subscribe resolver run.
  await expect
    .poll(
      async () =>
        (await lab.events(page)).filter((e) => e.origin === 'db' && e.detail?.fields?.resolver === 'transactionCreated').length,
    )
    .toBe(2);
  await widget.getByTestId('gql-mutate-description').fill('After the reconnect');
  await widget.getByTestId('gql-mutate-send').click();
  await expect(widget.getByTestId('gql-received')).toContainText('After the reconnect');
  await expect(widget.getByTestId('gql-received')).not.toContainText('During the gap');

  await widget.getByTestId('gql-refetch').click();
  const missed = widget.getByTestId('gql-missed');
  await expect(missed).toHaveAttribute('data-count', '1');
  await expect(missed).toContainText('During the gap');
});

test('the subscription event arrives in another tab of the same session, never in another session', async ({ lab }) => {
  const [{ page, context }, { page: stranger }] = await lab.openLesson(SLUG, { tabs: 2, timeout: 30_000 });
  // A second tab in the first browser context: same cookie, same session.
  const second = await context.newPage();
  await second.goto(`/lessons/${SLUG}`);
  await lab.waitForChannel(second, { timeout: 30_000 });
  for (const p of [page, second, stranger]) {
    await expect(p.getByTestId('gql-ws-state')).toHaveAttribute('data-state', 'open');
    await lab.waitForEvent(
      p,
      (e) => e.origin === 'db' && e.detail?.fields?.resolver === 'transactionCreated',
      'the subscription',
      EVENT_WAIT,
    );
  }
  await page.getByTestId('gql-mutate-description').fill('Seen in the other tab');
  await page.getByTestId('gql-mutate-send').click();
  await expect(second.getByTestId('gql-received')).toContainText('Seen in the other tab');
  await expect(page.getByTestId('gql-received')).toContainText('Seen in the other tab');
  // The stranger's own event arrives; the other session's, published earlier, never does.
  await stranger.getByTestId('gql-mutate-description').fill('Stranger only');
  await stranger.getByTestId('gql-mutate-send').click();
  await expect(stranger.getByTestId('gql-received')).toContainText('Stranger only');
  await expect(stranger.getByTestId('gql-received')).not.toContainText('Seen in the other tab');
  await expect(second.getByTestId('gql-received')).not.toContainText('Stranger only');
});

test('caching: POST never cached, the persisted GET answered by the HTTP cache, Apollo answers from memory', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG, { timeout: 30_000 });
  const widget = page.getByTestId('gql-caching');
  const log = widget.getByTestId('gql-cache-log').locator('li[data-source]');

  await widget.getByTestId('gql-cache-post').click();
  await expect(log).toHaveCount(1);
  await widget.getByTestId('gql-cache-post').click();
  await expect(log).toHaveCount(2);
  await expect(log.nth(1)).toHaveAttribute('data-source', 'network');
  await expect(log.nth(1)).toContainText('POST 200');
  // The POST's real size (its body), and why there is no transfer size: never a "?".
  await expect(log.nth(1)).toContainText(/POST 200: over the network \(\d+-byte body; a POST never comes from a cache/);

  // 1st GET press: the hash alone (not found) and the registration with the text.
  await widget.getByTestId('gql-cache-get').click();
  await expect(log).toHaveCount(4);
  await expect(log.nth(2)).toContainText('GET 200');
  // 2nd: the hash alone, over the network, cacheable. 3rd: the browser's HTTP cache answers.
  await widget.getByTestId('gql-cache-get').click();
  await expect(log).toHaveCount(5);
  await expect(log.nth(4)).toHaveAttribute('data-source', 'network');
  await expect(log.nth(4)).toContainText(/GET 200: over the network \(\d+ bytes transferred, headers included\)/);
  await widget.getByTestId('gql-cache-get').click();
  await expect(log).toHaveCount(6);
  await expect(log.nth(5)).toHaveAttribute('data-source', 'http-cache');

  const events = await lab.events(page);
  const gets = events.filter(
    (e) => e.origin === 'browser' && e.kind === 'response' && e.detail?.method === 'GET' && e.detail.url?.startsWith('/graphql'),
  );
  const hit = gets.at(-1);
  expect(hit?.detail?.fields?.cache).toBe('hit');
  // The cacheable answer said so, and the server never saw the hit.
  const cacheable = gets.at(-2);
  expect(cacheable?.detail?.headers?.['cache-control']).toBe('max-age=30, private');
  await expect
    .poll(async () => (await lab.events(page)).some((e) => e.origin === 'server' && e.stream === hit?.stream))
    .toBe(false);
  // Two POSTs, two server responses: none came from a cache.
  const posts = events.filter(
    (e) => e.origin === 'server' && e.kind === 'response' && e.detail?.method === 'POST' && e.detail.url === '/graphql',
  );
  expect(posts.length).toBeGreaterThanOrEqual(2);

  // Apollo's normalized cache: no request at all.
  const before = (await lab.events(page)).filter((e) => e.kind === 'request').length;
  await widget.getByTestId('gql-cache-apollo').click();
  await expect(log).toHaveCount(7);
  await expect(log.nth(6)).toHaveAttribute('data-source', 'apollo-cache');
  // The log follows its newest line (the page scrolls to the log; the log scrolls itself).
  await widget.getByTestId('gql-cache-log').scrollIntoViewIfNeeded();
  await expect(log.nth(6)).toBeInViewport();
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'note' && e.detail?.fields?.cache === 'apollo',
    'the Apollo note',
    EVENT_WAIT,
  );
  expect((await lab.events(page)).filter((e) => e.kind === 'request').length).toBe(before);
});
