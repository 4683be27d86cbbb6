import { type ChangeEvent, useId } from 'react';
import { useLab, useTimeline } from '../lab/LabProvider';
import { plural, type TimeMode } from './format';
import type { ChannelStatus } from './store';
import { TEXT_SCALE, TEXT_SIZE_LABEL, TEXT_SIZES, type TextSize } from './text-size';
import styles from './timeline.module.css';

function channelLabel(status: ChannelStatus): string {
  switch (status) {
    case 'open':
      return 'live';
    case 'connecting':
      return 'connecting…';
    case 'reconnecting':
      return 'reconnecting…';
    case 'offline':
      return 'offline';
    default: {
      const unknownStatus: never = status;
      return unknownStatus;
    }
  }
}

/** What Clear will do, said before it is done. */
function clearTitle(imported: boolean, held: number): string {
  if (imported) return 'Empty this view of the imported file (live events stay aside for Back to live)';
  if (held > 0) return `Remove every event from the timeline, including the ${plural(held, 'event')} held while paused`;
  return 'Remove every event from the timeline';
}

/**
 * Three sizes of "A" for the whole panel's text (a projector at the back of a room). Native radios, so
 * the arrow keys move between them and one Tab stop holds all three; each is named in words, the "A"s
 * are only the picture of it.
 */
function TextSizeControl({ size, onChange }: { size: TextSize; onChange(size: TextSize): void }) {
  const name = useId();
  return (
    <span className={styles.textSize} role="radiogroup" aria-label="Timeline text size">
      {TEXT_SIZES.map((option) => (
        <label
          key={option}
          className={`${styles.button} ${styles.textSizeOption}`}
          data-testid={`timeline-text-size-${option}`}
          data-size={option}
          title={`${TEXT_SIZE_LABEL[option]} timeline text (${TEXT_SCALE[option]}×)`}
        >
          <input
            className={styles.visuallyHidden}
            type="radio"
            name={name}
            value={option}
            aria-label={TEXT_SIZE_LABEL[option]}
            checked={size === option}
            onChange={() => onChange(option)}
          />
          <span className={styles.textSizeGlyph} aria-hidden="true">
            A
          </span>
        </label>
      ))}
    </span>
  );
}

interface ToolbarProps {
  /** Events passing the filters. */
  shown: number;
  /** False while a new filter is still being applied to a large timeline. */
  filtering: boolean;
  timeMode: TimeMode;
  onTimeModeChange(mode: TimeMode): void;
  textSize: TextSize;
  onTextSizeChange(size: TextSize): void;
  onExport(): void;
  onImport(event: ChangeEvent<HTMLInputElement>): void;
}

export function Toolbar({
  shown,
  filtering,
  timeMode,
  onTimeModeChange,
  textSize,
  onTextSizeChange,
  onExport,
  onImport,
}: ToolbarProps) {
  const { store } = useLab();
  const total = useTimeline((s) => s.events.length);
  const evicted = useTimeline((s) => s.evicted);
  const capacity = useTimeline((s) => s.capacity);
  const paused = useTimeline((s) => s.paused);
  const held = useTimeline((s) => s.held);
  const channel = useTimeline((s) => s.channel);
  const imported = useTimeline((s) => s.source === 'imported');

  return (
    <div className={styles.toolbar}>
      <h2 className={styles.title}>Timeline</h2>
      <span
        className={styles.channel}
        data-testid="channel-status"
        data-status={channel}
        title="The lab channel brings the server's events to this page"
      >
        {channelLabel(channel)}
      </span>
      <span className={styles.counts}>
        <span data-testid="timeline-count" data-shown={shown} data-total={total} aria-live="off">
          {shown} / {total} events
        </span>
        {filtering && <span>filtering…</span>}
        <span
          className={styles.evicted}
          data-testid="timeline-evicted"
          data-count={evicted}
          title={`The timeline keeps the newest ${capacity} events; older ones fall out.`}
        >
          {evicted} fell out
        </span>
      </span>
      <span className={styles.actions}>
        <button
          type="button"
          className={`${styles.button} ${styles.pauseButton}`}
          data-testid="timeline-pause"
          data-held={held}
          aria-pressed={paused}
          disabled={imported}
          onClick={() => store.getState().setPaused(!paused)}
        >
          {paused ? `Resume (${held} held)` : 'Pause'}
        </button>
        <button
          type="button"
          className={styles.button}
          data-testid="timeline-clear"
          title={clearTitle(imported, paused ? held : 0)}
          onClick={() => store.getState().clear()}
        >
          Clear
        </button>
        {/* Labelled with the mode shown (no aria-pressed: a toggle's name must not change with its state). */}
        <button
          type="button"
          className={styles.button}
          data-testid="timeline-time-mode"
          data-mode={timeMode}
          title={
            timeMode === 'relative'
              ? 'Rows show the time since the first event. Click to show clock time (HH:MM:SS.mmm).'
              : 'Rows show clock time (HH:MM:SS.mmm). Click to show the time since the first event.'
          }
          onClick={() => onTimeModeChange(timeMode === 'relative' ? 'clock' : 'relative')}
        >
          {timeMode === 'relative' ? 'Time: relative' : 'Time: clock'}
        </button>
        <button
          type="button"
          className={styles.button}
          data-testid="timeline-export"
          title="Download every event in the timeline as JSON"
          disabled={total === 0}
          onClick={onExport}
        >
          Export
        </button>
        <label className={`${styles.button} ${styles.fileLabel}`} title="Open a timeline saved with Export">
          Import
          <input
            className={styles.fileInput}
            type="file"
            accept="application/json,.json"
            data-testid="timeline-import"
            onChange={onImport}
          />
        </label>
        <TextSizeControl size={textSize} onChange={onTextSizeChange} />
      </span>
    </div>
  );
}
