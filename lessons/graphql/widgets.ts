import type { MDXComponents } from 'mdx/types';
import { CachingWidget } from './CachingWidget';
import { ErrorsWidget } from './ErrorsWidget';
import { ResolverTreeWidget } from './ResolverTreeWidget';
import { ShapeWidget } from './ShapeWidget';
import { SubscriptionWidget } from './SubscriptionWidget';

/** The GraphQL lesson's widgets, by the names lesson.mdx uses. */
export const graphqlWidgets: MDXComponents = { ShapeWidget, ResolverTreeWidget, SubscriptionWidget, CachingWidget, ErrorsWidget };
