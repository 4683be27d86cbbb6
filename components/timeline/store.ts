import { createStore } from 'zustand/vanilla';
import type { Kind, Origin, Protocol, TimelineEvent } from '../../lib/timeline';

/**
 * The timeline store: every event the page has seen, browser and server,
 * ordered by time on the browser's clock. Free of React (zustand/vanilla) so
 * clients, the lab channel and tests can use it directly.
 *
 * Performance notes (the panel must stay smooth at 100,000 events):
 * - `record` only queues; events are merged once per animation frame.
 * - `events` is a ring buffer kept in one array that is mutated in place;
 *   subscribers watch `version`, which bumps on every change.
 */

export const DEFAULT_CAPACITY = 100_000;

export interface TimelineFilters {
  /** Empty set = show all. */
  protocols: ReadonlySet<Protocol>;
  origins: ReadonlySet<Origin>;
  kinds: ReadonlySet<Kind>;
  text: string;
}

export type ChannelStatus = 'connecting' | 'open' | 'reconnecting' | 'offline';

/**
 * How the last flush changed `events` in place. Views (the filtered index)
 * use it to update only what changed instead of rescanning 100,000 events
 * every frame.
 */
export interface EventsChange {
  /** The `version` this change produced; a view that saw `version - 1` can apply it. */
  version: number;
  /** Events removed from the front (ring buffer eviction). */
  evicted: number;
  /** First index (after eviction) that may hold a different event; earlier ones only moved down by `evicted`. */
  firstChanged: number;
}

export interface TimelineState {
  events: TimelineEvent[];
  version: number;
  capacity: number;
  /** Events that fell out of the ring buffer since the last clear. */
  evicted: number;
  paused: boolean;
  /** Events that arrived while paused, shown when resumed. */
  held: number;
  filters: TimelineFilters;
  selectedId: string | null;
  /** 'imported' while looking at a saved file instead of the live session. */
  source: 'live' | 'imported';
  sessionId: string | null;
  /** Server clock minus browser clock, in ms (see lib/clock.ts). */
  clockOffset: number;
  channel: ChannelStatus;
  lastServerSeq: number;
  /** Set by flush; null after anything that replaces `events` wholesale (clear, import, back to live). */
  lastChange: EventsChange | null;
  /**
   * Zero for relative times: the earliest `at` on the timeline since the last clear (or in the imported
   * file). It only moves down (an older server event replayed after a reload), never up: events
   * falling out of the buffer leave it where it was, so the times shown don't shift.
   */
  timeOrigin: number | null;

  record(event: TimelineEvent): void;
  recordMany(events: TimelineEvent[]): void;
  /** Applies queued events now (normally done once per frame). */
  flush(): void;
  setPaused(paused: boolean): void;
  /**
   * Live: removes every event, including those held while paused. Viewing an import: empties the
   * imported view only; the live events kept aside are untouched.
   */
  clear(): void;
  setFilters(patch: Partial<TimelineFilters>): void;
  select(id: string | null): void;
  /** Replaces the timeline with events from a saved file. */
  importEvents(events: TimelineEvent[]): void;
  backToLive(): void;
  setSession(sessionId: string): void;
  setClock(offset: number): void;
  setChannel(status: ChannelStatus): void;
  setLastServerSeq(seq: number): void;
}

const scheduleFrame: (fn: () => void) => void =
  typeof requestAnimationFrame === 'function' ? (fn) => requestAnimationFrame(() => fn()) : (fn) => setTimeout(fn, 16);

/** Index at which an event at `at` belongs, searching from the end (new events are usually newest). */
function insertionIndex(events: TimelineEvent[], at: number): number {
  let lo = 0;
  let hi = events.length;
  if (hi === 0 || (events[hi - 1]?.at ?? 0) <= at) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid]?.at ?? 0) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The time origin after a flush whose earliest event (after eviction) is at `earliest`. */
function lowerOrigin(origin: number | null, earliest: number | undefined): number | null {
  if (earliest === undefined) return origin;
  return origin === null || earliest < origin ? earliest : origin;
}

export function createTimelineStore(options: { capacity?: number; autoFlush?: boolean } = {}) {
  const autoFlush = options.autoFlush ?? true;
  let queue: TimelineEvent[] = [];
  let liveBackup: { events: TimelineEvent[]; timeOrigin: number | null } | null = null;
  let scheduled = false;

  return createStore<TimelineState>()((set, get) => {
    const schedule = () => {
      if (!autoFlush || scheduled) return;
      scheduled = true;
      scheduleFrame(() => {
        scheduled = false;
        get().flush();
      });
    };

    return {
      events: [],
      version: 0,
      capacity: options.capacity ?? DEFAULT_CAPACITY,
      evicted: 0,
      paused: false,
      held: 0,
      filters: { protocols: new Set(), origins: new Set(), kinds: new Set(), text: '' },
      selectedId: null,
      source: 'live',
      sessionId: null,
      clockOffset: 0,
      channel: 'connecting',
      lastServerSeq: 0,
      lastChange: null,
      timeOrigin: null,

      record(event) {
        queue.push(event);
        if (get().paused) set({ held: get().held + 1 });
        else schedule();
      },

      recordMany(events) {
        for (const e of events) queue.push(e);
        if (get().paused) set({ held: get().held + events.length });
        else schedule();
      },

      flush() {
        const state = get();
        if (queue.length === 0 || state.paused || state.source === 'imported') return;
        const batch = queue;
        queue = [];
        const { events, capacity } = state;
        let firstInserted = events.length;
        for (const event of batch) {
          const i = insertionIndex(events, event.at);
          if (i === events.length) events.push(event);
          else events.splice(i, 0, event);
          if (i < firstInserted) firstInserted = i;
        }
        const excess = Math.max(0, events.length - capacity);
        if (excess > 0) events.splice(0, excess);
        const version = state.version + 1;
        set({
          version,
          evicted: state.evicted + excess,
          held: 0,
          lastChange: { version, evicted: excess, firstChanged: Math.max(0, firstInserted - excess) },
          timeOrigin: lowerOrigin(state.timeOrigin, events[0]?.at),
        });
      },

      setPaused(paused) {
        set({ paused });
        if (!paused) get().flush();
      },

      clear() {
        const state = get();
        state.events.length = 0;
        if (state.source === 'imported') {
          // Empties the file's view only: live events kept aside (and those queued since) wait for Back to live.
          set({ version: state.version + 1, selectedId: null, lastChange: null, timeOrigin: null });
          return;
        }
        // A fresh start: events held while paused go too (the Clear button says so).
        queue = [];
        set({ version: state.version + 1, evicted: 0, held: 0, selectedId: null, lastChange: null, timeOrigin: null });
      },

      setFilters(patch) {
        set({ filters: { ...get().filters, ...patch } });
      },

      select(id) {
        set({ selectedId: id });
      },

      importEvents(imported) {
        const state = get();
        if (state.source === 'live') liveBackup = { events: state.events, timeOrigin: state.timeOrigin };
        const sorted = [...imported].sort((a, b) => a.at - b.at);
        set({
          events: sorted,
          source: 'imported',
          version: state.version + 1,
          selectedId: null,
          lastChange: null,
          timeOrigin: sorted[0]?.at ?? null,
        });
      },

      backToLive() {
        if (get().source === 'live') return;
        set({
          events: liveBackup?.events ?? [],
          source: 'live',
          version: get().version + 1,
          selectedId: null,
          lastChange: null,
          timeOrigin: liveBackup?.timeOrigin ?? null,
        });
        liveBackup = null;
        get().flush();
      },

      setSession: (sessionId) => set({ sessionId }),
      setClock: (clockOffset) => set({ clockOffset }),
      setChannel: (channel) => set({ channel }),
      setLastServerSeq: (lastServerSeq) => set({ lastServerSeq }),
    };
  });
}

export type TimelineStore = ReturnType<typeof createTimelineStore>;
