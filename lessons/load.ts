/**
 * Reads and compiles lessons/<slug>/lesson.mdx. Server only: it uses the
 * file system (Next.js reads lessons at build time; see next.config.mjs).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { compileMDX } from 'next-mdx-remote/rsc';
import { cache, type ReactElement } from 'react';
import remarkGfm from 'remark-gfm';
import { commonMdxComponents } from '../components/lab/mdx-components';
import { isProtocol, PROTOCOLS, type Protocol } from '../lib/timeline';
import { lessonWidgets } from './index';

export interface LessonMeta {
  slug: string;
  title: string;
  summary: string;
  order: number;
  protocols: Protocol[];
}

export interface Lesson {
  meta: LessonMeta;
  content: ReactElement;
}

const LESSONS_DIR = path.join(process.cwd(), 'lessons');
/** Slugs are folder names; anything else (dots, slashes) never reaches the file system. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Checks the frontmatter, naming the file, so a typo fails the build instead of rendering "undefined". */
function parseMeta(slug: string, data: Record<string, unknown>): LessonMeta {
  const where = `lessons/${slug}/lesson.mdx frontmatter`;
  const { title, summary, order, protocols } = data;
  if (typeof title !== 'string' || !title) throw new Error(`${where}: "title" must be a non-empty string`);
  if (typeof summary !== 'string' || !summary) throw new Error(`${where}: "summary" must be a non-empty string`);
  if (typeof order !== 'number' || !Number.isFinite(order)) throw new Error(`${where}: "order" must be a number`);
  if (!Array.isArray(protocols) || !protocols.every(isProtocol)) {
    throw new Error(`${where}: "protocols" must be a list of: ${PROTOCOLS.join(', ')}`);
  }
  return { slug, title, summary, order, protocols };
}

/** A compiled lesson, or null when there is no such lesson. Cached per request (metadata + page share it). */
export const loadLesson = cache(async (slug: string): Promise<Lesson | null> => {
  if (!SLUG.test(slug)) return null;
  let source: string;
  try {
    source = await fs.readFile(path.join(LESSONS_DIR, slug, 'lesson.mdx'), 'utf8');
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const { content, frontmatter } = await compileMDX<Record<string, unknown>>({
    source,
    options: { parseFrontmatter: true, mdxOptions: { remarkPlugins: [remarkGfm] } },
    components: { ...commonMdxComponents, ...lessonWidgets[slug] },
  });
  return { meta: parseMeta(slug, frontmatter), content };
});

/** Every lesson's frontmatter, in course order. */
export const listLessons = cache(async (): Promise<LessonMeta[]> => {
  const entries = await fs.readdir(LESSONS_DIR, { withFileTypes: true });
  const slugs = entries.filter((e) => e.isDirectory() && SLUG.test(e.name)).map((e) => e.name);
  const lessons = await Promise.all(slugs.map((slug) => loadLesson(slug)));
  return lessons
    .filter((lesson): lesson is Lesson => lesson !== null)
    .map((lesson) => lesson.meta)
    .sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
});
