import { type RefObject, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

/**
 * Keeps a scrolling list pinned to its newest (bottom) row after every commit
 * until the user scrolls up, and pins it again once they scroll back down.
 *
 * "The user scrolled up" is judged against the offset we last set, not
 * against the distance to the bottom: the list's viewport also shrinks when
 * something above it grows (lanes appear, the inspector opens), and that must
 * not count as leaving the tail. When the viewport grows instead, the browser
 * lowers scrollTop itself, but the list is then still at the bottom: a scroll
 * that ends at the bottom never counts as leaving either.
 */
export function useFollowTail(scrollRef: RefObject<HTMLElement | null>, contentHeight: number, nearBottomPx: number) {
  const [following, setFollowingState] = useState(true);
  const followingRef = useRef(true);
  const pinnedTop = useRef(0);

  const setFollowing = useCallback((value: boolean) => {
    if (followingRef.current === value) return;
    followingRef.current = value;
    setFollowingState(value);
  }, []);

  const pin = useCallback(() => {
    const element = scrollRef.current;
    if (!element) return;
    element.scrollTop = element.scrollHeight; // the browser clamps to the bottom
    pinnedTop.current = element.scrollTop;
  }, [scrollRef]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: pin again whenever the content grows or shrinks
  useLayoutEffect(() => {
    if (following) pin();
  }, [following, contentHeight, pin]);

  // The viewport changed size without a commit of ours (a panel above grew or shrank).
  useEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      if (followingRef.current) pin();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [scrollRef, pin]);

  const onScroll = useCallback(() => {
    const element = scrollRef.current;
    if (!element) return;
    if (followingRef.current) {
      if (element.scrollHeight - element.clientHeight - element.scrollTop <= 1) {
        // Still at the bottom, yet maybe above our offset: the viewport grew (the inspector closed, the
        // filters folded) and the browser pulled scrollTop down to the new maximum. That is not the user
        // leaving the tail; this scroll event can even arrive before the ResizeObserver's callback.
        pinnedTop.current = element.scrollTop;
      } else if (element.scrollTop < pinnedTop.current - 1) {
        setFollowing(false);
      }
    } else if (element.scrollHeight - element.clientHeight - element.scrollTop < nearBottomPx) {
      setFollowing(true);
    }
  }, [scrollRef, nearBottomPx, setFollowing]);

  // Leave on the first upward wheel tick, before the next frame's pin can pull the list back down.
  const onWheel = useCallback(
    (event: { deltaY: number }) => {
      if (event.deltaY < 0) setFollowing(false);
    },
    [setFollowing],
  );

  return { following, setFollowing, onScroll, onWheel };
}
