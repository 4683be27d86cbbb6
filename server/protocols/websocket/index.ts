/**
 * Lesson "WebSocket", raw side: a frame-capturing echo (handshake and frame
 * bytes) and the support chat with its small JSON protocol. Both are drop
 * target `ws`.
 */
import type { Lab } from '../../lab';
import { createRawChat } from './chat';
import { createFrameEcho } from './echo';

export function createWebSocketLesson(lab: Lab) {
  const echo = createFrameEcho();
  const chat = createRawChat(lab);
  return {
    acceptEcho: echo.accept,
    acceptChat: chat.accept,
    outage: chat.outage,
    close() {
      echo.close();
      chat.close();
    },
  };
}
