/**
 * Experiment 2 of the REST lesson: repeating PUT, DELETE and POST, and an
 * Idempotency-Key retry after the response was lost following the commit.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { REST_SLUG, transactionCount } from './rest-helpers';

// Many real round trips (some with injected latency) per test: allow for a busy machine.
test.describe.configure({ timeout: 90_000 });

async function attempts(page: Page) {
  return page.getByTestId('idem-attempt').evaluateAll((els) => els.map((el) => ({ ...(el as HTMLElement).dataset })));
}

test('PUT and DELETE three times leave one state; POST three times makes three transactions', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const widget = page.getByTestId('rest-idempotency');

  await widget.getByTestId('idem-put').click();
  await expect(widget.getByTestId('idem-attempt')).toHaveCount(3);
  expect(await attempts(page)).toEqual(
    Array.from({ length: 3 }, () => expect.objectContaining({ status: '200', owner: 'Ada King', transactions: '3', cards: '1' })),
  );

  await widget.getByTestId('idem-delete').click();
  await expect(widget.getByTestId('idem-attempt')).toHaveCount(6);
  const deletes = (await attempts(page)).slice(3);
  expect(deletes.map((a) => a.status)).toEqual(['204', '404', '404']);
  expect(deletes.map((a) => a.cards)).toEqual(['0', '0', '0']);

  await widget.getByTestId('idem-post').click();
  await expect(widget.getByTestId('idem-attempt')).toHaveCount(9);
  const posts = (await attempts(page)).slice(6);
  expect(posts.map((a) => a.status)).toEqual(['201', '201', '201']);
  expect(posts.map((a) => a.transactions)).toEqual(['4', '5', '6']);
  expect(await transactionCount(lab, page)).toBe(6);
});

test('a POST whose response is lost after the commit, retried with its Idempotency-Key, makes exactly one transaction', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const widget = page.getByTestId('rest-idempotency');
  const key = await widget.getByTestId('idem-key').inputValue();
  expect(await transactionCount(lab, page)).toBe(3);

  await widget.getByTestId('idem-lose').click();
  const log = widget.getByTestId('idem-key-log');
  await expect(log.locator('li').first()).toContainText('never arrived whole', { timeout: 15_000 });

  // The server committed (one INSERT), then the drop destroyed the socket before the answer left.
  const inserts = (await lab.events(page)).filter(
    (e) => e.origin === 'db' && /^INSERT INTO transactions/.test(e.detail?.sql ?? ''),
  );
  expect(inserts).toHaveLength(1);
  const lost = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'error' && e.detail?.url === '/api/transactions',
    "the server's lost response",
  );
  expect(lost.seq ?? 0).toBeGreaterThan(inserts[0]?.seq ?? 0);
  const fault = await lab.waitForEvent(page, (e) => e.kind === 'fault' && e.detail?.fields?.target === 'rest', 'the drop');
  expect(fault.detail?.fields?.dropped).toBe(1);
  const browserError = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'error' && e.detail?.method === 'POST' && e.detail?.url === '/api/transactions',
    'the browser network error',
  );
  expect(browserError.stream).toBe(lost.stream);
  expect(await transactionCount(lab, page)).toBe(4);

  // The retry, same key: the stored answer, marked as a replay; still one new transaction.
  await widget.getByTestId('idem-pay').click();
  await expect(log.locator('li')).toHaveCount(2);
  await expect(log.locator('li').nth(1)).toContainText('201');
  await expect(log.locator('li').nth(1)).toContainText('Idempotent-Replayed: true');
  await expect(widget.getByTestId('idem-count')).toHaveAttribute('data-count', '4');
  expect(await transactionCount(lab, page)).toBe(4);
  const replay = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'response' && e.detail?.headers?.['idempotent-replayed'] === 'true',
    'the replayed response',
  );
  expect(replay.detail?.status).toBe(201);
  expect(
    (await lab.events(page)).filter((e) => e.origin === 'db' && /^INSERT INTO transactions/.test(e.detail?.sql ?? '')),
  ).toHaveLength(1);
  // The widget put the latency back the way it was.
  const api = await lab.api(page);
  expect(await (await api.get('/api/lab/faults')).json()).toEqual({ latencyMs: 0 });
  expect(key).toMatch(/^pay-/);
});

test('the same experiment by hand, with the fault bar: latency, pay, drop target rest after the INSERT, retry', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const widget = page.getByTestId('rest-idempotency');
  await page.getByTestId('fault-latency').fill('2000');
  await page.getByTestId('fault-latency-apply').click();
  await expect(page.getByTestId('fault-status')).toContainText('2000 ms');

  await widget.getByTestId('idem-pay').click();
  await lab.waitForEvent(page, (e) => e.origin === 'db' && /^INSERT INTO transactions/.test(e.detail?.sql ?? ''), 'the commit');
  await page.getByTestId('fault-target').selectOption('rest');
  await page.getByTestId('fault-drop').click();
  await expect(page.getByTestId('fault-status')).toContainText('rest: dropped 1 connection');
  const log = widget.getByTestId('idem-key-log');
  await expect(log.locator('li').first()).toContainText('never arrived whole');
  await page.getByTestId('fault-clear').click();
  await expect(page.getByTestId('fault-status')).toContainText('faults cleared');

  await widget.getByTestId('idem-pay').click();
  await expect(log.locator('li').nth(1)).toContainText('Idempotent-Replayed: true');
  expect(await transactionCount(lab, page)).toBe(4);
});

test('a key the server refuses shows its reason, and the key log follows its newest line', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const widget = page.getByTestId('rest-idempotency');
  const lines = widget.getByTestId('idem-key-line');

  // Keys that are not 1 to 255 visible ASCII characters: the 400's problem detail, not just "400 Bad Request".
  const refusedKeys = ['has space', 'ü-key', 'k'.repeat(300)];
  for (const [i, key] of refusedKeys.entries()) {
    await widget.getByTestId('idem-key').fill(key);
    await widget.getByTestId('idem-pay').click();
    await expect(lines).toHaveCount(i + 1);
    await expect(lines.last()).toContainText('400');
    await expect(lines.last()).toContainText('must be 1 to 255 visible ASCII characters');
  }
  // One fetch can't even send (beyond Latin-1): said as such, not as a lost response.
  await widget.getByTestId('idem-key').fill('key-🙂');
  await widget.getByTestId('idem-pay').click();
  await expect(lines.last()).toContainText('not sent');
  await expect(lines.last()).not.toContainText('never arrived');
  expect(await transactionCount(lab, page)).toBe(3);

  // Enough lines to overflow the log: the newest stays in sight.
  await widget.getByTestId('idem-key').fill('has space');
  for (let i = refusedKeys.length + 1; i < 16; i++) {
    await widget.getByTestId('idem-pay').click();
    await expect(lines).toHaveCount(i + 1);
  }
  const log = widget.getByTestId('idem-key-log');
  expect(await log.evaluate((el) => el.scrollHeight > el.clientHeight), 'the log overflows').toBe(true);
  await log.scrollIntoViewIfNeeded();
  await expect(lines.last()).toBeInViewport();
  await expect(lines.first()).not.toBeInViewport();
});
