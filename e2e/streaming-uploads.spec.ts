/**
 * Uploads in real Chromium: multipart with an injected part failure completes
 * with a matching checksum; the one-request upload verifies; and the browser refuses a ReadableStream request body over HTTP/1.1.
 */
import { expect, test } from './fixtures';
import { closeOf } from './streaming-helpers';

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
  // The failed attempt's server lane says it answered 503, not that it "completed".
  const failedLane = (
    await lab.waitForEvent(
      page,
      (e) => e.origin === 'server' && e.kind === 'close' && /^part 2\/12 of \w+ answered 503 after/.test(e.summary),
      'the failed part\u2019s lane closing with its 503',
    )
  ).conn as string;
  expect(closeOf(await lab.events(page), failedLane)?.detail?.fields?.status).toBe(503);
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
  // The browser's own words, and why: no HTTP/2 here.
  await expect(widget.getByTestId('upload-duplex-result')).toHaveText(
    /^The browser refused to send it \(“Failed to fetch”\): Chromium sends a streaming request body only over HTTP\/2 or HTTP\/3, and this page is served over HTTP\/1\.1\. Nothing reached the server\.$/,
  );
  const refused = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'error' && e.summary.startsWith('refused by the browser'),
    'the refusal',
  );
  // It never reached the server.
  expect((await lab.events(page)).some((e) => e.origin === 'server' && e.conn === refused.conn)).toBe(false);
});

test('"Fail part" is checked in the page: abc, -1 and 99 are refused alike, 0 and a real part are accepted', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('streaming');
  const widget = page.getByTestId('upload-widget');
  await widget.getByTestId('upload-generate').click();
  await expect(widget.getByTestId('upload-local-sha')).toHaveText(/^[0-9a-f]{64}$/, { timeout: 20_000 });
  const field = widget.getByTestId('upload-fail-part');
  const error = widget.getByTestId('upload-fail-part-error');
  const send = widget.getByTestId('upload-multipart');
  // 24 MB in 2 MB parts: 12 parts.
  for (const bad of ['abc', '-1', '99']) {
    await field.fill(bad);
    await expect(error).toHaveText(
      `“Fail part” must be 0 for no failure, or a part number from 1 to 12 (this file makes 12 parts); “${bad}” is neither.`,
    );
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(send).toBeDisabled();
  }
  // A bigger part size makes fewer parts: the limit follows it.
  await field.fill('12');
  await expect(send).toBeEnabled();
  await widget.getByTestId('upload-part-size').selectOption({ label: '8 MB' });
  await expect(error).toContainText('from 1 to 3 (this file makes 3 parts); “12” is neither.');
  for (const good of ['0', '', '3']) {
    await field.fill(good);
    await expect(error).toHaveCount(0);
    await expect(send).toBeEnabled();
  }
  // Nothing was sent while the field was wrong.
  expect((await lab.events(page)).some((e) => e.origin === 'server' && e.summary.includes('multipart'))).toBe(false);
});

test('on a phone (390 px) the upload panels and the SHA-256 stay inside the widget', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('streaming');
  await page.setViewportSize({ width: 390, height: 844 });
  const widget = page.getByTestId('upload-widget');
  await widget.getByTestId('upload-generate').click();
  const sha = widget.getByTestId('upload-local-sha');
  await expect(sha).toHaveText(/^[0-9a-f]{64}$/, { timeout: 20_000 });
  await widget.getByTestId('upload-duplex').click();
  await expect(widget.getByTestId('upload-duplex-result')).toBeVisible();
  const frame = await widget.boundingBox();
  for (const inside of [sha, widget.getByTestId('upload-multipart'), widget.getByTestId('upload-duplex-result')]) {
    const box = await inside.boundingBox();
    expect(box && frame && box.x >= frame.x - 1 && box.x + box.width <= frame.x + frame.width + 1).toBe(true);
  }
  // Nothing sticks out of the frame.
  expect(await widget.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
});
