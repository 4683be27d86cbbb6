/** The export: streamed memory stays flat while buffered memory climbs (from the server's own samples); Cancel closes the cursor. */
import { expect, test } from './fixtures';
import { closeOf, heapDeltas, laneOf } from './streaming-helpers';

test('streamed export memory stays within a bound while the buffered one grows', async ({ lab }) => {
  test.setTimeout(120_000);
  const [{ page }] = await lab.openLesson('streaming');
  const widget = page.getByTestId('export-widget');
  await widget.getByTestId('export-rows-choice').selectOption('100000');
  for (const mode of ['stream', 'buffer']) {
    await widget.getByTestId(`export-${mode}`).click();
    await expect(widget.getByTestId('export-progress')).toHaveAttribute('data-state', 'completed', { timeout: 60_000 });
    await expect(widget.getByTestId('export-progress')).toHaveAttribute('data-rows', '100000');
  }
  await expect(widget.getByTestId('export-bar')).toHaveJSProperty('value', 1);
  const events = await lab.events(page);
  const streamed = heapDeltas(events, laneOf(events, 'export (stream') as string);
  const buffered = heapDeltas(events, laneOf(events, 'export (buffer') as string);
  expect(streamed.length).toBeGreaterThan(0);
  expect(buffered.length).toBeGreaterThan(0);
  const peak = (xs: number[]) => Math.max(...xs);
  // Generous bounds: the process is shared, and the garbage collector runs when it likes.
  expect(peak(streamed)).toBeLessThan(64);
  expect(peak(buffered)).toBeGreaterThan(8);
  expect(peak(buffered)).toBeGreaterThan(2 * Math.max(1, peak(streamed)));
  // The widget's legend shows both peaks.
  await expect(widget.getByTestId('export-peak-buffer')).not.toHaveAttribute('data-peak', '');
});

test('Cancel mid-export closes the database cursor', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson('streaming');
  const widget = page.getByTestId('export-widget');
  await widget.getByTestId('export-stream').click();
  await expect
    .poll(async () => Number(await widget.getByTestId('export-progress').getAttribute('data-rows')), { timeout: 30_000 })
    .toBeGreaterThan(10_000);
  await widget.getByTestId('export-cancel').click();
  await expect(widget.getByTestId('export-progress')).toHaveAttribute('data-state', 'cancelled');
  const query = await lab.waitForEvent(page, (e) => e.origin === 'db' && e.detail?.fields?.cursor === true, 'the cursor query');
  expect(query.detail?.fields?.closedEarly).toBe(true);
  expect(query.detail?.rows).toBeLessThan(1_000_000);
  const conn = query.conn as string;
  await expect.poll(async () => closeOf(await lab.events(page), conn)?.detail?.fields?.ending).toBe('cancelled');
});
