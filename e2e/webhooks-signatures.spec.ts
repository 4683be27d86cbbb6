/**
 * Webhooks experiment 2 in Chromium: check a signature in the browser, then
 * attack your app — a flipped byte, a replay (caught by dedupe), an old
 * replay (caught by the timestamp tolerance), and a receiver with the wrong secret.
 */
import { expect, test } from './fixtures';
import { expectCredited, expectNewest, openRegistered, sendEvent, setCheck, sideEvents } from './webhooks-helpers';

test('verify, tamper, replay, wrong secret', async ({ lab }) => {
  test.setTimeout(120_000);
  const page = await openRegistered(lab);
  await sendEvent(page);
  await expectNewest(page, 'delivered');
  await expectCredited(page, 1);

  // The signature, computed again in the browser, matches the header.
  await page.getByTestId('sig-capture').click();
  await expect(page.getByTestId('sig-headers')).toContainText('webhook-signature');
  await expect(page.getByTestId('sig-signed-content')).toHaveText(/^evt_\w+\.\d+\.\{"id":"evt_/);
  await expect(page.getByTestId('sig-computed')).toHaveAttribute('data-match', 'true');

  // One flipped byte: rejected, and the balance doesn't move.
  await page.getByTestId('sig-tamper').click();
  await expect(page.getByTestId('sig-result')).toHaveAttribute('data-status', '400');
  await expect(page.getByTestId('sig-result')).toContainText('mismatch');
  await lab.waitForEvent(
    page,
    (e) => e.kind === 'error' && /^signature rejected: signature does not match/.test(e.summary),
    'the rejection',
  );

  // A replay within the tolerance verifies: without dedupe it is processed again...
  await page.getByTestId('sig-replay').click();
  await expect(page.getByTestId('sig-result')).toHaveAttribute('data-status', '200');
  await expectCredited(page, 2);
  // ...with dedupe, it is answered 200 and skipped.
  await setCheck(page, 'wh-dedupe', true);
  await page.getByTestId('sig-replay').click();
  await expect(page.getByTestId('sig-result')).toContainText('"outcome":"duplicate"');
  await expect(page.getByTestId('wh-dedupe-hits')).toContainText('1 duplicate(s) skipped');

  // Wrong secret: the genuine bank is rejected, and retries; fixing it lets the delivery through.
  await setCheck(page, 'wh-wrong-secret', true);
  await sendEvent(page);
  await lab.waitForEvent(
    page,
    (e) => e.kind === 'response' && e.detail?.fields?.side === 'bank' && e.detail?.status === 400,
    "the bank's rejected attempt",
  );
  await lab.waitForEvent(page, (e) => e.kind === 'retry', 'a retry after the rejection');
  await setCheck(page, 'wh-wrong-secret', false);
  await expectNewest(page, 'delivered', { timeout: 20_000 });

  // An old replay: once the captured delivery is older than the 30 s tolerance, it is refused.
  await expect(page.getByTestId('sig-age')).toHaveAttribute('data-age', /^(3[2-9]|[4-9]\d)$/, { timeout: 60_000 });
  await page.getByTestId('sig-replay').click();
  await expect(page.getByTestId('sig-result')).toHaveAttribute('data-status', '400');
  await expect(page.getByTestId('sig-result')).toContainText('too-old');
  const rejected = (await sideEvents(lab, page, 'receiver'))
    .filter((e) => e.kind === 'error')
    .map((e) => e.detail?.fields?.reason);
  expect(rejected).toEqual(expect.arrayContaining(['mismatch', 'too-old']));
});
