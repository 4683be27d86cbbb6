import type { Protocol, TimelineEvent } from '../../lib/timeline';

/**
 * Connection lanes: for each connection id, the states it went through over
 * time, derived from the events both sides recorded with that `conn`.
 *
 *   connecting ─open→ open ─close(lost)→ dropped ─reconnect-attempt→ reconnecting ─reconnected→ open … ─close→ closed
 */
export const LANE_STATES = ['connecting', 'open', 'dropped', 'reconnecting', 'closed'] as const;
export type LaneState = (typeof LANE_STATES)[number];

export interface LaneSegment {
  state: LaneState;
  start: number;
  /** When the next state began; null while this is the current state (the bar runs to the end of the axis). */
  end: number | null;
  /** The event that started this segment (clicking the bar selects it). */
  eventId: string;
}

export interface Lane {
  conn: string;
  protocol: Protocol;
  segments: LaneSegment[];
}

/**
 * The state a connection moves to because of `event`, or null if the event
 * does not change it. Browser and server both report most transitions (each
 * side sees the open and the close), so repeating the current state is normal
 * and the caller ignores it.
 */
export function nextLaneState(current: LaneState | null, event: TimelineEvent): LaneState | null {
  switch (event.kind) {
    case 'note':
      return event.detail?.fields?.phase === 'connecting' ? 'connecting' : null;
    case 'open':
    case 'reconnected':
      return 'open';
    case 'close':
      if (event.detail?.wasClean === false) {
        // A failed reconnect attempt closes too; the connection is still reconnecting, not freshly dropped.
        return current === 'reconnecting' ? null : 'dropped';
      }
      // The other side may still report a polite close after the link was lost: the loss is the story.
      return current === 'dropped' || current === 'reconnecting' ? null : 'closed';
    case 'reconnect-attempt':
      return 'reconnecting';
    case 'request':
    case 'response':
    case 'frame':
    case 'message':
      // Traffic on a connection we never saw open (its open fell out of the buffer, or the protocol
      // has no explicit open): it is evidently open.
      return current === null ? 'open' : null;
    case 'error':
    case 'retry':
    case 'query':
    case 'route':
    case 'fault':
      return null;
    default: {
      const unknownKind: never = event.kind;
      return unknownKind;
    }
  }
}

/** Derives every connection's lane from events ordered by `at`; lanes come in order of first appearance. */
export function deriveLanes(events: readonly TimelineEvent[]): Lane[] {
  const byConn = new Map<string, Lane>();
  for (const event of events) {
    if (event.conn === undefined) continue;
    let lane = byConn.get(event.conn);
    const last = lane?.segments[lane.segments.length - 1];
    const next = nextLaneState(last?.state ?? null, event);
    if (next === null || next === last?.state) continue;
    if (!lane) {
      lane = { conn: event.conn, protocol: event.protocol, segments: [] };
      byConn.set(event.conn, lane);
    }
    if (last) last.end = event.at;
    lane.segments.push({ state: next, start: event.at, end: null, eventId: event.id });
  }
  return [...byConn.values()];
}

export interface TimeAxis {
  start: number;
  end: number;
}

/** The shared time axis: from the first lane's start to `latestAt` (the newest event on the timeline). */
export function laneAxis(lanes: readonly Lane[], latestAt: number): TimeAxis | null {
  let start = Number.POSITIVE_INFINITY;
  for (const lane of lanes) start = Math.min(start, lane.segments[0]?.start ?? Number.POSITIVE_INFINITY);
  if (!Number.isFinite(start)) return null;
  return { start, end: Math.max(start, latestAt) };
}

/**
 * Where a segment sits on the axis, as fractions of its width. A closed
 * connection's last segment has no duration: it is drawn as an end cap.
 */
export function segmentSpan(segment: LaneSegment, axis: TimeAxis): { left: number; width: number } {
  const span = axis.end - axis.start;
  if (span <= 0) return { left: 0, width: segment.state === 'closed' ? 0 : 1 };
  const end = segment.end ?? (segment.state === 'closed' ? segment.start : axis.end);
  const left = (segment.start - axis.start) / span;
  return { left, width: Math.max(0, (end - segment.start) / span) };
}
