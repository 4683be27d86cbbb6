/**
 * The GraphQL lesson's terminal box: every command runs as printed (the
 * machine's curl and npx tsx, through a shell) and lands on the student's
 * timeline with origin `terminal`.
 */
import { spawn } from 'node:child_process';
import { expect as baseExpect, readTerminalCommands, runAsPrinted, test } from './fixtures';
import { EVENT_WAIT, SLUG } from './graphql-helpers';

// Generous limits, not speed claims: the shared test machine is often heavily loaded.
const expect = baseExpect.configure({ timeout: 30_000 });
test.describe.configure({ timeout: 120_000 });

const shell = (command: string) => runAsPrinted(command, { timeoutMs: 30_000 });

test('the terminal box commands run as printed: POST, persisted GET with Cache-Control, and a subscription', async ({ lab }) => {
  const [{ page, sessionId }] = await lab.openLesson(SLUG, { timeout: 30_000 });
  const { all: commands } = await readTerminalCommands(page, [['scripts/graphql-subscribe.ts', new RegExp(sessionId)]], {
    timeout: 30_000,
  });
  expect(commands).toHaveLength(4);
  const [post, register, get, subscribe] = commands as [string, string, string, string];

  const answer = JSON.parse(await shell(post)) as { data: { accounts: { owner: string; transactions: unknown[] }[] } };
  expect(answer.data.accounts.map((a) => a.owner)).toEqual(['Ada Lovelace', 'Alan Turing']);
  expect(answer.data.accounts[0]?.transactions).toHaveLength(2);
  const sent = await lab.waitForEvent(
    page,
    (e) => e.origin === 'terminal' && e.protocol === 'graphql' && e.kind === 'request' && e.detail?.method === 'POST',
    "the terminal's POST",
    EVENT_WAIT,
  );
  expect(sent.summary).toMatch(/^curl\/[\d.]+: POST \/graphql$/);

  expect(JSON.parse(await shell(register))).toMatchObject({ data: { accounts: [{ id: '123' }, { id: '456' }] } });
  const raw = await shell(get);
  expect(raw).toMatch(/^HTTP\/1\.1 200/);
  expect(raw).toMatch(/^cache-control: max-age=30, private\r?$/im);
  expect(raw).toContain('"owner":"Ada Lovelace"');
  await lab.waitForEvent(
    page,
    (e) =>
      e.origin === 'terminal' &&
      e.kind === 'request' &&
      e.detail?.method === 'GET' &&
      (e.detail.url ?? '').includes('persistedQuery'),
    "the terminal's persisted GET",
    EVENT_WAIT,
  );

  // The subscription, exactly as printed; it runs until stopped. The page's own widget subscribes too:
  // count the subscribe resolver's lookups to know when the terminal's has arrived.
  const subscriptions = async () =>
    (await lab.events(page)).filter((e) => e.origin === 'db' && e.detail?.fields?.resolver === 'transactionCreated').length;
  await expect.poll(subscriptions).toBe(1);
  // Its own process group, so stopping it stops npx and node under the shell too.
  const child = spawn('bash', ['-c', subscribe], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  try {
    await expect.poll(() => stderr, { timeout: 60_000 }).toContain('subscribed to transactionCreated on account 123');
    await expect.poll(subscriptions).toBe(2);
    const widget = page.getByTestId('gql-subscription');
    await widget.getByTestId('gql-mutate-description').fill('To the terminal');
    await widget.getByTestId('gql-mutate-send').click();
    await expect.poll(() => stdout, { timeout: 30_000 }).toContain('To the terminal');
    const event = JSON.parse(stdout.trim().split('\n')[0] ?? '') as { data: { transactionCreated: { description: string } } };
    expect(event.data.transactionCreated.description).toBe('To the terminal');
  } finally {
    if (child.pid) process.kill(-child.pid, 'SIGINT');
  }
});
