'use client';

import { useCallback, useLayoutEffect, useRef } from 'react';

/** How close to the bottom (px) still counts as "reading the newest lines". */
const AT_BOTTOM_PX = 24;

/**
 * A ref for a scrolling log that follows its newest line, like a terminal:
 * whenever `size` changes (pass the number of lines, or the list itself) it
 * scrolls to the bottom — unless the reader has scrolled up to read older
 * lines, who keeps their place until they scroll back down.
 *
 *   const logRef = useLogTail<HTMLOListElement>(lines.length);
 *   <ol ref={logRef} className={ui.log}>…</ol>
 */
export function useLogTail<T extends HTMLElement>(size: unknown): (element: T | null) => void {
  const element = useRef<T | null>(null);
  const following = useRef(true);
  const onScroll = useCallback(() => {
    const el = element.current;
    if (el) following.current = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_BOTTOM_PX;
  }, []);
  const ref = useCallback(
    (el: T | null) => {
      element.current?.removeEventListener('scroll', onScroll);
      element.current = el;
      el?.addEventListener('scroll', onScroll, { passive: true });
    },
    [onScroll],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: `size` is the trigger, not an input
  useLayoutEffect(() => {
    const el = element.current;
    if (el && following.current) el.scrollTop = el.scrollHeight;
  }, [size]);
  return ref;
}
