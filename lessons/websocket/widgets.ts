import type { MDXComponents } from 'mdx/types';
import { ChatWidget } from './ChatWidget';
import { FramesWidget } from './FramesWidget';
import { ScalingWidget } from './ScalingWidget';
import { SocketIoWidget } from './SocketIoWidget';
import { UpgradeWidget } from './UpgradeWidget';

/** The WebSocket lesson's widgets, by the names lesson.mdx uses. */
export const websocketWidgets: MDXComponents = {
  UpgradeWidget,
  FramesWidget,
  ChatWidget,
  SocketIoWidget,
  ScalingWidget,
};
