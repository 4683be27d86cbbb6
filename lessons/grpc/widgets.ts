import type { MDXComponents } from 'mdx/types';
import { BytesWidget } from './BytesWidget';
import { CacheWidget } from './CacheWidget';
import { CallKindsWidget } from './CallKindsWidget';
import { ContractsWidget } from './ContractsWidget';
import { ContractWidget } from './ContractWidget';
import { MultiplexWidget } from './MultiplexWidget';
import { ResumeWidget } from './ResumeWidget';

/** The gRPC lesson's widgets, by the names lesson.mdx uses. */
export const grpcWidgets: MDXComponents = {
  ContractWidget,
  BytesWidget,
  MultiplexWidget,
  CallKindsWidget,
  ResumeWidget,
  CacheWidget,
  ContractsWidget,
};
