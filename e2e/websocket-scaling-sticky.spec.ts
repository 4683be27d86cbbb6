/**
 * The WebSocket lesson's "Without sticky sessions" experiment in real
 * Chromium: over long-polling, a load balancer that spreads requests
 * round-robin sends a connection's requests to the server that never issued
 * its sid (engine.io's 400 "Session ID unknown"), and the client keeps
 * reconnecting until stickiness is back on.
 */
import type { TimelineEvent } from '../lib/timeline';
import { expect, test } from './fixtures';
import { expectState, SLUG, say } from './ws-helpers';

const isServer = (e: TimelineEvent, conn: string) => e.origin === 'server' && e.conn === conn;
const isRefusal = (e: TimelineEvent, conn: string) => isServer(e, conn) && e.kind === 'error' && e.detail?.status === 400;
/** The server's engine.io handshake on this lane, naming the server and the sid it issued. */
const isHandshake = (e: TimelineEvent, conn: string) =>
  isServer(e, conn) && e.kind === 'open' && /engine\.io handshake/.test(e.summary);

test('sticky sessions off: long-polling requests reach the other server and get 400 "Session ID unknown"; on again: the connection holds', async ({
  lab,
}) => {
  test.setTimeout(90_000);
  const [{ page }] = await lab.openLesson(SLUG);
  const sticky = page.getByTestId('sticky-toggle');
  await expect(sticky).toHaveAttribute('data-sticky', 'true');
  await page.getByTestId('scaling-transport').selectOption('polling');
  await expect(page.getByTestId('scaling-transport-why')).toContainText(
    'every message, and every wait for one, is a separate HTTP request',
  );
  await page.getByTestId('scaling-connect').click();
  await expectState(page, 'user-A-state', 'open');
  await expect(page.getByTestId('user-A-server')).toHaveAttribute('data-server', 'server 1');
  const conn = (await page.getByTestId('user-A-state').getAttribute('data-conn')) as string;
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.conn === conn && /long-polling only, no upgrade/.test(e.summary),
    'polling only',
  );

  // Sticky (the default): A chats over long-polling through the balancer, no refusals.
  await say(page, 'user-A', 'sticky and fine');
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.conn === conn && /ack for "message"/.test(e.summary),
    "A's ack",
  );
  expect((await lab.events(page)).filter((e) => isRefusal(e, conn))).toEqual([]);

  await sticky.uncheck();
  await expect(sticky).toHaveAttribute('data-sticky', 'false');
  const off = await lab.waitForEvent(page, (e) => e.origin === 'server' && /^sticky sessions off/.test(e.summary), 'sticky off');

  // Refusals on A's lane, each from the server that did not issue the sid it was sent.
  const refusals = async (min: number) => {
    let found: TimelineEvent[] = [];
    await expect
      .poll(
        async () => {
          found = (await lab.events(page)).filter((e) => isRefusal(e, conn) && e.at >= off.at);
          return found.length;
        },
        { timeout: 20_000, message: `${min} refusals on user A's lane` },
      )
      .toBeGreaterThanOrEqual(min);
    return found;
  };
  const refused = await refusals(2);
  const events = await lab.events(page);
  for (const e of refused) {
    expect(e.detail).toMatchObject({ status: 400, reason: 'Session ID unknown', code: 1 });
    const sid = e.detail?.fields?.sid;
    const handshake = events.find((h) => isHandshake(h, conn) && h.detail?.fields?.sid === sid);
    expect(handshake, `the handshake that issued sid ${sid}`).toBeDefined();
    expect(handshake?.detail?.fields?.server, `sid ${sid}: refused by ${e.detail?.fields?.server}`).not.toBe(
      e.detail?.fields?.server,
    );
  }
  // The balancer's routes for A since the switch: round-robin over both servers.
  const routed = events.filter((e) => isServer(e, conn) && e.kind === 'route' && e.at >= off.at);
  expect(new Set(routed.map((e) => e.detail?.fields?.server))).toEqual(new Set(['server 1', 'server 2']));
  expect(routed.some((e) => /round-robin, sticky sessions off: sid \S+ lives on server \d, not here/.test(e.summary))).toBe(true);
  // engine.io's own error body, as the tapped HTTP response carried it.
  const response = events.find(
    (e) => e.origin === 'server' && e.kind === 'response' && e.detail?.status === 400 && e.detail.url?.includes(`conn=${conn}`),
  );
  expect(response?.detail?.body).toBe('{"code":1,"message":"Session ID unknown"}');
  // The browser saw its request fail with that 400, and socket.io's reconnect attempts followed.
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.conn === conn && e.kind === 'error' && /\(HTTP 400\)/.test(e.summary) && e.at >= off.at,
    'the 400 in the browser',
  );
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.conn === conn && e.kind === 'reconnect-attempt' && e.at >= off.at,
    'a reconnect attempt',
  );
  await expect(page.getByTestId('user-A-refused')).toBeVisible();

  // Sticky again: the next attempt connects and holds, over long-polling.
  await sticky.check();
  await expect(sticky).toHaveAttribute('data-sticky', 'true');
  const on = await lab.waitForEvent(page, (e) => e.origin === 'server' && /^sticky sessions on/.test(e.summary), 'sticky on');
  const welcomed = await lab.waitForEvent(
    page,
    (e) =>
      e.origin === 'server' && e.conn === conn && e.kind === 'open' && /connected as customer/.test(e.summary) && e.at >= on.at,
    "A's socket connected again",
    { timeout: 20_000 },
  );
  await expectState(page, 'user-A-state', 'open', 20_000);
  await say(page, 'user-A', 'sticky again');
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.conn === conn && /ack for "message"/.test(e.summary) && e.at >= welcomed.at,
    "A's ack after stickiness is back",
    { timeout: 15_000 },
  );
  const after = await lab.events(page);
  const handshake = after.filter((e) => isHandshake(e, conn) && e.at <= welcomed.at).at(-1);
  expect(handshake?.detail?.fields?.transport).toBe('polling');
  const sid = handshake?.detail?.fields?.sid;
  expect(after.filter((e) => isRefusal(e, conn) && e.detail?.fields?.sid === sid)).toEqual([]);
  expect(after.some((e) => isServer(e, conn) && /upgraded/.test(e.summary) && e.at >= on.at)).toBe(false);
});
