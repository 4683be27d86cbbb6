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

/**
 * Opens the lesson in a fresh session and registers my-app through the widget;
 * then sets how my-app answers, when `mode` isn't the default `ok`.
 */
export async function openRegistered(lab: LabHelpers, mode = 'ok'): Promise<Page> {
  const [{ page }] = await lab.openLesson(SLUG);
  await expect(page.getByTestId('wh-url')).toHaveValue(/\/api\/webhooks\/receivers\/my-app$/);
  await page.getByTestId('wh-register').click();
  await expect(page.getByTestId('wh-register-result')).toContainText('201 registered');
  await expect(page.getByTestId('wh-mode')).toHaveValue('ok');
  if (mode !== 'ok') await setMode(page, mode);
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

/** Waits until the newest delivery has `status`, and then checks it took exactly `attempts` attempts, when given. */
export async function expectNewest(
  page: Page,
  status: 'pending' | 'delivered' | 'failed',
  options: { attempts?: number; timeout?: number } = {},
): Promise<void> {
  await expect(newest(page)).toHaveAttribute('data-status', status, options.timeout ? { timeout: options.timeout } : {});
  if (options.attempts !== undefined) await expect(newest(page).getByTestId('wh-attempt')).toHaveCount(options.attempts);
}

export async function expectBalance(page: Page, cents: number, timeout = 15_000): Promise<void> {
  await expect(page.getByTestId('wh-balance')).toHaveAttribute('data-cents', String(cents), { timeout });
}

/** Waits until account 123 holds its starting balance plus `credits` of the widget's events. */
export async function expectCredited(page: Page, credits: number, timeout?: number): Promise<void> {
  await expectBalance(page, START_CENTS + credits * CREDIT_CENTS, timeout);
}

/** The server's webhooks events on the page's timeline for one side. */
export async function sideEvents(lab: LabHelpers, page: Page, side: 'bank' | 'receiver'): Promise<TimelineEvent[]> {
  return (await lab.events(page)).filter(
    (e) => e.protocol === 'webhooks' && e.origin === 'server' && e.detail?.fields?.side === side,
  );
}
