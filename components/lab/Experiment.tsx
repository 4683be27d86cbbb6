import { type ReactNode, useId } from 'react';
import styles from './Experiment.module.css';

/**
 * A hands-on experiment in a lesson. Its parts are separate blocks so the
 * MDX can hold ordinary Markdown (lists, code, emphasis) in each:
 *
 *   <Experiment title="…" goal="…">
 *   <Steps>1. … 2. …</Steps>
 *   <YouShouldSee>…</YouShouldSee>
 *   <Why>…</Why>
 *   </Experiment>
 */
export function Experiment({ title, goal, children }: { title: string; goal: string; children: ReactNode }) {
  const headingId = useId();
  return (
    <section className={styles.experiment} aria-labelledby={headingId}>
      <p className={styles.kicker}>Experiment</p>
      <h3 id={headingId} className={styles.title}>
        {title}
      </h3>
      <p className={styles.goal}>
        <strong>Goal:</strong> {goal}
      </p>
      {children}
    </section>
  );
}

/** The numbered steps: put a Markdown ordered list inside. */
export function Steps({ children }: { children: ReactNode }) {
  return (
    <div className={styles.steps}>
      <h4 className={styles.partTitle}>Steps</h4>
      {children}
    </div>
  );
}

/** What the student should observe if the experiment worked. */
export function YouShouldSee({ children }: { children: ReactNode }) {
  return (
    <div className={styles.expect}>
      <h4 className={styles.partTitle}>What you should see</h4>
      {children}
    </div>
  );
}

/** The explanation, collapsed so students look before they read why. */
export function Why({ summary = 'Why it works this way', children }: { summary?: string; children: ReactNode }) {
  return (
    <details className={styles.why}>
      <summary>{summary}</summary>
      <div className={styles.whyBody}>{children}</div>
    </details>
  );
}
