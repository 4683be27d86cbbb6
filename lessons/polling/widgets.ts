import type { MDXComponents } from 'mdx/types';
import { PollingWidget } from './PollingWidget';

/** The names lessons/polling/lesson.mdx uses. */
export const pollingWidgets: MDXComponents = { PollingWidget };
