/**
 * The timeline's event list: it keeps following new events when the panels
 * around it open and close, shows clock times whole, and can be driven with
 * the keyboard alone (listbox with aria-activedescendant).
 */
import type { Page } from '@playwright/test';
import type { TimelineEvent } from '../lib/timeline';
import { expect, type LabHelpers, test } from './fixtures';
import { tail } from './timeline-helpers';

const SLUG = 'how-this-lab-works';

const isBrowserResponse = (e: TimelineEvent) => e.origin === 'browser' && e.kind === 'response' && e.protocol === 'http';

/** Sends one request from the lesson's widget and waits until its browser-side response is on the timeline. */
async function sendRequest(lab: LabHelpers, page: Page): Promise<void> {
  const before = (await lab.events(page)).filter(isBrowserResponse).length;
  await page.getByTestId('send-request').click();
  await expect.poll(async () => (await lab.events(page)).filter(isBrowserResponse).length).toBe(before + 1);
}

async function expectFollowingNewest(page: Page, when: string): Promise<void> {
  await expect(page.getByTestId('timeline-follow'), `no "↓ Newest" ${when}`).toBeHidden();
  await expect
    .poll(async () => {
      const { lastRow, newest, inView } = await tail(page);
      return inView && lastRow === newest;
    }, `the newest event is in view ${when}`)
    .toBe(true);
}

test('the list keeps following new events after the inspector closes and the filters fold', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  const list = page.getByTestId('timeline-list');
  // Enough rows to scroll: closing the inspector must make the browser pull scrollTop down.
  const overflows = () => list.evaluate((el) => el.scrollHeight > el.clientHeight + 44);
  for (let i = 0; i < 12 && !(await overflows()); i++) await sendRequest(lab, page);
  expect(await overflows(), 'the list has more rows than fit').toBe(true);
  await expectFollowingNewest(page, 'before anything opens');

  await page.getByTestId('timeline-row').last().click();
  await expect(page.getByTestId('timeline-inspector')).toBeVisible();
  await page.getByRole('button', { name: 'Close the inspector' }).click();
  await expect(page.getByTestId('timeline-inspector')).toHaveCount(0);
  await sendRequest(lab, page);
  await expectFollowingNewest(page, 'after the inspector closed');

  const filtersToggle = page.getByTestId('timeline-panel').getByRole('button', { name: /^Filters/ });
  await filtersToggle.click();
  await expect(filtersToggle).toHaveAttribute('aria-expanded', 'false');
  await sendRequest(lab, page);
  await expectFollowingNewest(page, 'after the filters folded');

  await filtersToggle.click();
  await expect(filtersToggle).toHaveAttribute('aria-expanded', 'true');
  await sendRequest(lab, page);
  await expectFollowingNewest(page, 'after the filters unfolded');
});

test('clock mode shows every time to the millisecond, and the button says which mode is shown', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await sendRequest(lab, page);
  const mode = page.getByTestId('timeline-time-mode');
  await expect(mode).toHaveText('Time: relative');

  await mode.click();
  await expect(mode).toHaveText('Time: clock');
  const times = await page
    .getByTestId('timeline-row')
    .evaluateAll((rows) => rows.map((row) => row.querySelector('span')?.textContent?.trim() ?? ''));
  expect(times.length).toBeGreaterThan(0);
  for (const time of times) expect(time).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3}$/);

  await mode.click();
  await expect(mode).toHaveText('Time: relative');
});

test('the event list works with the keyboard alone', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await sendRequest(lab, page);
  const trace = (await lab.events(page)).filter(isBrowserResponse).at(-1)?.stream;
  expect(trace, 'the browser tags its request with a trace id').toBeTruthy();
  // Let the exchange settle so the list holds still while we move through it.
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'response' && e.stream === trace,
    'the server response',
  );
  const ids = (await lab.events(page)).map((e) => e.id);

  const list = page.getByTestId('timeline-list');
  const inspector = page.getByTestId('timeline-inspector');
  /** The event the listbox points at with aria-activedescendant (null when it points at nothing in the DOM). */
  const activeEvent = () =>
    list.evaluate((el) => {
      const id = el.getAttribute('aria-activedescendant');
      const row = id ? document.getElementById(id) : null;
      return row?.getAttribute('role') === 'option' ? (row.dataset.eventId ?? null) : null;
    });
  const expectActive = async (id: string | undefined) => {
    await expect.poll(activeEvent).toBe(id);
    await expect(list.locator(`[data-event-id="${id}"]`)).toHaveAttribute('aria-selected', 'true');
    await expect(inspector).toContainText(id as string);
  };

  await list.focus();
  await page.keyboard.press('End');
  await expectActive(ids.at(-1));
  await page.keyboard.press('ArrowUp');
  await expectActive(ids.at(-2));
  await page.keyboard.press('Home');
  await expectActive(ids[0]);
  const pageRows = await list.evaluate((el) => Math.max(1, Math.floor(el.clientHeight / 22) - 1));
  await page.keyboard.press('PageDown');
  await expectActive(ids[Math.min(ids.length - 1, pageRows)]);
  await page.keyboard.press('PageUp');
  await expectActive(ids[0]);
  await expect(list).toBeFocused();

  // Escape closes the inspector; Enter and Space open it again on the same row.
  await page.keyboard.press('Escape');
  await expect(inspector).toHaveCount(0);
  await expect(list).toBeFocused();
  expect(await activeEvent()).toBe(ids[0]);
  await page.keyboard.press('Enter');
  await expectActive(ids[0]);
  await page.keyboard.press('Escape');
  await expect(inspector).toHaveCount(0);
  await page.keyboard.press(' ');
  await expectActive(ids[0]);

  // Moving through the list left the tail: Tab reaches "↓ Newest", then the inspector's ✕.
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('timeline-follow')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Close the inspector' })).toBeFocused();
  // Escape on the ✕ closes the inspector and brings focus back to the list.
  await page.keyboard.press('Escape');
  await expect(inspector).toHaveCount(0);
  await expect(list).toBeFocused();

  // "↓ Newest" by keyboard: the button goes, focus stays in the list, which is at the newest row.
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('timeline-follow')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('timeline-follow')).toHaveCount(0);
  await expect(list).toBeFocused();
  await expectFollowingNewest(page, 'after "↓ Newest"');
});
