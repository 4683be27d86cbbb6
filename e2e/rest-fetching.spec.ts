/**
 * Experiments 5 and 6 of the REST lesson: over-fetching (bytes arrived vs
 * used) and under-fetching (a waterfall of dependent rounds of requests
 * whose total grows with injected latency).
 */
import type { Page } from '@playwright/test';
import { expect, type LabHelpers, test } from './fixtures';
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

test('over-fetching with both instances stopped: the card shows the 503 and its reason, no numbers', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const api = await lab.api(page);
  for (const name of ['A', 'B']) {
    expect((await api.put(`/api/rest/instances/${name}`, { data: { running: false } })).status()).toBe(200);
  }
  const widget = page.getByTestId('rest-overfetch');
  await widget.getByTestId('over-load').click();
  const error = widget.getByTestId('over-error');
  await expect(error).toContainText('503');
  await expect(error).toContainText('Both REST instances are stopped');
  await expect(widget.getByTestId('over-card')).toHaveCount(0);
  await expect(widget.getByTestId('over-arrived')).toHaveCount(0);
  await expect(widget).not.toContainText('NaN');

  // Started again, the card loads and the error goes.
  expect((await api.put('/api/rest/instances/A', { data: { running: true } })).status()).toBe(200);
  await widget.getByTestId('over-load').click();
  await expect(widget.getByTestId('over-card')).toContainText('Ada Lovelace');
  await expect(error).toHaveCount(0);
});

interface Trip {
  path: string;
  round: number;
  start: number;
  duration: number;
}

async function loadScreen(page: Page) {
  const widget = page.getByTestId('rest-waterfall');
  await widget.getByTestId('fall-load').click();
  const summary = widget.getByTestId('fall-summary');
  await expect(summary).toBeVisible({ timeout: 15_000 });
  await expect(widget.getByTestId('fall-screen')).toContainText('Corner Coffee');
  await expect(widget.getByTestId('fall-load')).toBeEnabled();
  const trips: Trip[] = await widget.getByTestId('fall-trip').evaluateAll((els) =>
    els.map((el) => ({
      path: el.getAttribute('data-path') ?? '',
      round: Number(el.getAttribute('data-round')),
      start: Number(el.getAttribute('data-start-ms')),
      duration: Number(el.getAttribute('data-duration-ms')),
    })),
  );
  const lines = await widget.getByTestId('fall-line').evaluateAll((els) => els.map((el) => el.getAttribute('data-transaction')));
  return {
    trips,
    lines,
    total: Number(await summary.getAttribute('data-total-ms')),
    count: Number(await summary.getAttribute('data-trips')),
    rounds: Number(await summary.getAttribute('data-rounds')),
  };
}

/** Each round starts after the round before it has ended (rounding allowed); the merchants of round 3 overlap. */
function expectRounds(trips: Trip[]) {
  const inRound = (round: number) => trips.filter((t) => t.round === round);
  expect(inRound(1).map((t) => t.path)).toEqual(['/api/accounts/123']);
  expect(inRound(2).map((t) => t.path)).toEqual(['/api/accounts/123/transactions?limit=5']);
  for (const round of [2, 3]) {
    const before = Math.max(...inRound(round - 1).map((t) => t.start + t.duration));
    for (const trip of inRound(round)) expect(trip.start, trip.path).toBeGreaterThanOrEqual(before - 1);
  }
  const merchants = inRound(3);
  const lastStart = Math.max(...merchants.map((t) => t.start));
  const firstEnd = Math.min(...merchants.map((t) => t.start + t.duration));
  expect(lastStart, 'the merchant requests go out together').toBeLessThanOrEqual(firstEnd + 1);
}

const browserRestUrls = async (lab: LabHelpers, page: Page) =>
  (await lab.events(page))
    .filter((e) => e.origin === 'browser' && e.kind === 'request' && e.protocol === 'rest')
    .map((e) => e.detail?.url);

test('under-fetching: three dependent rounds, and 100 ms of latency adds to every one of them', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const fast = await loadScreen(page);
  // A fresh bank: the account, its three transactions' list, and their three merchants.
  expect(fast.count).toBe(5);
  expect(fast.rounds).toBe(3);
  expectRounds(fast.trips);
  expect(fast.lines).toEqual(['t-3', 't-2', 't-1']);
  const urls = await browserRestUrls(lab, page);
  expect(urls.slice(0, 2)).toEqual(['/api/accounts/123', '/api/accounts/123/transactions?limit=5']);
  expect(new Set(urls.slice(2))).toEqual(new Set(['/api/merchants/m-rail', '/api/merchants/m-books', '/api/merchants/m-coffee']));
  expect(urls).toHaveLength(5);

  await page.getByTestId('fault-latency').fill('100');
  await page.getByTestId('fault-latency-apply').click();
  await expect(page.getByTestId('fault-status')).toContainText('100 ms');
  const slow = await loadScreen(page);
  expect(slow.count).toBe(5);
  expect(slow.rounds).toBe(3);
  expectRounds(slow.trips);
  for (const trip of slow.trips) expect(trip.duration, trip.path).toBeGreaterThanOrEqual(100);
  // The total grows with the number of rounds: at least 3 × 100 ms. (Lower bounds only: on a
  // busy machine the run without latency can be slow too, so the two totals aren't compared.)
  expect(slow.total).toBeGreaterThanOrEqual(slow.rounds * 100);
  // The server held each of the five for the latency.
  const held = await waitForServerResponses(lab, page, 5, (e) => (e.detail?.durationMs ?? 0) >= 100);
  expect(held.length).toBeGreaterThanOrEqual(5);
  await page.getByTestId('fault-clear').click();
});

test('under-fetching after a run of coffees: the latest five, each merchant asked for once, still three rounds', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  // What the idempotency experiment leaves behind: several payments to the same merchant.
  const api = await lab.api(page);
  const coffee = { accountId: '123', merchantId: 'm-coffee', amountCents: 350, description: 'Flat white' };
  for (let i = 0; i < 6; i++) expect((await api.post('/api/transactions', { data: coffee })).status()).toBe(201);

  const screen = await loadScreen(page);
  expect(screen.rounds).toBe(3);
  expectRounds(screen.trips);
  // The six coffees are the newest payments (the seeded ones date from January 2026), so coffee is the only merchant.
  expect(screen.trips.filter((t) => t.round === 3).map((t) => t.path)).toEqual(['/api/merchants/m-coffee']);
  expect(screen.count).toBe(3);
  // Five identical coffees on screen, each its own row (keyed by transaction id, not by its text).
  expect(screen.lines).toHaveLength(5);
  expect(new Set(screen.lines).size).toBe(5);
  expect((await browserRestUrls(lab, page)).filter((u) => u === '/api/merchants/m-coffee')).toHaveLength(1);
});
