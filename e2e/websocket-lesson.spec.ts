/**
 * The WebSocket lesson's raw-WebSocket experiments in real Chromium: the
 * handshake and its Accept check, frame headers for the three length
 * encodings, the chat protocol, no reconnect by default, and the
 * hand-written reconnect that backs off and delivers queued messages once.
 */
import { expect, test } from './fixtures';
import { expectState, framesOf, logLines, SLUG, say } from './ws-helpers';

test('the upgrade: a 101 whose Sec-WebSocket-Accept matches the one computed in the browser', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await page.getByTestId('upgrade-open').click();
  await expectState(page, 'upgrade-state', 'open');
  await expect(page.getByTestId('accept-match')).toHaveAttribute('data-ok', 'true');
  const computed = (await page.getByTestId('accept-computed').textContent()) ?? '';
  expect(computed).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  await expect(page.getByTestId('accept-sent')).toHaveText(computed);
  await expect(page.getByTestId('upgrade-response')).toContainText('HTTP/1.1 101 Switching Protocols');
  await expect(page.getByTestId('upgrade-request')).toContainText('upgrade: websocket');
  const conn = await page.getByTestId('upgrade-state').getAttribute('data-conn');
  const response = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'response' && e.conn === conn,
    'the 101',
  );
  expect(response.detail?.status).toBe(101);
  expect(response.detail?.headers?.['sec-websocket-accept']).toBe(computed);
});

test('frames: the three length encodings, masked from the browser and unmasked from the server, ping/pong and close', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expectState(page, 'frames-state', 'open');
  const conn = (await page.getByTestId('frames-state').getAttribute('data-conn')) as string;
  for (const size of [125, 126, 65_536]) await page.getByTestId(`frames-send-${size}`).click();
  await expect
    .poll(async () => (await framesOf(lab, page, conn)).filter((f) => f.detail?.fields?.opcodeName === 'text').length)
    .toBe(6);
  const text = (await framesOf(lab, page, conn)).filter((f) => f.detail?.fields?.opcodeName === 'text');
  const rows = text.map((f) => [f.dir, f.detail?.fields?.payloadLength, f.detail?.fields?.headerLength, f.detail?.fields?.mask]);
  for (const expected of [
    ['in', 125, 6, true],
    ['out', 125, 2, false],
    ['in', 126, 8, true],
    ['out', 126, 4, false],
    ['in', 65_536, 14, true],
    ['out', 65_536, 10, false],
  ]) {
    expect(rows).toContainEqual(expected);
  }
  // The widget's table shows the same frames, with the 16-bit encoding's 4-byte server header.
  await expect(page.locator('[data-testid="frame-row"][data-dir="out"][data-payload="126"]')).toHaveAttribute('data-header', '4');
  // The server's opening ping and the browser's automatic (masked) pong.
  const all = await framesOf(lab, page, conn);
  expect(all.find((f) => f.detail?.fields?.opcodeName === 'ping')?.dir).toBe('out');
  expect(all.find((f) => f.detail?.fields?.opcodeName === 'pong')?.detail?.fields?.mask).toBe(true);
  // Closing: the browser's close frame (1000), echoed by the server.
  await page.getByTestId('frames-close').click();
  await expect
    .poll(async () =>
      (await framesOf(lab, page, conn))
        .filter((f) => f.detail?.fields?.opcodeName === 'close')
        .map((f) => [f.dir, f.detail?.code]),
    )
    .toEqual([
      ['in', 1000],
      ['out', 1000],
    ]);
  // The hex view shows the selected frame's wire bytes.
  await page.locator('[data-testid="frame-row"][data-payload="125"][data-dir="in"]').click();
  await expect(page.getByTestId('ws-frames').getByTestId('hexdump')).toContainText('81 fd');
});

test('frames: the socket opens again after Close (1000) and after a drop', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expectState(page, 'frames-state', 'open');
  await page.getByTestId('frames-close').click();
  await expectState(page, 'frames-state', 'closed');
  await expect(page.getByTestId('frames-closed')).toHaveText('You closed the socket (code 1000).');
  await page.getByTestId('frames-open').click();
  await expectState(page, 'frames-state', 'open');
  await expect(page.getByTestId('frames-closed')).toHaveCount(0);
  await expect(page.getByTestId('frames-open')).toHaveCount(0);

  // The chat's drop (target "ws") takes the frames socket down too.
  await page.getByTestId('drop-ws').click();
  await expectState(page, 'frames-state', 'closed');
  await expect(page.getByTestId('frames-closed')).toHaveAttribute('data-code', '1006');
  await page.getByTestId('frames-open').click();
  await expectState(page, 'frames-state', 'open');
  const conn = (await page.getByTestId('frames-state').getAttribute('data-conn')) as string;
  await page.getByTestId('frames-send-125').click();
  await lab.waitForEvent(
    page,
    (e) =>
      e.origin === 'server' &&
      e.kind === 'frame' &&
      e.conn === conn &&
      e.dir === 'out' &&
      e.detail?.fields?.payloadLength === 125,
    'the echo on the reopened socket',
  );
});

test('frames: a message over the server limit is refused with 1009, explained, and recorded as 1009 on both sides', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expectState(page, 'frames-state', 'open');
  const conn = (await page.getByTestId('frames-state').getAttribute('data-conn')) as string;
  // MAX_FRAME_BYTES (server/protocols/websocket/limits.ts) is 96 KiB.
  await page.getByTestId('frames-input').fill('x'.repeat(96 * 1024 + 1));
  await expect(page.getByTestId('frames-too-big')).toContainText("over the server's limit of 98,304");
  await page.getByTestId('frames-send').click();
  await expectState(page, 'frames-state', 'closed');
  await expect(page.getByTestId('frames-closed')).toHaveAttribute('data-code', '1009');
  await expect(page.getByTestId('frames-closed')).toContainText('"message too big"');
  const browser = await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'close' && e.conn === conn,
    "the browser's close",
  );
  expect(browser.detail?.code).toBe(1009);
  const server = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'close' && e.conn === conn,
    "the server's close",
  );
  expect(server.detail?.code).toBe(1009);
  expect(server.summary).toMatch(/^Closed with code 1009/);
  await page.getByTestId('frames-input').fill('small again');
  await page.getByTestId('frames-open').click();
  await expectState(page, 'frames-state', 'open');
});

test('the chat logs follow their newest line', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expectState(page, 'chat-customer-state', 'open');
  await expectState(page, 'chat-agent-state', 'open');
  // More lines than either log shows at once.
  for (let i = 1; i <= 15; i++) await say(page, 'chat-customer', `line ${i}`);
  for (const pane of ['chat-customer-log', 'chat-agent-log']) {
    const log = page.getByTestId(pane);
    await expect(log.locator('li').last()).toContainText('line 15');
    await log.scrollIntoViewIfNeeded();
    expect(await log.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await expect(log.locator('li').last()).toBeInViewport();
  }
});

test('the chat protocol: ack and delivered receipts, typing, and a request answered by id while chat overtakes it', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expectState(page, 'chat-customer-state', 'open');
  await expectState(page, 'chat-agent-state', 'open');
  await page.getByTestId('chat-customer-input').pressSequentially('hi');
  await expect(page.getByTestId('chat-agent-typing')).toHaveText('customer is typing…');
  await page.getByTestId('chat-customer-send').click();
  await expect(page.getByTestId('chat-agent-log')).toContainText('customer: hi');
  await expect(page.locator('[data-testid="chat-customer-log"] li[data-kind="mine"]').first()).toHaveAttribute(
    'data-status',
    'delivered',
  );

  await page.getByTestId('chat-customer-balance').click();
  await say(page, 'chat-agent', 'one moment please');
  await expect(page.getByTestId('chat-customer-log')).toContainText('agent: one moment please');
  await expect(page.getByTestId('chat-customer-log')).toContainText('response r-1: Ada Lovelace has 1000 EUR');
  const lines = await logLines(page.getByTestId('chat-customer-log'));
  expect(lines.findIndex((l) => l.includes('one moment please'))).toBeLessThan(
    lines.findIndex((l) => l.includes('response r-1')),
  );
  const conn = await page.getByTestId('chat-customer-state').getAttribute('data-conn');
  const events = await lab.events(page);
  const request = events.find(
    (e) => e.origin === 'browser' && e.conn === conn && e.kind === 'message' && e.detail?.body?.includes('"request"'),
  );
  const response = events.find(
    (e) => e.origin === 'browser' && e.conn === conn && e.kind === 'message' && e.detail?.body?.includes('"response"'),
  );
  expect(JSON.parse(request?.detail?.body ?? '{}').id).toBe('r-1');
  expect(JSON.parse(response?.detail?.body ?? '{}').id).toBe('r-1');
});

test('no auto-reconnect: after a drop the raw socket stays closed', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expectState(page, 'chat-customer-state', 'open');
  const conn = await page.getByTestId('chat-customer-state').getAttribute('data-conn');
  await page.getByTestId('drop-ws').click();
  await expectState(page, 'chat-customer-state', 'closed');
  await expectState(page, 'chat-agent-state', 'closed');
  const close = await lab.waitForEvent(page, (e) => e.origin === 'browser' && e.kind === 'close' && e.conn === conn, 'the close');
  expect(close.detail?.code).toBe(1006);
  // Nothing comes back by itself.
  await page.waitForTimeout(2_000);
  await expectState(page, 'chat-customer-state', 'closed');
  expect((await lab.events(page)).filter((e) => e.conn === conn && e.kind === 'reconnect-attempt')).toEqual([]);
  // A message typed now waits in the outbox.
  await say(page, 'chat-customer', 'anyone there?');
  await expect(page.locator('[data-testid="chat-customer-log"] li[data-kind="mine"]')).toHaveAttribute('data-status', 'queued');
});

test('the hand-written reconnect backs off with full jitter and delivers queued messages exactly once', async ({ lab }) => {
  test.setTimeout(60_000);
  const [{ page }] = await lab.openLesson(SLUG);
  await expectState(page, 'chat-customer-state', 'open');
  await expectState(page, 'chat-agent-state', 'open');
  const conn = await page.getByTestId('chat-customer-state').getAttribute('data-conn');
  await page.getByTestId('chat-reconnect').check();
  await page.getByTestId('chat-outage').click();
  await expect(page.getByTestId('chat-outage-result')).toContainText('server down for 4 s');
  await expect(page.getByTestId('chat-customer-state')).not.toHaveAttribute('data-state', 'open');
  await say(page, 'chat-customer', 'queued one');
  await say(page, 'chat-customer', 'queued two');
  await expect(page.locator('[data-testid="chat-customer-log"] li[data-status="queued"]')).toHaveCount(2);
  await page.getByTestId('chat-customer-log').scrollIntoViewIfNeeded();
  await expect(page.locator('[data-testid="chat-customer-log"] li').last()).toBeInViewport();

  await expectState(page, 'chat-customer-state', 'open', 20_000);
  await expectState(page, 'chat-agent-state', 'open', 20_000);
  await expect(page.locator('[data-testid="chat-customer-log"] li[data-kind="mine"][data-status="delivered"]')).toHaveCount(2);
  const agentLines = await logLines(page.getByTestId('chat-agent-log'));
  expect(agentLines.filter((l) => l.includes('queued one'))).toHaveLength(1);
  expect(agentLines.filter((l) => l.includes('queued two'))).toHaveLength(1);

  const attempts = (await lab.events(page)).filter((e) => e.conn === conn && e.kind === 'reconnect-attempt');
  expect(attempts.length).toBeGreaterThanOrEqual(3);
  const ceilings = attempts.map((e) => Number(e.detail?.fields?.ceilingMs));
  expect(ceilings.slice(0, 3)).toEqual([250, 500, 1000]);
  for (const a of attempts) expect(a.detail?.delayMs).toBeLessThanOrEqual(Number(a.detail?.fields?.ceilingMs));
  // The refused attempts really failed at the server: 503s while it was "down", then a reconnection.
  await lab.waitForEvent(page, (e) => e.origin === 'server' && e.conn === conn && e.detail?.status === 503, 'a 503 refusal');
  await lab.waitForEvent(page, (e) => e.origin === 'browser' && e.kind === 'reconnected' && e.conn === conn, 'reconnected');
});

test('the terminal box: wscat joins the same chat and its frames land on the timeline', async ({ lab }) => {
  test.setTimeout(60_000); // npx starts wscat from scratch: seconds on a busy machine
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const [{ page, sessionId }] = await lab.openLesson(SLUG);
  await expectState(page, 'chat-customer-state', 'open');
  const box = page.getByTestId('terminal-box');
  await expect(box.locator('li[data-command*="-x"]')).toHaveAttribute('data-command', new RegExp(sessionId));
  const commands = await box
    .locator('li[data-command]')
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-command') ?? ''));
  const say = commands.find((c) => c.includes(' -x ')) as string;
  const { stdout } = await run('bash', ['-c', say], { timeout: 30_000 });
  expect(stdout).toContain('"type":"ack","id":"wscat-1","duplicate":false');
  await expect(page.getByTestId('chat-customer-log')).toContainText('agent: hello from a terminal');
  const upgrade = await lab.waitForEvent(page, (e) => e.origin === 'terminal' && e.kind === 'request', "wscat's upgrade");
  // wscat (the ws library) sends no User-Agent, so the server can only say "a terminal client".
  expect(upgrade.summary).toBe('a terminal client: GET /api/ws/chat (Upgrade: websocket)');
  await lab.waitForEvent(
    page,
    (e) =>
      e.origin === 'server' && e.kind === 'frame' && e.conn === upgrade.conn && e.dir === 'in' && e.detail?.fields?.mask === true,
    "wscat's masked frame",
  );
  // The other two commands connect to the URLs they print.
  const { default: WebSocket } = await import('ws');
  for (const command of commands.filter((c) => c !== say && c.includes('wscat'))) {
    const url = /'(ws:\/\/[^']+)'/.exec(command)?.[1] as string;
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.close();
  }
});

test('isolation: dropping one student chat leaves a classmate chat open', async ({ lab }) => {
  const [a, b] = await lab.openLesson(SLUG, { tabs: 2 });
  await expectState(a.page, 'chat-customer-state', 'open');
  await expectState(b.page, 'chat-customer-state', 'open');
  await a.page.getByTestId('drop-ws').click();
  await expectState(a.page, 'chat-customer-state', 'closed');
  await say(b.page, 'chat-customer', 'still here');
  await expect(b.page.getByTestId('chat-agent-log')).toContainText('customer: still here');
  await expectState(b.page, 'chat-customer-state', 'open');
});
