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
    case 'resolve':
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
/** How far the lane axis runs past the latest event: a fraction of the span, at least a few frames. */
const AXIS_TAIL_FRACTION = 0.08;
const AXIS_MIN_TAIL_MS = 100;

export function laneAxis(lanes: readonly Lane[], latestAt: number): TimeAxis | null {
  let start = Number.POSITIVE_INFINITY;
  for (const lane of lanes) start = Math.min(start, lane.segments[0]?.start ?? Number.POSITIVE_INFINITY);
  if (!Number.isFinite(start)) return null;
  // Run the axis a little past the latest event, so a state that has just
  // begun (say, open again after a reconnect) is visible rather than 0 px wide.
  const end = Math.max(start, latestAt);
  return { start, end: end + Math.max(AXIS_MIN_TAIL_MS, (end - start) * AXIS_TAIL_FRACTION) };
}

/** When bars must be merged, the state a merged bar shows: a drop is never hidden behind an open connection. */
const SEVERITY: Record<LaneState, number> = { open: 0, closed: 1, connecting: 2, reconnecting: 3, dropped: 4 };

/**
 * At most `maxBars` bars for a lane, for drawing. A long session can give a
 * connection thousands of states, far more than the track has pixels, and
 * every bar costs layout. Past the limit, the history before the current
 * state is cut into equal time buckets; each shows the most severe state seen
 * in it and neighbours showing the same state merge. The current state is
 * always drawn exactly. Lanes with few states are returned as they are.
 *
 * Bucket widths are powers of two milliseconds from the axis start, so as
 * time passes the buckets (and the bars React has already drawn) stay put
 * until the width has to double.
 */
export function downsampleSegments(segments: readonly LaneSegment[], axis: TimeAxis, maxBars: number): readonly LaneSegment[] {
  const current = segments[segments.length - 1];
  const laneStart = segments[0]?.start;
  if (segments.length <= maxBars || !current || laneStart === undefined) return segments;
  const history = current.start - axis.start;
  const width = 2 ** Math.ceil(Math.log2(Math.max(1, history / (maxBars - 1))));
  const buckets = Math.ceil(history / width);
  const out: LaneSegment[] = [];
  let first = 0; // the first history segment that can still overlap the current bucket
  for (let b = 0; b < buckets; b++) {
    const bucketStart = axis.start + b * width;
    const bucketEnd = Math.min(bucketStart + width, current.start);
    let worst: LaneSegment | undefined;
    for (let i = first; i < segments.length - 1; i++) {
      const segment = segments[i];
      if (!segment || segment.start >= bucketEnd) break;
      if ((segment.end ?? current.start) <= bucketStart) {
        first = i + 1;
        continue;
      }
      if (!worst || SEVERITY[segment.state] > SEVERITY[worst.state]) worst = segment;
    }
    if (!worst) continue; // before this connection's first state
    const previous = out[out.length - 1];
    if (previous?.state === worst.state) previous.end = bucketEnd;
    else out.push({ state: worst.state, start: Math.max(bucketStart, laneStart), end: bucketEnd, eventId: worst.eventId });
  }
  const previous = out[out.length - 1];
  if (previous) previous.end = current.start;
  out.push(current);
  return out;
}
