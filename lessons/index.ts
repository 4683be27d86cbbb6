import type { MDXComponents } from 'mdx/types';
import { graphqlWidgets } from './graphql/widgets';
import { grpcWidgets } from './grpc/widgets';
import { EchoWidget } from './how-this-lab-works/EchoWidget';
import { RequestWidget } from './how-this-lab-works/RequestWidget';
import { mqttWidgets } from './mqtt/widgets';
import { pollingWidgets } from './polling/widgets';
import { restWidgets } from './rest/widgets';
import { sseWidgets } from './sse/widgets';
import { streamingWidgets } from './streaming/widgets';
import { webhooksWidgets } from './webhooks/widgets';
import { websocketWidgets } from './websocket/widgets';

/**
 * Each lesson's own widgets, by slug: the extra names its lesson.mdx may use
 * on top of the common building blocks (components/lab/mdx-components.ts).
 * A new lesson adds one line here.
 */
export const lessonWidgets: Readonly<Record<string, MDXComponents>> = {
  'how-this-lab-works': { RequestWidget, EchoWidget },
  rest: restWidgets,
  sse: sseWidgets,
  polling: pollingWidgets,
  webhooks: webhooksWidgets,
  graphql: graphqlWidgets,
  websocket: websocketWidgets,
  mqtt: mqttWidgets,
  streaming: streamingWidgets,
  grpc: grpcWidgets,
};
