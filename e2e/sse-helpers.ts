/**
 * Small helpers shared by the SSE and polling specs: widgets publish their
 * measurements as data-* attributes, and the specs wait on those.
 */
import type { Locator, Page } from '@playwright/test';
import type { TimelineEvent } from '../lib/timeline';
import { expect } from './fixtures';

/** A data-* attribute as a number (NaN when empty or missing). */
export async function numberAttr(locator: Locator, name: string): Promise<number> {
  const value = await locator.getAttribute(name);
  return value === null || value === '' ? Number.NaN : Number(value);
}

/** Waits until a numeric data-* attribute satisfies `predicate`, then returns it. */
export async function waitForNumber(
  locator: Locator,
  name: string,
  predicate: (value: number) => boolean,
  description: string,
  timeout = 15_000,
): Promise<number> {
  let last = Number.NaN;
  await expect
    .poll(
      async () => {
        last = await numberAttr(locator, name);
        return predicate(last);
      },
      { message: `${description} (last ${name}=${last})`, timeout },
    )
    .toBe(true);
  return last;
}

/** Events on one connection's lane, in timeline order. */
export async function laneEvents(events: TimelineEvent[], conn: string): Promise<TimelineEvent[]> {
  return events.filter((e) => e.conn === conn).sort((a, b) => a.at - b.at);
}

/** The conn id of the newest browser `open` of an SSE stream on the page. */
export async function lastStreamConn(page: Page, events: TimelineEvent[]): Promise<string> {
  const open = events.filter((e) => e.origin === 'browser' && e.protocol === 'sse' && e.kind === 'open').at(-1);
  expect(open, `an SSE open on ${page.url()}`).toBeDefined();
  return open?.conn as string;
}
