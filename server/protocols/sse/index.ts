/**
 * "Server-Sent Events": numbered ticks with Last-Event-ID resume, a
 * multiplexed feed, payments that the feed reflects, and a firehose for
 * the backpressure experiment. Every stream goes through one StreamHub,
 * which caps streams per session and records every chunk written.
 */
import type { Lab } from '../../lab';
import { type SseConfig, sseConfigFromEnv } from './config';
import { createSseHandlers } from './handler';
import { StreamHub } from './stream';

export { type SseConfig, sseConfigFromEnv } from './config';
export { EventSeries, type SeriesEvent } from './replay';
export { lastEventIdFrom, type SseStream, StreamHub } from './stream';

export function createSse(lab: Lab, config: SseConfig = sseConfigFromEnv()) {
  const hub = new StreamHub(lab, config);
  const handlers = createSseHandlers(hub);
  lab.sessions.onExpire((id) => handlers.forget(id));
  return {
    ...handlers,
    hub,
    close(): void {
      hub.closeAll();
      handlers.close();
    },
  };
}

export type Sse = ReturnType<typeof createSse>;
