'use client';

import { type Range, useVirtualizer } from '@tanstack/react-virtual';
import {
  type KeyboardEvent,
  type MouseEvent,
  memo,
  useCallback,
  useLayoutEffect,
  useRef,
  useState,
  type WheelEvent,
} from 'react';
import { useLab, useTimeline } from '../lab/LabProvider';
import { benchProbe } from './bench-probe';
import { EventRow, ROW_HEIGHT } from './EventRow';
import type { FilteredView } from './filter';
import type { TimeMode } from './format';
import styles from './timeline.module.css';

/**
 * virtual-core rebuilds its table of row positions (one entry per row) every
 * time `count` changes: ~3 ms and 2 MB of garbage per frame at 100,000 rows.
 * Rows here all have the same height, so the virtualizer is given a count
 * rounded up to a block and rebuilds once per block; rows past the real count
 * are simply not rendered and the spacer has the real height.
 */
const COUNT_BLOCK = 4096;
const OVERSCAN = 8;
const estimateRowSize = () => ROW_HEIGHT;

interface EventListProps {
  view: FilteredView;
  /** The store version `view` reflects; a new version means new rows even though `view` is the same object. */
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

  // Follow the newest event unless the user has scrolled away from it.
  const [following, setFollowingState] = useState(true);
  const followingRef = useRef(true);
  const setFollowing = useCallback((value: boolean) => {
    if (followingRef.current === value) return;
    followingRef.current = value;
    setFollowingState(value);
  }, []);

  // While following, render the last rows directly: the virtualizer only learns the new scroll
  // position from the next scroll event, a frame later, and the newest rows would paint blank.
  const rangeExtractor = useCallback(
    (range: Range): number[] => {
      const last = count - 1;
      const visible = range.endIndex - range.startIndex + 1;
      const start = following ? Math.max(0, count - visible - range.overscan) : Math.max(0, range.startIndex - range.overscan);
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

  // Pinned to the newest row while following (the browser clamps the offset to the bottom).
  useLayoutEffect(() => {
    if (following && scrollRef.current) scrollRef.current.scrollTop = count * ROW_HEIGHT;
  }, [following, count]);

  // Scrolled back: stay on the same events while evicted ones leave the top of the list.
  const shiftedForVersion = useRef(version);
  useLayoutEffect(() => {
    if (shiftedForVersion.current === version) return;
    shiftedForVersion.current = version;
    if (!followingRef.current && view.shiftedOut > 0 && scrollRef.current) {
      scrollRef.current.scrollTop -= view.shiftedOut * ROW_HEIGHT;
    }
  }, [view, version]);

  useLayoutEffect(() => {
    benchProbe.onCommit?.(version);
  }, [version]);

  const onScroll = () => {
    const element = scrollRef.current;
    if (element) setFollowing(element.scrollHeight - element.clientHeight - element.scrollTop < ROW_HEIGHT);
  };

  // Leave follow mode on the first upward wheel tick, before a new frame can pull the list back down.
  const onWheel = (event: WheelEvent<HTMLDivElement>) => {
    if (event.deltaY < 0) setFollowing(false);
  };

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
      <div className={`${styles.listHeader} ${styles.columns}`} aria-hidden="true">
        <span className={styles.colTime}>time</span>
        <span className={styles.colOrigin}>origin</span>
        <span className={styles.colProtocol}>protocol</span>
        <span className={styles.colDir} />
        <span className={styles.colKind}>kind</span>
        <span className={styles.colConn}>conn</span>
        <span className={styles.colBytes}>bytes</span>
        <span className={styles.colSummary}>summary</span>
      </div>
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
            {items.map((item) => {
              const event = view.at(item.index);
              return event ? (
                <EventRow
                  key={event.id}
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
