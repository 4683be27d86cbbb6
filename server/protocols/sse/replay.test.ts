import { describe, expect, it } from 'vitest';
import { EventSeries } from './replay';

function series(capacity: number, count: number): EventSeries {
  const s = new EventSeries(capacity);
  for (let i = 0; i < count; i++) s.publish('tick', String(i + 1), i);
  return s;
}

describe('EventSeries', () => {
  it('numbers events from 1 and tells subscribers at once', () => {
    const s = new EventSeries(10);
    const seen: number[] = [];
    const unsubscribe = s.subscribe((e) => seen.push(e.id));
    s.publish('a', 'x');
    s.publish('b', 'y');
    unsubscribe();
    s.publish('c', 'z');
    expect(seen).toEqual([1, 2]);
    expect(s.lastId).toBe(3);
    expect(s.subscriberCount).toBe(0);
  });

  it('replays exactly the events after Last-Event-ID while the buffer still holds them', () => {
    const s = series(5, 8); // holds 4..8
    expect(s.since(8)).toEqual({ kind: 'complete', events: [] });
    const replay = s.since(5);
    expect(replay.kind).toBe('complete');
    expect(replay.kind !== 'future' && replay.events.map((e) => e.id)).toEqual([6, 7, 8]);
    // 3 is the last one the client saw and 4 is the oldest held: nothing is missing.
    expect(s.since(3).kind).toBe('complete');
  });

  it('reports a gap — which ids and how many — when the buffer has moved past Last-Event-ID', () => {
    const s = series(5, 8); // holds 4..8
    const replay = s.since(1);
    expect(replay).toMatchObject({ kind: 'gap', from: 2, to: 3, missed: 2 });
    expect(replay.kind === 'gap' && replay.events.map((e) => e.id)).toEqual([4, 5, 6, 7, 8]);
    expect(s.since(0)).toMatchObject({ kind: 'gap', from: 1, to: 3, missed: 3 });
  });

  it('refuses an id it never produced', () => {
    expect(series(5, 3).since(4)).toEqual({ kind: 'future', lastId: 3 });
    expect(new EventSeries(5).since(0)).toEqual({ kind: 'complete', events: [] });
  });
});
