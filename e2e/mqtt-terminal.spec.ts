/**
 * The MQTT lesson's terminal box: mosquitto_sub and mosquitto_pub (Debian's
 * mosquitto-clients), run exactly as printed, reach the broker's TCP port as
 * the student's session; their traffic shows up in the page's routing
 * terminal and on the timeline with origin `terminal`.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from './fixtures';
import { SLUG, waitForClients } from './mqtt-helpers';

const run = promisify(execFile);

test('mosquitto_sub and mosquitto_pub work as printed and land on the timeline', async ({ lab }) => {
  const [{ page, sessionId }] = await lab.openLesson(SLUG);
  await waitForClients(page);
  const box = page.getByTestId('terminal-box').filter({ hasText: 'mosquitto_sub' });
  // Wait for the placeholders: the session and the MQTT port from /api/lab/info.
  await expect(box.locator('li[data-command^="mosquitto_pub"]')).toHaveAttribute(
    'data-command',
    new RegExp(`-p \\d+ -u ${sessionId} `),
  );
  const commands = await box
    .locator('li[data-command]')
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-command') ?? ''));
  const find = (part: string) => {
    const command = commands.find((c) => c.includes(part));
    expect(command, `a command containing ${part}`).toBeDefined();
    return command as string;
  };

  // The subscriber runs until stopped, as printed; stop it once it has what we need.
  const sub = spawn('bash', ['-c', `exec ${find("-t 'atms/#'")}`]);
  let output = '';
  sub.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await lab.waitForEvent(
    page,
    (e) =>
      e.origin === 'broker' &&
      e.summary.startsWith('SUBACK') &&
      e.summary.endsWith('QoS 0') &&
      e.conn?.startsWith('mqtt-tcp-') === true,
    "mosquitto_sub's SUBACK",
  );
  await run('bash', ['-c', find('mosquitto_pub')], { timeout: 10_000 });
  await expect.poll(() => output, { timeout: 10_000 }).toContain('atms/eu-west/atm-9999/cash-level 31000');
  sub.kill('SIGINT');

  // The page's dashboard (atms/+/+/cash-level) got the terminal's reading, and the routing terminal lists it.
  await expect(page.getByTestId('dashboard-count')).not.toHaveText('0 messages');
  await expect(page.getByTestId('routing-terminal')).toContainText('atms/eu-west/atm-9999/cash-level from aedes_');
  const published = await lab.waitForEvent(
    page,
    (e) =>
      e.origin === 'terminal' &&
      e.summary.startsWith('PUBLISH atms/eu-west/atm-9999/cash-level QoS 1') &&
      e.summary.includes('RETAIN'),
    "the terminal's PUBLISH",
  );
  expect(published.dir).toBe('out');
  expect(published.conn).toMatch(/^mqtt-tcp-/);

  // $SYS is refused: SUBACK 0x80, which mosquitto_sub reports, and the timeline explains.
  const denied = await run('bash', ['-c', find("'$SYS/#'")], { timeout: 10_000 }).catch(
    (error: { stderr: string; stdout: string }) => error,
  );
  expect(`${denied.stdout}${denied.stderr}`).toContain('All subscription requests were denied');
  await lab.waitForEvent(
    page,
    (e) => e.kind === 'error' && e.summary.startsWith('SUBSCRIBE to "$SYS/#" refused (SUBACK 0x80)'),
    'the $SYS refusal',
  );
});
