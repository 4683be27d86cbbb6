import { topicMatches } from '../../../lib/mqtt-topic';

/**
 * Every session's topics, client ids and retained messages live under its own
 * prefix inside the one broker: a client of session S that publishes
 * `atms/eu/1` really publishes `S/atms/eu/1`, and its `atms/#` subscription is
 * really `S/atms/#`. Clients never see the prefix: it is added as packets
 * come in (authorizePublish/authorizeSubscribe, the will, UNSUBSCRIBE) and
 * taken off as they go out (authorizeForward). Since every filter a client can
 * hold starts with its own session id, no wildcard can reach another session.
 */
export function prefixOf(sessionId: string): string {
  return `${sessionId}/`;
}

export function toInternal(sessionId: string, topic: string): string {
  return prefixOf(sessionId) + topic;
}

/** The client's view of an internal topic, or undefined when it belongs to another session. */
export function toExternal(sessionId: string, topic: string): string | undefined {
  const prefix = prefixOf(sessionId);
  return topic.startsWith(prefix) ? topic.slice(prefix.length) : undefined;
}

/** The session an internal topic (or client id) belongs to. */
export function sessionOf(internal: string): string | undefined {
  const slash = internal.indexOf('/');
  return slash > 0 ? internal.slice(0, slash) : undefined;
}

export interface SubscriptionView {
  clientId: string;
  filter: string;
  qos: number;
  online: boolean;
}

interface ClientSubs {
  filters: Map<string, number>;
  online: boolean;
}

/**
 * Who is subscribed to what, per session, in the clients' own terms: what the
 * routing taps list as "matched" and "not matched" for each PUBLISH. Persistent
 * sessions (clean session off) keep their subscriptions while offline: the
 * broker queues QoS 1/2 messages for them.
 */
export class SubscriptionBook {
  private readonly bySession = new Map<string, Map<string, ClientSubs>>();

  private client(sessionId: string, clientId: string): ClientSubs {
    let clients = this.bySession.get(sessionId);
    if (!clients) {
      clients = new Map();
      this.bySession.set(sessionId, clients);
    }
    let subs = clients.get(clientId);
    if (!subs) {
      subs = { filters: new Map(), online: true };
      clients.set(clientId, subs);
    }
    return subs;
  }

  connected(sessionId: string, clientId: string, clean: boolean): void {
    const subs = this.client(sessionId, clientId);
    subs.online = true;
    if (clean) subs.filters.clear();
  }

  disconnected(sessionId: string, clientId: string, clean: boolean): void {
    const clients = this.bySession.get(sessionId);
    const subs = clients?.get(clientId);
    if (!clients || !subs) return;
    subs.online = false;
    if (clean || subs.filters.size === 0) clients.delete(clientId);
  }

  subscribed(sessionId: string, clientId: string, filter: string, qos: number): void {
    this.client(sessionId, clientId).filters.set(filter, qos);
  }

  unsubscribed(sessionId: string, clientId: string, filter: string): void {
    this.bySession.get(sessionId)?.get(clientId)?.filters.delete(filter);
  }

  /** Every subscription of the session, split by whether it matches `topic`. */
  route(sessionId: string, topic: string): { matched: SubscriptionView[]; unmatched: SubscriptionView[] } {
    const matched: SubscriptionView[] = [];
    const unmatched: SubscriptionView[] = [];
    for (const [clientId, subs] of this.bySession.get(sessionId) ?? []) {
      for (const [filter, qos] of subs.filters) {
        (topicMatches(filter, topic) ? matched : unmatched).push({ clientId, filter, qos, online: subs.online });
      }
    }
    return { matched, unmatched };
  }

  forget(sessionId: string): void {
    this.bySession.delete(sessionId);
  }
}
