import { now } from '../../../lib/clock';
import type { TimelineEvent } from '../../../lib/timeline';

/**
 * Realistic-looking traffic for the timeline benchmark: HTTP exchanges seen
 * from both sides with their SQL, WebSocket connections that drop and
 * reconnect (so lanes have work to do), MQTT and SSE messages with raw bytes.
 * Deterministic (seeded) so runs are comparable. Server events are placed a
 * little in the past, as the lab channel does after clock correction, so the
 * store sees out-of-order inserts too.
 */

type EventBody = Omit<TimelineEvent, 'id' | 'at'>;
type Template = (n: number) => EventBody;

const CONNECTIONS = ['ws-bench1', 'ws-bench2', 'ws-bench3', 'ws-bench4', 'ws-bench5', 'ws-bench6'] as const;

function pick<T>(items: readonly [T, ...T[]], index: number): T {
  return items[index % items.length] ?? items[0];
}

function base64(text: string): string {
  return btoa(text);
}

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const accountJson = (n: number) => JSON.stringify({ id: n % 500, owner: `student-${n % 37}`, balance: (n * 7) % 10_000 });

const httpExchange: [Template, ...Template[]] = [
  (n) => ({
    origin: 'browser',
    protocol: 'rest',
    kind: 'request',
    dir: 'out',
    stream: `req-${n >> 3}`,
    bytes: 0,
    summary: `GET /api/rest/accounts/${n % 500}`,
    detail: {
      method: 'GET',
      url: `/api/rest/accounts/${n % 500}`,
      headers: { accept: 'application/json', 'x-lab-trace': `req-${n >> 3}` },
    },
  }),
  (n) => ({
    origin: 'server',
    protocol: 'rest',
    kind: 'request',
    dir: 'in',
    stream: `req-${n >> 3}`,
    bytes: 0,
    summary: `GET /api/rest/accounts/${n % 500} — HTTP/1.1 arrived`,
    detail: { method: 'GET', url: `/api/rest/accounts/${n % 500}`, headers: { host: 'localhost', accept: 'application/json' } },
  }),
  (n) => ({
    origin: 'db',
    protocol: 'sql',
    kind: 'query',
    summary: 'SELECT id, owner, balance FROM accounts WHERE id = ? — 1 row, 0.04 ms',
    detail: { sql: 'SELECT id, owner, balance FROM accounts WHERE id = ?', params: [n % 500], rows: 1, durationMs: 0.04 },
  }),
  (n) => ({
    origin: 'server',
    protocol: 'rest',
    kind: 'response',
    dir: 'out',
    stream: `req-${n >> 3}`,
    bytes: accountJson(n).length,
    summary: `200 OK ← GET /api/rest/accounts/${n % 500} (0.6 ms)`,
    detail: {
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/json' },
      body: accountJson(n),
      durationMs: 0.6,
    },
  }),
  (n) => ({
    origin: 'browser',
    protocol: 'rest',
    kind: 'response',
    dir: 'in',
    stream: `req-${n >> 3}`,
    bytes: accountJson(n).length,
    summary: `200 OK ← GET /api/rest/accounts/${n % 500} (2 ms)`,
    detail: {
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/json' },
      body: accountJson(n),
      durationMs: 2,
    },
  }),
];

/** Messages on a WebSocket connection; `conn` is one that is open right now. */
const socketMessages: [(n: number, conn: string) => EventBody, ...((n: number, conn: string) => EventBody)[]] = [
  (n, conn) => {
    const text = JSON.stringify({ type: 'chat', text: `hello ${n}` });
    return {
      origin: 'browser',
      protocol: 'websocket',
      kind: 'message',
      dir: 'out',
      conn,
      bytes: text.length,
      summary: `sent ${JSON.stringify(text)}`,
      detail: { body: text, raw: base64(text) },
    };
  },
  (n, conn) => {
    const text = JSON.stringify({ type: 'echo', text: `hello ${n}` });
    return {
      origin: 'server',
      protocol: 'websocket',
      kind: 'message',
      dir: 'out',
      conn,
      bytes: text.length,
      summary: `echo ${JSON.stringify(text)}`,
      detail: { body: text, raw: base64(text) },
    };
  },
];

const otherMessages: [Template, ...Template[]] = [
  (n) => ({
    origin: 'broker',
    protocol: 'mqtt',
    kind: 'message',
    dir: 'out',
    conn: 'mqtt-bench',
    bytes: 18,
    summary: `PUBLISH sensors/room-${n % 4}/temp qos 1`,
    detail: {
      raw: base64(`0\u0010\u0000\u0011sensors/room-${n % 4}/temp21.5`),
      fields: { topic: `sensors/room-${n % 4}/temp`, qos: 1 },
    },
  }),
  (n) => ({
    origin: 'server',
    protocol: 'sse',
    kind: 'frame',
    dir: 'out',
    stream: 'sse-prices',
    bytes: 32,
    summary: `event: price  data: {"symbol":"LAB","price":${100 + (n % 50)}}`,
    detail: { body: `event: price\ndata: {"symbol":"LAB","price":${100 + (n % 50)}}\n\n` },
  }),
];

/** The lifecycle each WebSocket connection goes through, one step at a time; `true` = open afterwards. */
const lifecycle: [(conn: string) => EventBody, ...((conn: string) => EventBody)[]] = [
  (conn) => ({
    origin: 'browser',
    protocol: 'websocket',
    kind: 'note',
    conn,
    summary: 'connecting to /api/ws/echo…',
    detail: { fields: { phase: 'connecting' } },
  }),
  (conn) => ({
    origin: 'server',
    protocol: 'websocket',
    kind: 'open',
    conn,
    summary: 'WebSocket /api/ws/echo accepted (101 Switching Protocols)',
  }),
  (conn) => ({ origin: 'browser', protocol: 'websocket', kind: 'open', conn, summary: 'open: /api/ws/echo' }),
  (conn) => ({
    origin: 'server',
    protocol: 'websocket',
    kind: 'close',
    conn,
    summary: 'Connection destroyed by the lab (drop fault)',
    detail: { code: 1006, wasClean: false },
  }),
  (conn) => ({
    origin: 'browser',
    protocol: 'websocket',
    kind: 'close',
    conn,
    summary: 'connection lost (code 1006: abnormal closure, no close frame)',
    detail: { code: 1006, wasClean: false },
  }),
  (conn) => ({
    origin: 'browser',
    protocol: 'websocket',
    kind: 'reconnect-attempt',
    conn,
    summary: 'reconnecting in 512 ms (attempt 1)',
    detail: { attempt: 1, delayMs: 512 },
  }),
  (conn) => ({
    origin: 'server',
    protocol: 'websocket',
    kind: 'open',
    conn,
    summary: 'WebSocket /api/ws/echo accepted (101 Switching Protocols)',
  }),
  (conn) => ({
    origin: 'browser',
    protocol: 'websocket',
    kind: 'reconnected',
    conn,
    summary: 'reconnected after 1 attempt',
    detail: { attempt: 1 },
  }),
  (conn) => ({
    origin: 'browser',
    protocol: 'websocket',
    kind: 'close',
    conn,
    summary: 'closed (code 1000)',
    detail: { code: 1000, wasClean: true },
  }),
];

/** After which lifecycle steps a connection is open (server or browser has seen it open). */
const OPEN_AFTER_STEP = new Set([1, 2, 6, 7]);
/** The first steps (connect, accept, open) run for every connection at the start. */
const OPENING_STEPS = 3 * CONNECTIONS.length;

let runs = 0;

/** A source of synthetic events, each stamped with the time it is made (ids unique across runs). */
export function createSyntheticEvents(seed = 1): () => TimelineEvent {
  const run = ++runs;
  const random = seededRandom(seed);
  const open = new Set<string>();
  let n = 0;
  let lifecycleStep = 0;
  return () => {
    n += 1;
    let body: EventBody;
    if (lifecycleStep < OPENING_STEPS || n % 97 === 0) {
      // Every so often one connection moves one step through its life (the lanes' work).
      const conn = pick(CONNECTIONS, lifecycleStep);
      const step = Math.floor(lifecycleStep / CONNECTIONS.length) % lifecycle.length;
      body = pick(lifecycle, step)(conn);
      if (OPEN_AFTER_STEP.has(step)) open.add(conn);
      else open.delete(conn);
      lifecycleStep += 1;
    } else if (random() < 0.45) {
      body = pick(httpExchange, n)(n);
    } else if (open.size > 0 && random() < 0.5) {
      body = pick(socketMessages, n)(n, [...open][n % open.size] ?? CONNECTIONS[0]);
    } else {
      body = pick(otherMessages, n)(n);
    }
    const at = body.origin === 'browser' ? now() : now() - random() * 15;
    return { id: `bench:${run}:${n}`, at, ...body };
  };
}
