'use client';

import { type Range, useVirtualizer } from '@tanstack/react-virtual';
import { type KeyboardEvent, type MouseEvent, memo, useCallback, useLayoutEffect, useRef } from 'react';
import { useLab, useTimeline } from '../lab/LabProvider';
import { benchProbe } from './bench-probe';
import { EventListHeader, EventRow, ROW_HEIGHT } from './EventRow';
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
const estimateRowSize = () => ROW_HEIGHT;

interface EventListProps {
  view: FilteredView;
  /** `view.revision`: `view` is the same object after every change, so this is what tells memo to render. */
  revision: number;
  /** The store version `view` reflects (reported to the benchmark probe). */
  version: number;
  /** Events in the buffer before filtering (to tell "no events" from "none match"). */
  total: number;
  timeMode: TimeMode;
}

export const EventList = memo(function EventList({ view, version, total, timeMode }: EventListProps) {
  const { store } = useLab();
  const selectedId = useTimeline((s) => s.selectedId);
  const timeOrigin = useTimeline((s) => s.timeOrigin);
  const scrollRef = useRef<HTMLDivElement>(null);
  const count = view.length;

  const { following, setFollowing, onScroll, onWheel } = useFollowTail(scrollRef, count * ROW_HEIGHT, ROW_HEIGHT);

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

  const virtualizer = useVirtualizer({
    count: Math.ceil(count / COUNT_BLOCK) * COUNT_BLOCK,
    getScrollElement: () => scrollRef.current,
    estimateSize: estimateRowSize,
    overscan: OVERSCAN,
    rangeExtractor,
  });

  // Scrolled back: stay on the same events while evicted ones leave the top of the list.
  const shiftedForVersion = useRef(version);
  useLayoutEffect(() => {
    if (shiftedForVersion.current === version) return;
    shiftedForVersion.current = version;
    if (!following && view.shiftedOut > 0 && scrollRef.current) {
      scrollRef.current.scrollTop -= view.shiftedOut * ROW_HEIGHT;
    }
  }, [following, view, version]);

  useLayoutEffect(() => {
    benchProbe.onCommit?.(version);
  }, [version]);

  // One handler for all rows (event delegation) keeps the rows free of closures.
  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const row = (event.target as HTMLElement).closest<HTMLElement>('[data-event-id]');
    const id = row?.dataset.eventId;
    if (id) store.getState().select(id === selectedId ? null : id);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      store.getState().select(null);
      return;
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const current = selectedId === null ? -1 : view.indexOf(selectedId);
    const step = event.key === 'ArrowDown' ? 1 : -1;
    const next = current === -1 ? (step === 1 ? 0 : count - 1) : Math.min(count - 1, Math.max(0, current + step));
    const target = view.at(next);
    const element = scrollRef.current;
    if (!target || !element) return;
    store.getState().select(target.id);
    setFollowing(false);
    const top = next * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight)
      element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
  };

  const items = virtualizer.getVirtualItems();
  return (
    <div className={styles.listArea}>
      <EventListHeader />
      <div
        ref={scrollRef}
        className={styles.list}
        role="listbox"
        aria-label="Timeline events"
        tabIndex={0}
        onScroll={onScroll}
        onWheel={onWheel}
        onClick={onClick}
        onKeyDown={onKeyDown}
      >
        <div className={styles.listSpacer} style={{ height: count * ROW_HEIGHT }}>
          {/* The rendered rows are contiguous: one offset for the block, rows in normal flow. */}
          <div className={styles.rowWindow} style={{ transform: `translateY(${(items[0]?.index ?? 0) * ROW_HEIGHT}px)` }}>
            {items.map((item, slot) => {
              const event = view.at(item.index);
              return event ? (
                <EventRow
                  // biome-ignore lint/suspicious/noArrayIndexKey: keyed by position in the window on purpose: as new rows stream in, React updates the same row elements in place instead of creating and discarding them (a quarter less garbage at 2,000 events/s)
                  key={slot}
                  event={event}
                  selected={event.id === selectedId}
                  timeOrigin={timeOrigin}
                  timeMode={timeMode}
                />
              ) : null;
            })}
          </div>
        </div>
        {count === 0 && (
          <p className={styles.empty}>
            {total === 0
              ? 'No events yet. Use a widget on the page: its requests, messages and queries appear here.'
              : 'No events match the filters.'}
          </p>
        )}
      </div>
      {!following && count > 0 && (
        <button
          type="button"
          className={`${styles.button} ${styles.followButton}`}
          data-testid="timeline-follow"
          onClick={() => setFollowing(true)}
        >
          ↓ Newest
        </button>
      )}
    </div>
  );
});
