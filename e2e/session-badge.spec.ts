/**
 * The header's session badge: the id a student pastes into terminal commands,
 * a Copy button for it, and New session, which starts over with a fresh bank
 * and an empty timeline (what an instructor needs between two demos).
 */
import { expect, test } from './fixtures';

test('Copy puts the session id on the clipboard', async ({ lab }) => {
  const [{ page, context, sessionId }] = await lab.openLesson('how-this-lab-works');
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await expect(page.getByTestId('session-id')).toHaveText(sessionId);
  await page.getByTestId('session-copy').click();
  await expect(page.getByTestId('session-note')).toHaveText('copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(sessionId);
});

test('Copy still works where the Clipboard API does not exist (a class server over plain http on a LAN address)', async ({
  lab,
}) => {
  const [{ context, sessionId }] = await lab.openLesson('how-this-lab-works');
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  // What a page over http://192.168.x.y sees: no navigator.clipboard (it needs a secure context).
  const page = await context.newPage();
  await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }));
  await page.goto('/lessons/how-this-lab-works');
  await expect(page.getByTestId('session-id')).toHaveText(sessionId);
  expect(await page.evaluate(() => navigator.clipboard)).toBeUndefined();

  // The clipboard is read from a tab that has the API (reading needs the tab in front).
  const reader = await context.newPage();
  await reader.goto('/lessons/how-this-lab-works');
  const clipboard = async () => {
    await reader.bringToFront();
    const text = await reader.evaluate(() => navigator.clipboard.readText());
    await page.bringToFront();
    return text;
  };

  await page.bringToFront();
  await page.getByTestId('session-copy').click();
  await expect(page.getByTestId('session-note')).toHaveText('copied');
  expect(await clipboard()).toBe(sessionId);

  // A terminal box's Copy button takes the same way.
  const command = page.getByTestId('terminal-box').first().locator('li[data-command]').first();
  await command.getByRole('button', { name: 'Copy' }).click();
  await expect(command.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await clipboard()).toBe(await command.getAttribute('data-command'));
});

test('New session starts over: a new id, a fresh bank, and nothing of the old session on the timeline', async ({ lab }) => {
  const [{ page, sessionId: old }] = await lab.openLesson('rest');
  // Change the old session's bank: cancel card c-1.
  const before = await lab.api(old);
  expect((await before.delete('/api/accounts/123/cards/c-1')).status()).toBe(204);
  await lab.waitForEvent(page, (e) => e.origin === 'server' && e.detail?.status === 204, 'the old session’s DELETE');

  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByTestId('session-new').click();
  await expect(page.getByTestId('session-id')).not.toHaveText(old, { timeout: 15_000 });
  const fresh = await lab.sessionId(page);
  expect(fresh).not.toBe(old);
  await expect(page.getByTestId('session-id')).toHaveText(fresh);

  // The page's own requests now go to the new session, whose bank still has the card.
  const cards = await page.evaluate(async () => (await (await fetch('/api/accounts/123')).json()).cards);
  expect(cards).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'c-1' })]));
  // And its timeline holds no server event of the old session.
  expect((await lab.events(page)).some((e) => e.origin === 'server' && e.detail?.status === 204)).toBe(false);
});

test('New session asks first, and does nothing when the student says no', async ({ lab }) => {
  const [{ page, sessionId }] = await lab.openLesson('how-this-lab-works');
  page.once('dialog', (dialog) => void dialog.dismiss());
  await page.getByTestId('session-new').click();
  await expect(page.getByTestId('session-id')).toHaveText(sessionId);
  expect(await lab.sessionId(page)).toBe(sessionId);
});

test('New session in one tab reloads the browser’s other lab tabs onto the new session', async ({ lab }) => {
  const [{ page, context, sessionId: old }] = await lab.openLesson('how-this-lab-works');
  // A second tab of the same browser: it shares the cookie, so it shares the session.
  const other = await context.newPage();
  await other.goto('/lessons/rest');
  await lab.waitForChannel(other);
  expect(await lab.sessionId(other)).toBe(old);

  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByTestId('session-new').click();
  await expect(page.getByTestId('session-id')).not.toHaveText(old, { timeout: 15_000 });
  const fresh = await lab.sessionId(page);
  await expect(other.getByTestId('session-id')).toHaveText(fresh, { timeout: 15_000 });
  await lab.waitForChannel(other);
  // Its timeline starts over with the new session: nothing of the old one.
  expect((await lab.events(other)).some((e) => e.kind === 'note' && e.summary.startsWith('this tab now follows'))).toBe(false);
});

test('a tab the lab refuses a session (its limit on new sessions) says why on the timeline, once', async ({ lab }) => {
  const [{ context }] = await lab.openLesson('how-this-lab-works');
  // What the server answers an address that created too many sessions lately (server/lab/session-limit.ts).
  const detail = 'Too many new sessions from your address (10.0.0.7): … Try again in 7 s.';
  await context.route('**/api/lab/session', (route) =>
    route.fulfill({
      status: 429,
      headers: { 'content-type': 'application/problem+json', 'retry-after': '7' },
      body: JSON.stringify({ type: 'about:blank', title: 'Too many new sessions', status: 429, detail }),
    }),
  );
  const page = await context.newPage();
  await page.goto('/lessons/how-this-lab-works');
  const note = await lab.waitForEvent(page, (e) => e.kind === 'note' && e.summary.includes(detail), 'the refusal note');
  expect(note.summary).toBe(`the lab could not give this tab a session yet (it keeps asking): ${detail}`);
  expect((await lab.events(page)).filter((e) => e.summary.includes(detail))).toHaveLength(1);
});
