import { memo } from 'react';
import type { TimelineEvent } from '../../lib/timeline';
import { directionArrow, formatBytes, formatTime, padColumn, type TimeMode } from './format';
import styles from './timeline.module.css';

/** Column widths in characters; the header uses them too. */
export const COLUMNS = { origin: 8, protocol: 9, dir: 1, kind: 17, conn: 11, bytes: 8 } as const;

/** `+12:03.456` fits in 10; the clock's `HH:MM:SS.mmm` needs 12. */
export const TIME_COLUMN: Record<TimeMode, number> = { relative: 10, clock: 12 };

/** The row's element id (for the list's aria-activedescendant); event ids hold no spaces (see timeline-file.ts). */
export function rowElementId(listId: string, eventId: string): string {
  return `${listId}-${eventId}`;
}

interface EventRowProps {
  event: TimelineEvent;
  /** Prefix for the row's element id, unique per list. */
  listId: string;
  /** Shown in the inspector. */
  selected: boolean;
  /** The keyboard's place in the list. */
  active: boolean;
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
 * that are new. Its height comes from the panel's text size (`rowHeightFor` in
 * text-size.ts, `--tl-row-height` in the CSS), the same for every row.
 */
export const EventRow = memo(function EventRow({ event, listId, selected, active, timeOrigin, timeMode }: EventRowProps) {
  return (
    // biome-ignore lint/a11y/useFocusableInteractive: the listbox/aria-activedescendant pattern: focus stays on the list, which points at the row
    <div
      id={rowElementId(listId, event.id)}
      role="option"
      aria-selected={selected}
      data-active={active || undefined}
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
      <span
        className={styles.colTime}
      >{`${padColumn(formatTime(event.at, timeOrigin, timeMode), TIME_COLUMN[timeMode], 'right')} `}</span>
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
export function EventListHeader({ timeMode }: { timeMode: TimeMode }) {
  return (
    <div className={`${styles.row} ${styles.listHeader}`} aria-hidden="true">
      <span className={styles.colTime}>{`${padColumn('time', TIME_COLUMN[timeMode], 'right')} `}</span>
      <span>{`${padColumn('origin', COLUMNS.origin)} `}</span>
      {`${padColumn('protocol', COLUMNS.protocol)} ${padColumn('', COLUMNS.dir)} ${padColumn('kind', COLUMNS.kind)} `}
      <span
        className={styles.colMeta}
      >{`${padColumn('conn', COLUMNS.conn)} ${padColumn('bytes', COLUMNS.bytes, 'right')} `}</span>
      summary
    </div>
  );
}
