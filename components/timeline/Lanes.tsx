import { type CSSProperties, memo, useMemo, useState } from 'react';
import { useLab, useTimeline } from '../lab/LabProvider';
import { formatTime, type TimeMode } from './format';
import { deriveLanes, LANE_STATES, type Lane, laneAxis, segmentSpan, type TimeAxis } from './lanes';
import styles from './timeline.module.css';
import { useThrottledValue } from './useThrottledValue';

/** Lanes are an overview in seconds: redrawing them 5 times a second is plenty and saves a full scan per frame. */
const LANES_REFRESH_MS = 200;

/**
 * One connection. The track is a flex line: a spacer up to the first state,
 * then one bar per state, each as wide as the state lasted. No bar is
 * absolutely positioned, so a long session's thousand bars do not each become
 * a paint layer that every frame's paint has to visit.
 */
const LaneRow = memo(function LaneRow({ lane, axis, onSelect }: { lane: Lane; axis: TimeAxis; onSelect(eventId: string): void }) {
  const first = lane.segments[0];
  const offset = first ? segmentSpan(first, axis).left : 0;
  return (
    <div className={styles.lane} data-testid="lane" data-conn={lane.conn}>
      <span className={styles.laneLabel} title={`${lane.conn} (${lane.protocol})`}>
        {lane.conn}
        <span className={styles.laneProtocol}>{lane.protocol}</span>
      </span>
      <div className={styles.laneTrack}>
        <span className={styles.laneOffset} style={{ width: `${offset * 100}%` }} />
        {lane.segments.map((segment) => (
          <button
            key={segment.eventId}
            type="button"
            className={styles.segment}
            data-testid="lane-segment"
            data-state={segment.state}
            style={{ width: `${segmentSpan(segment, axis).width * 100}%` }}
            title={`${segment.state}${segment.end === null ? '' : ` for ${(segment.end - segment.start).toFixed(0)} ms`}`}
            aria-label={`${lane.conn}: ${segment.state}`}
            onClick={() => onSelect(segment.eventId)}
          />
        ))}
      </div>
    </div>
  );
});

/** One bar per connection id, showing its states on a shared time axis. */
export function Lanes({ timeMode }: { timeMode: TimeMode }) {
  const { store } = useLab();
  const events = useTimeline((s) => s.events);
  const version = useThrottledValue(
    useTimeline((s) => s.version),
    LANES_REFRESH_MS,
  );
  const timeOrigin = useTimeline((s) => s.timeOrigin);
  const [expanded, setExpanded] = useState(true);

  // `events` is mutated in place; `version` says when its content changed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: version stands for the array's content
  const { lanes, axis } = useMemo(() => {
    const derived = deriveLanes(events);
    return { lanes: derived, axis: laneAxis(derived, events[events.length - 1]?.at ?? 0) };
  }, [events, version]);

  const { select } = store.getState(); // store actions are stable, so LaneRow's memo holds

  return (
    <section className={styles.lanes} data-testid="timeline-lanes" aria-label="Connections">
      <div className={styles.sectionHeader}>
        <h3 className={styles.sectionTitle}>
          <button type="button" className={styles.button} aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
            Connections ({lanes.length}) {expanded ? '▴' : '▾'}
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
            {lanes.map((lane) => (
              <LaneRow key={lane.conn} lane={lane} axis={axis} onSelect={select} />
            ))}
            <div className={styles.axis} aria-hidden="true">
              <span />
              <span className={styles.axisTicks}>
                <span>{formatTime(axis.start, timeOrigin, timeMode)}</span>
                <span>{formatTime(axis.end, timeOrigin, timeMode)}</span>
              </span>
            </div>
          </>
        ))}
    </section>
  );
}
