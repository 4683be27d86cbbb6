import type { ReactNode } from 'react';
import { FaultBar } from '../../components/lab/FaultBar';
import { TimelinePanel } from '../../components/timeline/TimelinePanel';
import styles from './layout.module.css';

/**
 * Every lesson page: fault controls on top, the lesson on the left and the
 * timeline on the right. As a layout it stays mounted when the student moves
 * between lessons, so the timeline and fault state carry over.
 */
export default function LessonsLayout({ children }: { children: ReactNode }) {
  return (
    <div className={styles.shell}>
      <FaultBar />
      <div className={styles.columns}>
        <main className={styles.lesson}>{children}</main>
        <aside className={styles.timeline} aria-label="Timeline">
          <TimelinePanel />
        </aside>
      </div>
    </div>
  );
}
