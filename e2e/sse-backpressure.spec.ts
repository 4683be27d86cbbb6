/**
 * Backpressure with a real slow consumer: a fetch stream reader paused in
 * Chromium. The server's buffer for that socket grows; with a bound, the
 * server drops and counts, and the page sees the holes in the ids.
 */
import { expect, test } from './fixtures';
import { waitForNumber } from './sse-helpers';

const MIB = 1024 * 1024;

test('a paused reader makes the server buffer grow; with a bound the server drops and counts instead', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson('sse');
  const widget = page.getByTestId('backpressure-widget');
  const server = widget.getByTestId('bp-server');

  // No bound: the buffer climbs past a few MiB while the page doesn't read.
  await widget.getByTestId('bp-start').click();
  await expect(page.getByTestId('bp-state')).toHaveAttribute('data-state', 'open');
  await waitForNumber(widget.getByTestId('bp-client'), 'data-read', (v) => v > 20, 'the page reading events');
  await widget.getByTestId('bp-pause').click();
  const grown = await waitForNumber(server, 'data-buffered', (v) => v > 2 * MIB, 'the server buffer above 2 MiB', 30_000);
  expect(grown).toBeGreaterThan(2 * MIB);
  expect(Number(await server.getAttribute('data-dropped'))).toBe(0);
  await widget.getByTestId('bp-stop').click();
  await expect(page.getByTestId('bp-state')).toHaveAttribute('data-state', 'closed');

  // A 256 KiB bound: the buffer levels off and events are dropped and counted.
  await widget.getByTestId('bp-bound').fill('256');
  await widget.getByTestId('bp-start').click();
  await expect(page.getByTestId('bp-state')).toHaveAttribute('data-state', 'open');
  await widget.getByTestId('bp-pause').click();
  await waitForNumber(server, 'data-dropped', (v) => v > 20, 'events dropped by the server', 30_000);
  // One 16 KiB event may overshoot: the check runs before each write.
  expect(Number(await server.getAttribute('data-peak'))).toBeLessThan(256 * 1024 + 17 * 1024);
  await widget.getByTestId('bp-resume').click();
  await waitForNumber(widget.getByTestId('bp-client'), 'data-missing', (v) => v > 0, 'holes in the ids the page read');
  await widget.getByTestId('bp-stop').click();

  const notes = (await lab.events(page)).filter(
    (e) => e.origin === 'server' && e.kind === 'note' && e.detail?.fields?.bound === 256 * 1024,
  );
  expect(notes.length).toBeGreaterThan(2);
});
