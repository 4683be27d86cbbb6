/** Helpers for the Streaming lesson's specs: finding a server lane's events by what they say. */
import type { TimelineEvent } from '../lib/timeline';

/** The connection id of the latest server `open` whose summary starts with `prefix` (e.g. "export (stream"). */
export function laneOf(events: TimelineEvent[], prefix: string): string | undefined {
  return events.filter((e) => e.origin === 'server' && e.kind === 'open' && e.summary.startsWith(prefix)).at(-1)?.conn;
}

/** A lane's server-side memory samples: one field of each (e.g. `heldBytes`, `heapDeltaMb`). */
export function memorySamples(events: TimelineEvent[], conn: string, field: string): number[] {
  return events
    .filter((e) => e.conn === conn && e.origin === 'server' && e.detail?.fields?.sample === 'memory')
    .map((e) => Number(e.detail?.fields?.[field]));
}

export function closeOf(events: TimelineEvent[], conn: string): TimelineEvent | undefined {
  return events.find((e) => e.conn === conn && e.origin === 'server' && e.kind === 'close');
}

/** Every server `open` whose summary starts with `prefix`, oldest first (e.g. each attempt of "streamed upload"). */
export function opensOf(events: TimelineEvent[], prefix: string): TimelineEvent[] {
  return events.filter((e) => e.origin === 'server' && e.kind === 'open' && e.summary.startsWith(prefix));
}

/** The connection ids a `Drop stream` fault destroyed, from the lab's own fault event. */
export function droppedConns(fault: TimelineEvent): string[] {
  return String(fault.detail?.fields?.connections ?? '')
    .split(', ')
    .filter(Boolean);
}
