'use client';

import { useMemo } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { useThrottledVersion } from '../../components/timeline/useThrottledVersion';
import type { TimelineEvent } from '../../lib/timeline';

/**
 * The server's events on one connection's lane (what the server wrote, its
 * buffer reports), read from the page's timeline: they arrive over the lab
 * channel. Re-derived at most every `intervalMs`.
 */
export function useServerLane(conn: string | null, kind: TimelineEvent['kind'], intervalMs = 150): TimelineEvent[] {
  const { store } = useLab();
  const version = useThrottledVersion(intervalMs);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the signal that the store's events changed.
  return useMemo(
    () => (conn ? store.getState().events.filter((e) => e.origin === 'server' && e.conn === conn && e.kind === kind) : []),
    [store, conn, kind, version],
  );
}
