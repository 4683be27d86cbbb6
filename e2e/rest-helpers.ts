/** Shared bits of the REST lesson's end-to-end specs. */
import type { Page } from '@playwright/test';
import type { TimelineEvent } from '../lib/timeline';
import type { LabHelpers } from './fixtures';

export const REST_SLUG = 'rest';

export const isBrowserResponse = (e: TimelineEvent, url: string) =>
  e.origin === 'browser' && e.kind === 'response' && e.detail?.url === url;

/** The server's events for one browser exchange (same trace id), if any reached the server. */
export function serverTwin(events: TimelineEvent[], browserEvent: TimelineEvent): TimelineEvent[] {
  return events.filter((e) => e.origin === 'server' && e.stream !== undefined && e.stream === browserEvent.stream);
}

/** The browser responses for `url`, oldest first. */
export async function browserResponses(lab: LabHelpers, page: Page, url: string): Promise<TimelineEvent[]> {
  return (await lab.events(page)).filter((e) => isBrowserResponse(e, url));
}

/** How many transactions account 123 has, asked through the API as the page's session. */
export async function transactionCount(lab: LabHelpers, page: Page, account = '123'): Promise<number> {
  const api = await lab.api(page);
  const res = await api.get(`/api/accounts/${account}/transactions`);
  return ((await res.json()) as { transactions: unknown[] }).transactions.length;
}

/** Waits until the page's timeline holds a server response for every browser exchange of `url` seen so far. */
export async function waitForServerResponses(
  lab: LabHelpers,
  page: Page,
  count: number,
  predicate: (e: TimelineEvent) => boolean,
) {
  for (let i = 0; i < 100; i++) {
    const matches = (await lab.events(page)).filter((e) => e.origin === 'server' && e.kind === 'response' && predicate(e));
    if (matches.length >= count) return matches;
    await page.waitForTimeout(50);
  }
  throw new Error(`expected ${count} matching server responses`);
}
