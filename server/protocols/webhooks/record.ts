import type { EventInput } from '../../../lib/timeline';
import type { Lab } from '../../lab';

/** Whose view an event is: the bank sending, or "your app" receiving. Shown as `detail.fields.side`. */
export type Side = 'bank' | 'receiver';

/** Records a webhooks event on the session's timeline (origin server), tagged with its side. */
export function recordWebhook(lab: Lab, sessionId: string, side: Side, event: Omit<EventInput, 'origin' | 'protocol'>): void {
  lab.record(sessionId, {
    origin: 'server',
    protocol: 'webhooks',
    ...event,
    detail: { ...event.detail, fields: { side, ...event.detail?.fields } },
  });
}

/** One lane per delivery: the bank's attempts and the receiver's view of them share it. */
export const laneOf = (deliveryId: string) => `wh-${deliveryId.replace(/^dlv_/, '')}`;
