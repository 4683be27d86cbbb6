/** Helpers for the WebSocket lesson's specs. */
import type { Locator, Page } from '@playwright/test';
import type { TimelineEvent } from '../lib/timeline';
import { expect, type LabHelpers } from './fixtures';

export const SLUG = 'websocket';

/** The server's decoded frames of one connection lane. */
export async function framesOf(lab: LabHelpers, page: Page, conn: string): Promise<TimelineEvent[]> {
  return (await lab.events(page)).filter((e) => e.origin === 'server' && e.kind === 'frame' && e.conn === conn);
}

/** The connection id a widget's socket uses, read from the browser's first event on the given path. */
export async function connOf(lab: LabHelpers, page: Page, url: RegExp, protocol: TimelineEvent['protocol'] = 'websocket') {
  const event = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.protocol === protocol && e.kind === 'note' && url.test(e.detail?.url ?? e.summary),
    `a browser socket to ${url}`,
  );
  return event.conn as string;
}

/** The lines of a chat log, as text. */
export async function logLines(log: Locator): Promise<string[]> {
  return log.locator('li').allInnerTexts();
}

/** Sends one chat line from a pane (customer/agent) by typing and pressing its button. */
export async function say(page: Page, prefix: string, text: string): Promise<void> {
  await page.getByTestId(`${prefix}-input`).fill(text);
  await page.getByTestId(`${prefix}-send`).click();
}

export async function expectState(page: Page, testId: string, state: string, timeout = 10_000): Promise<void> {
  await expect(page.getByTestId(testId)).toHaveAttribute('data-state', state, { timeout });
}
