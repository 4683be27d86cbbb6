/**
 * Webhooks experiment 8: the terminal box's commands, run as printed — curl
 * registers, triggers and reads the log; openssl recomputes the signature.
 */
import { expect, readTerminalCommands, runAsPrinted, test } from './fixtures';
import { CREDIT_CENTS, SLUG } from './webhooks-helpers';

test('curl and openssl commands work as printed and land on the timeline', async ({ lab }) => {
  const [{ page, sessionId }] = await lab.openLesson(SLUG);
  const { all: commands } = await readTerminalCommands(page, [['/api/webhooks/events', new RegExp(sessionId)]]);
  expect(commands).toHaveLength(5);
  const [register, emit, log, signature, openssl] = commands as [string, string, string, string, string];

  expect(JSON.parse(await runAsPrinted(register))).toMatchObject({
    receiver: 'my-app',
    secret: expect.stringMatching(/^whsec_/),
  });
  const emitted = JSON.parse(await runAsPrinted(emit)) as { event: { id: string } };
  expect(emitted.event.id).toMatch(/^evt_/);
  await lab.waitForEvent(
    page,
    (e) =>
      e.kind === 'response' &&
      e.detail?.fields?.side === 'bank' &&
      e.detail?.fields?.event === emitted.event.id &&
      e.detail?.status === 200,
    'the delivery of the terminal-triggered event',
  );
  const deliveries = JSON.parse(await runAsPrinted(log)) as { deliveries: { event: string; status: string }[] };
  expect(deliveries.deliveries[0]).toMatchObject({ event: emitted.event.id, status: 'delivered' });
  expect(JSON.parse(await runAsPrinted(register.replace(/ -d .*/, '').replace('-X POST ', '')))).toMatchObject({
    endpoints: [expect.anything()],
  });

  // The header the bank sent, and openssl's HMAC over the same bytes with the decoded key: identical.
  const sent = (await runAsPrinted(signature)).trim();
  const computed = (await runAsPrinted(openssl)).trim();
  expect(sent).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  expect(`v1,${computed}`).toBe(sent);

  // curl's requests are on the student's timeline as terminal events.
  const terminal = await lab.waitForEvent(
    page,
    (e) => e.origin === 'terminal' && e.detail?.url === '/api/webhooks/events',
    "the terminal's request",
  );
  expect(terminal.summary).toMatch(/^curl\/[\d.]+: POST \/api\/webhooks\/events$/);
  expect(CREDIT_CENTS).toBeGreaterThan(0);
});
