import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { deriveLanes, downsampleSegments, type LaneSegment, type LaneState, laneAxis } from './lanes';
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

describe('laneAxis', () => {
  it('spans from the first lane start to a little past the newest event', () => {
    const lanes = deriveLanes([ws(100, 'open'), testEvent({ at: 120, kind: 'open', conn: 'other' })]);
    // A short span gets the minimum tail (100 ms), a long one 8 % of itself.
    expect(laneAxis(lanes, 200)).toEqual({ start: 100, end: 300 });
    expect(laneAxis(lanes, 10_100)).toEqual({ start: 100, end: 10_900 });
    expect(laneAxis([], 200)).toBeNull();
  });
});

describe('downsampleSegments', () => {
  const segment = (state: LaneState, start: number, end: number | null): LaneSegment => ({
    state,
    start,
    end,
    eventId: `${state}@${start}`,
  });

  it('leaves a lane with few states alone', () => {
    const segments = [segment('open', 0, 10), segment('closed', 10, null)];
    expect(downsampleSegments(segments, { start: 0, end: 100 }, 4)).toBe(segments);
  });

  it('keeps at most one bar per bucket, showing the most severe state, and merges equal neighbours', () => {
    // Ten quick drop/reconnect cycles in the first half, then a long open connection.
    const segments: LaneSegment[] = [];
    for (let t = 0; t < 50; t += 5) {
      segments.push(segment('open', t, t + 3), segment('dropped', t + 3, t + 4), segment('reconnecting', t + 4, t + 5));
    }
    segments.push(segment('open', 50, null));
    const drawn = downsampleSegments(segments, { start: 0, end: 100 }, 5);
    expect(drawn.map((s) => [s.state, s.start, s.end])).toEqual([
      ['dropped', 0, 50],
      ['open', 50, null],
    ]);
    expect(drawn[0]?.eventId).toBe('dropped@3');
  });

  it('starts where the connection starts and always draws the current state exactly', () => {
    const segments = [
      segment('open', 60, 70),
      segment('dropped', 70, 71),
      segment('reconnecting', 71, 80),
      segment('closed', 80, null),
    ];
    const drawn = downsampleSegments(segments, { start: 0, end: 100 }, 3);
    // Buckets of 64 ms (a power of two) from the axis start: [0, 64) and [64, 80).
    expect(drawn.map((s) => [s.state, s.start, s.end])).toEqual([
      ['open', 60, 64],
      ['dropped', 64, 80],
      ['closed', 80, null],
    ]);
  });

  it('keeps earlier bars where they were as the connection goes on', () => {
    // Drops early on, a long calm stretch, then drops again until `until`.
    const history = (until: number) => {
      const segments: LaneSegment[] = [];
      for (let t = 0; t < 100; t += 10) segments.push(segment('open', t, t + 8), segment('dropped', t + 8, t + 10));
      segments.push(segment('open', 100, 300));
      for (let t = 300; t < until; t += 10) segments.push(segment('dropped', t, t + 2), segment('open', t + 2, t + 10));
      segments.push(segment('reconnecting', until, null));
      return segments;
    };
    const before = downsampleSegments(history(400), { start: 0, end: 410 }, 10);
    const after = downsampleSegments(history(420), { start: 0, end: 430 }, 10);
    expect(before.slice(0, 2)).toEqual([
      { state: 'dropped', start: 0, end: 128, eventId: 'dropped@8' },
      { state: 'open', start: 128, end: 256, eventId: 'open@100' },
    ]);
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after.length).toBeLessThanOrEqual(10);
  });
});
