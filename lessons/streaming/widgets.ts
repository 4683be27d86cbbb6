import type { MDXComponents } from 'mdx/types';
import { DirectionsMap } from './DirectionsMap';
import { ExportWidget } from './ExportWidget';
import { TokensWidget } from './TokensWidget';
import { UploadWidget } from './UploadWidget';

/** The Streaming lesson's widgets, by the names lesson.mdx uses. */
export const streamingWidgets: MDXComponents = { TokensWidget, ExportWidget, UploadWidget, DirectionsMap };
