/**
 * Webhooks experiments 4, 5 and 6 in Chromium: a retry after process-then-
 * timeout credits twice without dedupe and once with it; settled-before-created
 * leaves a naive receiver wrong and a sequence-aware one right; a slow handler
 * is retried while queue-then-200 answers at once and processes later.
 */
import { expect, test } from './fixtures';
import {
  expectCredited,
  expectNewest,
  newest,
  openRegistered,
  sendEvent,
  setCheck,
  setMode,
  sideEvents,
} from './webhooks-helpers';

test('duplicates: credited twice without dedupe, once with it', async ({ lab }) => {
  test.setTimeout(60_000);
  const page = await openRegistered(lab, 'slow-once');
  await sendEvent(page);
  await expectNewest(page, 'delivered', { attempts: 2, timeout: 20_000 });
  await expectCredited(page, 2);
  // "Once": the app went back to answering 200, and the menu says so, so picking the option again is a real change.
  await expect(page.getByTestId('wh-mode')).toHaveValue('ok');

  await setCheck(page, 'wh-dedupe', true);
  await setMode(page, 'slow-once');
  await sendEvent(page);
  await expectNewest(page, 'delivered', { attempts: 2, timeout: 20_000 });
  await expectCredited(page, 3);
  await expect(page.getByTestId('wh-dedupe-hits')).toContainText('1 duplicate(s) skipped');
  const hit = await lab.waitForEvent(page, (e) => e.detail?.fields?.dedupe === 'hit', 'the dedupe hit');
  expect(hit.summary).toMatch(/already processed/);
});

test('out of order: naive ends pending, sequence-aware ends settled', async ({ lab }) => {
  const page = await openRegistered(lab);
  const txs = page.getByTestId('wh-transactions').locator('li');

  await page.getByTestId('wh-send-out-of-order').click();
  await expect(page.locator('[data-testid="wh-delivery"][data-status="delivered"]')).toHaveCount(2);
  await expect(txs).toHaveCount(1);
  await expect(txs.first()).toHaveAttribute('data-status', 'pending');
  // settled arrived first: the bank's log shows it delivered before created.
  const order = (await sideEvents(lab, page, 'receiver')).filter((e) => e.kind === 'request').map((e) => e.summary);
  expect(order).toHaveLength(2);

  await setCheck(page, 'wh-ordering', true);
  await page.getByTestId('wh-send-out-of-order').click();
  await expect(page.locator('[data-testid="wh-delivery"][data-status="delivered"]')).toHaveCount(4);
  await expect(page.locator('[data-testid="wh-transactions"] li[data-status="settled"]')).toHaveCount(1);
  await lab.waitForEvent(page, (e) => /^stale update ignored/.test(e.summary), 'the ignored stale update');
});

test('queue-then-200: the slow handler is retried; the queue answers at once and processes after', async ({ lab }) => {
  test.setTimeout(60_000);
  const slow = await openRegistered(lab, 'slow');
  await sendEvent(slow);
  await expect(newest(slow).getByTestId('wh-attempt')).toHaveCount(2, { timeout: 15_000 });
  // Every attempt did the work before timing out: two attempts, two credits (no dedupe).
  await expectCredited(slow, 2);
  const slowAttempts = (await sideEvents(lab, slow, 'bank')).filter(
    (e) => e.kind === 'error' && /timed out/.test(e.detail?.reason ?? ''),
  );
  expect(slowAttempts.length).toBeGreaterThanOrEqual(1);

  const queued = await openRegistered(lab, 'queue');
  await sendEvent(queued);
  await expectNewest(queued, 'delivered', { attempts: 1 });
  await expect(newest(queued).getByTestId('wh-attempt').first()).toHaveAttribute('data-status', '200');
  await expectCredited(queued, 1);
  const steps = (await sideEvents(lab, queued, 'receiver')).map((e) => e.summary);
  const queuedAt = steps.findIndex((s) => s.startsWith('queued evt_'));
  const answeredAt = steps.findIndex((s) => /answered 200/.test(s));
  const pickedAt = steps.findIndex((s) => s.startsWith('background worker picked'));
  const processedAt = steps.findIndex((s) => s.startsWith('processed transaction.created'));
  expect(queuedAt).toBeGreaterThan(-1);
  expect(answeredAt).toBeGreaterThan(queuedAt);
  expect(pickedAt).toBeGreaterThan(answeredAt);
  expect(processedAt).toBeGreaterThan(pickedAt);
});
