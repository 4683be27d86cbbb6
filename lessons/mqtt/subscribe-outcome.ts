/**
 * What became of the wildcard playground's last "Subscribe" press, in words.
 * Two different parties can say no: mqtt.js checks a filter's wildcards itself
 * and refuses a misplaced one before anything is sent, while the broker refuses
 * a SUBSCRIBE it received by answering SUBACK 0x80.
 */
import { topicFilterError } from '../../lib/mqtt-topic';

export type SubscribeOutcome =
  | { kind: 'none' }
  | { kind: 'subscribed'; filter: string }
  | { kind: 'refused-by-broker'; filter: string }
  | { kind: 'refused-by-client'; filter: string; reason: string }
  | { kind: 'failed'; filter: string; reason: string };

/** What the SUBACK granted: a QoS level, or 128 (0x80) for a refusal. */
export function outcomeOfGrant(filter: string, granted: number): SubscribeOutcome {
  return granted === 128 ? { kind: 'refused-by-broker', filter } : { kind: 'subscribed', filter };
}

/** mqtt.js fails with "Invalid topic <filter>" when it refused the filter without sending it. */
export function outcomeOfError(filter: string, error: Error): SubscribeOutcome {
  if (error.message.startsWith('Invalid topic')) {
    return { kind: 'refused-by-client', filter, reason: topicFilterError(filter) ?? 'its wildcards are misplaced' };
  }
  return { kind: 'failed', filter, reason: error.message };
}

export function outcomeText(outcome: SubscribeOutcome, caught: number): string {
  switch (outcome.kind) {
    case 'none':
      return 'not subscribed';
    case 'subscribed':
      return `subscribed to ${outcome.filter}: ${caught} messages caught`;
    case 'refused-by-broker':
      return `${outcome.filter}: refused by the broker (SUBACK 0x80)`;
    case 'refused-by-client':
      return `${outcome.filter}: refused by mqtt.js, the client library, before sending: ${outcome.reason}. No SUBSCRIBE reached the broker.`;
    case 'failed':
      return `${outcome.filter}: the subscription failed (${outcome.reason})`;
  }
}
