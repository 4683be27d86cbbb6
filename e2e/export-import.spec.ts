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
