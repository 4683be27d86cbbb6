/**
 * Helpers for the GraphQL lesson's specs: finding one operation's events
 * (browser and server share its trace id) and counting what it cost.
 */
import type { Page } from '@playwright/test';
import type { TimelineEvent } from '../lib/timeline';
import type { LabHelpers } from './fixtures';

export const SLUG = 'graphql';

/** How long to wait for an event: generous, because the shared test machine is often heavily loaded. */
export const EVENT_WAIT = { timeout: 30_000 };

/** Every event of one operation: same trace id (`stream`), from the browser, the server and the database. */
export function ofOperation(events: readonly TimelineEvent[], trace: string | undefined): TimelineEvent[] {
  return events.filter((e) => trace !== undefined && e.stream === trace);
}

/**
 * Waits for the next browser-side response to a POST /graphql recorded after
 * `since` events, then for the server's closing note of that operation (the
 * one with the measured SQL count), and returns the operation's events.
 */
export async function lastOperation(lab: LabHelpers, page: Page, since: number) {
  const response = await lab.waitForEvent(
    page,
    (e) =>
      e.origin === 'browser' &&
      e.kind === 'response' &&
      e.protocol === 'graphql' &&
      e.detail?.method === 'POST' &&
      e.detail.url === '/graphql',
    'the browser response of POST /graphql',
    EVENT_WAIT,
  );
  // waitForEvent returns the first match; find the newest one after `since` instead.
  const all = await lab.events(page);
  const newest = all
    .slice(since)
    .filter((e) => e.origin === 'browser' && e.kind === 'response' && e.protocol === 'graphql' && e.detail?.url === '/graphql')
    .at(-1);
  const trace = (newest ?? response).stream;
  await lab.waitForEvent(
    page,
    (e) => e.stream === trace && e.origin === 'server' && e.protocol === 'graphql' && (e.kind === 'note' || e.kind === 'error'),
    `the server's note for operation ${trace}`,
    EVENT_WAIT,
  );
  // The note is logged at the end; give the lab channel a moment to deliver everything before it.
  await lab.waitForEvent(
    page,
    (e) => e.stream === trace && e.origin === 'server' && e.kind === 'response',
    'the server response',
  );
  return { trace, events: ofOperation(await lab.events(page), trace) };
}
