/** Tokens: the streamed answer shows its first token long before the complete one; Cancel stops the server's generator. */
import { expect, test } from './fixtures';
import { closeOf, laneOf } from './streaming-helpers';

const ms = (text: string | null) => Number((text ?? '').replace(/[^\d.]/g, ''));

test('the first streamed token arrives well before the full answer', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson('streaming');
  const widget = page.getByTestId('tokens-widget');
  await widget.getByTestId('tokens-pace').fill('30');
  await widget.getByTestId('tokens-count').fill('60');
  await widget.getByTestId('tokens-run').click();
  await expect(widget.getByTestId('tokens-stream-state')).toHaveText('completed', { timeout: 20_000 });
  await expect(widget.getByTestId('tokens-complete-state')).toHaveText('completed', { timeout: 20_000 });
  const streamFirst = ms(await widget.getByTestId('tokens-stream-first').textContent());
  const streamTotal = ms(await widget.getByTestId('tokens-stream-total').textContent());
  const completeFirst = ms(await widget.getByTestId('tokens-complete-first').textContent());
  // 300 ms of thinking, then 59 more tokens at ~30 ms: the first token is early, the complete answer's only byte is late.
  expect(streamFirst).toBeLessThan(streamTotal / 2);
  expect(streamFirst).toBeLessThan(completeFirst / 2);
  expect(await widget.getByTestId('tokens-stream-text').textContent()).toBe(
    await widget.getByTestId('tokens-complete-text').textContent(),
  );

  // The timeline has the server writing each token on the streamed lane, and one body on the other.
  const events = await lab.events(page);
  const streamed = laneOf(events, 'token stream open') as string;
  expect(events.filter((e) => e.conn === streamed && e.origin === 'server' && e.kind === 'frame')).toHaveLength(60);
  const complete = laneOf(events, 'token answer (complete)') as string;
  expect(events.filter((e) => e.conn === complete && e.origin === 'server' && e.kind === 'frame')).toHaveLength(0);
  await lab.waitForEvent(
    page,
    (e) => e.conn === complete && e.origin === 'server' && e.kind === 'response',
    'the whole answer sent at once',
  );
  await lab.waitForEvent(
    page,
    (e) => e.conn === streamed && e.origin === 'browser' && /^first bytes after/.test(e.summary),
    "the browser's first bytes",
  );
});

test('Cancel closes the connection and the server stops generating', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson('streaming');
  const widget = page.getByTestId('tokens-widget');
  await widget.getByTestId('tokens-pace').fill('40');
  await widget.getByTestId('tokens-count').fill('300');
  await widget.getByTestId('tokens-run').click();
  await expect(widget.getByTestId('tokens-stream-state')).toHaveText('receiving');
  await widget.getByTestId('tokens-cancel').click();
  await expect(widget.getByTestId('tokens-stream-state')).toHaveText('cancelled');
  const conn = laneOf(await lab.events(page), 'token stream open') as string;
  const stopped = await lab.waitForEvent(
    page,
    (e) => e.conn === conn && e.origin === 'server' && /^generation stopped after \d+ of 300 tokens/.test(e.summary),
    'the generator stopping',
  );
  const generated = Number(stopped.detail?.fields?.generated);
  expect(generated).toBeLessThan(300);
  expect(closeOf(await lab.events(page), conn)?.detail?.fields?.ending).toBe('cancelled');
  // Ten more tokens' worth of time later, nothing more was written.
  await page.waitForTimeout(500);
  const frames = (await lab.events(page)).filter((e) => e.conn === conn && e.origin === 'server' && e.kind === 'frame');
  expect(frames.length).toBe(generated);
});

test("a refused request shows the server's reason, and an empty field means the server's default", async ({ lab }) => {
  const [{ page }] = await lab.openLesson('streaming');
  const widget = page.getByTestId('tokens-widget');
  await widget.getByTestId('tokens-count').fill('100000');
  await widget.getByTestId('tokens-run').click();
  for (const panel of ['tokens-stream', 'tokens-complete']) {
    await expect(widget.getByTestId(`${panel}-state`)).toHaveText('failed');
    await expect(widget.getByTestId(`${panel}-text`)).toHaveText(
      'The lab answered 400: "tokens" must be a whole number from 1 to 2000, got "100000".',
    );
  }
  // Empty: left out of the URL, so the server's default count (120) at a quick pace.
  await widget.getByTestId('tokens-count').fill('');
  await widget.getByTestId('tokens-pace').fill('1');
  await widget.getByTestId('tokens-run').click();
  await expect(widget.getByTestId('tokens-complete-state')).toHaveText('completed', { timeout: 20_000 });
  const request = await lab.waitForEvent(
    page,
    (e) =>
      e.origin === 'server' && e.kind === 'open' && /\/api\/stream\/tokens\?mode=complete&pace=1\b/.test(e.detail?.url ?? ''),
    'the request without a token count',
  );
  expect(request.detail?.url).not.toContain('tokens=');
});

test('a long streamed answer keeps its newest words in view', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson('streaming');
  await page.setViewportSize({ width: 390, height: 844 });
  const widget = page.getByTestId('tokens-widget');
  await widget.getByTestId('tokens-pace').fill('5');
  await widget.getByTestId('tokens-count').fill('400');
  await widget.getByTestId('tokens-run').click();
  await expect(widget.getByTestId('tokens-stream-state')).toHaveText('completed', { timeout: 30_000 });
  const text = widget.getByTestId('tokens-stream-text');
  // Longer than its box, and scrolled to the end.
  expect(await text.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
  await expect.poll(() => text.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThanOrEqual(1);
});
