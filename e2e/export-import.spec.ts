/** A timeline exported to JSON and imported again shows the same rows. */
import fs from 'node:fs/promises';
import { expect, test } from './fixtures';

test('an exported timeline re-imports to the same events and rows', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('how-this-lab-works');
  await page.getByTestId('send-request').click();
  await lab.waitForEvent(page, (e) => e.origin === 'browser' && e.kind === 'response' && e.protocol === 'http', 'the response');
  // Let the last server events land so the file holds a settled timeline.
  await page.getByTestId('timeline-pause').click();
  const before = await lab.events(page);
  const countBefore = await page.getByTestId('timeline-count').getAttribute('data-total');

  const downloading = page.waitForEvent('download');
  await page.getByTestId('timeline-export').click();
  const file = await (await downloading).path();
  const saved = JSON.parse(await fs.readFile(file, 'utf8')) as { format: string; events: unknown[] };
  expect(saved.format).toBe('api-patterns-lab/timeline');
  expect(saved.events).toHaveLength(before.length);

  await page.getByTestId('timeline-clear').click();
  await expect(page.getByTestId('timeline-count')).toHaveAttribute('data-total', '0');

  await page.getByTestId('timeline-import').setInputFiles(file);
  await expect(page.getByTestId('timeline-imported')).toBeVisible();
  await expect(page.getByTestId('timeline-count')).toHaveAttribute('data-total', String(countBefore));
  const after = await lab.events(page);
  expect(after.map((e) => [e.id, e.origin, e.kind, e.summary])).toEqual(before.map((e) => [e.id, e.origin, e.kind, e.summary]));
  const firstRows = await page
    .getByTestId('timeline-row')
    .evaluateAll((rows) => rows.slice(0, 3).map((r) => r.getAttribute('data-event-id')));
  expect(firstRows.length).toBeGreaterThan(0);
  for (const id of firstRows) expect(after.map((e) => e.id)).toContain(id);

  await page.getByTestId('timeline-back-to-live').click();
  await expect(page.getByTestId('timeline-imported')).toHaveCount(0);
});

test('a file that is not a timeline is refused with a clear message', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('how-this-lab-works');
  await page.getByTestId('timeline-import').setInputFiles({
    name: 'not-a-timeline.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"hello": "world"}'),
  });
  await expect(page.getByTestId('timeline-import-error')).toBeVisible();
  await expect(page.getByTestId('timeline-imported')).toHaveCount(0);
});

/** A one-event timeline file, as Export writes it. */
function oneEventFile(event: Record<string, unknown> = {}) {
  const file = {
    format: 'api-patterns-lab/timeline',
    version: 1,
    exportedAt: '2026-03-01T12:00:00.000Z',
    sessionId: null,
    events: [
      {
        id: 'f:1',
        at: Date.UTC(2026, 2, 1, 12),
        origin: 'browser',
        protocol: 'http',
        kind: 'request',
        summary: 'GET /saved',
        ...event,
      },
    ],
  };
  return { name: 'saved.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) };
}

test('Clear while viewing an import empties the view and keeps the live events that arrived meanwhile', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('how-this-lab-works');
  const isAccountResponse = (id: string) => (e: { origin: string; kind: string; detail?: { url?: string } }) =>
    e.origin === 'browser' && e.kind === 'response' && e.detail?.url === `/api/intro/accounts/${id}`;
  await page.getByTestId('send-request').click();
  await lab.waitForEvent(page, isAccountResponse('123'), 'the first response');

  await page.getByTestId('timeline-import').setInputFiles(oneEventFile());
  const banner = page.getByTestId('timeline-imported');
  await expect(banner).toContainText('saved.json (1 event,');
  // A request while the file is shown: its events are kept aside.
  await page.getByTestId('account-id').fill('456');
  await page.getByTestId('send-request').click();
  await expect(page.getByTestId('request-result')).toContainText('Alan Turing');

  await expect(page.getByTestId('timeline-clear')).toHaveAttribute('title', /imported file.*live events stay aside/);
  await page.getByTestId('timeline-clear').click();
  await expect(page.getByTestId('timeline-count')).toHaveAttribute('data-total', '0');
  await expect(banner).toContainText('cleared from view; the file has 1 event');

  await page.getByTestId('timeline-back-to-live').click();
  await expect(banner).toHaveCount(0);
  await lab.waitForEvent(page, isAccountResponse('123'), 'the response from before the import');
  await lab.waitForEvent(page, isAccountResponse('456'), 'the response sent while the file was shown');
});

test('Clear while paused says it removes the held events, and does', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('how-this-lab-works');
  await page.getByTestId('timeline-pause').click();
  await page.getByTestId('send-request').click();
  await expect(page.getByTestId('request-result')).toBeVisible();
  const pause = page.getByTestId('timeline-pause');
  await expect(pause).not.toHaveAttribute('data-held', '0');
  await expect(page.getByTestId('timeline-clear')).toHaveAttribute('title', /including the \d+ events? held while paused/);

  await page.getByTestId('timeline-clear').click();
  await expect(pause).toHaveText('Resume (0 held)');
  await pause.click();
  await expect(pause).toHaveText('Pause');
  // The browser recorded the exchange before the answer showed, so it was held, and Clear removed it.
  const events = await lab.events(page);
  expect(events.filter((e) => e.origin === 'browser' && e.detail?.url === '/api/intro/accounts/123')).toEqual([]);
});

test('an event with a field of the wrong type is refused, naming the event and the field', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('how-this-lab-works');
  await page.getByTestId('timeline-import').setInputFiles(oneEventFile({ detail: { headers: 'content-type: text/plain' } }));
  await expect(page.getByTestId('timeline-import-error')).toContainText(
    'saved.json: Event 1 of 1 (id "f:1") is not a valid timeline event: "detail.headers" should be an object of header names to strings, found a string.',
  );
  await expect(page.getByTestId('timeline-imported')).toHaveCount(0);

  await page.getByTestId('timeline-import').setInputFiles(oneEventFile({ at: 1e20 }));
  await expect(page.getByTestId('timeline-import-error')).toContainText('"at" should be a time in milliseconds since 1970');
});
