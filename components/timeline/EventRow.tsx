import { memo } from 'react';
import type { TimelineEvent } from '../../lib/timeline';
import { directionArrow, formatBytes, formatTime, type TimeMode } from './format';
import styles from './timeline.module.css';

export const ROW_HEIGHT = 22;

interface EventRowProps {
  event: TimelineEvent;
  selected: boolean;
  timeOrigin: number | null;
  timeMode: TimeMode;
}

/**
 * One line of the timeline. Memoised on plain props: a frame that adds events
 * at the bottom renders only the new rows. Kept deliberately plain (a flex
 * line of fixed-width spans, two of them clipped) because at 2,000 events a
 * second every visible row is new in every frame, and layout and paint of
 * rows are most of the panel's cost.
 */
export const EventRow = memo(function EventRow({ event, selected, timeOrigin, timeMode }: EventRowProps) {
  return (
    <div
      role="option"
      aria-selected={selected}
      tabIndex={-1}
      data-testid="timeline-row"
      data-event-id={event.id}
      data-origin={event.origin}
      data-protocol={event.protocol}
      data-kind={event.kind}
      data-conn={event.conn}
      data-seq={event.seq}
      className={`${styles.row} ${styles.columns}`}
    >
      <span className={styles.colTime}>{formatTime(event.at, timeOrigin, timeMode)}</span>
      <span className={styles.colOrigin}>{event.origin}</span>
      <span className={styles.colProtocol}>{event.protocol}</span>
      <span
        className={styles.colDir}
        title={event.dir === 'out' ? `sent by ${event.origin}` : event.dir ? `received by ${event.origin}` : undefined}
      >
        {directionArrow(event.dir)}
      </span>
      <span className={styles.colKind}>{event.kind}</span>
      <span className={styles.colConn}>{event.conn}</span>
      <span className={styles.colBytes}>{formatBytes(event.bytes)}</span>
      <span className={styles.colSummary} title={event.summary}>
        {event.summary}
      </span>
    </div>
  );
});
