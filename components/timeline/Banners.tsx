import { useTimeline } from '../lab/LabProvider';
import styles from './timeline.module.css';
import type { ImportedFileInfo } from './useTimelineFile';

/** Says that the panel shows a saved file, not the live session, and offers the way back. */
export function ImportedBanner({ file, onBackToLive }: { file: ImportedFileInfo | null; onBackToLive(): void }) {
  const imported = useTimeline((s) => s.source === 'imported');
  if (!imported) return null;
  const exported = file?.exportedAt ? new Date(file.exportedAt) : null;
  return (
    <div className={`${styles.banner} ${styles.importedBanner}`} data-testid="timeline-imported" role="status">
      <p>
        Viewing {file ? <strong>{file.name}</strong> : 'an imported timeline'}
        {file &&
          ` (${file.eventCount} events${exported && !Number.isNaN(exported.getTime()) ? `, saved ${exported.toLocaleString()}` : ''})`}
        . Live events are kept aside.
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
