import type { Page } from '@playwright/test';
import type { TimelineEvent } from '../lib/timeline';
import { expect, type LabHelpers } from './fixtures';

export const SLUG = 'mqtt';

/** Waits until every MQTT client on the page is connected (their state badges say `open`). */
export async function waitForClients(page: Page): Promise<void> {
  for (const id of [
    'dashboard-state',
    'alerts-state',
    'wildcard-state',
    'qos-state',
    'sender-state',
    'receiver-state',
    'atm-state',
    'watcher-state',
  ]) {
    await expect(page.getByTestId(id)).toHaveAttribute('data-state', 'open');
  }
}

/** Resizes the fleet through the widget. */
export async function setFleet(page: Page, size: number): Promise<void> {
  await page.getByTestId('fleet-size').fill(String(size));
  await page.getByTestId('fleet-apply').click();
}

/** MQTT frames of one browser connection, in timeline order. */
export async function framesOf(lab: LabHelpers, page: Page, conn: string): Promise<TimelineEvent[]> {
  return (await lab.events(page)).filter((e) => e.protocol === 'mqtt' && e.kind === 'frame' && e.conn === conn);
}

/** The connection id of a browser MQTT client, found by its client id in its CONNECT. */
export async function connOf(lab: LabHelpers, page: Page, clientId: string): Promise<string> {
  const connect = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'frame' && e.summary.startsWith(`CONNECT "${clientId}"`),
    `${clientId}'s CONNECT`,
  );
  return connect.conn as string;
}

/** The tally row of the reliability widget for one QoS level. */
export async function tally(page: Page, qos: 0 | 1 | 2) {
  const row = page.getByTestId(`tally-${qos}`);
  const read = async (name: string) => Number(await row.getAttribute(`data-${name}`));
  return {
    sent: await read('sent'),
    received: await read('received'),
    duplicates: await read('duplicates'),
    lost: await read('lost'),
  };
}
