/**
 * The MQTT lesson's terminal box: mosquitto_sub and mosquitto_pub (Debian's
 * mosquitto-clients), run exactly as printed, reach the broker's TCP port as
 * the student's session; their traffic shows up in the page's routing
 * terminal and on the timeline with origin `terminal`.
 */
import { spawn } from 'node:child_process';
import { expect, readTerminalCommands, runAsPrinted, terminalOutput, test } from './fixtures';
import { SLUG, waitForClients } from './mqtt-helpers';

test('mosquitto_sub and mosquitto_pub work as printed and land on the timeline', async ({ lab }) => {
  const [{ page, sessionId }] = await lab.openLesson(SLUG);
  await waitForClients(page);
  // Wait for the placeholders: the session and the MQTT port from /api/lab/info.
  const { find } = await readTerminalCommands(page.getByTestId('terminal-box').filter({ hasText: 'mosquitto_sub' }), [
    ['mosquitto_pub', new RegExp(`-p \\d+ -u ${sessionId} `)],
  ]);

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
  await runAsPrinted(find('mosquitto_pub'));
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
  expect(await terminalOutput(find("'$SYS/#'"))).toContain('All subscription requests were denied');
  await lab.waitForEvent(
    page,
    (e) => e.kind === 'error' && e.summary.startsWith('SUBSCRIBE to "$SYS/#" refused (SUBACK 0x80)'),
    'the $SYS refusal',
  );
});
