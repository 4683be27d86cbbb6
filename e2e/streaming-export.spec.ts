/** The export: what the server holds stays small when it streams and reaches the whole body when it buffers (from its own samples); Cancel closes the cursor. */
import { expect, test } from './fixtures';
import { closeOf, laneOf, memorySamples } from './streaming-helpers';

const MB = 1024 * 1024;

test('streamed export holds a batch at a time while the buffered one holds the whole body', async ({ lab }) => {
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
  const streamLane = laneOf(events, 'export (stream') as string;
  const bufferLane = laneOf(events, 'export (buffer') as string;
  const streamed = memorySamples(events, streamLane, 'heldBytes');
  const buffered = memorySamples(events, bufferLane, 'heldBytes');
  const body = Number(closeOf(events, bufferLane)?.detail?.fields?.bytes);
  expect(body).toBeGreaterThan(10 * MB);
  // Streamed: never more than a batch or two waiting in the socket, however many rows went by.
  expect(Math.max(...streamed)).toBeLessThan(2 * MB);
  // Buffered: at its peak the server held the whole body at once.
  expect(Math.max(...buffered)).toBeGreaterThanOrEqual(body);
  // The process-wide figures are sampled too (shown in the legend; too noisy to compare here).
  expect(memorySamples(events, bufferLane, 'heapDeltaMb').every(Number.isFinite)).toBe(true);
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
