/**
 * The WebSocket lesson's socket.io experiments in real Chromium: transport
 * negotiation, built-in reconnection, recovery after a short absence (and
 * not after a long one), and two servers joined by pub/sub.
 */
import { expect, test } from './fixtures';
import { expectState, logLines, SLUG, say } from './ws-helpers';

test('socket.io: polling then WebSocket, and state recovered after a short absence', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson(SLUG);
  await expectState(page, 'sio-customer-state', 'open');
  await expectState(page, 'sio-agent-state', 'open');
  await expect(page.getByTestId('sio-customer-transport')).toHaveText('websocket');
  // A first connect starts a session: there was nothing to recover, so it says so rather than "not recovered".
  for (const as of ['customer', 'agent']) {
    await expect(page.getByTestId(`sio-${as}-recovered`)).toHaveAttribute('data-recovered', 'new');
    await expect(page.getByTestId(`sio-${as}-recovered`)).toHaveText('new session');
  }
  const conn = await page.getByTestId('sio-customer-state').getAttribute('data-conn');
  const handshake = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.conn === conn && e.kind === 'open' && /engine\.io handshake/.test(e.summary),
    'the polling handshake',
  );
  expect(handshake.detail?.fields?.transport).toBe('polling');
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.conn === conn && /upgraded from polling to websocket/.test(e.summary),
    'the upgrade',
  );

  // Built-in reconnection after a drop.
  await page.getByTestId('drop-socketio').click();
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.conn === conn && e.kind === 'reconnect-attempt',
    'a reconnect attempt',
  );
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.conn === conn && e.kind === 'reconnected',
    'recovered after the drop',
  );
  await expectState(page, 'sio-customer-state', 'open');

  // A short absence: the agent's message is replayed on recovery.
  await page.getByTestId('sio-away-short').click();
  await expect(page.getByTestId('sio-customer-state')).not.toHaveAttribute('data-state', 'open');
  await say(page, 'sio-agent', 'sent while you were away');
  await expectState(page, 'sio-customer-state', 'open', 15_000);
  await expect(page.getByTestId('sio-customer-recovered')).toHaveAttribute('data-recovered', 'true');
  await expect(page.getByTestId('sio-customer-log')).toContainText('agent: sent while you were away');
  const recovered = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.conn === conn && e.kind === 'reconnected' && e.detail?.fields?.recovered === true,
    "the server's recovered socket",
  );
  expect(recovered.summary).toMatch(/recovered/);
});

test('socket.io: the logs follow their newest line', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expectState(page, 'sio-customer-state', 'open');
  await expectState(page, 'sio-agent-state', 'open');
  // More lines than either log shows at once.
  for (let i = 1; i <= 15; i++) await say(page, 'sio-agent', `line ${i}`);
  await expect(page.locator('[data-testid="sio-customer-log"] li').last()).toContainText('agent: line 15');
  for (const pane of ['sio-customer-log', 'sio-agent-log']) {
    const log = page.getByTestId(pane);
    await log.scrollIntoViewIfNeeded();
    expect(await log.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await expect(log.locator('li').last()).toBeInViewport();
  }
});

test('socket.io: an absence past maxDisconnectionDuration is not recovered and the message is lost', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson(SLUG);
  await expectState(page, 'sio-customer-state', 'open');
  await expectState(page, 'sio-agent-state', 'open');
  await page.getByTestId('sio-away-long').click();
  await expect(page.getByTestId('sio-customer-state')).not.toHaveAttribute('data-state', 'open');
  await say(page, 'sio-agent', 'you will never see this');
  await expect(page.locator('[data-testid="sio-agent-log"] li[data-kind="mine"]')).toContainText('✓');
  await expectState(page, 'sio-customer-state', 'open', 25_000);
  await expect(page.getByTestId('sio-customer-recovered')).toHaveAttribute('data-recovered', 'false');
  await expect(page.getByTestId('sio-customer-recovered')).toHaveText('not recovered');
  await page.getByTestId('sio-customer-log').scrollIntoViewIfNeeded();
  await expect(page.locator('[data-testid="sio-customer-log"] li').last()).toBeInViewport();
  expect((await logLines(page.getByTestId('sio-customer-log'))).some((l) => l.includes('never see this'))).toBe(false);
});

test('scaling: lost across two servers without pub/sub, delivered with it, and fail-over when a server dies', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson(SLUG);
  await expect(page.getByTestId('pubsub-backend')).toHaveAttribute('data-backend', /^(redis|in-process)$/);
  await page.getByTestId('scaling-connect').click();
  await expect(page.getByTestId('user-A-server')).toHaveAttribute('data-server', 'server 1');
  await expect(page.getByTestId('user-B-server')).toHaveAttribute('data-server', 'server 2');
  await expectState(page, 'user-A-state', 'open');

  await say(page, 'user-A', 'lost in the gap');
  // Wait for the server to have handled it (its ack), then give a hop every chance to show up.
  await lab.waitForEvent(page, (e) => e.origin === 'browser' && /ack for "message"/.test(e.summary), "A's ack");
  await page.waitForTimeout(500);
  expect(await logLines(page.getByTestId('user-B-log'))).not.toContainEqual(expect.stringContaining('lost in the gap'));
  expect((await lab.events(page)).filter((e) => e.origin === 'broker')).toEqual([]);

  await page.getByTestId('pubsub-toggle').click();
  await expect(page.getByTestId('pubsub-toggle')).toBeChecked();
  // The switch is on at the server (not just in the page) before A speaks.
  await lab.waitForEvent(page, (e) => e.origin === 'server' && /^pub\/sub on for your session/.test(e.summary), 'pub/sub on');
  await say(page, 'user-A', 'across the servers');
  await expect(page.getByTestId('user-B-log')).toContainText('A: across the servers (via server 1)');
  const publish = await lab.waitForEvent(
    page,
    (e) => e.origin === 'broker' && e.detail?.fields?.phase === 'publish',
    'the publish hop',
  );
  const deliver = await lab.waitForEvent(
    page,
    (e) => e.origin === 'broker' && e.detail?.fields?.phase === 'deliver',
    'the deliver hop',
  );
  expect(publish.summary).toMatch(/^server 1 → /);
  expect(deliver.summary).toMatch(/→ server 2: /);

  // Server 1 dies: the balancer fails A over to server 2.
  await page.getByTestId('kill-1').click();
  await expect(page.getByTestId('user-A-server')).toHaveAttribute('data-server', 'server 2', { timeout: 15_000 });
  await lab.waitForEvent(page, (e) => e.kind === 'route' && /failing over/.test(e.summary), 'the fail-over route');
});
