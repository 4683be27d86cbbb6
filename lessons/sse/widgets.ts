import type { MDXComponents } from 'mdx/types';
import { BackpressureWidget } from './BackpressureWidget';
import { FeedWidget } from './FeedWidget';
import { SixConnectionsWidget } from './SixConnectionsWidget';
import { TicksWidget } from './TicksWidget';

/** The names lessons/sse/lesson.mdx uses. */
export const sseWidgets: MDXComponents = { TicksWidget, SixConnectionsWidget, FeedWidget, BackpressureWidget };
