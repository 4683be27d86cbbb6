'use client';

import { useCallback, useRef, useState } from 'react';
import { useLab, useTimeline } from '../lab/LabProvider';
import { ImportErrorBanner, ImportedBanner } from './Banners';
import { EventList } from './EventList';
import { FilterBar } from './FilterBar';
import type { TimeMode } from './format';
import { Inspector } from './Inspector';
import { Lanes } from './Lanes';
import { Toolbar } from './Toolbar';
import styles from './timeline.module.css';
import { useFilteredView } from './useFilteredView';
import { useTimelineFile } from './useTimelineFile';

/**
 * The timeline: every request, response, frame, query and reconnect seen by
 * the browser and the server, on one clock. Fills its container's height
 * (the lesson page gives it a full-height column).
 */
export function TimelinePanel() {
  const [timeMode, setTimeMode] = useState<TimeMode>('relative');
  const { view, version } = useFilteredView();
  const total = useTimeline((s) => s.events.length);
  const file = useTimelineFile();
  const { store } = useLab();
  const listRef = useRef<HTMLDivElement>(null);
  // Focus was on the inspector (its ✕, or inside it), which is about to go: keyboard users land back in the list.
  const closeInspector = useCallback(() => {
    store.getState().select(null);
    listRef.current?.focus({ preventScroll: true });
  }, [store]);

  return (
    <section className={styles.panel} data-testid="timeline-panel" aria-label="Timeline">
      <Toolbar
        shown={view.length}
        filtering={!view.complete}
        timeMode={timeMode}
        onTimeModeChange={setTimeMode}
        onExport={file.exportTimeline}
        onImport={file.importTimeline}
      />
      <ImportErrorBanner error={file.importError} onDismiss={file.dismissImportError} />
      <ImportedBanner file={file.importedFile} onBackToLive={file.backToLive} />
      <FilterBar />
      <Lanes timeMode={timeMode} />
      <EventList view={view} revision={view.revision} version={version} total={total} timeMode={timeMode} scrollRef={listRef} />
      <Inspector onClose={closeInspector} />
    </section>
  );
}
