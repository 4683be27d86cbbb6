/**
 * When a session expires, its streams and parked polls are cut, a browser
 * EventSource that tries to come back is refused (401) and stops for good,
 * and the session's tickers and sources are freed.
 */
import { EventSource } from 'eventsource';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { eventually, startLab, type TestLab } from './helpers';

const IDLE_MS = 30_000;
let lab: TestLab;
beforeEach(async () => {
  lab = await startLab({ sessionIdleMs: IDLE_MS });
});
afterEach(() => lab.close());

it("an expired session's stream and parked poll are cut, and EventSource is refused when it comes back", async () => {
  const session = await lab.newSession();
  const es = new EventSource(`${lab.base}/api/sse/ticks?retry=100&session=${session}`);
  await new Promise((resolve) => es.addEventListener('open', resolve, { once: true }));
  const parked = lab.request('/api/longpoll/notifications', { session }).catch((error: unknown) => error);
  await eventually(() => lab.server.lab.connections.count(session) === 2 || undefined, 'the stream and the parked poll');

  expect(lab.server.lab.sessions.sweep(Date.now() + IDLE_MS + 1)).toContain(session);
  expect(await parked).toBeInstanceOf(Error);
  // The reconnect gets a 401: EventSource closes for good instead of retrying forever.
  await eventually(() => es.readyState === EventSource.CLOSED || undefined, 'EventSource to give up');
  expect(lab.server.lab.connections.count(session)).toBe(0);
});
