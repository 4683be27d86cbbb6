import { useTimeline } from '../lab/LabProvider';
import { plural } from './format';
import styles from './timeline.module.css';
import type { ImportedFileInfo } from './useTimelineFile';

/** Says that the panel shows a saved file, not the live session, and offers the way back. */
export function ImportedBanner({ file, onBackToLive }: { file: ImportedFileInfo | null; onBackToLive(): void }) {
  const imported = useTimeline((s) => s.source === 'imported');
  // Clear empties the view while the file stays open: say so rather than count events no longer shown.
  const cleared = useTimeline((s) => s.events.length === 0);
  if (!imported) return null;
  const exported = file?.exportedAt ? new Date(file.exportedAt) : null;
  const saved = exported && !Number.isNaN(exported.getTime()) ? `, saved ${exported.toLocaleString()}` : '';
  const events = file ? plural(file.eventCount, 'event') : 'events';
  const count = cleared && file?.eventCount !== 0 ? `cleared from view; the file has ${events}` : events;
  return (
    <div className={`${styles.banner} ${styles.importedBanner}`} data-testid="timeline-imported" role="status">
      <p>
        Viewing {file ? <strong>{file.name}</strong> : 'an imported timeline'}
        {file && ` (${count}${saved})`}. Live events are kept aside.
      </p>
      <button type="button" className={`${styles.button}`} data-testid="timeline-back-to-live" onClick={onBackToLive}>
        Back to live
      </button>
    </div>
  );
}

export function ImportErrorBanner({ error, onDismiss }: { error: string | null; onDismiss(): void }) {
  if (error === null) return null;
  return (
    <div className={`${styles.banner} ${styles.errorBanner}`} data-testid="timeline-import-error" role="alert">
      <p>Could not import {error}</p>
      <button type="button" className={styles.button} onClick={onDismiss} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}
