import { clockOffset, now } from '../../../lib/clock';
import { type ChannelServerMessage, LAB_CHANNEL_PATH } from '../../../lib/lab-channel';
import type { TimelineEvent } from '../../../lib/timeline';
import type { TimelineStore } from '../../timeline/store';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff';
import { labSocketUrl } from './websocket';

/** How often the clock offset is re-measured; the best (lowest round-trip) sample wins. */
const CLOCK_PING_INTERVAL_MS = 10_000;
/**
 * Pings sent right after connecting. The page is busy loading then, so one
 * sample can be skewed by tens of ms; the lowest-RTT sample of a few is not.
 */
const CLOCK_PING_BURST = 5;
const CLOCK_PING_BURST_SPACING_MS = 100;
/** Server events wait for the burst's answers (at most this long) before being placed on our clock. */
const CLOCK_SETTLE_TIMEOUT_MS = 1_500;
/** Close code the server uses when the session behind the channel expired (server/lab/channel.ts). */
const SESSION_EXPIRED_CODE = 4001;

/**
 * Connects the page to its session's server-side events and keeps them
 * flowing into the timeline store:
 * - places each server event on the browser's clock (`at - offset`);
 * - after any disconnect, reconnects and resumes from the last sequence
 *   number received, so no server event is missed (a `gap` message says so
 *   honestly if the server's log no longer has them);
 * - ignores duplicates, so a replay that overlaps is harmless.
 */
export function connectLabChannel(store: TimelineStore, renewSession: () => Promise<void>): () => void {
  let ws: WebSocket | null = null;
  let epoch: string | null = null;
  /** The session whose log `lastSeq` counts in. */
  let following: string | null = null;
  let lastSeq = 0;
  let attempt = 0;
  let bestRtt = Number.POSITIVE_INFINITY;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  // Until the first ping burst is answered, the offset is a rough guess, so
  // server events wait here rather than being placed tens of ms off.
  let clockSettled = false;
  let pongs = 0;
  let unplaced: TimelineEvent[] = [];
  /**
   * How many times this page has moved to another server log, whose sequence numbers start again: the
   * server restarted (a new epoch), or the cookie now names another session.
   */
  let run = 0;

  const place = (events: TimelineEvent[]) => {
    if (events.length === 0) return;
    const state = store.getState();
    const offset = state.clockOffset;
    // These objects were parsed from the channel for us and are placed exactly once, so they move
    // onto our clock in place: a busy session sends thousands a second, and a copy each adds up.
    for (const event of events) event.at -= offset;
    state.recordMany(events);
    state.setLastServerSeq(events.at(-1)?.seq ?? state.lastServerSeq);
  };
  const settleClock = () => {
    if (clockSettled) return;
    clockSettled = true;
    place(unplaced);
    unplaced = [];
  };

  const ping = () => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'ping', sentAt: now() }));
  };

  const onMessage = (message: ChannelServerMessage) => {
    const state = store.getState();
    switch (message.type) {
      case 'hello': {
        const restarted = epoch !== null && epoch !== message.epoch;
        const otherSession = following !== null && following !== message.sessionId;
        if (restarted || otherSession) {
          // A new log, numbered from 1 again (the server replays it whole). Say so, and keep its
          // events apart from the old ones that have the same numbers.
          lastSeq = 0;
          run += 1;
          state.record({
            id: `${restarted ? 'restart' : 'session'}:${run}`,
            at: now(),
            origin: 'server',
            protocol: 'lab',
            kind: 'note',
            summary: restarted
              ? 'the lab server restarted: its events start again from #1 (the ones before this came from its previous run)'
              : `this tab now follows session ${message.sessionId}: its old session expired or another tab started a new one (the events before this belong to the old session)`,
          });
        }
        epoch = message.epoch;
        following = message.sessionId;
        state.setSession(message.sessionId);
        // A first guess from the hello; pings refine it.
        if (!Number.isFinite(bestRtt)) state.setClock(message.serverNow - now());
        for (let i = 0; i < CLOCK_PING_BURST; i++) setTimeout(ping, i * CLOCK_PING_BURST_SPACING_MS);
        setTimeout(settleClock, CLOCK_SETTLE_TIMEOUT_MS);
        return;
      }
      case 'pong': {
        const receivedAt = now();
        const rtt = receivedAt - message.sentAt;
        if (rtt <= bestRtt) {
          bestRtt = rtt;
          state.setClock(clockOffset(message.sentAt, message.serverNow, receivedAt));
        }
        if (++pongs >= CLOCK_PING_BURST) settleClock();
        return;
      }
      case 'events': {
        const fresh: TimelineEvent[] = [];
        for (const event of message.events) {
          if (event.seq === undefined || event.seq <= lastSeq) continue;
          lastSeq = event.seq;
          if (run > 0) event.id = `r${run}:${event.id}`;
          fresh.push(event);
        }
        if (clockSettled) place(fresh);
        else for (const event of fresh) unplaced.push(event);
        return;
      }
      case 'gap': {
        state.record({
          id: `gap:${message.from}-${message.to}`,
          at: now(),
          origin: 'server',
          protocol: 'lab',
          kind: 'note',
          summary: `server events ${message.from}–${message.to} were no longer in the server's log`,
        });
        return;
      }
      default: {
        const never: never = message;
        return never;
      }
    }
  };

  const connect = () => {
    const params: Record<string, string> = { after: String(lastSeq) };
    if (epoch) params.epoch = epoch;
    if (following) params.followed = following;
    const socket = new WebSocket(labSocketUrl(LAB_CHANNEL_PATH, params));
    ws = socket;
    store.getState().setChannel(attempt === 0 ? 'connecting' : 'reconnecting');
    let opened = false;
    socket.onopen = () => {
      opened = true;
      attempt = 0;
      store.getState().setChannel('open');
      clearInterval(pingTimer);
      pingTimer = setInterval(ping, CLOCK_PING_INTERVAL_MS);
    };
    socket.onmessage = (e: MessageEvent) => {
      try {
        onMessage(JSON.parse(String(e.data)) as ChannelServerMessage);
      } catch (error: unknown) {
        console.warn('[lab] unreadable lab channel message', error);
      }
    };
    socket.onclose = (e: CloseEvent) => {
      clearInterval(pingTimer);
      if (stopped || ws !== socket) return;
      attempt += 1;
      store.getState().setChannel('reconnecting');
      // Refused before opening, or closed because the session expired: the
      // session is probably gone, so get a new one (and its cookie) first.
      const renew = !opened || e.code === SESSION_EXPIRED_CODE;
      const delay = backoffDelay(attempt, { ...DEFAULT_BACKOFF, initialDelayMs: 250, maxDelayMs: 5_000 });
      retryTimer = setTimeout(() => {
        if (!renew) return connect();
        renewSession().then(connect, connect);
      }, delay);
    };
  };

  connect();
  return () => {
    stopped = true;
    clearInterval(pingTimer);
    clearTimeout(retryTimer);
    ws?.close(1000, 'page closed');
  };
}
