/**
 * Debian's mosquitto clients (MQTT 3.1.1, as CI installs them) against the
 * embedded broker: their traffic is routed and shows up on the session's
 * timeline with origin `terminal`.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startLab, type TestLab } from './helpers';
import { closeAll, inbox, mqttPort, waitForEvent, waitForMessages, wsClient } from './mqtt-helpers';

const run = promisify(execFile);
let lab: TestLab;
let port: number;

beforeAll(async () => {
  lab = await startLab();
  port = await mqttPort(lab);
});
afterAll(async () => {
  await lab.close();
});

it('mosquitto_sub receives what mosquitto_pub and a WebSocket client publish in the same session', async () => {
  const session = await lab.newSession();
  const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-u', session, '-t', 'atms/#', '-v', '-C', '2']);
  let output = '';
  sub.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => sub.once('exit', resolve));
  // Subscribed once its SUBACK is on the timeline.
  await waitForEvent(lab, session, (e) => e.detail?.fields?.type === 'SUBACK', 'mosquitto_sub’s SUBACK');

  await run('mosquitto_pub', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-u',
    session,
    '-t',
    'atms/eu-west/atm-0001/cash-level',
    '-m',
    '42000',
    '-q',
    '1',
  ]);
  const browser = await wsClient(lab, session, { clientId: 'browser' });
  await browser.publishAsync('atms/us-east/atm-0002/cash-level', '31000', { qos: 0 });
  expect(await exited).toBe(0);
  expect(output.trim().split('\n')).toEqual(['atms/eu-west/atm-0001/cash-level 42000', 'atms/us-east/atm-0002/cash-level 31000']);

  const events = (await lab.events(session)).events;
  const fromTerminal = events.filter((e) => e.origin === 'terminal');
  expect(fromTerminal.map((e) => e.detail?.fields?.type)).toEqual(
    expect.arrayContaining(['CONNECT', 'SUBSCRIBE', 'PUBLISH', 'DISCONNECT']),
  );
  // mosquitto clients send no client id; the broker assigns one, and the routing taps use it.
  expect(fromTerminal.find((e) => e.detail?.fields?.type === 'CONNECT')?.summary).toMatch(
    /^CONNECT "\(no client id\)" clean=true/,
  );
  const route = events.find((e) => e.kind === 'route' && e.summary.startsWith('atms/eu-west/atm-0001/cash-level'));
  expect(route?.detail?.fields?.matched).toMatch(/^aedes_\S+ atms\/# \(QoS 0\)$/);
  await closeAll(browser);
});

it('a browser subscriber sees mosquitto_pub’s retained message; another session’s mosquitto_sub does not', async () => {
  const [mine, theirs] = [await lab.newSession(), await lab.newSession()];
  await run('mosquitto_pub', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-u',
    mine,
    '-t',
    'atms/ap-south/atm-0003/cash-level',
    '-m',
    '900',
    '-r',
  ]);
  const browser = await wsClient(lab, mine, { clientId: 'dashboard' });
  const messages = inbox(browser);
  await browser.subscribeAsync('atms/+/+/cash-level');
  await waitForMessages(messages, 1, 'the retained message');
  expect(messages[0]).toMatchObject({ topic: 'atms/ap-south/atm-0003/cash-level', payload: '900', retain: true });
  // The other session's subscriber times out empty-handed (-W 1: wait one second).
  const other = await run('mosquitto_sub', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-u',
    theirs,
    '-t',
    '#',
    '-v',
    '-W',
    '1',
  ]).catch((error: { stdout: string }) => error);
  expect(other.stdout).toBe('');
  await closeAll(browser);
});

it('an unknown session is refused: mosquitto_sub says "not authorised"', async () => {
  const failure = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-u', 'nobody', '-t', '#', '-C', '1']).catch(
    (error: { stderr: string; code: number }) => error,
  );
  expect('code' in failure && failure.code).not.toBe(0);
  await eventually(() => /not authori[sz]ed/i.test((failure as { stderr: string }).stderr), 'the refusal message');
});
