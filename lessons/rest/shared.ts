import type { TimelineStore } from '../../components/timeline/store';
import type { TimelineEvent } from '../../lib/timeline';

/** Helpers the REST widgets share: formatting, and waiting for the server's side of an exchange. */

export const JSON_HEADERS = { 'content-type': 'application/json' };

export function euros(cents: number): string {
  return new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' }).format(cents / 100);
}

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The JSON body of a response, or null when it has none or it isn't JSON. */
export async function jsonOf<T>(response: Response): Promise<T | null> {
  const text = await response.text();
  try {
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}

/**
 * Polls the page's timeline for a server event matching `predicate`. By
 * default only events that arrive after this call count (their `seq` is
 * higher than any seen so far); pass `after: 0` to accept earlier ones too.
 */
export function waitForServerEvent(
  store: TimelineStore,
  predicate: (event: TimelineEvent) => boolean,
  timeoutMs = 5_000,
  after = store.getState().lastServerSeq,
): { after: number; promise: Promise<TimelineEvent | undefined> } {
  const promise = new Promise<TimelineEvent | undefined>((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const look = () => {
      store.getState().flush();
      const match = store.getState().events.find((e) => (e.seq ?? 0) > after && predicate(e));
      if (match || Date.now() > deadline) resolve(match);
      else setTimeout(look, 25);
    };
    look();
  });
  return { after, promise };
}
