/**
 * Two browser contexts are two students: each has its own session, and
 * neither can see the other's events or drop the other's connections.
 */
import { expect, test } from './fixtures';

test("two sessions never see each other's events or drops", async ({ lab }) => {
  const [alice, bob] = await lab.openLesson('how-this-lab-works', { tabs: 2 });
  expect(alice.sessionId).not.toBe(bob.sessionId);
  await expect(alice.page.getByTestId('echo-state')).toHaveAttribute('data-state', 'open');
  await expect(bob.page.getByTestId('echo-state')).toHaveAttribute('data-state', 'open');

  // Alice sends a request; Bob drops everything he has.
  await alice.page.getByTestId('send-request').click();
  const aliceResponse = await lab.waitForEvent(
    alice.page,
    (e) => e.origin === 'server' && e.kind === 'response',
    "Alice's server response",
  );
  await bob.page.getByTestId('fault-target').selectOption('all');
  await bob.page.getByTestId('fault-drop').click();
  await lab.waitForEvent(bob.page, (e) => e.protocol === 'websocket' && e.kind === 'reconnected', "Bob's echo reconnecting");

  // Bob's drop reached only Bob: Alice's echo never closed.
  const aliceEvents = await lab.events(alice.page);
  expect(aliceEvents.filter((e) => e.protocol === 'websocket' && e.kind === 'close')).toEqual([]);
  expect(aliceEvents.filter((e) => e.kind === 'fault')).toEqual([]);
  await expect(alice.page.getByTestId('echo-state')).toHaveAttribute('data-state', 'open');

  // Neither timeline holds the other's traffic.
  const bobEvents = await lab.events(bob.page);
  expect(bobEvents.some((e) => e.stream === aliceResponse.stream)).toBe(false);
  expect(bobEvents.some((e) => e.origin === 'db')).toBe(false);
  const aliceConns = new Set(aliceEvents.flatMap((e) => (e.conn ? [e.conn] : [])));
  expect(bobEvents.some((e) => e.conn !== undefined && aliceConns.has(e.conn))).toBe(false);

  // And the API refuses to hand Alice's log to Bob.
  const bobApi = await lab.api(bob.page);
  expect((await bobApi.get(`/api/lab/sessions/${alice.sessionId}/events`)).status()).toBe(404);
});
