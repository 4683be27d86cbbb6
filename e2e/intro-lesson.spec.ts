/**
 * The first lesson's two experiments, performed in a real browser against the
 * real server, checked on the timeline the student sees.
 */
import type { TimelineEvent } from '../lib/timeline';
import { expect, test } from './fixtures';

const SLUG = 'how-this-lab-works';

test('one request shows up on the timeline from the browser, the server and the database', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);

  await page.getByTestId('send-request').click();
  await expect(page.getByTestId('request-status')).toHaveText(/200/);

  const browserResponse = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'response' && e.detail?.url === '/api/intro/accounts/123',
    'the browser-side response',
  );
  const trace = browserResponse.stream;
  expect(trace, 'the browser tags its request with a trace id').toBeTruthy();
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'response' && e.stream === trace,
    'the server-side response',
  );

  const events = await lab.events(page);
  const exchange = events.filter((e) => e.stream === trace || e.origin === 'db');
  const browserSide = exchange.filter((e) => e.origin === 'browser');
  // The server's log numbers its events: request, the two queries, response.
  const serverSide = exchange.filter((e) => e.origin !== 'browser').sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  expect(browserSide.map((e) => e.kind)).toEqual(['request', 'response']);
  expect(serverSide.map((e) => `${e.origin}:${e.kind}`)).toEqual(['server:request', 'db:query', 'db:query', 'server:response']);
  // One clock: the server's events, moved onto the browser's clock, fall inside the browser's
  // request → response window. The offset is an estimate (half a loopback round trip at most),
  // so allow a few milliseconds either side.
  const [sent, received] = browserSide as [TimelineEvent, TimelineEvent];
  const CLOCK_TOLERANCE_MS = 5;
  for (const e of serverSide) {
    expect(e.at, `${e.summary} on the browser's clock`).toBeGreaterThan(sent.at - CLOCK_TOLERANCE_MS);
    expect(e.at, `${e.summary} on the browser's clock`).toBeLessThan(received.at + CLOCK_TOLERANCE_MS);
  }
  const serverResponse = serverSide.at(-1) as TimelineEvent;
  expect(serverResponse.detail?.status).toBe(200);
  expect(exchange.filter((e) => e.origin === 'db').map((e) => e.detail?.sql)).toEqual([
    expect.stringMatching(/FROM accounts/),
    expect.stringMatching(/FROM transactions/),
  ]);

  // The panel renders both origins' rows.
  const panel = page.getByTestId('timeline-panel');
  await expect(panel.locator('[data-testid="timeline-row"][data-origin="server"][data-kind="response"]').first()).toBeVisible();
  await expect(panel.locator('[data-testid="timeline-row"][data-origin="browser"][data-kind="response"]').first()).toBeVisible();
  await expect(panel.locator('[data-testid="timeline-row"][data-origin="db"]').first()).toBeVisible();

  // Selecting the server's response shows its headers in the inspector.
  await panel.locator(`[data-testid="timeline-row"][data-event-id="${serverResponse.id}"]`).click();
  await expect(page.getByTestId('timeline-inspector')).toContainText('application/json');
});

test('Drop connection kills the echo socket on the server; the client reconnects with backoff', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expect(page.getByTestId('echo-state')).toHaveAttribute('data-state', 'open');

  const opened = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.protocol === 'websocket' && e.kind === 'open',
    'echo open',
  );
  const conn = opened.conn as string;

  await page.getByTestId('echo-input').fill('before the drop');
  await page.getByTestId('echo-send').click();
  await expect(page.getByTestId('echo-log')).toContainText('before the drop');

  await page.getByTestId('drop-websocket').click();
  await expect(page.getByTestId('drop-websocket-result')).toContainText('dropped 1 connection');
  await lab.waitForEvent(page, (e) => e.conn === conn && e.kind === 'reconnected', 'the reconnect');
  await expect(page.getByTestId('echo-state')).toHaveAttribute('data-state', 'open');

  // The server's events travel over the lab channel, which may deliver them after the browser's own 'reconnected'.
  await expect
    .poll(
      async () => (await lab.events(page)).filter((e) => e.conn === conn && e.origin === 'server' && e.kind === 'open').length,
    )
    .toBe(2);
  const life = (await lab.events(page)).filter((e) => e.conn === conn);
  const browserSide = life.filter((e) => e.origin === 'browser').map((e) => e.kind);
  // drop → reconnect-attempt → reconnected, in that order, on the browser's side.
  const closeAt = browserSide.indexOf('close');
  expect(closeAt).toBeGreaterThan(-1);
  expect(browserSide.slice(closeAt, closeAt + 3)).toEqual(['close', 'reconnect-attempt', 'reconnected']);
  const browserClose = life.find((e) => e.origin === 'browser' && e.kind === 'close') as TimelineEvent;
  expect(browserClose.detail?.code).toBe(1006);
  expect(browserClose.detail?.wasClean).toBe(false);
  // The server's side of the same lane: the socket was destroyed, then a new one accepted.
  const serverSide = life.filter((e) => e.origin === 'server').map((e) => e.kind);
  expect(serverSide.filter((k) => k === 'open')).toHaveLength(2);
  expect(serverSide).toContain('close');

  // The lane draws the whole life: open, dropped, reconnecting, open again.
  const lane = page.locator(`[data-testid="lane"][data-conn="${conn}"]`);
  await expect(lane).toBeVisible();
  // Lanes redraw on their own schedule, so poll until the drawing has caught up.
  const laneStates = () => lane.getByTestId('lane-segment').evaluateAll((els) => els.map((el) => el.getAttribute('data-state')));
  await expect
    .poll(async () => {
      const states = await laneStates();
      const dropped = states.indexOf('dropped');
      const reconnecting = states.indexOf('reconnecting', dropped);
      const openAgain = states.indexOf('open', reconnecting);
      return states.indexOf('open') < dropped && dropped < reconnecting && reconnecting < openAgain;
    }, 'the lane shows open → dropped → reconnecting → open')
    .toBe(true);

  // And it works again.
  await page.getByTestId('echo-input').fill('after the drop');
  await page.getByTestId('echo-send').click();
  await expect(page.getByTestId('echo-log')).toContainText('after the drop');
});

test('the instructor shortcut Shift+D drops every connection of the session', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expect(page.getByTestId('echo-state')).toHaveAttribute('data-state', 'open');
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Shift+D');
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'fault' && e.detail?.fields?.target === 'all',
    'the drop-all fault',
  );
  await lab.waitForEvent(page, (e) => e.protocol === 'websocket' && e.kind === 'reconnected', 'the echo reconnect');
  await expect(page.getByTestId('echo-state')).toHaveAttribute('data-state', 'open');
});

test('an unknown account is a 404 problem document after a single query', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await page.getByTestId('account-id').fill('999');
  await page.getByTestId('send-request').click();
  await expect(page.getByTestId('request-status')).toHaveText(/404/);
  await expect(page.getByTestId('request-widget')).toContainText('application/problem+json');

  const response = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'response' && e.detail?.status === 404,
    'the server-side 404',
  );
  const events = await lab.events(page);
  const request = events.find((e) => e.origin === 'server' && e.kind === 'request' && e.stream === response.stream);
  const queries = events.filter(
    (e) => e.origin === 'db' && (e.seq ?? 0) > (request?.seq ?? 0) && (e.seq ?? 0) < (response.seq ?? 0),
  );
  expect(queries.map((e) => e.detail?.sql)).toEqual([expect.stringMatching(/FROM accounts/)]);
});

test('latency from the fault bar delays the answer, and clearing it removes the delay', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await page.getByTestId('fault-latency').fill('800');
  await page.getByTestId('fault-latency-apply').click();
  await expect(page.getByTestId('fault-status')).toContainText('800 ms');

  await page.getByTestId('send-request').click();
  await expect(page.getByTestId('request-status')).toHaveText(/200/);
  const slow = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'response' && e.detail?.url === '/api/intro/accounts/123',
    'the delayed server response',
  );
  // A lower bound only: the server held the answer for the injected latency.
  expect(slow.detail?.durationMs ?? 0).toBeGreaterThanOrEqual(800);
  const fault = await lab.waitForEvent(page, (e) => e.kind === 'fault' && e.detail?.fields?.action === 'latency', 'the fault');
  expect(fault.detail?.fields?.ms).toBe(800);

  await page.getByTestId('fault-clear').click();
  await lab.waitForEvent(page, (e) => e.kind === 'fault' && e.detail?.fields?.action === 'clear', 'the clear');
});

test('a message over the echo limit is refused in the widget with a reason, and the socket stays open', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expect(page.getByTestId('echo-state')).toHaveAttribute('data-state', 'open');
  const opened = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.protocol === 'websocket' && e.kind === 'open',
    'echo open',
  );

  await page.getByTestId('echo-input').fill('x'.repeat(200_000));
  const error = page.getByTestId('echo-error');
  await expect(error).toContainText('200,000 bytes');
  await expect(error).toContainText('at most 64 KiB');
  await expect(error).toContainText('1009');
  await expect(page.getByTestId('echo-send')).toBeDisabled();
  await page.getByTestId('echo-input').press('Enter');
  // Nothing went out, so nothing closed: the socket is the same one, still open.
  await expect(page.getByTestId('echo-state')).toHaveAttribute('data-state', 'open');
  const conn = opened.conn as string;
  const life = (await lab.events(page)).filter((e) => e.conn === conn);
  expect(life.filter((e) => e.kind === 'message')).toEqual([]);
  expect(life.filter((e) => e.kind === 'close')).toEqual([]);

  // Within the limit it goes through, and the reason disappears.
  await page.getByTestId('echo-input').fill('short again');
  await expect(error).toHaveCount(0);
  await page.getByTestId('echo-send').click();
  await expect(page.getByTestId('echo-log')).toContainText('short again');
});

test('the echo log follows its newest line', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expect(page.getByTestId('echo-state')).toHaveAttribute('data-state', 'open');
  const lines = page.getByTestId('echo-line');
  for (let i = 1; i <= 15; i++) {
    await page.getByTestId('echo-input').fill(`message ${i}`);
    await page.getByTestId('echo-send').click();
    // Sent and echoed: two lines per message.
    await expect(lines).toHaveCount(2 * i);
  }
  const log = page.getByTestId('echo-log');
  expect(await log.evaluate((el) => el.scrollHeight > el.clientHeight), 'the log overflows').toBe(true);
  await log.scrollIntoViewIfNeeded();
  await expect(lines.last()).toHaveText(/message 15$/);
  await expect(lines.last()).toBeInViewport();
  await expect(lines.first()).not.toBeInViewport();
});
