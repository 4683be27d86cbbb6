import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ProtocolTags } from '../../../components/lab/ProtocolTags';
import { listLessons, loadLesson } from '../../../lessons/load';
import styles from './page.module.css';

interface LessonPageProps {
  params: Promise<{ slug: string }>;
}

export async function generateStaticParams(): Promise<{ slug: string }[]> {
  return (await listLessons()).map(({ slug }) => ({ slug }));
}

export async function generateMetadata({ params }: LessonPageProps): Promise<Metadata> {
  const lesson = await loadLesson((await params).slug);
  return lesson ? { title: lesson.meta.title, description: lesson.meta.summary } : {};
}

export default async function LessonPage({ params }: LessonPageProps) {
  const { slug } = await params;
  const lesson = await loadLesson(slug);
  if (!lesson) notFound();
  return (
    <article className="prose" data-testid="lesson" data-slug={slug}>
      <header className={styles.header}>
        <ProtocolTags protocols={lesson.meta.protocols} />
        <h1>{lesson.meta.title}</h1>
        <p className={styles.summary}>{lesson.meta.summary}</p>
      </header>
      {lesson.content}
      <LessonNav slug={slug} />
    </article>
  );
}

/** Where to go after this lesson: the next one in course order, or back to the list. */
async function LessonNav({ slug }: { slug: string }) {
  const lessons = await listLessons();
  const next = lessons[lessons.findIndex((l) => l.slug === slug) + 1];
  return (
    <nav className={styles.nav} aria-label="Lessons">
      <Link href="/">← All lessons</Link>
      {next && <Link href={`/lessons/${next.slug}`}>Next: {next.title} →</Link>}
    </nav>
  );
}
