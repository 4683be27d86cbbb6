import { type ChangeEvent, useCallback, useState } from 'react';
import { useLab } from '../lab/LabProvider';
import { parseTimelineFile, serializeTimeline, timelineFileName } from './timeline-file';

/** What the banner says about the file being viewed. */
export interface ImportedFileInfo {
  name: string;
  eventCount: number;
  exportedAt: string;
}

/** Export and import of the timeline, with the import's outcome for the banners. */
export function useTimelineFile() {
  const { store } = useLab();
  const [importedFile, setImportedFile] = useState<ImportedFileInfo | null>(null);
  const [importError, setImportError] = useState<string | null>(null);

  const exportTimeline = useCallback(() => {
    const { events, sessionId } = store.getState();
    const now = new Date();
    const url = URL.createObjectURL(new Blob([serializeTimeline(events, sessionId, now)], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = timelineFileName(sessionId, now);
    link.click();
    // The download has started by the time this runs; the URL is no longer needed.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }, [store]);

  const importTimeline = useCallback(
    async (event: ChangeEvent<HTMLInputElement>) => {
      const input = event.currentTarget;
      const file = input.files?.[0];
      input.value = ''; // choosing the same file again must fire `change` again
      if (!file) return;
      const result = parseTimelineFile(await file.text());
      if (!result.ok) {
        setImportError(`${file.name}: ${result.error}`);
        return;
      }
      setImportError(null);
      store.getState().importEvents(result.file.events);
      setImportedFile({ name: file.name, eventCount: result.file.events.length, exportedAt: result.file.exportedAt });
    },
    [store],
  );

  const backToLive = useCallback(() => {
    store.getState().backToLive();
    setImportedFile(null);
  }, [store]);

  const dismissImportError = useCallback(() => setImportError(null), []);

  return { exportTimeline, importTimeline, importedFile, importError, dismissImportError, backToLive };
}
