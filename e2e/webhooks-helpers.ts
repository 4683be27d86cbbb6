/**
 * Shared steps for the webhooks lesson's specs: open the lesson with the
 * receiver registered, set how "your app" behaves, read the widgets.
 */
import type { Page } from '@playwright/test';
import type { TimelineEvent } from '../lib/timeline';
import { expect, type LabHelpers } from './fixtures';

export const SLUG = 'webhooks';
/** Account 123's starting balance, in cents. */
export const START_CENTS = 100_000;
/** What the widget's "Send event" credits (transaction.created, €25). */
export const CREDIT_CENTS = 2_500;

/** Opens the lesson in a fresh session and registers my-app through the widget. */
export async function openRegistered(lab: LabHelpers): Promise<Page> {
  const [{ page }] = await lab.openLesson(SLUG);
  await expect(page.getByTestId('wh-url')).toHaveValue(/\/api\/webhooks\/receivers\/my-app$/);
  await page.getByTestId('wh-register').click();
  await expect(page.getByTestId('wh-register-result')).toContainText('201 registered');
  await expect(page.getByTestId('wh-mode')).toHaveValue('ok');
  return page;
}

export async function setMode(page: Page, mode: string): Promise<void> {
  await page.getByTestId('wh-mode').selectOption(mode);
  await expect(page.getByTestId('wh-mode')).toHaveValue(mode);
}

export async function setCheck(page: Page, testId: string, on: boolean): Promise<void> {
  const box = page.getByTestId(testId);
  if ((await box.isChecked()) !== on) await box.click();
  await expect(box).toBeChecked({ checked: on });
}

export async function sendEvent(page: Page): Promise<void> {
  const before = await page.getByTestId('wh-delivery').count();
  await page.getByTestId('wh-send-event').click();
  await expect(page.getByTestId('wh-delivery')).toHaveCount(before + 1);
}

/** The newest delivery in the widget's log. */
export const newest = (page: Page) => page.getByTestId('wh-delivery').first();

export async function expectBalance(page: Page, cents: number, timeout = 15_000): Promise<void> {
  await expect(page.getByTestId('wh-balance')).toHaveAttribute('data-cents', String(cents), { timeout });
}

/** The server's webhooks events on the page's timeline for one side. */
export async function sideEvents(lab: LabHelpers, page: Page, side: 'bank' | 'receiver'): Promise<TimelineEvent[]> {
  return (await lab.events(page)).filter(
    (e) => e.protocol === 'webhooks' && e.origin === 'server' && e.detail?.fields?.side === side,
  );
}
