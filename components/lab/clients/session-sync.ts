/**
 * Keeps a browser's lab tabs on one session. Tabs share the session cookie, so
 * when one tab starts a new session every tab's requests go to it at once,
 * while the other tabs' timelines and open connections still belong to the old
 * one. The tab that starts over says so here, and the others reload onto the
 * new session instead of showing half of each.
 */
const CHANNEL_NAME = 'api-patterns-lab:session';

/** Tells this tab's own message apart from other tabs' (a tab's channels hear each other). */
const THIS_TAB = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : String(Math.random());

interface NewSessionMessage {
  type: 'new-session';
  sessionId: string;
  from: string;
}

function isNewSession(data: unknown): data is NewSessionMessage {
  const message = data as Partial<NewSessionMessage> | null;
  return message?.type === 'new-session' && typeof message.sessionId === 'string' && typeof message.from === 'string';
}

/** Tells the browser's other lab tabs that this one started session `sessionId`. */
export function announceNewSession(sessionId: string): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(CHANNEL_NAME);
  channel.postMessage({ type: 'new-session', sessionId, from: THIS_TAB } satisfies NewSessionMessage);
  channel.close();
}

/** Calls `listener` when another tab of this browser starts a new session. Returns the unsubscribe. */
export function onNewSessionElsewhere(listener: (sessionId: string) => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {};
  const channel = new BroadcastChannel(CHANNEL_NAME);
  channel.onmessage = (e: MessageEvent) => {
    if (isNewSession(e.data) && e.data.from !== THIS_TAB) listener(e.data.sessionId);
  };
  return () => channel.close();
}
