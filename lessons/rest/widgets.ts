import type { MDXComponents } from 'mdx/types';
import { CacheWidget } from './CacheWidget';
import { ContractWidget } from './ContractWidget';
import { IdempotencyWidget } from './IdempotencyWidget';
import { InstancesWidget } from './InstancesWidget';
import { OverFetchWidget } from './OverFetchWidget';
import { RequestBuilder } from './RequestBuilder';
import { WaterfallWidget } from './WaterfallWidget';

/** The REST lesson's widgets, by the names lesson.mdx uses. */
export const restWidgets: MDXComponents = {
  RequestBuilder,
  IdempotencyWidget,
  CacheWidget,
  InstancesWidget,
  OverFetchWidget,
  WaterfallWidget,
  ContractWidget,
};
