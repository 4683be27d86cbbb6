'use client';

import { type Range, useVirtualizer } from '@tanstack/react-virtual';
import {
  type KeyboardEvent,
  type MouseEvent,
  memo,
  type RefObject,
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { useLab, useTimeline } from '../lab/LabProvider';
import { benchProbe } from './bench-probe';
import { EventListHeader, EventRow, rowElementId } from './EventRow';
import type { FilteredView } from './filter';
import type { TimeMode } from './format';
import styles from './timeline.module.css';
import { useFollowTail } from './useFollowTail';

/**
 * virtual-core rebuilds its table of row positions (one entry per row) every
 * time `count` changes: ~3 ms and 2 MB of garbage per frame at 100,000 rows.
 * Rows here all have the same height, so the virtualizer is given a count
 * rounded up to a block and rebuilds once per block (a handful of times on
 * the way to 100,000); rows past the real count are simply not rendered and
 * the spacer has the real height.
 */
const COUNT_BLOCK = 16_384;
const OVERSCAN = 8;

interface EventListProps {
  view: FilteredView;
  /** `view.revision`: `view` is the same object after every change, so this is what tells memo to render. */
  revision: number;
  /** The store version `view` reflects (reported to the benchmark probe). */
  version: number;
  /** Events in the buffer before filtering (to tell "no events" from "none match"). */
  total: number;
  timeMode: TimeMode;
  /**
   * Every row's height in px (it follows the panel's text size, `rowHeightFor`): row N is at N × rowHeight.
   * The CSS gives rows the same height (`--tl-row-height`).
   */
  rowHeight: number;
  /** The scrolling listbox (the panel focuses it when the inspector closes). */
  scrollRef: RefObject<HTMLDivElement | null>;
}

/** Keys that move the keyboard's place in the list, and where to. */
function keyTarget(key: string, current: number, count: number, pageRows: number): number | null {
  const last = count - 1;
  const clamp = (index: number) => Math.min(last, Math.max(0, index));
  switch (key) {
    case 'ArrowDown':
      return current === -1 ? 0 : clamp(current + 1);
    case 'ArrowUp':
      return current === -1 ? last : clamp(current - 1);
    case 'PageDown':
      return current === -1 ? 0 : clamp(current + pageRows);
    case 'PageUp':
      return current === -1 ? last : clamp(current - pageRows);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}

export const EventList = memo(function EventList({ view, version, total, timeMode, rowHeight, scrollRef }: EventListProps) {
  const { store } = useLab();
  const selectedId = useTimeline((s) => s.selectedId);
  const timeOrigin = useTimeline((s) => s.timeOrigin);
  const listId = useId();
  const count = view.length;

  // The keyboard's place in the list: the selected event, or the last one after Escape closed the
  // inspector (so Enter opens it again). Focus stays on the listbox; aria-activedescendant points here.
  const [lastSelectedId, setLastSelectedId] = useState<string | null>(null);
  useEffect(() => {
    if (selectedId !== null) setLastSelectedId(selectedId);
  }, [selectedId]);
  const activeId = selectedId ?? lastSelectedId;

  const { following, setFollowing, onScroll, onWheel } = useFollowTail(scrollRef, count * rowHeight, rowHeight);

  // While following, render the last rows directly: the virtualizer only learns the new scroll
  // position from the next scroll event, a frame later, and the newest rows would paint blank.
  // No overscan then: every row is new each frame at high rates, and rows nobody sees cost layout.
  const rangeExtractor = useCallback(
    (range: Range): number[] => {
      const last = count - 1;
      const visible = range.endIndex - range.startIndex + 1;
      const start = following ? Math.max(0, count - visible - 1) : Math.max(0, range.startIndex - range.overscan);
      const end = following ? last : Math.min(last, range.endIndex + range.overscan);
      const indexes: number[] = [];
      for (let i = start; i <= end; i++) indexes.push(i);
      return indexes;
    },
    [following, count],
  );

  const estimateSize = useCallback(() => rowHeight, [rowHeight]);
  const virtualizer = useVirtualizer({
    count: Math.ceil(count / COUNT_BLOCK) * COUNT_BLOCK,
    getScrollElement: () => scrollRef.current,
    estimateSize,
    overscan: OVERSCAN,
    rangeExtractor,
  });

  // Scrolled back: stay on the same events while evicted ones leave the top of the list.
  const shiftedForVersion = useRef(version);
  useLayoutEffect(() => {
    if (shiftedForVersion.current === version) return;
    shiftedForVersion.current = version;
    if (!following && view.shiftedOut > 0 && scrollRef.current) {
      scrollRef.current.scrollTop -= view.shiftedOut * rowHeight;
    }
  }, [following, view, version, scrollRef, rowHeight]);

  useLayoutEffect(() => {
    benchProbe.onCommit?.(version);
  }, [version]);

  // One handler for all rows (event delegation) keeps the rows free of closures.
  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const row = (event.target as HTMLElement).closest<HTMLElement>('[data-event-id]');
    const id = row?.dataset.eventId;
    if (id) store.getState().select(id === selectedId ? null : id);
  };

  // The row the keyboard moved to, kept in view: now, and again after the commit that opens the
  // inspector below the list (it shrinks the list and could hide the row). A null check per commit.
  const revealIndex = useRef<number | null>(null);
  const reveal = useCallback(
    (index: number) => {
      const element = scrollRef.current;
      if (!element) return;
      const top = index * rowHeight;
      if (top < element.scrollTop) element.scrollTop = top;
      else if (top + rowHeight > element.scrollTop + element.clientHeight)
        element.scrollTop = top + rowHeight - element.clientHeight;
    },
    [scrollRef, rowHeight],
  );
  useLayoutEffect(() => {
    if (revealIndex.current === null) return;
    reveal(revealIndex.current);
    revealIndex.current = null;
  });

  // A new text size. The virtualizer keeps the row positions it built from the old height until told
  // (`measure()` rebuilds them: once per change, not per row). While following, useFollowTail pins the
  // list to the new bottom. Scrolled back, the row that was at the top stays there (the virtualizer's
  // offset is the last one the list reported, before the new height could clamp it), and a selected
  // row that was in sight stays in sight.
  const builtForRowHeight = useRef(rowHeight);
  useLayoutEffect(() => {
    const previous = builtForRowHeight.current;
    if (previous === rowHeight) return;
    builtForRowHeight.current = rowHeight;
    const element = scrollRef.current;
    if (element && !following) {
      const offset = virtualizer.scrollOffset ?? element.scrollTop;
      const selected = selectedId === null ? -1 : view.indexOf(selectedId);
      const selectedTop = selected * previous;
      const selectedWasShown = selected !== -1 && selectedTop + previous > offset && selectedTop < offset + element.clientHeight;
      element.scrollTop = Math.round((offset / previous) * rowHeight);
      if (selectedWasShown) reveal(selected);
    }
    virtualizer.measure();
  });

  // Listbox keys: arrows, Page Up/Down, Home/End move (the selection follows, opening the inspector);
  // Enter or Space opens the inspector on the current row again; Escape closes it.
  // One linear search per key press (view.indexOf), nothing per row.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      store.getState().select(null);
      return;
    }
    const element = scrollRef.current;
    if (!element || count === 0) return;
    const current = activeId === null ? -1 : view.indexOf(activeId);
    const pageRows = Math.max(1, Math.floor(element.clientHeight / rowHeight) - 1);
    const isSelectKey = event.key === 'Enter' || event.key === ' ';
    const next = isSelectKey ? (current === -1 ? count - 1 : current) : keyTarget(event.key, current, count, pageRows);
    if (next === null) return;
    event.preventDefault();
    const target = view.at(next);
    if (!target) return;
    setFollowing(false);
    reveal(next);
    // Reveal again after the commit only if there will be one (an unchanged selection renders nothing).
    revealIndex.current = target.id === selectedId ? null : next;
    store.getState().select(target.id);
  };

  const followNewest = () => {
    setFollowing(true);
    // The button goes away with the click: keep keyboard focus in the list rather than losing it to the page.
    scrollRef.current?.focus({ preventScroll: true });
  };

  const items = virtualizer.getVirtualItems();
  // aria-activedescendant may only name a row in the DOM: found while rendering the rows, no extra pass.
  let activeDescendant: string | undefined;
  const rows = items.map((item, slot) => {
    const event = view.at(item.index);
    if (!event) return null;
    const active = event.id === activeId;
    if (active) activeDescendant = rowElementId(listId, event.id);
    return (
      <EventRow
        // biome-ignore lint/suspicious/noArrayIndexKey: keyed by position in the window on purpose: as new rows stream in, React updates the same row elements in place instead of creating and discarding them (a quarter less garbage at 2,000 events/s)
        key={slot}
        event={event}
        listId={listId}
        selected={event.id === selectedId}
        active={active}
        timeOrigin={timeOrigin}
        timeMode={timeMode}
      />
    );
  });

  return (
    <div className={styles.listArea}>
      <EventListHeader timeMode={timeMode} />
      {count === 0 && (
        // Beside the list, not in it: a listbox may hold only its options.
        <p className={styles.empty}>
          {total === 0
            ? 'No events yet. Use a widget on the page: its requests, messages and queries appear here.'
            : 'No events match the filters.'}
        </p>
      )}
      <div
        ref={scrollRef}
        className={styles.list}
        role="listbox"
        aria-label="Timeline events"
        aria-activedescendant={activeDescendant}
        data-testid="timeline-list"
        tabIndex={0}
        onScroll={onScroll}
        onWheel={onWheel}
        onClick={onClick}
        onKeyDown={onKeyDown}
      >
        <div className={styles.listSpacer} style={{ height: count * rowHeight }}>
          {/* The rendered rows are contiguous: one offset for the block, rows in normal flow. */}
          <div className={styles.rowWindow} style={{ transform: `translateY(${(items[0]?.index ?? 0) * rowHeight}px)` }}>
            {rows}
          </div>
        </div>
      </div>
      {!following && count > 0 && (
        <div className={styles.followBar}>
          <button
            type="button"
            className={`${styles.button} ${styles.followButton}`}
            data-testid="timeline-follow"
            title="Scroll to the newest event and keep following new ones"
            onClick={followNewest}
          >
            ↓ Newest
          </button>
        </div>
      )}
    </div>
  );
});
