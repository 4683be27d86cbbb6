'use client';

import { type CSSProperties, useCallback, useRef, useState } from 'react';
import { useLab, useTimeline } from '../lab/LabProvider';
import { ImportErrorBanner, ImportedBanner } from './Banners';
import { EventList } from './EventList';
import { FilterBar } from './FilterBar';
import type { TimeMode } from './format';
import { Inspector } from './Inspector';
import { Lanes } from './Lanes';
import { Toolbar } from './Toolbar';
import { rowHeightFor, TEXT_SCALE } from './text-size';
import styles from './timeline.module.css';
import { useFilteredView } from './useFilteredView';
import { useTextSize } from './useTextSize';
import { useTimelineFile } from './useTimelineFile';

/**
 * The timeline: every request, response, frame, query and reconnect seen by
 * the browser and the server, on one clock. Fills its container's height
 * (the lesson page gives it a full-height column).
 */
export function TimelinePanel() {
  const [timeMode, setTimeMode] = useState<TimeMode>('relative');
  const [textSize, setTextSize] = useTextSize();
  const rowHeight = rowHeightFor(textSize);
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
    <section
      className={styles.panel}
      data-testid="timeline-panel"
      data-text-size={textSize}
      // Every font size in the panel is a multiple of --tl-scale; a list row is exactly --tl-row-height (see text-size.ts).
      style={{ '--tl-scale': TEXT_SCALE[textSize], '--tl-row-height': `${rowHeight}px` } as CSSProperties}
      aria-label="Timeline"
    >
      <Toolbar
        shown={view.length}
        filtering={!view.complete}
        timeMode={timeMode}
        onTimeModeChange={setTimeMode}
        textSize={textSize}
        onTextSizeChange={setTextSize}
        onExport={file.exportTimeline}
        onImport={file.importTimeline}
      />
      <ImportErrorBanner error={file.importError} onDismiss={file.dismissImportError} />
      <ImportedBanner file={file.importedFile} onBackToLive={file.backToLive} />
      <FilterBar />
      <Lanes timeMode={timeMode} />
      <EventList
        view={view}
        revision={view.revision}
        version={version}
        total={total}
        timeMode={timeMode}
        rowHeight={rowHeight}
        scrollRef={listRef}
      />
      <Inspector onClose={closeInspector} />
    </section>
  );
}
