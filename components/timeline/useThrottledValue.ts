import { useEffect, useRef, useState } from 'react';

/**
 * `value`, but changing at most once per `intervalMs` (the latest value always
 * arrives, at the end of the interval). For views that are expensive to
 * derive and need not move every frame.
 */
export function useThrottledValue<T>(value: T, intervalMs: number): T {
  const [throttled, setThrottled] = useState(value);
  const lastUpdate = useRef(0);

  useEffect(() => {
    const wait = lastUpdate.current + intervalMs - performance.now();
    const apply = () => {
      lastUpdate.current = performance.now();
      setThrottled(value);
    };
    if (wait <= 0) {
      apply();
      return;
    }
    const timer = setTimeout(apply, wait);
    return () => clearTimeout(timer);
  }, [value, intervalMs]);

  return throttled;
}
