/**
 * A hook point for the timeline benchmark (app/bench/timeline). The event list
 * calls `onCommit` right after React commits a new timeline version to the
 * DOM; the benchmark uses it to time event-to-screen latency. Nobody else sets
 * it, so outside the benchmark it costs one null check per commit.
 */
export const benchProbe: { onCommit: ((version: number) => void) | null } = { onCommit: null };
