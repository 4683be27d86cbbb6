import { type WebSocket, WebSocketServer } from 'ws';
import { now } from '../../lib/clock';
import type { ChannelClientMessage, ChannelServerMessage } from '../../lib/lab-channel';
import type { TimelineEvent } from '../../lib/timeline';
import type { UpgradeContext } from '../http/router';
import { watchRefusals } from './websocket';

/** Largest client message on the channel: clients only send pings. */
const MAX_CLIENT_MESSAGE_BYTES = 1024;
/** Replays and live bursts are sent in batches of at most this many events. */
const BATCH_SIZE = 500;
/**
 * At most one live-events message per this many ms: busy sessions (a load
 * test, a fleet of ATMs) record thousands of events a second, and one
 * WebSocket write each would cost more than recording them. 20 ms is about one
 * frame of a 60 Hz display, so nobody can see the delay. A quiet channel
 * doesn't wait: its first event goes out at the end of the event-loop turn
 * that recorded it (with whatever else that turn recorded), so a student's
 * single click shows up as fast as the browser's own events.
 */
const FLUSH_MS = 20;

/**
 * The lab channel: one WebSocket per browser tab that carries the session's
 * server-side events. It is deliberately kept out of the ConnectionRegistry,
 * so no fault can target it.
 */
export class LabChannel {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  private readonly sockets = new Map<string, Set<WebSocket>>();

  accept({ req, socket, head, url, lab, sessionId }: UpgradeContext): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const set = this.sockets.get(sessionId) ?? new Set();
      this.sockets.set(sessionId, set);
      set.add(ws);

      const send = (message: ChannelServerMessage) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      };
      // `after` counts in the log the page followed: this process's (epoch) and this session's. A
      // restarted server, or a cookie that now names another session (it expired, or another tab
      // started a new one), makes it a number from some other log: replay this one from the start.
      const sameLog = url.searchParams.get('epoch') === lab.events.epoch && url.searchParams.get('followed') === sessionId;
      const after = sameLog ? Math.max(0, Number(url.searchParams.get('after')) || 0) : 0;

      send({ type: 'hello', sessionId, epoch: lab.events.epoch, serverNow: now(), lastSeq: lab.events.lastSeq(sessionId) });

      // Subscribe and replay in the same synchronous step, so no event can fall
      // between them; live events wait in `pending` and go out every FLUSH_MS,
      // always after the replay.
      let pending: TimelineEvent[] = [];
      let scheduled = false;
      let lastFlushAt = -Infinity;
      const flush = () => {
        scheduled = false;
        lastFlushAt = performance.now();
        const batch = pending;
        pending = [];
        for (let i = 0; i < batch.length; i += BATCH_SIZE) send({ type: 'events', events: batch.slice(i, i + BATCH_SIZE) });
      };
      const unsubscribe = lab.events.subscribe(sessionId, (event) => {
        pending.push(event);
        if (scheduled) return;
        scheduled = true;
        const wait = lastFlushAt + FLUSH_MS - performance.now();
        if (wait <= 0) setImmediate(flush);
        else setTimeout(flush, wait);
      });

      const { events, firstHeld } = lab.events.after(sessionId, after);
      if (firstHeld > after + 1) send({ type: 'gap', from: after + 1, to: firstHeld - 1 });
      for (let i = 0; i < events.length; i += BATCH_SIZE) send({ type: 'events', events: events.slice(i, i + BATCH_SIZE) });

      ws.on('message', (data) => {
        let message: ChannelClientMessage;
        try {
          message = JSON.parse(String(data)) as ChannelClientMessage;
        } catch {
          return; // The channel only understands pings; anything else is ignored.
        }
        if (message?.type === 'ping' && typeof message.sentAt === 'number') {
          lab.sessions.touch(sessionId); // an open tab keeps its session alive
          send({ type: 'pong', sentAt: message.sentAt, serverNow: now() });
        }
      });
      ws.on('close', () => {
        unsubscribe();
        set.delete(ws);
        if (set.size === 0) this.sockets.delete(sessionId);
      });
      watchRefusals(ws, () => false); // a refused frame closes with the code ws sent; other errors terminate
    });
  }

  /** Closes a session's channel sockets politely (its session expired; the page will ask for a new one). */
  closeSession(sessionId: string): void {
    for (const ws of this.sockets.get(sessionId) ?? []) ws.close(4001, 'session expired');
  }

  /** Test hook: destroys a session's channel sockets at the TCP level. */
  destroySockets(sessionId: string): number {
    const set = this.sockets.get(sessionId);
    if (!set) return 0;
    for (const ws of set) ws.terminate();
    return set.size;
  }

  close(): void {
    for (const set of this.sockets.values()) for (const ws of set) ws.close(1001, 'lab shutting down');
    this.wss.close();
  }
}
