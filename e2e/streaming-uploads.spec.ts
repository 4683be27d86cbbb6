/**
 * Uploads in real Chromium: multipart with an injected part failure completes
 * with a matching checksum; the one-request upload verifies; and the browser refuses a ReadableStream request body over HTTP/1.1.
 */
import { expect, test } from './fixtures';

test('multipart upload with part 2 failing retries that part alone and the checksum matches', async ({ lab }) => {
  test.setTimeout(90_000);
  const [{ page }] = await lab.openLesson('streaming');
  const widget = page.getByTestId('upload-widget');
  await widget.getByTestId('upload-generate').click();
  await expect(widget.getByTestId('upload-local-sha')).toHaveText(/^[0-9a-f]{64}$/, { timeout: 20_000 });
  const local = await widget.getByTestId('upload-local-sha').textContent();
  await widget.getByTestId('upload-fail-part').fill('2');
  await widget.getByTestId('upload-multipart').click();
  const result = widget.getByTestId('upload-multipart-result');
  await expect(result).toHaveAttribute('data-state', 'verified', { timeout: 60_000 });
  await expect(result).toContainText('13 part requests for 12 parts');
  await expect(result).toContainText(`SHA-256 ${local?.slice(0, 16)}`);
  await expect(widget.getByTestId('upload-part-2')).toContainText('try 2');
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'fault' && e.summary.startsWith('fail part 2'),
    "the server's injected failure",
  );
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'retry' && e.summary.startsWith('part 2 failed'),
    "the browser's retry",
  );
  const complete = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && /^multipart upload \w+ complete/.test(e.summary),
    'the assembly',
  );
  expect(complete.detail?.fields?.sha256).toBe(local);

  // One request: the same file, verified the same way.
  await widget.getByTestId('upload-streamed').click();
  await expect(widget.getByTestId('upload-streamed-result')).toHaveAttribute('data-state', 'verified', { timeout: 60_000 });
});

test('Chromium refuses a ReadableStream request body over HTTP/1.1', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('streaming');
  const widget = page.getByTestId('upload-widget');
  await widget.getByTestId('upload-duplex').click();
  await expect(widget.getByTestId('upload-duplex-result')).toHaveText(/Failed to fetch/);
  const refused = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'error' && e.summary.startsWith('refused by the browser'),
    'the refusal',
  );
  // It never reached the server.
  expect((await lab.events(page)).some((e) => e.origin === 'server' && e.conn === refused.conn)).toBe(false);
});
