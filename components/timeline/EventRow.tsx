import { memo } from 'react';
import type { TimelineEvent } from '../../lib/timeline';
import { directionArrow, formatBytes, formatTime, padColumn, type TimeMode } from './format';
import styles from './timeline.module.css';

export const ROW_HEIGHT = 22;

/** Column widths in characters; the header uses them too. */
export const COLUMNS = { time: 10, origin: 8, protocol: 9, dir: 1, kind: 17, conn: 11, bytes: 8 } as const;

interface EventRowProps {
  event: TimelineEvent;
  selected: boolean;
  timeOrigin: number | null;
  timeMode: TimeMode;
}

/**
 * One line of the timeline: a single line of monospace text whose fields are
 * padded to fixed widths (see `padColumn`), coloured by a few inline spans.
 * At 2,000 events a second every visible row is new in every frame, and
 * layout cost grows with boxes: a flex or grid cell per field cost several
 * times more than one line of text, so neighbouring fields that share a
 * colour share a span. Memoised on plain props: a frame renders only the rows
 * that are new.
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
      className={styles.row}
      title={event.summary}
    >
      <span className={styles.colTime}>{`${padColumn(formatTime(event.at, timeOrigin, timeMode), COLUMNS.time, 'right')} `}</span>
      <span className={styles.colOrigin}>{`${padColumn(event.origin, COLUMNS.origin)} `}</span>
      {`${padColumn(event.protocol, COLUMNS.protocol)} `}
      <span
        className={styles.colKind}
      >{`${padColumn(directionArrow(event.dir), COLUMNS.dir)} ${padColumn(event.kind, COLUMNS.kind)} `}</span>
      <span className={styles.colMeta}>
        {`${padColumn(event.conn ?? '', COLUMNS.conn)} ${padColumn(formatBytes(event.bytes), COLUMNS.bytes, 'right')} `}
      </span>
      {event.summary}
    </div>
  );
});

/** The column titles, laid out exactly like a row. */
export function EventListHeader() {
  return (
    <div className={`${styles.row} ${styles.listHeader}`} aria-hidden="true">
      <span className={styles.colTime}>{`${padColumn('time', COLUMNS.time, 'right')} `}</span>
      <span>{`${padColumn('origin', COLUMNS.origin)} `}</span>
      {`${padColumn('protocol', COLUMNS.protocol)} ${padColumn('', COLUMNS.dir)} ${padColumn('kind', COLUMNS.kind)} `}
      <span
        className={styles.colMeta}
      >{`${padColumn('conn', COLUMNS.conn)} ${padColumn('bytes', COLUMNS.bytes, 'right')} `}</span>
      summary
    </div>
  );
}
