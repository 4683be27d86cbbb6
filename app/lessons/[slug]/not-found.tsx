import Link from 'next/link';

export default function LessonNotFound() {
  return (
    <article className="prose" data-testid="lesson-not-found">
      <h1>No such lesson</h1>
      <p>
        There is no lesson at this address. <Link href="/">See all lessons</Link>.
      </p>
    </article>
  );
}
