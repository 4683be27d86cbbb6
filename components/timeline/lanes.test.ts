import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { deriveLanes, type LaneState, laneAxis, segmentSpan } from './lanes';
import { testEvent } from './test-events';

/** Events of one WebSocket connection, as browser and server record them. */
function ws(at: number, kind: TimelineEvent['kind'], extra: Partial<TimelineEvent> = {}): TimelineEvent {
  return testEvent({ at, kind, conn: 'ws-1', protocol: 'websocket', ...extra });
}

function states(events: TimelineEvent[]): [LaneState, number, number | null][] {
  const [lane] = deriveLanes(events);
  return lane?.segments.map((s) => [s.state, s.start, s.end]) ?? [];
}

describe('deriveLanes', () => {
  it('follows a connection through connect, drop, reconnect and close', () => {
    const events = [
      ws(0, 'note', { detail: { fields: { phase: 'connecting' } } }),
      ws(5, 'open', { origin: 'server' }),
      ws(6, 'open'),
      ws(10, 'message'),
      ws(20, 'close', { origin: 'server', detail: { wasClean: false } }),
      ws(21, 'close', { detail: { wasClean: false, code: 1006 } }),
      ws(22, 'reconnect-attempt', { detail: { attempt: 1, delayMs: 500 } }),
      ws(523, 'open', { origin: 'server' }),
      ws(524, 'reconnected'),
      ws(600, 'close', { detail: { wasClean: true, code: 1000 } }),
      ws(601, 'close', { origin: 'server', detail: { wasClean: true, code: 1000 } }),
    ];
    expect(states(events)).toEqual([
      ['connecting', 0, 5],
      ['open', 5, 20],
      ['dropped', 20, 22],
      ['reconnecting', 22, 523],
      ['open', 523, 600],
      ['closed', 600, null],
    ]);
  });

  it('keeps reconnecting through failed attempts', () => {
    const events = [
      ws(0, 'open'),
      ws(10, 'close', { detail: { wasClean: false } }),
      ws(11, 'reconnect-attempt'),
      ws(500, 'close', { detail: { wasClean: false } }),
      ws(501, 'reconnect-attempt'),
      ws(1500, 'reconnected'),
    ];
    expect(states(events).map(([state]) => state)).toEqual(['open', 'dropped', 'reconnecting', 'open']);
  });

  it('does not let a polite close from the other side hide a drop', () => {
    const events = [
      ws(0, 'open'),
      ws(10, 'close', { detail: { wasClean: false } }),
      ws(11, 'close', { detail: { wasClean: true } }),
    ];
    expect(states(events).map(([state]) => state)).toEqual(['open', 'dropped']);
  });

  it('treats traffic on a connection whose open it never saw as open', () => {
    expect(states([ws(3, 'message'), ws(4, 'error'), ws(5, 'message')])).toEqual([['open', 3, null]]);
  });

  it('makes one lane per connection id, in order of first appearance, and ignores events without one', () => {
    const lanes = deriveLanes([
      testEvent({ at: 0, kind: 'open', conn: 'b', protocol: 'mqtt' }),
      testEvent({ at: 1, kind: 'request' }),
      testEvent({ at: 2, kind: 'open', conn: 'a' }),
      testEvent({ at: 3, kind: 'error', conn: 'never-opened' }),
    ]);
    expect(lanes.map((l) => [l.conn, l.protocol])).toEqual([
      ['b', 'mqtt'],
      ['a', 'http'],
    ]);
  });
});

describe('lane geometry', () => {
  const lanes = deriveLanes([ws(100, 'open'), ws(150, 'close', { detail: { wasClean: true } })]);
  const axis = laneAxis(lanes, 200);

  it('spans from the first lane start to the newest event', () => {
    expect(axis).toEqual({ start: 100, end: 200 });
    expect(laneAxis([], 200)).toBeNull();
  });

  it('places segments as fractions of the axis; a final close is a zero-width cap', () => {
    if (!axis) throw new Error('no axis');
    const [open, closed] = lanes[0]?.segments ?? [];
    if (!open || !closed) throw new Error('missing segments');
    expect(segmentSpan(open, axis)).toEqual({ left: 0, width: 0.5 });
    expect(segmentSpan(closed, axis)).toEqual({ left: 0.5, width: 0 });
  });

  it('lets a still-open connection run to the end of the axis', () => {
    const [lane] = deriveLanes([ws(100, 'open')]);
    const [open] = lane?.segments ?? [];
    if (!open) throw new Error('missing segment');
    expect(segmentSpan(open, { start: 0, end: 200 })).toEqual({ left: 0.5, width: 0.5 });
  });
});
