import { type CSSProperties, type MouseEvent, memo, useMemo, useState } from 'react';
import { useLab, useTimeline } from '../lab/LabProvider';
import { formatTime, type TimeMode } from './format';
import { deriveLanes, downsampleSegments, LANE_STATES, type Lane, type LaneState, laneAxis, type TimeAxis } from './lanes';
import styles from './timeline.module.css';
import { useThrottledVersion } from './useThrottledVersion';

/**
 * Deriving lanes scans every event. On a small timeline that is nothing and
 * lanes follow each change at once; on a large one they are redrawn 5 times a
 * second, plenty for an overview measured in seconds.
 */
const SMALL_TIMELINE = 10_000;
const LARGE_TIMELINE_REFRESH_MS = 200;
/** Bounds on what is drawn (every bar costs layout): the newest connections, and bars per connection. */
const MAX_LANES = 12;
const MAX_BARS_PER_LANE = 60;

/**
 * One state of one connection. Props are plain values, so a redraw of the
 * lanes re-renders only bars that changed. The width is the state's duration
 * over the axis span (a CSS variable on the lanes section): when the axis
 * grows, no bar re-renders, the browser just recomputes the widths. The
 * current state has no duration yet and fills the track to the axis end.
 * A plain span, not a button: a long session has thousands of bars, and
 * buttons are far costlier to lay out (clicks are handled by the section).
 */
const Segment = memo(function Segment({
  conn,
  state,
  durationMs,
  eventId,
}: {
  conn: string;
  state: LaneState;
  durationMs: number | null;
  eventId: string;
}) {
  return (
    <span
      className={durationMs === null ? `${styles.segment} ${styles.segmentCurrent}` : styles.segment}
      data-testid="lane-segment"
      data-state={state}
      data-event-id={eventId}
      style={durationMs === null ? undefined : ({ '--ms': durationMs } as CSSProperties)}
      title={`${conn}: ${state}${durationMs === null ? ' (now)' : ` for ${durationMs.toFixed(0)} ms`}`}
    />
  );
});

/** One connection: a spacer up to its first state, then one bar per state, in a flex line. */
function LaneRow({ lane, axis }: { lane: Lane; axis: TimeAxis }) {
  const first = lane.segments[0];
  return (
    <div className={styles.lane} data-testid="lane" data-conn={lane.conn}>
      <span className={styles.laneLabel} title={`${lane.conn} (${lane.protocol})`}>
        {lane.conn}
        <span className={styles.laneProtocol}>{lane.protocol}</span>
      </span>
      <div className={styles.laneTrack}>
        <span className={styles.laneOffset} style={{ '--ms': (first?.start ?? axis.start) - axis.start } as CSSProperties} />
        {downsampleSegments(lane.segments, axis, MAX_BARS_PER_LANE).map((segment) => (
          <Segment
            // Not the event id: ids can repeat in a live session (the server numbers events anew after a restart).
            key={`${segment.start}:${segment.state}`}
            conn={lane.conn}
            state={segment.state}
            // A closed connection's last state has no end but lasts nothing: a cap, not a bar to the end.
            durationMs={segment.end === null ? (segment.state === 'closed' ? 0 : null) : segment.end - segment.start}
            eventId={segment.eventId}
          />
        ))}
      </div>
    </div>
  );
}

/** One bar per connection id, showing its states on a shared time axis. */
export const Lanes = memo(function Lanes({ timeMode }: { timeMode: TimeMode }) {
  const { store } = useLab();
  const events = useTimeline((s) => s.events);
  const version = useThrottledVersion(events.length < SMALL_TIMELINE ? 0 : LARGE_TIMELINE_REFRESH_MS);
  const timeOrigin = useTimeline((s) => s.timeOrigin);
  const [expanded, setExpanded] = useState(true);

  // `events` is mutated in place; `version` says when its content changed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: version stands for the array's content
  const { lanes, hidden, axis } = useMemo(() => {
    const all = deriveLanes(events);
    const shown = all.slice(-MAX_LANES);
    return { lanes: shown, hidden: all.length - shown.length, axis: laneAxis(shown, events[events.length - 1]?.at ?? 0) };
  }, [events, version]);

  // Clicking a bar selects the event that started that state (one handler for every bar).
  const onClick = (event: MouseEvent<HTMLElement>) => {
    const id = (event.target as HTMLElement).closest<HTMLElement>('[data-event-id]')?.dataset.eventId;
    if (id) store.getState().select(id);
  };

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: clicking a bar is a pointer shortcut; keyboard users reach the same events in the list
    <section
      className={styles.lanes}
      data-testid="timeline-lanes"
      aria-label="Connections"
      style={axis ? ({ '--lane-span': Math.max(1, axis.end - axis.start) } as CSSProperties) : undefined}
      onClick={onClick}
    >
      <div className={styles.sectionHeader}>
        <h3 className={styles.sectionTitle}>
          <button type="button" className={styles.button} aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
            Connections ({lanes.length + hidden}) {expanded ? '▴' : '▾'}
          </button>
        </h3>
        {expanded && lanes.length > 0 && (
          <span className={styles.legend}>
            {LANE_STATES.map((state) => (
              <span key={state} className={styles.legendItem} style={{ '--swatch': `var(--lane-${state})` } as CSSProperties}>
                {state}
              </span>
            ))}
          </span>
        )}
      </div>
      {expanded &&
        (axis === null ? (
          <p className={styles.muted}>No connections yet.</p>
        ) : (
          <>
            {hidden > 0 && (
              <p className={styles.muted}>
                Showing the newest {MAX_LANES}; {hidden} earlier connection{hidden === 1 ? '' : 's'} not drawn.
              </p>
            )}
            {lanes.map((lane) => (
              <LaneRow key={lane.conn} lane={lane} axis={axis} />
            ))}
            <div className={styles.axis} aria-hidden="true">
              <span className={styles.axisGutter} />
              <span className={styles.axisTicks}>
                <span>{formatTime(axis.start, timeOrigin, timeMode)}</span>
                <span>{formatTime(axis.end, timeOrigin, timeMode)}</span>
              </span>
            </div>
          </>
        ))}
    </section>
  );
});
