import { describe, expect, it } from 'vitest';
import { createTimelineStore } from './store';
import { testEvent } from './test-events';

function newStore(capacity?: number) {
  return createTimelineStore({ autoFlush: false, ...(capacity === undefined ? {} : { capacity }) });
}

describe('timeline store', () => {
  it('queues events until flush, then bumps the version once', () => {
    const store = newStore();
    store.getState().record(testEvent({ at: 1 }));
    store.getState().record(testEvent({ at: 2 }));
    expect(store.getState().events).toHaveLength(0);
    store.getState().flush();
    expect(store.getState().events.map((e) => e.at)).toEqual([1, 2]);
    expect(store.getState().version).toBe(1);
  });

  it('keeps events ordered by `at` when they arrive out of order', () => {
    const store = newStore();
    store.getState().recordMany([testEvent({ at: 10 }), testEvent({ at: 30 })]);
    store.getState().flush();
    store.getState().recordMany([testEvent({ at: 20 }), testEvent({ at: 5 }), testEvent({ at: 40 })]);
    store.getState().flush();
    expect(store.getState().events.map((e) => e.at)).toEqual([5, 10, 20, 30, 40]);
    expect(store.getState().lastChange).toEqual({ version: 2, evicted: 0, firstChanged: 0 });
  });

  it('keeps equal timestamps in arrival order', () => {
    const store = newStore();
    const first = testEvent({ at: 7 });
    const second = testEvent({ at: 7 });
    store.getState().recordMany([first, second]);
    store.getState().flush();
    expect(store.getState().events).toEqual([first, second]);
  });

  it('evicts the oldest events past capacity, counts them, and mutates the array in place', () => {
    const store = newStore(3);
    const events = store.getState().events;
    for (let at = 1; at <= 5; at++) store.getState().record(testEvent({ at }));
    store.getState().flush();
    expect(store.getState().events).toBe(events);
    expect(events.map((e) => e.at)).toEqual([3, 4, 5]);
    expect(store.getState().evicted).toBe(2);
    store.getState().record(testEvent({ at: 6 }));
    store.getState().flush();
    expect(events.map((e) => e.at)).toEqual([4, 5, 6]);
    expect(store.getState().evicted).toBe(3);
    expect(store.getState().lastChange).toEqual({ version: 2, evicted: 1, firstChanged: 2 });
  });

  it('remembers when the timeline started, across evictions, until cleared', () => {
    const store = newStore(2);
    store.getState().recordMany([testEvent({ at: 100 }), testEvent({ at: 200 }), testEvent({ at: 300 })]);
    store.getState().flush();
    expect(store.getState().timeOrigin).toBe(200);
    store.getState().record(testEvent({ at: 400 }));
    store.getState().flush();
    expect(store.getState().timeOrigin).toBe(200);
    store.getState().clear();
    expect(store.getState().timeOrigin).toBeNull();
  });

  it('lowers the time origin when an older event arrives later, so relative times never go negative', () => {
    const store = newStore();
    // After a reload the page's own events flush first; the server replays older ones afterwards.
    store.getState().recordMany([testEvent({ at: 5000 }), testEvent({ at: 5100 })]);
    store.getState().flush();
    expect(store.getState().timeOrigin).toBe(5000);
    store.getState().recordMany([testEvent({ at: 1876 }), testEvent({ at: 4000 })]);
    store.getState().flush();
    expect(store.getState().timeOrigin).toBe(1876);
    // A later event never moves it up.
    store.getState().record(testEvent({ at: 6000 }));
    store.getState().flush();
    expect(store.getState().timeOrigin).toBe(1876);
    expect(Math.min(...store.getState().events.map((e) => e.at - 1876))).toBe(0);
  });

  it('holds events while paused and shows them on resume', () => {
    const store = newStore();
    store.getState().setPaused(true);
    store.getState().record(testEvent());
    store.getState().recordMany([testEvent(), testEvent()]);
    store.getState().flush();
    expect(store.getState().events).toHaveLength(0);
    expect(store.getState().held).toBe(3);
    store.getState().setPaused(false);
    expect(store.getState().events).toHaveLength(3);
    expect(store.getState().held).toBe(0);
  });

  it('clear empties the timeline, the queue and the counters', () => {
    const store = newStore(1);
    store.getState().recordMany([testEvent(), testEvent()]);
    store.getState().flush();
    const selected = store.getState().events[0]?.id ?? null;
    store.getState().select(selected);
    store.getState().record(testEvent());
    store.getState().clear();
    store.getState().flush();
    expect(store.getState()).toMatchObject({ events: [], evicted: 0, held: 0, selectedId: null, lastChange: null });
  });

  it('clear while paused removes the held events too', () => {
    const store = newStore();
    store.getState().record(testEvent());
    store.getState().flush();
    store.getState().setPaused(true);
    store.getState().recordMany([testEvent(), testEvent()]);
    expect(store.getState().held).toBe(2);
    store.getState().clear();
    expect(store.getState().held).toBe(0);
    store.getState().setPaused(false);
    expect(store.getState().events).toHaveLength(0);
  });

  it('clear while viewing an import empties the view and keeps the live events aside', () => {
    const store = newStore();
    store.getState().recordMany([testEvent({ at: 10, id: 'live-1' }), testEvent({ at: 11, id: 'live-2' })]);
    store.getState().flush();
    store.getState().importEvents([testEvent({ at: 3, id: 'file' })]);
    // Live events that arrive while the file is shown wait in the queue.
    store.getState().recordMany([testEvent({ at: 20, id: 'live-3' }), testEvent({ at: 21, id: 'live-4' })]);
    store.getState().flush();

    store.getState().clear();
    expect(store.getState()).toMatchObject({ source: 'imported', events: [], timeOrigin: null, selectedId: null });

    store.getState().backToLive();
    expect(store.getState().events.map((e) => e.id)).toEqual(['live-1', 'live-2', 'live-3', 'live-4']);
    expect(store.getState().timeOrigin).toBe(10);
  });

  it('imports a file sorted by time, keeps live events aside, and goes back to live', () => {
    const store = newStore();
    const live = testEvent({ at: 50, id: 'live' });
    store.getState().record(live);
    store.getState().flush();
    store.getState().importEvents([testEvent({ at: 9, id: 'b' }), testEvent({ at: 3, id: 'a' })]);
    expect(store.getState().source).toBe('imported');
    expect(store.getState().events.map((e) => e.id)).toEqual(['a', 'b']);
    expect(store.getState().timeOrigin).toBe(3);

    // Live events keep arriving while the file is shown; they wait.
    store.getState().record(testEvent({ at: 60, id: 'later' }));
    store.getState().flush();
    expect(store.getState().events.map((e) => e.id)).toEqual(['a', 'b']);

    store.getState().backToLive();
    expect(store.getState().source).toBe('live');
    expect(store.getState().events.map((e) => e.id)).toEqual(['live', 'later']);
    expect(store.getState().timeOrigin).toBe(50);
  });

  it('importing twice still returns to the live events', () => {
    const store = newStore();
    store.getState().record(testEvent({ id: 'live' }));
    store.getState().flush();
    store.getState().importEvents([testEvent({ id: 'one' })]);
    store.getState().importEvents([testEvent({ id: 'two' })]);
    store.getState().backToLive();
    expect(store.getState().events.map((e) => e.id)).toEqual(['live']);
  });
});
