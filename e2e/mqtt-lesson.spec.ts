/**
 * The MQTT lesson's experiments, performed in Chromium against the real
 * broker, checked on the widgets and on the timeline the student sees.
 */
import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures';
import { connOf, framesOf, SLUG, setFleet, tally, waitForClients } from './mqtt-helpers';

// Each page holds fourteen MQTT clients, and the fleet reports on its own schedule.
test.describe.configure({ timeout: 60_000 });

/** A log that follows its newest line: once it holds more than it shows, its newest line is fully in sight. */
async function expectFollowsItsTail(log: Locator): Promise<void> {
  await expect.poll(() => log.evaluate((el) => el.scrollHeight > el.clientHeight), { message: 'the log overflows' }).toBe(true);
  // Brings the log itself into the page's view; its own scroll position is the widget's business.
  await log.scrollIntoViewIfNeeded();
  await expect(log.locator('li').last()).toBeInViewport({ ratio: 1 });
}

test('topology: the fleet publishes, the broker routes by topic, the routing terminal says where each PUBLISH went', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await waitForClients(page);
  await setFleet(page, 12);
  await expect(page.getByTestId('fleet-running')).toHaveText('12 ATMs publishing');
  await expect
    .poll(async () => Number((await page.getByTestId('dashboard-count').textContent())?.split(' ')[0]))
    .toBeGreaterThan(3);
  await expect(page.getByTestId('routing-terminal')).toContainText('⇒ dashboard atms/+/+/cash-level (QoS 0)');
  // The terminal shows the live traffic at its bottom, not the start-up lines at its top.
  await expectFollowsItsTail(page.getByTestId('routing-terminal'));

  const route = await lab.waitForEvent(
    page,
    (e) =>
      e.kind === 'route' && e.origin === 'broker' && /cash-level from the ATM fleet → 1 of \d+ subscriptions/.test(e.summary),
    'a routed cash level',
  );
  expect(route.detail?.fields?.matched).toBe('dashboard atms/+/+/cash-level (QoS 0)');
  expect(route.detail?.fields?.unmatched).toContain('alert-system atms/+/+/transactions (QoS 2)');
  // The route is decided before the broker sends the PUBLISH on to the dashboard (both on the
  // server's clock), and the dashboard receives it. No order is asserted between a server event and a
  // browser one: the two clocks agree only to within half a ping round trip, milliseconds on a busy machine.
  const dashboard = await connOf(lab, page, 'dashboard');
  const topic = String(route.detail?.fields?.topic);
  const isPublish = (e: { summary: string }) => e.summary.startsWith(`PUBLISH ${topic} `);
  const forwarded = await lab.waitForEvent(
    page,
    (e) => e.conn === dashboard && e.origin === 'broker' && e.dir === 'out' && isPublish(e),
    'the broker sending it to the dashboard',
  );
  expect(forwarded.at).toBeGreaterThanOrEqual(route.at);
  await lab.waitForEvent(
    page,
    (e) => e.conn === dashboard && e.origin === 'browser' && e.dir === 'in' && isPublish(e),
    'the dashboard receiving it',
  );
  await page.getByTestId('fleet-stop').click();
  await expect(page.getByTestId('fleet-running')).toHaveText('0 ATMs publishing');
});

test('wildcards: explained level by level, then a live subscription catches only what the filter matches', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await waitForClients(page);
  const verdict = page.getByTestId('wildcard-verdict');
  await expect(verdict).toHaveText('Match');
  await page.getByTestId('wildcard-topic').fill('atms/us-east/atm-0002/transactions');
  await expect(verdict).toHaveText('No match');
  await expect(page.getByTestId('wildcard-levels')).toContainText('different text (levels are case-sensitive)');
  await page.getByTestId('wildcard-filter').fill('atms/us-east/#');
  await page.getByTestId('wildcard-topic').fill('atms/us-east');
  await expect(verdict).toHaveText('Match');
  await expect(page.getByTestId('wildcard-levels')).toContainText('# also matches the parent level itself');
  await page.getByTestId('wildcard-filter').fill('atms/#/cash-level');
  await expect(verdict).toContainText('Invalid: # must be a whole level and the last one');

  await page.getByTestId('wildcard-filter').fill('atms/us-east/#');
  await page.getByTestId('wildcard-subscribe').click();
  await expect(page.getByTestId('wildcard-subscribed')).toContainText('subscribed to atms/us-east/#');
  await setFleet(page, 9);
  const caught = page.getByTestId('wildcard-caught').locator('li');
  await expect(caught.first()).toContainText('atms/us-east/');
  await expect.poll(() => caught.count()).toBeGreaterThan(2);
  for (const line of await caught.allTextContents()) expect(line).toMatch(/^atms\/us-east\//);

  // A misplaced # never leaves the page: mqtt.js refuses it, and says so; the old subscription and its list end.
  await page.getByTestId('wildcard-filter').fill('atms/#/x');
  await page.getByTestId('wildcard-subscribe').click();
  const outcome = page.getByTestId('wildcard-subscribed');
  await expect(outcome).toHaveAttribute('data-outcome', 'refused-by-client');
  await expect(outcome).toContainText('refused by mqtt.js, the client library, before sending');
  await expect(outcome).toContainText('# must be a whole level and the last one');
  await expect(outcome).not.toContainText('SUBACK');
  await expect(page.getByTestId('wildcard-caught')).toContainText('Nothing caught yet');
  await expect(caught).toHaveCount(1);
  const events = await lab.events(page);
  expect(events.filter((e) => e.summary.startsWith('SUBSCRIBE') && e.summary.includes('atms/#/x'))).toEqual([]);
  expect(events.some((e) => e.summary.startsWith('UNSUBSCRIBE') && e.summary.includes('atms/us-east/#'))).toBe(true);
  await page.getByTestId('fleet-stop').click();
});

test('QoS handshakes: each packet in order with its packet id, on both sides', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await waitForClients(page);
  const conn = await connOf(lab, page, 'qos-lab');
  await lab.waitForEvent(
    page,
    (e) => e.conn === conn && e.origin === 'browser' && e.summary.startsWith('CONNACK'),
    'the CONNACK of qos-lab',
  );
  const start = (await framesOf(lab, page, conn)).length;

  // New frames are told apart by id, not by position: the timeline is ordered by time, and a server
  // event arriving late over the lab channel can land before frames that were already there.
  const sequence = async (qos: 0 | 1 | 2, last: string) => {
    const seen = new Set((await framesOf(lab, page, conn)).map((e) => e.id));
    await page.getByTestId(`qos-publish-${qos}`).click();
    await lab.waitForEvent(page, (e) => e.conn === conn && e.origin === 'browser' && e.summary.startsWith(last) && true, last);
    const frames = (await framesOf(lab, page, conn)).filter(
      (e) =>
        !seen.has(e.id) &&
        e.origin === 'browser' &&
        e.detail?.fields?.type !== 'PINGREQ' &&
        e.detail?.fields?.type !== 'PINGRESP',
    );
    return frames;
  };
  const q0 = await sequence(0, 'PUBLISH atms/eu-west/atm-0001/cash-level QoS 0');
  expect(q0.map((e) => e.summary)).toEqual(['PUBLISH atms/eu-west/atm-0001/cash-level QoS 0']);
  const q1 = await sequence(1, 'PUBACK');
  expect(q1.map((e) => `${e.dir} ${e.detail?.fields?.type}`)).toEqual(['out PUBLISH', 'in PUBACK']);
  expect(q1[0]?.stream).toBeTruthy();
  expect(q1[1]?.stream).toBe(q1[0]?.stream);
  const q2 = await sequence(2, 'PUBCOMP');
  expect(q2.map((e) => `${e.dir} ${e.detail?.fields?.type}`)).toEqual(['out PUBLISH', 'in PUBREC', 'out PUBREL', 'in PUBCOMP']);
  expect(new Set(q2.map((e) => e.stream)).size).toBe(1);

  // The broker recorded the same packets in the same lane, with the same ids and bytes.
  const id = q2[0]?.stream;
  const brokerSide = await lab.waitForEvent(
    page,
    (e) => e.conn === conn && e.origin === 'broker' && e.summary === `PUBCOMP id ${id}`,
    "the broker's PUBCOMP",
  );
  expect(brokerSide.detail?.raw).toBe(q2[3]?.detail?.raw);
  const brokerPublish = (await framesOf(lab, page, conn)).find(
    (e) => e.origin === 'broker' && e.dir === 'in' && e.stream === id && e.detail?.fields?.type === 'PUBLISH',
  );
  expect(brokerPublish?.detail?.raw).toBe(q2[0]?.detail?.raw);
  expect((await framesOf(lab, page, conn)).length).toBeGreaterThan(start);
  // The widget lists them in the same order.
  await expect(page.getByTestId('qos-packets').locator('li[data-type="PUBCOMP"]')).toHaveAttribute('data-packet-id', String(id));

  // Two more QoS 2 handshakes fill the list past what it shows: the newest packet stays in sight.
  await page.getByTestId('qos-publish-2').click();
  await expect(page.getByTestId('qos-packets').locator('li[data-type="PUBCOMP"]')).toHaveCount(2);
  await page.getByTestId('qos-publish-2').click();
  await expect(page.getByTestId('qos-packets').locator('li[data-type="PUBCOMP"]')).toHaveCount(3);
  await expectFollowsItsTail(page.getByTestId('qos-packets'));
});

test('tiny packets: PINGREQ and PINGRESP are two bytes in the hex dump; the PUBLISH is smaller than a bare HTTP POST', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await waitForClients(page);
  await page.getByTestId('qos-publish-1').click();
  // The QoS client's keepalive is 5 s: a PINGREQ follows five quiet seconds.
  await expect(page.getByTestId('hex-pingreq')).toContainText('2 bytes', { timeout: 15_000 });
  await expect(page.getByTestId('hex-pingreq')).toContainText('c0 00');
  await expect(page.getByTestId('hex-pingresp')).toContainText('d0 00');
  const publishBytes = Number(/(\d+) bytes/.exec((await page.getByTestId('hex-publish').textContent()) ?? '')?.[1]);
  const httpBytes = Number(/(\d+) bytes/.exec((await page.getByTestId('hex-http').textContent()) ?? '')?.[1]);
  expect(publishBytes).toBe(52);
  expect(httpBytes).toBeGreaterThan(2 * publishBytes);
  const conn = await connOf(lab, page, 'qos-lab');
  const ping = await lab.waitForEvent(
    page,
    (e) => e.conn === conn && e.origin === 'broker' && e.summary === 'PINGRESP',
    "the broker's PINGRESP",
  );
  expect(ping.bytes).toBe(2);
});

test('unreliable link: a persistent session gets QoS 1 and 2 back after a drop (QoS 1 with a DUP), QoS 0 is lost; a clean session loses them all', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await waitForClients(page);
  const receiverConn = await connOf(lab, page, 'receiver');
  // The receiver subscribes once connected: a round sent before its SUBACK has nobody to go to.
  await lab.waitForEvent(
    page,
    (e) => e.conn === receiverConn && e.origin === 'browser' && e.dir === 'in' && e.summary.startsWith('SUBACK'),
    'the receiver’s SUBACK',
  );

  await page.getByTestId('receiver-freeze').check();
  await page.getByTestId('send-round').click();
  await expect.poll(async () => (await tally(page, 1)).received).toBe(1);
  await page.getByTestId('drop-mqtt').click();
  // Only the link's own two clients: the rest of the page (the ATM, which never reconnects by itself) keeps its connections.
  await expect(page.getByTestId('drop-mqtt-result')).toHaveText('dropped 2 connections');
  await expect(page.getByTestId('receiver-state')).toHaveAttribute('data-state', 'offline');
  await expect(page.getByTestId('sender-state')).toHaveAttribute('data-state', 'open');
  await page.getByTestId('send-round').click();
  await lab.waitForEvent(
    page,
    (e) => e.kind === 'route' && e.summary.startsWith('lab/link/q2 from sender') && e.summary.includes('offline'),
    'a route to the offline receiver',
  );
  await page.getByTestId('receiver-reconnect').click();
  await expect(page.getByTestId('receiver-state')).toHaveAttribute('data-state', 'open');
  await expect.poll(async () => (await tally(page, 2)).received).toBe(6);
  await expect.poll(async () => (await tally(page, 1)).received).toBe(6);
  expect((await tally(page, 1)).duplicates).toBeGreaterThanOrEqual(1);
  expect(await tally(page, 2)).toMatchObject({ sent: 6, received: 6, duplicates: 0, lost: 0 });
  // QoS 0 during the outage is gone (and any still queued behind the frozen message).
  expect((await tally(page, 0)).lost).toBeGreaterThanOrEqual(3);
  // The redelivered QoS 1 message carried DUP.
  await lab.waitForEvent(
    page,
    (e) =>
      e.conn === receiverConn &&
      e.origin === 'browser' &&
      e.dir === 'in' &&
      /^PUBLISH lab\/link\/q1 QoS 1 id \d+ DUP/.test(e.summary),
    'a DUP redelivery',
  );

  // Clean session: the outage takes everything.
  await page.getByTestId('receiver-clean').check();
  // The switch replaces the receiver: wait for the new (clean) client to be connected and subscribed,
  // or the round below could be published before anyone listens.
  const cleanConnect = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'frame' && e.summary.startsWith('CONNECT "receiver" clean=true'),
    'the clean receiver’s CONNECT',
  );
  await lab.waitForEvent(
    page,
    (e) => e.conn === cleanConnect.conn && e.origin === 'browser' && e.dir === 'in' && e.summary.startsWith('SUBACK'),
    'the clean receiver’s SUBACK',
  );
  await expect(page.getByTestId('receiver-state')).toHaveAttribute('data-state', 'open');
  await page.getByTestId('receiver-freeze').check();
  await page.getByTestId('send-round').click();
  await expect.poll(async () => (await tally(page, 1)).received).toBe(1);
  await page.getByTestId('drop-mqtt').click();
  await expect(page.getByTestId('receiver-state')).toHaveAttribute('data-state', 'offline');
  await expect(page.getByTestId('sender-state')).toHaveAttribute('data-state', 'open');
  await page.getByTestId('send-round').click();
  await page.getByTestId('receiver-reconnect').click();
  await expect(page.getByTestId('receiver-state')).toHaveAttribute('data-state', 'open');
  // Give a (wrong) redelivery time to show up before counting what was lost.
  await page.waitForTimeout(1000);
  expect(await tally(page, 1)).toMatchObject({ sent: 6, received: 1, lost: 5 });
  expect(await tally(page, 2)).toMatchObject({ sent: 6, received: 0, lost: 6 });
  expect((await tally(page, 0)).lost).toBeGreaterThanOrEqual(3);
  // Seconds after two drops, the ATM further down never lost its connection, and its will never fired.
  await expect(page.getByTestId('atm-state')).toHaveAttribute('data-state', 'open');
  await expect(page.getByTestId('atm-report')).toBeEnabled();
  expect((await lab.events(page)).some((e) => e.kind === 'route' && e.summary.includes('from the will of atm-0042'))).toBe(false);
});

test('retained messages and the Last Will: a late subscriber gets the last value at once; a cut ATM’s will is published', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await waitForClients(page);
  await page.getByTestId('atm-report').click();
  await lab.waitForEvent(
    page,
    (e) => e.kind === 'route' && e.summary.startsWith('atms/eu-west/atm-0042/cash-level from atm-0042'),
    'the report routed',
  );
  await page.getByTestId('watcher-subscribe').click();
  const log = page.getByTestId('watcher-log');
  await expect(log.locator('li[data-topic="atms/eu-west/atm-0042/cash-level"][data-retain="true"]')).toHaveCount(1);
  await expect(log.locator('li[data-topic="atms/eu-west/atm-0042/status"][data-retain="true"]')).toContainText('online');

  await page.getByTestId('atm-cut').click();
  await expect(page.getByTestId('atm-state')).toHaveAttribute('data-state', 'offline');
  await expect(log.locator('li[data-topic="atms/eu-west/atm-0042/status"]').last()).toContainText('offline');
  await lab.waitForEvent(
    page,
    (e) => e.kind === 'route' && e.summary.startsWith('atms/eu-west/atm-0042/status from the will of atm-0042'),
    'the will routed',
  );
  await page.getByTestId('watcher-subscribe').click();
  await expect(log.locator('li[data-topic="atms/eu-west/atm-0042/status"][data-retain="true"]')).toContainText('offline');
  // The ATM stays down until it is brought back; then it says so itself, and that replaces the will.
  await expect(page.getByTestId('atm-state')).toHaveAttribute('data-state', 'offline');
  await expect(page.getByTestId('atm-report')).toBeDisabled();
  await page.getByTestId('atm-back').click();
  await expect(page.getByTestId('atm-state')).toHaveAttribute('data-state', 'open');
  await expect(log.locator('li[data-topic="atms/eu-west/atm-0042/status"]').last()).toContainText('online');
  await page.getByTestId('watcher-subscribe').click();
  await expect(log.locator('li[data-topic="atms/eu-west/atm-0042/status"][data-retain="true"]')).toContainText('online');
});

test('single point of failure: broker down drops every client, CONNECTs are refused, then they come back with backoff', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await waitForClients(page);
  const branches = page.locator('[data-testid^="branch-branch-"]');
  await expect(branches).toHaveCount(6);
  for (const b of await branches.all()) await expect(b).toHaveAttribute('data-state', 'open');
  await page.getByTestId('broker-down').click();
  await expect(page.getByTestId('broker-down-result')).toContainText('broker down for 5 s');
  for (const b of await branches.all()) await expect(b).toHaveAttribute('data-state', 'reconnecting');
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.summary === 'CONNACK 3 refused: server unavailable',
    'a refused reconnect',
  );
  for (const b of await branches.all()) await expect(b).toHaveAttribute('data-state', 'open', { timeout: 20_000 });
  // As the lesson says: the two clients made without automatic reconnection stay offline until their buttons.
  await expect(page.getByTestId('atm-state')).toHaveAttribute('data-state', 'offline');
  await expect(page.getByTestId('receiver-state')).toHaveAttribute('data-state', 'offline');
  await expect(page.getByTestId('dashboard-state')).toHaveAttribute('data-state', 'open', { timeout: 20_000 });
  await page.getByTestId('atm-back').click();
  await page.getByTestId('receiver-reconnect').click();
  await expect(page.getByTestId('atm-state')).toHaveAttribute('data-state', 'open');
  await expect(page.getByTestId('receiver-state')).toHaveAttribute('data-state', 'open');
  // Each reconnected after at least one refused attempt, with growing delays.
  const attempts = await lab.events(page);
  const delays = attempts.filter((e) => e.kind === 'reconnect-attempt').map((e) => e.detail?.delayMs ?? 0);
  expect(Math.max(...delays)).toBeGreaterThan(Math.min(...delays));
  expect(attempts.some((e) => e.kind === 'fault' && e.summary.startsWith('Broker down for 5 s'))).toBe(true);
});

test('scale: thousands of ATMs are counted per second on the timeline, not listed; more than 5,000 is refused', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await waitForClients(page);
  // 1,000 ATMs: about 200 reports a second, well over the 60 events a second the timeline lists.
  await setFleet(page, 1000);
  await expect(page.getByTestId('fleet-running')).toHaveText('1,000 ATMs publishing');
  const note = await lab.waitForEvent(
    page,
    (e) => e.origin === 'broker' && e.kind === 'note' && e.summary.includes('counted not listed'),
    'an aggregated broker line',
  );
  expect(Number(note.detail?.fields?.aggregated)).toBeGreaterThan(100);
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'note' && e.summary.includes('more packets in 1 s'),
    "the dashboard's own aggregate",
  );
  await expect(page.getByTestId('routing-terminal-scale').locator('li[data-kind="note"]').first()).toContainText(
    'counted not listed',
  );
  await setFleet(page, 6000);
  await expect(page.getByTestId('fleet-error')).toContainText('from 0 to 5,000');
  await page.getByTestId('fleet-stop').click();
  await expect(page.getByTestId('fleet-running')).toHaveText('0 ATMs publishing');
});

test('isolation: two browser sessions never see each other’s MQTT traffic', async ({ lab }) => {
  const [a, b] = await lab.openLesson(SLUG, { tabs: 2 });
  await waitForClients(a.page);
  await waitForClients(b.page);
  await setFleet(a.page, 30);
  await expect
    .poll(async () => Number((await a.page.getByTestId('dashboard-count').textContent())?.split(' ')[0]))
    .toBeGreaterThan(5);
  await a.page.getByTestId('atm-report').click();
  await a.page.getByTestId('drop-mqtt').click();
  await expect(a.page.getByTestId('drop-mqtt-result')).toContainText('dropped');
  await expect(b.page.getByTestId('dashboard-count')).toHaveText('0 messages');
  expect(await b.page.getByTestId('dashboard-state').getAttribute('data-state')).toBe('open');
  const bEvents = await lab.events(b.page);
  // B's own widgets publish (its ATM says it is online), but nothing of A's fleet or A's drop reaches B.
  expect(bEvents.filter((e) => e.kind === 'route' && e.summary.includes('from the ATM fleet'))).toEqual([]);
  expect(bEvents.some((e) => e.kind === 'fault')).toBe(false);
  await setFleet(a.page, 0);
});
