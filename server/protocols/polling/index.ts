/**
 * "Polling": one seeded notification source per session, read three ways —
 * short polling, long polling and an event stream — so the lesson can
 * compare them on the same events.
 */
import type { Lab } from '../../lab';
import type { Sse } from '../sse';
import { createPollingHandlers } from './handler';

export { MAX_PARKED_PER_SESSION } from './handler';
export { type Notification, NotificationSource, nextGapMs, seededRandom } from './source';

export function createPolling(lab: Lab, sse: Sse) {
  const handlers = createPollingHandlers(sse);
  lab.sessions.onExpire((id) => handlers.forget(id));
  return handlers;
}
