import type { TimelineEvent } from './timeline';

/**
 * Messages on the lab channel (WebSocket `/api/lab/channel`).
 *
 * The client connects with `?after=<last seq it has>&epoch=<epoch it saw>&followed=<session it followed>`.
 * The server answers `hello`, then replays every logged event after that
 * sequence number, then streams live ones. `epoch` changes when the server
 * restarts (the log starts again at 1), and the session behind the cookie can
 * change (it expired, or another tab started a new one): either way `after`
 * counts in another log, and the server replays its log from the start.
 */
export type ChannelServerMessage =
  | { type: 'hello'; sessionId: string; epoch: string; serverNow: number; lastSeq: number }
  | { type: 'events'; events: TimelineEvent[] }
  /** Events between `from` and `to` (inclusive) fell out of the server's log before we could send them. */
  | { type: 'gap'; from: number; to: number }
  | { type: 'pong'; sentAt: number; serverNow: number };

export type ChannelClientMessage = { type: 'ping'; sentAt: number };

export const LAB_CHANNEL_PATH = '/api/lab/channel';
