import { describe, expect, it } from 'vitest';
import type { Kind, Origin, Protocol, TimelineEvent } from '../../lib/timeline';
import { createEventMatcher, FilteredView, hasActiveFilters, rebasePositions } from './filter';
import { createTimelineStore, type TimelineFilters } from './store';
import { testEvent } from './test-events';

function filters(patch: Partial<TimelineFilters> = {}): TimelineFilters {
  return { protocols: new Set(), origins: new Set(), kinds: new Set(), text: '', ...patch };
}

function ids(view: FilteredView): string[] {
  const out: string[] = [];
  for (let i = 0; i < view.length; i++) out.push(view.at(i)?.id ?? '?');
  return out;
}

describe('createEventMatcher', () => {
  const ws = testEvent({ protocol: 'websocket', origin: 'server', kind: 'message', summary: 'Received PING', conn: 'ws-abc' });
  const sql = testEvent({
    protocol: 'sql',
    origin: 'db',
    kind: 'query',
    summary: 'SELECT 1',
    detail: { sql: 'SELECT * FROM accounts' },
  });

  it('accepts everything when no filter is set', () => {
    expect(hasActiveFilters(filters())).toBe(false);
    expect(hasActiveFilters(filters({ text: '   ' }))).toBe(false);
    const matches = createEventMatcher(filters());
    expect([ws, sql].every(matches)).toBe(true);
  });

  it('combines chip groups with AND and values within a group with OR', () => {
    const matches = createEventMatcher(
      filters({ protocols: new Set<Protocol>(['websocket', 'sql']), origins: new Set<Origin>(['db']) }),
    );
    expect(matches(ws)).toBe(false);
    expect(matches(sql)).toBe(true);
    expect(createEventMatcher(filters({ kinds: new Set<Kind>(['message']) }))(ws)).toBe(true);
  });

  it('searches summary, conn id and SQL text, ignoring case and regex syntax', () => {
    expect(createEventMatcher(filters({ text: 'ping' }))(ws)).toBe(true);
    expect(createEventMatcher(filters({ text: 'WS-ABC' }))(ws)).toBe(true);
    expect(createEventMatcher(filters({ text: 'accounts' }))(sql)).toBe(true);
    expect(createEventMatcher(filters({ text: 'SELECT.*' }))(sql)).toBe(false);
    expect(createEventMatcher(filters({ text: '(' }))(sql)).toBe(false);
  });
});

describe('rebasePositions', () => {
  it('drops positions at or after the first changed index when nothing was evicted', () => {
    const positions = [0, 2, 5, 7];
    expect(rebasePositions(positions, { evicted: 0, firstChanged: 5 })).toBe(0);
    expect(positions).toEqual([0, 2]);
  });

  it('drops evicted positions and shifts the rest down', () => {
    const positions = [0, 2, 5, 7, 9];
    expect(rebasePositions(positions, { evicted: 3, firstChanged: 5 })).toBe(2);
    expect(positions).toEqual([2, 4]);
  });
});

describe('FilteredView', () => {
  it('without filters, shows the events array as it is', () => {
    const store = createTimelineStore({ autoFlush: false });
    store.getState().recordMany([testEvent({ id: 'a' }), testEvent({ id: 'b' })]);
    store.getState().flush();
    const view = new FilteredView();
    view.sync(store.getState());
    expect(ids(view)).toEqual(['a', 'b']);
  });

  it('re-filters when the filters change', () => {
    const store = createTimelineStore({ autoFlush: false });
    store.getState().recordMany([testEvent({ id: 'a', origin: 'server' }), testEvent({ id: 'b' })]);
    store.getState().flush();
    const view = new FilteredView();
    view.sync(store.getState());
    store.getState().setFilters({ origins: new Set<Origin>(['server']) });
    view.sync(store.getState());
    expect(ids(view)).toEqual(['a']);
    expect(view.indexOf('a')).toBe(0);
    expect(view.indexOf('b')).toBe(-1);
  });

  // The incremental path must always agree with filtering from scratch, whatever the flushes do.
  it('stays equal to a full rescan across appends, late arrivals, evictions and skipped versions', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const origins: Origin[] = ['browser', 'server', 'db'];
    const store = createTimelineStore({ autoFlush: false, capacity: 200 });
    store.getState().setFilters({ origins: new Set<Origin>(['server', 'db']), text: 'keep' });
    // A small scan budget, so rescans span several syncs while events keep arriving.
    const view = new FilteredView(50);
    let clock = 0;
    for (let round = 0; round < 300; round++) {
      const batch: TimelineEvent[] = [];
      const size = Math.floor(random() * 12);
      for (let i = 0; i < size; i++) {
        clock += random() * 5;
        // Some events arrive late (server events placed on the browser clock).
        const at = random() < 0.3 ? clock - random() * 40 : clock;
        batch.push(
          testEvent({
            at,
            origin: origins[Math.floor(random() * origins.length)] ?? 'browser',
            summary: random() < 0.5 ? 'keep me' : 'skip me',
          }),
        );
      }
      store.getState().recordMany(batch);
      store.getState().flush();
      if (random() < 0.2) continue; // a render that misses a version: the next sync must rescan

      view.sync(store.getState());
      if (!view.complete) continue; // still rescanning: checked once it has caught up
      const expected = store
        .getState()
        .events.filter(createEventMatcher(store.getState().filters))
        .map((e) => e.id);
      expect(ids(view)).toEqual(expected);
    }
    expect(store.getState().evicted).toBeGreaterThan(0);
  });

  it('rescans after the buffer is replaced (import, clear)', () => {
    const store = createTimelineStore({ autoFlush: false });
    store.getState().setFilters({ kinds: new Set<Kind>(['query']) });
    store.getState().record(testEvent({ id: 'live', kind: 'query' }));
    store.getState().flush();
    const view = new FilteredView();
    view.sync(store.getState());
    store.getState().importEvents([testEvent({ id: 'file', kind: 'query' }), testEvent({ kind: 'note' })]);
    view.sync(store.getState());
    expect(ids(view)).toEqual(['file']);
    store.getState().clear();
    view.sync(store.getState());
    expect(view.length).toBe(0);
  });
});

describe('FilteredView bookkeeping', () => {
  it('bumps its revision on every change and counts rows evicted from the top', () => {
    const store = createTimelineStore({ autoFlush: false, capacity: 3 });
    const view = new FilteredView();
    view.sync(store.getState());
    const start = view.revision;
    view.sync(store.getState());
    expect(view.revision).toBe(start);
    store.getState().recordMany([testEvent(), testEvent()]);
    store.getState().flush();
    view.sync(store.getState());
    expect(view.revision).toBe(start + 1);
    store.getState().recordMany([testEvent(), testEvent()]);
    store.getState().flush();
    view.sync(store.getState());
    expect(view.shiftedOut).toBe(1);
    store.getState().setFilters({ text: 'event' });
    view.sync(store.getState());
    expect(view.revision).toBe(start + 3);
  });
});

describe('FilteredView rescans in slices', () => {
  it('tests at most its budget per sync and is complete once it has seen every event', () => {
    const store = createTimelineStore({ autoFlush: false });
    store.getState().recordMany(Array.from({ length: 10 }, (_, i) => testEvent({ summary: i % 2 ? 'odd' : 'even' })));
    store.getState().flush();
    store.getState().setFilters({ text: 'odd' });
    const view = new FilteredView(4);
    view.sync(store.getState());
    expect([view.complete, view.length]).toEqual([false, 2]);
    view.sync(store.getState());
    expect([view.complete, view.length]).toEqual([false, 4]);
    view.sync(store.getState());
    expect([view.complete, view.length]).toEqual([true, 5]);
    const revision = view.revision;
    view.sync(store.getState());
    expect(view.revision).toBe(revision);
  });
});
