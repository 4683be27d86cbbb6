import { benchProbe } from '../../../components/timeline/bench-probe';
import type { TimelineStore } from '../../../components/timeline/store';
import { createSyntheticEvents } from './synthetic-events';

export interface BenchOptions {
  total: number;
  perSecond: number;
  /** Run with this text search active, to measure the filtered path. */
  search?: string;
}

export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
}

export interface BenchResult {
  events: number;
  durationMs: number;
  /** From PerformanceObserver('longtask'): tasks over 50 ms on the page's main thread. */
  longTasks: { count: number; longestMs: number };
  /** Recorded → painted, per event. */
  eventToScreenMs: Percentiles;
  /** Recorded → the store's per-frame flush: waiting for the next frame. */
  waitForFrameMs: Percentiles;
  /** Flush → painted: the panel's own work (store merge, React render and commit, layout, paint). */
  flushToScreenMs: Percentiles;
  frames: number;
}

/** One feed tick's events: they share a timestamp and move through the pipeline together. */
interface Batch {
  count: number;
  recordedAt: number;
  flushedAt: number;
  flushedVersion: number;
  paintedAt: number;
}

function percentiles(values: Float64Array): Percentiles {
  if (values.length === 0) return { p50: Number.NaN, p95: Number.NaN, max: Number.NaN };
  const sorted = values.slice().sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] ?? Number.NaN };
}

/** Per-event samples: a batch of n events counts n times. */
function perEvent(batches: readonly Batch[], sample: (b: Batch) => number): Float64Array {
  const total = batches.reduce((sum, b) => sum + b.count, 0);
  const values = new Float64Array(total);
  let offset = 0;
  for (const batch of batches) {
    values.fill(sample(batch), offset, offset + batch.count);
    offset += batch.count;
  }
  return values;
}

/**
 * Feeds `total` synthetic events into the store at `perSecond`, one
 * `record()` per event as real clients do, and measures:
 * - long tasks, with PerformanceObserver('longtask');
 * - event-to-screen latency: the time a batch was recorded → the first
 *   moment after the frame that committed it was painted. The panel calls
 *   benchProbe.onCommit from its layout effect; that commit runs inside the
 *   store's requestAnimationFrame flush, so a message posted then is handled
 *   right after that frame's style, layout and paint.
 */
export async function runTimelineBench(store: TimelineStore, { total, perSecond, search }: BenchOptions): Promise<BenchResult> {
  const nextEvent = createSyntheticEvents();
  if (search) store.getState().setFilters({ text: search });
  const batches: Batch[] = [];
  let firstUnflushed = 0;
  let firstUncommitted = 0;
  let frames = 0;
  let fed = 0;
  const paintGroups: [from: number, to: number][] = [];

  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push(entry.duration);
  });
  observer.observe({ type: 'longtask' });

  const unsubscribe = store.subscribe((state, previous) => {
    if (state.version === previous.version) return;
    const flushedAt = performance.now();
    for (; firstUnflushed < batches.length; firstUnflushed++) {
      const batch = batches[firstUnflushed];
      if (batch) {
        batch.flushedAt = flushedAt;
        batch.flushedVersion = state.version;
      }
    }
  });

  const channel = new MessageChannel();
  let allPainted: () => void = () => undefined;
  const painted = new Promise<void>((resolve) => {
    allPainted = resolve;
  });
  channel.port1.onmessage = () => {
    const paintedAt = performance.now();
    const group = paintGroups.shift();
    if (!group) return;
    for (let i = group[0]; i < group[1]; i++) {
      const batch = batches[i];
      if (batch) batch.paintedAt = paintedAt;
    }
    if (fed >= total && group[1] === batches.length) allPainted();
  };
  benchProbe.onCommit = (version) => {
    frames += 1;
    const from = firstUncommitted;
    while (
      firstUncommitted < batches.length &&
      (batches[firstUncommitted]?.flushedVersion ?? Number.POSITIVE_INFINITY) <= version
    ) {
      firstUncommitted += 1;
    }
    if (firstUncommitted > from) {
      paintGroups.push([from, firstUncommitted]);
      channel.port2.postMessage(null);
    }
  };

  const started = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * perSecond) / 1000));
      if (due <= fed) return;
      const recordedAt = performance.now();
      const { record } = store.getState();
      for (let i = fed; i < due; i++) record(nextEvent());
      batches.push({ count: due - fed, recordedAt, flushedAt: Number.NaN, flushedVersion: Number.NaN, paintedAt: Number.NaN });
      fed = due;
      if (fed >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await painted;
  const durationMs = performance.now() - started;
  // Let any task still running at the end report itself.
  await new Promise((resolve) => setTimeout(resolve, 500));

  observer.disconnect();
  unsubscribe();
  benchProbe.onCommit = null;
  channel.port1.close();

  return {
    events: fed,
    durationMs,
    longTasks: { count: longTasks.length, longestMs: Math.max(0, ...longTasks) },
    eventToScreenMs: percentiles(perEvent(batches, (b) => b.paintedAt - b.recordedAt)),
    waitForFrameMs: percentiles(perEvent(batches, (b) => b.flushedAt - b.recordedAt)),
    flushToScreenMs: percentiles(perEvent(batches, (b) => b.paintedAt - b.flushedAt)),
    frames,
  };
}
