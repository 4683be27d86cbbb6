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
