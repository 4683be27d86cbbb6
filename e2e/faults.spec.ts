/**
 * The fault bar above every lesson: it shows the session's faults as the
 * server has them (whichever tab or terminal set them), says what each drop
 * target covers, and takes any whole number of milliseconds.
 */
import type { Page } from '@playwright/test';
import type { FaultState } from '../lib/faults';
import type { LabInfo } from '../lib/lab-info';
import { expect, test } from './fixtures';

const SLUG = 'how-this-lab-works';

/** Keyboard shortcuts are ignored while typing: give the page, not a field, the focus. */
async function pressShortcut(page: Page, key: string): Promise<void> {
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press(key);
}

test('two tabs of one session: latency set in one shows in the other, and Shift+L there turns it off', async ({ lab }) => {
  const [{ page, context, sessionId }] = await lab.openLesson(SLUG);
  // A second tab in the same browser context: same cookie, same session.
  const second = await context.newPage();
  await second.goto(`/lessons/${SLUG}`);
  await lab.waitForChannel(second);
  expect(await lab.sessionId(second)).toBe(sessionId);

  await second.getByTestId('fault-latency').fill('1000');
  await second.getByTestId('fault-latency-apply').click();
  await expect(second.getByTestId('fault-status')).toContainText('latency set to 1000 ms');
  // The first tab hears of it through its lab channel (the server's fault event).
  await expect(page.getByTestId('fault-latency-active')).toHaveText('+1000 ms on every response');

  // A toggle: latency is on, so Shift+L turns it off (it used to set 1000 again from a stale copy).
  await pressShortcut(page, 'Shift+L');
  await expect(page.getByTestId('fault-status')).toContainText('latency off');
  await expect(page.getByTestId('fault-latency-active')).toBeHidden();
  await expect(second.getByTestId('fault-latency-active')).toBeHidden();
  const api = await lab.api(page);
  expect((await (await api.get('/api/lab/faults')).json()) as FaultState).toEqual({ latencyMs: 0 });
});

test('with the timeline paused, the bar re-reads the server on focus, and Shift+L starts from the server, not the page', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  // Paused: fault events from elsewhere wait unseen, so only a read of the server can bring news.
  await page.getByTestId('timeline-pause').click();
  const api = await lab.api(page);
  const setLatency = (ms: number) =>
    api.post('/api/lab/faults', { data: { action: 'latency', ms } }).then((res) => expect(res.status()).toBe(200));

  await setLatency(700);
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await expect(page.getByTestId('fault-latency-active')).toHaveText('+700 ms on every response');

  // Turned off behind the page's back: the page still shows +700 ms, but the server has none.
  await api.post('/api/lab/faults', { data: { action: 'clear' } }).then((res) => expect(res.status()).toBe(200));
  await pressShortcut(page, 'Shift+L');
  await expect(page.getByTestId('fault-status')).toContainText('latency set to 1000 ms');
  expect((await (await api.get('/api/lab/faults')).json()) as FaultState).toEqual({ latencyMs: 1000 });
  await expect(page.getByTestId('fault-latency-active')).toHaveText('+1000 ms on every response');
  await setLatency(0);
});

test('every drop target says what it covers, with the ids unchanged, and a drop that finds nothing says why', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('websocket');
  const info = (await (await (await lab.api(page)).get('/api/lab/info')).json()) as LabInfo;
  const select = page.getByTestId('fault-target');
  await expect(select.locator('option')).toHaveCount(info.dropTargets.length);

  const options = await select
    .locator('option')
    .evaluateAll((els) => els.map((el) => ({ value: (el as HTMLOptionElement).value, text: el.textContent ?? '' })));
  expect(options.map((o) => o.value)).toEqual(info.dropTargets);
  for (const option of options) expect(option.text, `the "${option.value}" option`).toMatch(new RegExp(`^${option.value} — \\S`));
  expect(options.find((o) => o.value === 'websocket')?.text).toBe("websocket — the intro lesson's echo socket");
  expect(options.find((o) => o.value === 'ws')?.text).toBe("ws — the WebSocket lesson's sockets (echo, chat)");

  // "websocket" is the intro lesson's echo: on this lesson there is none, and the bar says so (and where to look).
  await select.selectOption('websocket');
  await page.getByTestId('fault-drop').click();
  await expect(page.getByTestId('fault-status')).toContainText(
    'websocket: nothing to drop: no echo socket from the intro lesson',
  );
  await expect(page.getByTestId('fault-status')).toContainText('"ws"');
  const fault = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'fault' && e.detail?.fields?.target === 'websocket',
    'the drop fault',
  );
  expect(fault.detail?.fields?.dropped).toBe(0);
});

test('the latency box takes any whole number of ms, explains an empty box, and shows why the server refuses a value', async ({
  lab,
}) => {
  const [{ page }] = await lab.openLesson(SLUG);
  const box = page.getByTestId('fault-latency');
  const apply = page.getByTestId('fault-latency-apply');
  const status = page.getByTestId('fault-status');
  const api = await lab.api(page);
  const serverLatency = async () => ((await (await api.get('/api/lab/faults')).json()) as FaultState).latencyMs;

  for (const ms of [250, 50]) {
    await box.fill(String(ms));
    await apply.click();
    await expect(status).toHaveText(`latency set to ${ms} ms`);
    await expect(page.getByTestId('fault-latency-active')).toHaveText(`+${ms} ms on every response`);
    expect(await serverLatency()).toBe(ms);
  }

  // Empty: explained in the bar, and nothing is sent (it used to send 0 and turn latency off).
  await box.fill('');
  await apply.click();
  await expect(status).toContainText('Type a latency first');
  expect(await serverLatency()).toBe(50);

  // Out of range: the request goes out, and the server's reason is shown in the bar, not a browser bubble.
  await box.fill('50000');
  await apply.click();
  await expect(status).toContainText('Latency not changed');
  await expect(status).toContainText('from 0 to 30000');
  await lab.waitForEvent(
    page,
    (e) => e.origin === 'browser' && e.kind === 'response' && e.detail?.url === '/api/lab/faults' && e.detail?.status === 400,
    'the refused latency request',
  );
  expect(await serverLatency()).toBe(50);

  await page.getByTestId('fault-clear').click();
  await expect(status).toHaveText('faults cleared');
  await expect(page.getByTestId('fault-latency-active')).toBeHidden();
});

test('the shortcut hint says Shift+C clears faults, not the timeline', async ({ lab }) => {
  const [{ page }] = await lab.openLesson(SLUG);
  await expect(page.getByTestId('fault-bar')).toContainText('Shift+C clear faults');
});
