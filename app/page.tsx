import Link from 'next/link';
import { ProtocolTags } from '../components/lab/ProtocolTags';
import { listLessons } from '../lessons/load';
import styles from './page.module.css';

export default async function Home() {
  const lessons = await listLessons();
  return (
    <main className={styles.home}>
      <section className={styles.intro}>
        <h1>See what your API calls actually do.</h1>
        <p>
          Every lesson in this lab pairs a short explanation with live widgets that talk to a real server. Beside each lesson, a
          timeline records both ends of every conversation on one clock: the browser's requests, the server's view of them, the
          SQL they caused, every WebSocket frame, every dropped connection and every reconnect.
        </p>
        <p>
          You get your own sandbox, so break things freely: drop connections, add latency, and watch how each protocol copes.
          Anything a widget does, you can also do from your terminal, and it lands on the same timeline.
        </p>
      </section>

      <section aria-labelledby="lessons-heading">
        <h2 id="lessons-heading" className={styles.listHeading}>
          Lessons
        </h2>
        <ol className={styles.lessons}>
          {lessons.map((lesson) => (
            <li key={lesson.slug}>
              <Link href={`/lessons/${lesson.slug}`} className={styles.card} data-testid={`lesson-link-${lesson.slug}`}>
                <span className={styles.order}>{lesson.order}</span>
                <span className={styles.cardBody}>
                  <span className={styles.title}>{lesson.title}</span>
                  <span className={styles.summary}>{lesson.summary}</span>
                  <ProtocolTags protocols={lesson.protocols} />
                </span>
              </Link>
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}
