import { useEffect, useState } from 'react';
import { useTimeline } from '../lab/LabProvider';
import { FilteredView } from './filter';

/**
 * The events that pass the current filters, for the list and the counts.
 * One FilteredView lives as long as the panel; each render brings it up to
 * date with the store (cheaply: see FilteredView.sync). It is the same object
 * every time, so memoised consumers take `view.revision` as a prop to know
 * when it changed.
 */
export function useFilteredView(): { view: FilteredView; version: number } {
  const events = useTimeline((s) => s.events);
  const version = useTimeline((s) => s.version);
  const filters = useTimeline((s) => s.filters);
  const lastChange = useTimeline((s) => s.lastChange);
  const [view] = useState(() => new FilteredView());
  const [, setScanFrame] = useState(0);
  view.sync({ events, version, filters, lastChange });

  // A rescan of a large timeline is spread over frames: render again next frame until it is complete.
  useEffect(() => {
    if (view.complete) return;
    const frame = requestAnimationFrame(() => setScanFrame((n) => n + 1));
    return () => cancelAnimationFrame(frame);
  });

  return { view, version };
}
