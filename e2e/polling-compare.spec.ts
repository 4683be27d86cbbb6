/**
 * The polling lesson in real Chromium: short polling, long polling and SSE
 * read one seeded source at once and the table fills with real counts; a
 * long poll dropped while parked loses nothing.
 */
import { expect, test } from './fixtures';
import { numberAttr, waitForNumber } from './sse-helpers';

test('side by side: the comparison table fills with real counts from all three clients', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson('polling');
  const widget = page.getByTestId('polling-widget');
  await widget.getByTestId('source-mean').fill('800');
  await widget.getByTestId('source-apply').click();
  await expect(widget.getByTestId('source-note')).toContainText('every ~800 ms');
  await widget.getByTestId('short-interval').fill('500');
  await widget.getByTestId('polling-start').click();

  const row = (t: string) => widget.getByTestId(`row-${t}`);
  for (const t of ['short', 'long', 'sse'])
    await waitForNumber(row(t), 'data-delivered', (v) => v >= 8, `${t} delivering`, 40_000);
  await widget.getByTestId('polling-stop').click();

  const read = async (t: string) => ({
    requests: await numberAttr(row(t), 'data-requests'),
    empty: await numberAttr(row(t), 'data-empty'),
    bytes: await numberAttr(row(t), 'data-bytes'),
    delivered: await numberAttr(row(t), 'data-delivered'),
    missing: await numberAttr(row(t), 'data-missing'),
    duplicates: await numberAttr(row(t), 'data-duplicates'),
    p50: await numberAttr(row(t), 'data-p50'),
    max: await numberAttr(row(t), 'data-max'),
  });
  const short = await read('short');
  const long = await read('long');
  const sse = await read('sse');
  for (const [name, r] of Object.entries({ short, long, sse })) {
    expect(r.missing, `${name} missing`).toBe(0);
    expect(r.duplicates, `${name} duplicates`).toBe(0);
    expect(r.bytes, `${name} bytes`).toBeGreaterThan(0);
    expect(r.p50, `${name} p50`).toBeLessThanOrEqual(r.max);
  }
  // The shape of the comparison (counts, not timings): short polling asks on a timer and gets
  // empty answers; long polling asks about once per notification; SSE asked once.
  expect(short.requests).toBeGreaterThan(long.requests);
  expect(short.empty).toBeGreaterThan(0);
  expect(long.requests).toBeLessThanOrEqual(long.delivered + 2);
  expect(sse.requests).toBe(1);
  expect(sse.empty).toBe(0);
  expect(sse.bytes / sse.delivered).toBeLessThan(long.bytes / long.delivered);
  await expect(widget.getByTestId('polling-chart').locator('polyline')).toHaveCount(3);

  // The polls are on the timeline from both sides.
  const events = await lab.events(page);
  expect(
    events.some((e) => e.origin === 'server' && e.protocol === 'polling' && e.detail?.url?.startsWith('/api/longpoll/')),
  ).toBe(true);
  expect(events.some((e) => e.origin === 'browser' && e.protocol === 'polling' && e.detail?.url?.startsWith('/api/poll/'))).toBe(
    true,
  );
});

test('a long poll dropped while parked: the client re-polls with the same cursor and misses nothing', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('polling');
  const widget = page.getByTestId('polling-widget');
  await widget.getByTestId('source-toggle').click();
  await expect(widget.getByTestId('source-note')).toContainText('source stopped');
  await widget.getByTestId('enable-short').uncheck();
  await widget.getByTestId('enable-sse').uncheck();
  await widget.getByTestId('polling-start').click();

  // One notification first, so the client holds a cursor; then drop the request parked after it.
  await lab.waitForEvent(page, (e) => e.origin === 'server' && e.summary.startsWith('long poll parked'), 'the first park');
  await widget.getByTestId('source-emit').click();
  const row = widget.getByTestId('row-long');
  await waitForNumber(row, 'data-delivered', (v) => v === 1, 'the first notification');
  const parked = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.summary.startsWith('long poll parked') && e.detail?.fields?.after !== 0,
    'a long poll parked with a cursor',
  );
  const cursor = parked.detail?.fields?.after;
  await page.getByTestId('drop-polling').click();
  await expect(page.getByTestId('drop-polling-result')).toContainText('dropped 1 connection');
  const close = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.protocol === 'polling' && e.kind === 'close',
    'the server-side drop',
  );
  expect(close.summary).toMatch(/dropped by a fault/);
  // Produced while the dropped request was gone:
  await widget.getByTestId('source-emit').click();
  await widget.getByTestId('source-emit').click();
  await waitForNumber(row, 'data-delivered', (v) => v >= 3, 'both notifications delivered');
  expect(await numberAttr(row, 'data-missing')).toBe(0);
  expect(await numberAttr(row, 'data-duplicates')).toBe(0);
  // The request after the drop asked with the same cursor: whether Chromium retried the GET by itself
  // (it does for a reused keep-alive connection that died before any answer) or the poller re-polled.
  const events = await lab.events(page);
  const after = events.filter(
    (e) => e.origin === 'server' && e.kind === 'request' && e.protocol === 'polling' && (e.seq ?? 0) > (close.seq ?? 0),
  );
  expect(after[0]?.detail?.url).toContain(`after=${cursor}`);
  await widget.getByTestId('polling-stop').click();
});

test('the source button starts from the server’s state: stopped before a reload, it offers "Start the source" after', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson('polling');
  const toggle = page.getByTestId('polling-widget').getByTestId('source-toggle');
  await expect(toggle).toBeEnabled();
  await expect(toggle).toHaveText('Stop the source');
  await toggle.click();
  await expect(page.getByTestId('source-note')).toContainText('source stopped');

  await page.reload();
  await lab.waitForChannel(page);
  await expect(toggle).toBeEnabled();
  await expect(toggle).toHaveText('Start the source');
  await expect(page.getByTestId('source-note')).toContainText('source stopped');
  const api = await lab.api(page);
  expect(await (await api.get('/api/poll/source')).json()).toMatchObject({ running: false });

  await toggle.click();
  await expect(toggle).toHaveText('Stop the source');
  expect(await (await api.get('/api/poll/source')).json()).toMatchObject({ running: true });
});

test('an invalid mean gap or seed says what is wrong, not just a disabled Apply', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('polling');
  const widget = page.getByTestId('polling-widget');
  const apply = widget.getByTestId('source-apply');
  const problem = widget.getByTestId('source-problem');
  await expect(problem).toHaveCount(0);

  await widget.getByTestId('source-mean').fill('50');
  await expect(apply).toBeDisabled();
  await expect(problem).toHaveText('The mean gap must be a whole number from 100 to 60000 ms, not "50".');
  await widget.getByTestId('source-seed').fill('-1');
  await expect(problem).toContainText('The seed must be a whole number from 0 to 4294967295, not "-1".');

  await widget.getByTestId('source-mean').fill('2000');
  await widget.getByTestId('source-seed').fill('42');
  await expect(problem).toHaveCount(0);
  await expect(apply).toBeEnabled();

  // The clients' fields say the same way which one is wrong.
  await widget.getByTestId('long-timeout').fill('500');
  await expect(widget.getByTestId('polling-start')).toBeDisabled();
  await expect(widget.getByTestId('clients-problem')).toHaveText(
    'The long-poll timeout must be a whole number from 1000 to 60000 ms, not "500".',
  );
});
