/**
 * Experiment 4 of the REST lesson: ten requests alternate between the two
 * stateless instances with identical answers; killing A (for one session)
 * leaves B serving everything, and another student still gets both.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { REST_SLUG } from './rest-helpers';

async function served(page: Page) {
  const widget = page.getByTestId('rest-instances');
  await widget.getByTestId('inst-send').click();
  await expect(widget.getByTestId('inst-row')).toHaveCount(10);
  await expect(widget.getByTestId('inst-send')).toBeEnabled();
  return widget.getByTestId('inst-row').evaluateAll((els) =>
    els.map((el) => ({
      instance: el.getAttribute('data-instance'),
      status: el.getAttribute('data-status'),
      text: el.textContent ?? '',
    })),
  );
}

test('requests alternate between A and B; with A killed, B serves them all; other sessions are untouched', async ({ lab }) => {
  // Two browser contexts (two students): slow to open on a busy machine.
  test.slow();
  const [alice, bob] = await lab.openLesson(REST_SLUG, { tabs: 2 });

  const first = await served(alice.page);
  const instances = first.map((r) => r.instance);
  for (let i = 1; i < instances.length; i++) expect(instances[i], `request ${i + 1}`).not.toBe(instances[i - 1]);
  expect(new Set(instances)).toEqual(new Set(['A', 'B']));
  expect(first.every((r) => r.status === '200')).toBe(true);
  // Identical results: the same balance and ETag from both instances.
  const answer = (text: string) => text.replace(/^#\d+ instance [AB]/, '');
  expect(new Set(first.map((r) => answer(r.text))).size).toBe(1);

  // The server timeline names the instance on every response. Server events reach the tab over the
  // lab channel, in batches up to 20 ms after the response they describe: wait for all ten.
  const servedBy = async () =>
    (await lab.events(alice.page))
      .filter((e) => e.origin === 'server' && e.kind === 'response' && e.detail?.url === '/api/accounts/123')
      .map((e) => e.detail?.headers?.['x-lab-instance']);
  await expect.poll(servedBy).toEqual(instances);

  const widget = alice.page.getByTestId('rest-instances');
  await widget.getByTestId('inst-toggle-a').click();
  await expect(widget.getByTestId('inst-toggle-a')).toHaveAttribute('data-running', 'false');
  await lab.waitForEvent(alice.page, (e) => e.kind === 'fault' && e.detail?.fields?.instance === 'A', 'the stop event');
  const afterKill = await served(alice.page);
  expect(afterKill.map((r) => r.instance)).toEqual(Array(10).fill('B'));
  expect(afterKill.every((r) => r.status === '200')).toBe(true);
  expect(new Set(afterKill.map((r) => answer(r.text)))).toEqual(new Set([answer(first[0]?.text ?? '')]));

  // Bob never saw the stop and still gets both instances.
  const bobServed = await served(bob.page);
  expect(new Set(bobServed.map((r) => r.instance))).toEqual(new Set(['A', 'B']));
  expect((await lab.events(bob.page)).some((e) => e.kind === 'fault')).toBe(false);

  await widget.getByTestId('inst-toggle-a').click();
  await expect(widget.getByTestId('inst-toggle-a')).toHaveAttribute('data-running', 'true');
  expect(new Set((await served(alice.page)).map((r) => r.instance))).toEqual(new Set(['A', 'B']));
});

test('with both instances killed, every row is a 503 and the widget says why; the log shows its newest row', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(REST_SLUG);
  const widget = page.getByTestId('rest-instances');
  for (const name of ['a', 'b']) {
    await widget.getByTestId(`inst-toggle-${name}`).click();
    await expect(widget.getByTestId(`inst-toggle-${name}`)).toHaveAttribute('data-running', 'false');
  }
  const rows = await served(page);
  expect(rows.map((r) => r.status)).toEqual(Array(10).fill('503'));
  expect(rows.map((r) => r.instance)).toEqual(Array(10).fill('none'));
  for (const row of rows) {
    expect(row.text).toContain('no instance → 503 · No instance running');
    expect(row.text).not.toContain('ETag');
  }
  await expect(widget.getByTestId('inst-error')).toContainText('Both REST instances are stopped');
  const log = widget.getByTestId('inst-log');
  await log.scrollIntoViewIfNeeded();
  await expect(widget.getByTestId('inst-row').last()).toBeInViewport();

  // One back: the rows are answers again and the explanation goes.
  await widget.getByTestId('inst-toggle-b').click();
  await expect(widget.getByTestId('inst-toggle-b')).toHaveAttribute('data-running', 'true');
  expect((await served(page)).map((r) => r.instance)).toEqual(Array(10).fill('B'));
  await expect(widget.getByTestId('inst-error')).toHaveCount(0);
});
