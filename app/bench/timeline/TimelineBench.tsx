'use client';

import { useEffect } from 'react';
import { useLab } from '../../../components/lab/LabProvider';
import { TimelinePanel } from '../../../components/timeline/TimelinePanel';
import { type BenchOptions, type BenchResult, runTimelineBench } from './run-bench';

declare global {
  interface Window {
    /** Set by /bench/timeline only: scripts/bench-timeline.ts drives it. */
    __labBench?: { run(options: BenchOptions): Promise<BenchResult> };
  }
}

/** The panel in a lesson-like right-hand column, plus the hook the benchmark script calls. */
export function TimelineBench() {
  const { store } = useLab();

  useEffect(() => {
    window.__labBench = { run: (options) => runTimelineBench(store, options) };
    return () => {
      delete window.__labBench;
    };
  }, [store]);

  return (
    <div
      style={{
        display: 'grid',
        gridTemplateColumns: 'minmax(0, 1fr) minmax(380px, 44%)',
        height: 'calc(100dvh - var(--header-height, 0px))',
      }}
    >
      <main style={{ padding: '2rem', maxWidth: '40rem' }}>
        <h1>Timeline benchmark</h1>
        <p>
          <code>npm run bench:timeline</code> loads this page in headless Chromium and calls <code>window.__labBench.run()</code>,
          which feeds synthetic events into the timeline and measures long tasks and event-to-screen latency. See
          docs/PERFORMANCE.md.
        </p>
      </main>
      <aside style={{ minHeight: 0, minWidth: 0, borderLeft: '1px solid var(--border)' }}>
        <TimelinePanel />
      </aside>
    </div>
  );
}
