import type { MDXComponents } from 'mdx/types';
import { EchoWidget } from './how-this-lab-works/EchoWidget';
import { RequestWidget } from './how-this-lab-works/RequestWidget';

/**
 * Each lesson's own widgets, by slug: the extra names its lesson.mdx may use
 * on top of the common building blocks (components/lab/mdx-components.ts).
 * A new lesson adds one line here.
 */
export const lessonWidgets: Readonly<Record<string, MDXComponents>> = {
  'how-this-lab-works': { RequestWidget, EchoWidget },
};
