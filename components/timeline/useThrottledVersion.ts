import { useEffect, useState } from 'react';
import { useLab } from '../lab/LabProvider';

/**
 * The store's `version`, but changing at most once per `intervalMs` (the
 * latest version always arrives, at the end of the interval). Subscribes to
 * the store directly, so the component using it does not render on every
 * flush: only when the throttled value moves. For views that are expensive
 * to derive and need not move every frame.
 */
export function useThrottledVersion(intervalMs: number): number {
  const { store } = useLab();
  const [version, setVersion] = useState(() => store.getState().version);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastUpdate = Number.NEGATIVE_INFINITY;
    const update = () => {
      timer = undefined;
      lastUpdate = performance.now();
      setVersion(store.getState().version);
    };
    update(); // anything that changed between the first render and now
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.version === previous.version || timer !== undefined) return;
      timer = setTimeout(update, Math.max(0, lastUpdate + intervalMs - performance.now()));
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [store, intervalMs]);

  return version;
}
