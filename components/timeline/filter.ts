import type { TimelineEvent } from '../../lib/timeline';
import type { EventsChange, TimelineFilters } from './store';

/** True when at least one filter narrows the timeline (empty sets and empty text mean "all"). */
export function hasActiveFilters(filters: TimelineFilters): boolean {
  return filters.protocols.size > 0 || filters.origins.size > 0 || filters.kinds.size > 0 || filters.text.trim().length > 0;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Builds a predicate for the filters once, so testing 100,000 events does not
 * rebuild anything per event. Text search is a case-insensitive substring match
 * (a RegExp with the `i` flag: no lower-cased copies of every summary).
 */
export function createEventMatcher(filters: TimelineFilters): (event: TimelineEvent) => boolean {
  const { protocols, origins, kinds } = filters;
  const text = filters.text.trim();
  const pattern = text ? new RegExp(escapeRegExp(text), 'i') : null;
  return (event) => {
    if (protocols.size > 0 && !protocols.has(event.protocol)) return false;
    if (origins.size > 0 && !origins.has(event.origin)) return false;
    if (kinds.size > 0 && !kinds.has(event.kind)) return false;
    if (!pattern) return true;
    return (
      pattern.test(event.summary) ||
      pattern.test(event.id) ||
      (event.conn !== undefined && pattern.test(event.conn)) ||
      (event.stream !== undefined && pattern.test(event.stream)) ||
      (event.detail?.url !== undefined && pattern.test(event.detail.url)) ||
      (event.detail?.sql !== undefined && pattern.test(event.detail.sql))
    );
  };
}

/** Positions (ascending) in `events[from, to)` of the events `matches` accepts, appended to `into`. */
export function collectMatches(
  events: readonly TimelineEvent[],
  matches: (event: TimelineEvent) => boolean,
  from: number,
  into: number[],
  to = events.length,
): number[] {
  for (let i = from; i < to; i++) {
    const event = events[i];
    if (event && matches(event)) into.push(i);
  }
  return into;
}

/**
 * Moves a list of matching positions across one in-place change of the events
 * array: positions of evicted events go, the rest shift down by `evicted`, and
 * positions at or after `firstChanged` go (the caller rescans from there).
 * Mutates `positions` so a frame costs no 100,000-element copy. Returns how
 * many positions fell off the front (evicted matches).
 */
export function rebasePositions(positions: number[], change: Pick<EventsChange, 'evicted' | 'firstChanged'>): number {
  const { evicted, firstChanged } = change;
  if (evicted === 0) {
    // The common case (appends, late inserts near the end): only the tail can be stale.
    while (positions.length > 0 && (positions[positions.length - 1] ?? 0) >= firstChanged) positions.pop();
    return 0;
  }
  let dropped = 0;
  let kept = 0;
  for (const position of positions) {
    const moved = position - evicted;
    if (moved < 0) {
      dropped++;
      continue;
    }
    if (moved >= firstChanged) break;
    positions[kept++] = moved;
  }
  positions.length = kept;
  return dropped;
}

/** The parts of the store state a filtered view reads. */
export interface FilterSource {
  events: TimelineEvent[];
  version: number;
  filters: TimelineFilters;
  lastChange: EventsChange | null;
}

/**
 * How many events one sync examines at most. Testing a search against 100,000
 * events takes longer than a frame on a slow machine, so a rescan is spread
 * over a few frames (the panel shows it as "filtering…").
 */
export const SCAN_BUDGET = 25_000;

/**
 * The events that pass the filters, as an index over the store's ring buffer
 * (never a copy of it). `sync` is called on every render with the current
 * state and is idempotent; after a normal flush it only examines the events
 * that changed, and it rescans everything only when the filters change or the
 * buffer was replaced (clear, import, back to live) — `scanBudget` events per
 * sync, until `complete`.
 */
export class FilteredView {
  /** null while no filter is active: every event is shown, position i is event i. */
  private positions: number[] | null = null;
  /** Events before this index have been tested; `positions` covers exactly those. */
  private scanned = 0;
  private events: TimelineEvent[] = [];
  private version = -1;
  private filters: TimelineFilters | null = null;
  private matches: (event: TimelineEvent) => boolean = () => true;
  /**
   * Rows that the last sync removed from the top of the view (evicted events
   * that passed the filters). A list scrolled away from the newest rows moves
   * up by this many rows to keep showing the same events.
   */
  shiftedOut = 0;
  /** Bumps whenever the view changes (new events or new filters): this object stays the same, so render on this. */
  revision = 0;

  constructor(private readonly scanBudget = SCAN_BUDGET) {}

  sync(source: FilterSource): void {
    const unchanged = source.events === this.events && source.version === this.version && source.filters === this.filters;
    if (unchanged) {
      if (this.scanMore()) this.revision += 1;
      return;
    }
    const filtersChanged = source.filters !== this.filters;
    const change = source.lastChange;
    const canApplyChange =
      !filtersChanged &&
      source.events === this.events &&
      change !== null &&
      change.version === source.version &&
      this.version === source.version - 1;

    if (filtersChanged) {
      this.filters = source.filters;
      this.matches = createEventMatcher(source.filters);
    }
    this.events = source.events;
    this.version = source.version;
    this.shiftedOut = 0;

    if (!hasActiveFilters(source.filters)) {
      this.positions = null;
      if (canApplyChange) this.shiftedOut = change.evicted;
    } else if (canApplyChange && this.positions !== null) {
      this.shiftedOut = rebasePositions(this.positions, change);
      this.scanned = Math.max(0, Math.min(this.scanned - change.evicted, change.firstChanged));
    } else {
      this.positions = [];
      this.scanned = 0;
    }
    this.scanMore();
    this.revision += 1;
  }

  /** Tests up to `scanBudget` more events against the filters; false if there was nothing left to test. */
  private scanMore(): boolean {
    if (this.complete || this.positions === null) return false;
    const until = Math.min(this.events.length, this.scanned + this.scanBudget);
    collectMatches(this.events, this.matches, this.scanned, this.positions, until);
    this.scanned = until;
    return true;
  }

  /** False while a rescan is still under way (call `sync` again next frame). */
  get complete(): boolean {
    return this.positions === null || this.scanned >= this.events.length;
  }

  /** How many events pass the filters. */
  get length(): number {
    return this.positions === null ? this.events.length : this.positions.length;
  }

  /** The `index`-th event that passes the filters, oldest first. */
  at(index: number): TimelineEvent | undefined {
    if (this.positions === null) return this.events[index];
    const position = this.positions[index];
    return position === undefined ? undefined : this.events[position];
  }

  /** Index (in this view) of the event with `id`, or -1. Linear: for selection changes, not per frame. */
  indexOf(id: string): number {
    for (let i = this.length - 1; i >= 0; i--) if (this.at(i)?.id === id) return i;
    return -1;
  }
}
