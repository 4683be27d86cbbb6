/**
 * Webhooks experiments 1, 3 and 7 in Chromium: register (and be refused),
 * receive; retries with growing delays, give-up and redeliver; hang and down;
 * stop the delivery worker and see the backlog arrive.
 */
import { expect, test } from './fixtures';
import {
  expectBalance,
  expectCredited,
  expectNewest,
  newest,
  openRegistered,
  SLUG,
  START_CENTS,
  sendEvent,
  setCheck,
  setMode,
  sideEvents,
} from './webhooks-helpers';

test('register and receive: refused URLs explain SSRF; one delivery shows on both sides', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  for (const url of ['https://example.com/hook', 'http://169.254.169.254/latest/meta-data/']) {
    await page.getByTestId('wh-url').fill(url);
    await page.getByTestId('wh-register').click();
    await expect(page.getByTestId('wh-register-result')).toHaveAttribute('data-ok', 'false');
    await expect(page.getByTestId('wh-register-result')).toContainText(/^400 .*server-side request forgery \(SSRF\)/);
  }
  await page.getByTestId('wh-url').fill(new URL('/api/webhooks/receivers/my-app', page.url()).toString());
  await page.getByTestId('wh-register').click();
  await expect(page.getByTestId('wh-register-result')).toContainText(/201 registered ep_\w+ — signing secret whsec_/);

  await sendEvent(page);
  await expectNewest(page, 'delivered');
  await expectCredited(page, 1);

  const bank = await sideEvents(lab, page, 'bank');
  const sent = bank.find((e) => e.kind === 'request');
  expect(sent?.detail?.headers).toMatchObject({
    'webhook-id': expect.stringMatching(/^evt_/),
    'webhook-signature': expect.stringMatching(/^v1,/),
  });
  const lane = sent?.conn as string;
  const receiver = (await sideEvents(lab, page, 'receiver')).filter((e) => e.conn === lane);
  expect(receiver.map((e) => e.kind)).toEqual(['request', 'note', 'note', 'response']);
  expect(receiver[1]?.summary).toMatch(/^signature verified/);
  expect(bank.find((e) => e.kind === 'response' && e.conn === lane)?.detail).toMatchObject({ status: 200, attempt: 1 });
  const events = await lab.events(page);
  expect(events.some((e) => e.origin === 'db' && /INSERT INTO webhook_deliveries/.test(e.detail?.sql ?? ''))).toBe(true);
  expect(events.some((e) => e.origin === 'db' && /UPDATE accounts SET balance_cents/.test(e.detail?.sql ?? ''))).toBe(true);
  // The lane is drawn for the delivery.
  await expect(page.locator(`[data-testid="lane"][data-conn="${lane}"]`)).toHaveCount(1);
});

test('retries: a 500 is retried with growing delays until failed; redeliver succeeds', async ({ lab }) => {
  test.setTimeout(90_000);
  const page = await openRegistered(lab, 'fail');
  await sendEvent(page);
  await expectNewest(page, 'failed', { attempts: 5, timeout: 45_000 });
  await expect(newest(page).getByTestId('wh-attempt').first()).toHaveAttribute('data-status', '500');

  const bank = await sideEvents(lab, page, 'bank');
  const retries = bank.filter((e) => e.kind === 'retry');
  expect(retries.map((e) => e.detail?.attempt)).toEqual([2, 3, 4, 5]);
  // The delays the bank chose: 1, 2, 5, 10 s, each within the ±20% jitter.
  const planned = [1000, 2000, 5000, 10_000];
  retries.forEach((e, i) => {
    const delay = e.detail?.delayMs ?? 0;
    expect(delay).toBeGreaterThanOrEqual((planned[i] ?? 0) * 0.8);
    expect(delay).toBeLessThanOrEqual((planned[i] ?? 0) * 1.2);
  });
  expect(bank.some((e) => e.kind === 'error' && /gave up/.test(e.summary))).toBe(true);

  await setMode(page, 'ok');
  await newest(page).getByTestId('wh-redeliver').click();
  await expectNewest(page, 'delivered', { attempts: 6 });
  await expect(newest(page).getByTestId('wh-attempt').last()).toHaveAttribute('data-status', '200');
  // The numbering goes on: the redelivery is the sixth attempt, not a new "#1".
  await expect(newest(page).getByTestId('wh-attempt-n')).toHaveText(['#1', '#2', '#3', '#4', '#5', '#6']);
});

test('retries: a hang times out, a down receiver refuses the connection', async ({ lab }) => {
  test.setTimeout(90_000);
  const page = await openRegistered(lab, 'hang');
  await sendEvent(page);
  const timedOut = (e: { kind: string; detail?: { reason?: string; fields?: Record<string, unknown> } }) =>
    e.kind === 'error' && e.detail?.fields?.side === 'bank' && /timed out after 2\.0 s/.test(e.detail?.reason ?? '');
  await lab.waitForEvent(page, timedOut, 'a timed-out attempt', { timeout: 15_000 });
  await setMode(page, 'down');
  await lab.waitForEvent(
    page,
    (e) => e.kind === 'error' && e.detail?.fields?.side === 'bank' && /ECONNREFUSED/.test(e.detail?.reason ?? ''),
    'a refused connection',
    { timeout: 20_000 },
  );
  // Down: nothing reached your app for that attempt.
  await setMode(page, 'ok');
  await expectNewest(page, 'delivered', { timeout: 30_000 });
  await expectCredited(page, 1);
});

test('durability: deliveries committed while the worker is stopped all arrive once it starts', async ({ lab }) => {
  const page = await openRegistered(lab);
  const other = await openRegistered(lab);
  await page.getByTestId('wh-worker-toggle').click();
  await expect(page.getByTestId('wh-worker-state')).toHaveText('worker stopped');
  for (let i = 0; i < 5; i++) await sendEvent(page);
  // Another student's deliveries keep flowing meanwhile.
  await sendEvent(other);
  await expectNewest(other, 'delivered');
  await expect(page.locator('[data-testid="wh-delivery"][data-status="pending"]')).toHaveCount(5);
  expect((await sideEvents(lab, page, 'bank')).filter((e) => e.kind === 'request')).toEqual([]);

  await page.getByTestId('wh-worker-toggle').click();
  await expect(page.getByTestId('wh-worker-state')).toHaveText('worker running');
  await expect(page.locator('[data-testid="wh-delivery"][data-status="delivered"]')).toHaveCount(5);
  await expectCredited(page, 5);
  expect((await sideEvents(lab, page, 'bank')).filter((e) => e.kind === 'request')).toHaveLength(5);
});

test('after a reload the worker and auto-events controls show what the server has', async ({ lab }) => {
  const page = await openRegistered(lab);
  await page.getByTestId('wh-worker-toggle').click();
  await expect(page.getByTestId('wh-worker-state')).toHaveText('worker stopped');
  await setCheck(page, 'wh-auto', true);

  await page.reload();
  await expect(page.getByTestId('wh-worker-state')).toHaveText('worker stopped');
  await expect(page.getByTestId('wh-worker-toggle')).toHaveText('Start delivery worker');
  await expect(page.getByTestId('wh-auto')).toBeChecked();
  // Your app's settings come back too, since my-app exists.
  await expect(page.getByTestId('wh-mode')).toHaveValue('ok');

  // The first click does what the button says.
  await page.getByTestId('wh-worker-toggle').click();
  await expect(page.getByTestId('wh-worker-state')).toHaveText('worker running');
  await setCheck(page, 'wh-auto', false);
  await page.reload();
  await expect(page.getByTestId('wh-worker-state')).toHaveText('worker running');
  await expect(page.getByTestId('wh-auto')).not.toBeChecked();
});

test('a fresh page asks for nothing that does not exist yet (no 404 for an unregistered receiver)', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  // The lab's API only (a page asset such as a favicon is not this lesson's business).
  const notFound: string[] = [];
  page.on('console', (message) => {
    const { url } = message.location();
    if (message.type() === 'error' && /status of 404/.test(message.text()) && url.includes('/api/')) notFound.push(url);
  });
  page.on('response', (response) => {
    if (response.status() === 404 && response.url().includes('/api/')) notFound.push(response.url());
  });
  await page.reload();
  // The bank's state has loaded: the controls are drawn from it.
  await expect(page.getByTestId('wh-worker-state')).toHaveText('worker running');
  await expect(page.getByTestId('wh-auto')).toBeEnabled();
  const asked = (await lab.events(page)).filter(
    (e) => e.origin === 'browser' && e.kind === 'request' && /\/api\/webhooks\/receivers\//.test(e.detail?.url ?? ''),
  );
  expect(asked).toEqual([]);
  expect(notFound).toEqual([]);
});

test('the bank also sends events on its own schedule', async ({ lab }) => {
  test.setTimeout(60_000);
  const page = await openRegistered(lab);
  // The box follows the server's answer, so click it and wait (check() wants the state to flip at once).
  await setCheck(page, 'wh-auto', true);
  await expect(page.getByTestId('wh-delivery').first()).toHaveAttribute('data-status', 'delivered', { timeout: 15_000 });
  await setCheck(page, 'wh-auto', false);
  await expectBalance(page, START_CENTS + 100 * (await page.getByTestId('wh-delivery').count()));
});
