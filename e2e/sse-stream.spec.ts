/**
 * The SSE lesson's first two experiments in real Chromium: the raw stream
 * next to the parsed events, and drop → wait → reconnect → replay with
 * contiguous ids, twice in a row, at two retry settings.
 */
import type { Kind, TimelineEvent } from '../lib/timeline';
import { expect, test } from './fixtures';
import { lastStreamConn } from './sse-helpers';

const SLUG = 'sse';
// Each test opens lesson pages and waits out real reconnect delays: give a busy, shared machine room.
test.describe.configure({ timeout: 60_000 });

test('the raw stream: the exact bytes the server wrote beside the events EventSource parsed', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  const widget = page.getByTestId('ticks-widget');
  await widget.getByTestId('ticks-connect').click();
  await expect(page.getByTestId('ticks-state')).toHaveAttribute('data-state', 'open');
  await expect.poll(async () => Number(await page.getByTestId('ticks-count').textContent())).toBeGreaterThanOrEqual(3);

  // Raw pane: the retry chunk and the tick events, field names and all.
  const raw = page.getByTestId('ticks-raw');
  await expect(raw).toContainText('retry: 1000↵');
  await expect(raw).toContainText('event: tick↵');
  await expect(page.getByTestId('ticks-parsed').locator('li[data-id]').first()).toBeVisible();

  // On the timeline: the browser's parsed message and the server's chunk for the same id share a lane,
  // and the chunk is exactly the wire form of that event.
  const events = await lab.events(page);
  const conn = await lastStreamConn(page, events);
  const message = events.find((e) => e.origin === 'browser' && e.conn === conn && e.kind === 'message') as TimelineEvent;
  const id = message.detail?.fields?.lastEventId;
  const chunk = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.conn === conn && e.kind === 'frame' && (e.detail?.body ?? '').startsWith(`id: ${id}\n`),
    `the server chunk for id ${id}`,
  );
  expect(chunk.detail?.body).toBe(`id: ${id}\nevent: tick\ndata: ${message.detail?.body}\n\n`);
  expect(chunk.bytes).toBe(new TextEncoder().encode(chunk.detail?.body ?? '').length);
  const serverOpen = events.find((e) => e.origin === 'server' && e.conn === conn && e.kind === 'open');
  expect(serverOpen?.detail?.fields?.lastEventId).toBeNull();
});

test('two drops in a row: EventSource waits retry, resumes with Last-Event-ID, ids stay contiguous; retry changes the wait', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  const count = page.getByTestId('ticks-count');
  const reconnects = page.getByTestId('ticks-reconnects');
  const widget = page.getByTestId('ticks-widget');
  await page.getByTestId('ticks-connect').click();
  await expect(page.getByTestId('ticks-state')).toHaveAttribute('data-state', 'open');
  const conn = await lastStreamConn(page, await lab.events(page));

  for (let drop = 1; drop <= 2; drop++) {
    const before = Number(await count.textContent());
    await expect.poll(async () => Number(await count.textContent())).toBeGreaterThanOrEqual(before + 2);
    await widget.getByTestId('drop-sse').click();
    await expect(widget.getByTestId('drop-sse-result')).toContainText('dropped 1 connection');
    await expect
      .poll(async () => (await reconnects.getAttribute('data-waits'))?.split(',').filter(Boolean).length ?? 0)
      .toBe(drop);
    await expect(page.getByTestId('ticks-state')).toHaveAttribute('data-state', 'open');
  }
  const after = Number(await count.textContent());
  await expect.poll(async () => Number(await count.textContent())).toBeGreaterThanOrEqual(after + 2);
  await expect(page.getByTestId('ticks-missing')).toHaveText('0');
  await expect(page.getByTestId('ticks-duplicates')).toHaveText('0');
  await expect(page.getByTestId('ticks-verdict')).toHaveAttribute('data-clean', 'true');

  // The browser waited about retry (1000 ms) each time: measured, with generous bounds.
  const waits = ((await reconnects.getAttribute('data-waits')) ?? '').split(',').map(Number);
  for (const wait of waits) {
    expect(wait).toBeGreaterThan(800);
    expect(wait).toBeLessThan(5000);
  }

  // The lane tells the story: drop → loss → wait → reconnect with Last-Event-ID → server resume → replay.
  const lane = (await lab.events(page)).filter((e) => e.conn === conn || (e.protocol === 'lab' && e.kind === 'fault'));
  // Each side's story in its own order, for both drops: the browser's and the server's events come from two
  // clocks that agree only to about half a ping round trip, so they can't be ordered against each other.
  const inOrder = (origin: 'browser' | 'server', steps: Kind[]) => {
    const story = lane.filter((e) => e.origin === origin).map((e) => e.kind);
    let at = 0;
    for (const step of steps) {
      const found = story.indexOf(step, at);
      expect(found, `${origin} ${step} after position ${at} in ${story.join(' ')}`).toBeGreaterThanOrEqual(at);
      at = found + 1;
    }
  };
  inOrder('browser', ['close', 'reconnect-attempt', 'reconnected', 'close', 'reconnect-attempt', 'reconnected']);
  inOrder('server', ['fault', 'close', 'open', 'reconnected', 'fault', 'close', 'open', 'reconnected']);
  const resumes = lane.filter((e) => e.origin === 'server' && e.kind === 'reconnected');
  expect(resumes).toHaveLength(2);
  for (const resume of resumes) {
    expect(resume.detail?.fields?.missed).toBe(0);
    expect(Number(resume.detail?.fields?.replayed)).toBeGreaterThanOrEqual(1);
  }
  const browserResumes = lane.filter((e) => e.origin === 'browser' && e.kind === 'reconnected');
  const serverOpens = lane.filter((e) => e.origin === 'server' && e.kind === 'open').slice(1);
  expect(serverOpens.map((e) => String(e.detail?.fields?.lastEventId))).toEqual(
    browserResumes.map((e) => String(e.detail?.fields?.lastEventId)),
  );
  expect(lane.some((e) => e.origin === 'server' && e.kind === 'frame' && e.summary.startsWith('wrote replayed'))).toBe(true);

  // A longer retry, a longer wait.
  await page.getByTestId('ticks-retry').fill('3000');
  await page.getByTestId('ticks-connect').click();
  await expect(page.getByTestId('ticks-state')).toHaveAttribute('data-state', 'open');
  await expect(page.getByTestId('ticks-raw')).toContainText('retry: 3000↵');
  await expect.poll(async () => Number(await count.textContent())).toBeGreaterThanOrEqual(2);
  await widget.getByTestId('drop-sse').click();
  await expect.poll(async () => (await reconnects.getAttribute('data-waits')) ?? '', { timeout: 15_000 }).not.toBe('');
  const longWait = Number((await reconnects.getAttribute('data-waits'))?.split(',')[0]);
  expect(longWait).toBeGreaterThan(2700);
  await expect(page.getByTestId('ticks-missing')).toHaveText('0');
});

test('absurd retry values are refused before anything is sent', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await page.getByTestId('ticks-retry').fill('5');
  await expect(page.getByTestId('ticks-connect')).toBeDisabled();
  const api = await lab.api(page);
  const res = await api.get('/api/sse/ticks?retry=99999999');
  expect(res.status()).toBe(400);
  expect(((await res.json()) as { detail: string }).detail).toMatch(/from 100 to 60000 ms/);
});

test("one student's drop never touches another student's stream", async ({ lab }) => {
  const [a, b] = await lab.openLesson(SLUG, { tabs: 2 });
  for (const { page } of [a, b]) {
    await page.getByTestId('ticks-connect').click();
    await expect(page.getByTestId('ticks-state')).toHaveAttribute('data-state', 'open');
  }
  await a.page.getByTestId('ticks-widget').getByTestId('drop-sse').click();
  await expect(a.page.getByTestId('ticks-widget').getByTestId('drop-sse-result')).toContainText('dropped 1 connection');
  await expect.poll(async () => (await a.page.getByTestId('ticks-reconnects').getAttribute('data-waits')) ?? '').not.toBe('');
  const before = Number(await b.page.getByTestId('ticks-count').textContent());
  await expect.poll(async () => Number(await b.page.getByTestId('ticks-count').textContent())).toBeGreaterThan(before + 1);
  await expect(b.page.getByTestId('ticks-reconnects')).toHaveAttribute('data-waits', '');
  expect((await lab.events(b.page)).some((e) => e.kind === 'fault')).toBe(false);
});
