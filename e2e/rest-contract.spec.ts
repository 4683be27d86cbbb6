/**
 * Experiment 7 of the REST lesson: deploying v2 renames a field; the v1
 * client keeps getting 200s and silently shows `undefined`.
 */
import { expect, test } from './fixtures';
import { REST_SLUG } from './rest-helpers';

test('deploy v2: 200 OK, no error anywhere, and the client shows undefined', async ({ lab }) => {
  // Two browser contexts (two students): slow to open on a busy machine.
  test.slow();
  const [{ page }, other] = await lab.openLesson(REST_SLUG, { tabs: 2 });
  const widget = page.getByTestId('rest-contract');
  await expect(widget.getByTestId('contract-version')).toHaveText('server runs v1');
  await widget.getByTestId('contract-refresh').click();
  await expect(widget.getByTestId('contract-holder')).toHaveText('Ada Lovelace');

  await widget.getByTestId('contract-deploy').click();
  await expect(widget.getByTestId('contract-version')).toHaveText('server runs v2');
  await expect(widget.getByTestId('contract-holder')).toHaveText('undefined');
  await expect(widget.getByTestId('contract-status')).toHaveText('200');

  const response = await lab.waitForEvent(
    page,
    (e) =>
      e.origin === 'server' &&
      e.kind === 'response' &&
      e.detail?.url === '/api/accounts/123' &&
      /holderName/.test(e.detail?.body ?? ''),
    'a v2 response',
  );
  expect(response.detail?.status).toBe(200);
  expect(response.detail?.body).not.toContain('"owner"');
  // Nothing failed loudly: no error events, no 4xx/5xx.
  const events = await lab.events(page);
  expect(events.filter((e) => e.kind === 'error')).toEqual([]);
  expect(events.filter((e) => e.kind === 'response' && (e.detail?.status ?? 0) >= 400)).toEqual([]);

  // Only this session was redeployed.
  const otherApi = await lab.api(other.page);
  expect(await (await otherApi.get('/api/accounts/123')).json()).toMatchObject({ owner: 'Ada Lovelace' });

  await widget.getByTestId('contract-deploy').click();
  await expect(widget.getByTestId('contract-holder')).toHaveText('Ada Lovelace');
});
