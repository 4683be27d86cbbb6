/**
 * Experiments 5 and 6 of the REST lesson: over-fetching (bytes arrived vs
 * used) and under-fetching (a waterfall of sequential round trips whose
 * total grows with injected latency).
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { REST_SLUG, waitForServerResponses } from './rest-helpers';

// Many real round trips (some with injected latency) per test: allow for a busy machine.
test.describe.configure({ timeout: 90_000 });

test('over-fetching: the card uses two fields of the whole account that arrived', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const widget = page.getByTestId('rest-overfetch');
  await widget.getByTestId('over-load').click();
  await expect(widget.getByTestId('over-card')).toContainText('Ada Lovelace');
  await expect(widget.getByTestId('over-card')).toContainText('1,000.00');
  const arrived = Number(await widget.getByTestId('over-arrived').getAttribute('data-bytes'));
  const used = Number(await widget.getByTestId('over-used').getAttribute('data-bytes'));
  expect(used).toBe(JSON.stringify({ owner: 'Ada Lovelace', balanceCents: 100_000 }).length);
  expect(arrived).toBeGreaterThan(4 * used);
  // What arrived is exactly what the server sent.
  const [response] = await waitForServerResponses(lab, page, 1, (e) => e.detail?.url === '/api/accounts/123');
  expect(response?.bytes).toBe(arrived);
});

async function loadScreen(page: Page) {
  const widget = page.getByTestId('rest-waterfall');
  await widget.getByTestId('fall-load').click();
  const summary = widget.getByTestId('fall-summary');
  await expect(summary).toBeVisible({ timeout: 15_000 });
  await expect(widget.getByTestId('fall-screen')).toContainText('Corner Coffee');
  const trips = await widget.getByTestId('fall-trip').evaluateAll((els) =>
    els.map((el) => ({
      start: Number(el.getAttribute('data-start-ms')),
      duration: Number(el.getAttribute('data-duration-ms')),
    })),
  );
  const total = Number(await summary.getAttribute('data-total-ms'));
  await widget.getByTestId('fall-load').isEnabled();
  return { trips, total, count: Number(await summary.getAttribute('data-trips')) };
}

test('under-fetching: five sequential round trips, and 100 ms of latency adds to every one of them', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const fast = await loadScreen(page);
  expect(fast.count).toBe(5);
  // Sequential: each request starts after the previous one ended (rounding allowed).
  for (let i = 1; i < fast.trips.length; i++) {
    const prev = fast.trips[i - 1] ?? { start: 0, duration: 0 };
    expect(fast.trips[i]?.start ?? 0).toBeGreaterThanOrEqual(prev.start + prev.duration - 1);
  }
  const urls = (await lab.events(page))
    .filter((e) => e.origin === 'browser' && e.kind === 'request' && e.protocol === 'rest')
    .map((e) => e.detail?.url);
  expect(urls).toEqual([
    '/api/accounts/123',
    '/api/accounts/123/transactions',
    '/api/merchants/m-rail',
    '/api/merchants/m-books',
    '/api/merchants/m-coffee',
  ]);

  await page.getByTestId('fault-latency').fill('100');
  await page.getByTestId('fault-latency-apply').click();
  await expect(page.getByTestId('fault-status')).toContainText('100 ms');
  const slow = await loadScreen(page);
  expect(slow.count).toBe(5);
  for (const trip of slow.trips) expect(trip.duration).toBeGreaterThanOrEqual(100);
  // The total grows with the number of round trips: at least 5 × 100 ms. (Lower bounds only: on a
  // busy machine the run without latency can be slow too, so the two totals aren't compared.)
  expect(slow.total).toBeGreaterThanOrEqual(slow.count * 100);
  // The server held each of the five for the latency.
  const held = await waitForServerResponses(lab, page, 5, (e) => (e.detail?.durationMs ?? 0) >= 100);
  expect(held.length).toBeGreaterThanOrEqual(5);
  await page.getByTestId('fault-clear').click();
});
