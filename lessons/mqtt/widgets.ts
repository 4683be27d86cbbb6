import type { MDXComponents } from 'mdx/types';
import { BrokerDownWidget } from './BrokerDownWidget';
import { FleetWidget } from './FleetWidget';
import { QosWidget } from './QosWidget';
import { ReliabilityWidget } from './ReliabilityWidget';
import { RetainWillWidget } from './RetainWillWidget';
import { RoutingTerminal } from './shared';
import { WildcardWidget } from './WildcardWidget';

/** The MQTT lesson's widgets, by the names lesson.mdx uses. */
export const mqttWidgets: MDXComponents = {
  FleetWidget,
  WildcardWidget,
  QosWidget,
  ReliabilityWidget,
  RetainWillWidget,
  BrokerDownWidget,
  RoutingTerminal,
};
