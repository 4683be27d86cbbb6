/**
 * The one event type shared by the browser and the server.
 *
 * Every tap — an instrumented browser client, a server route, a database
 * statement, a broker route, a fault — produces a TimelineEvent. The server
 * numbers its events per session (`seq`) and pushes them over the lab channel;
 * the browser merges them with its own on one clock (see lib/clock.ts).
 *
 * This file imports nothing from the project: it is safe on both sides.
 */

/** Where an event was observed. */
export const ORIGINS = ['browser', 'server', 'broker', 'db', 'terminal'] as const;
export type Origin = (typeof ORIGINS)[number];

/** Which protocol (or lab subsystem) the event belongs to. */
export const PROTOCOLS = [
  'http',
  'rest',
  'grpc',
  'graphql',
  'sse',
  'websocket',
  'socketio',
  'mqtt',
  'webhooks',
  'polling',
  'streaming',
  'sql',
  'lab',
] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** What happened. Keep this list small: lanes and filters switch over it exhaustively. */
export const KINDS = [
  'request',
  'response',
  'frame',
  'message',
  'open',
  'close',
  'error',
  'reconnect-attempt',
  'reconnected',
  'retry',
  'query',
  'route',
  'fault',
  'note',
  /** One resolver call (GraphQL): its path in the response, parent, start and duration. */
  'resolve',
] as const;
export type Kind = (typeof KINDS)[number];

/** Direction relative to the origin: `out` = the origin sent it, `in` = the origin received it. */
export type Direction = 'in' | 'out';

export interface EventDetail {
  method?: string;
  url?: string;
  status?: number;
  statusText?: string;
  headers?: Record<string, string>;
  /** A text preview of the body (truncated; see `bodyTruncated`). */
  body?: string;
  bodyTruncated?: boolean;
  /** Raw bytes on the wire, base64-encoded, for the hex view. */
  raw?: string;
  durationMs?: number;
  sql?: string;
  params?: unknown[];
  rows?: number;
  /** Close code (WebSocket) or error code. */
  code?: number | string;
  reason?: string;
  /** false when the connection was lost rather than closed on purpose. */
  wasClean?: boolean;
  attempt?: number;
  delayMs?: number;
  /** Protocol-specific key/values shown in the inspector. */
  fields?: Record<string, string | number | boolean | null>;
}

export interface TimelineEvent {
  /** Unique within one timeline: `b:<n>` for browser events, `s:<seq>` for server events. */
  id: string;
  /** Per-session sequence number, set by the server's event log. */
  seq?: number;
  /** Milliseconds since the Unix epoch, with sub-millisecond precision, on the origin's clock. */
  at: number;
  origin: Origin;
  protocol: Protocol;
  kind: Kind;
  dir?: Direction;
  /** Logical connection id; browser and server use the same id for the same connection. */
  conn?: string;
  /** Stream, packet or request id within a connection. */
  stream?: string;
  /** Size on the wire, when known. */
  bytes?: number;
  /** One line a student can read. */
  summary: string;
  detail?: EventDetail;
}

/** An event before the log has given it an id, a sequence number or a time. */
export type EventInput = Omit<TimelineEvent, 'id' | 'seq' | 'at'> & { at?: number };

/** Body previews are cut here so one large payload can't bloat the timeline. */
export const BODY_PREVIEW_LIMIT = 4096;

export function previewBody(text: string): Pick<EventDetail, 'body' | 'bodyTruncated'> {
  return text.length > BODY_PREVIEW_LIMIT ? { body: cutText(text, BODY_PREVIEW_LIMIT), bodyTruncated: true } : { body: text };
}

/**
 * The first `length` characters of `text`, as a string of their own. A plain `slice` of a long
 * string is, in V8, a view that keeps the whole string alive for as long as the slice: a 4 KB
 * preview of a 1 MB body kept on the timeline would keep the megabyte with it. (A JSON round trip
 * copies exactly, lone surrogates included.)
 */
export function cutText(text: string, length: number): string {
  if (text.length <= length) return text;
  return JSON.parse(JSON.stringify(text.slice(0, length))) as string;
}

export function isOrigin(value: unknown): value is Origin {
  return (ORIGINS as readonly unknown[]).includes(value);
}
export function isProtocol(value: unknown): value is Protocol {
  return (PROTOCOLS as readonly unknown[]).includes(value);
}
export function isKind(value: unknown): value is Kind {
  return (KINDS as readonly unknown[]).includes(value);
}

/** Validates one event read from an untrusted source (an imported file). */
export function isTimelineEvent(value: unknown): value is TimelineEvent {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    typeof e.id === 'string' &&
    typeof e.at === 'number' &&
    Number.isFinite(e.at) &&
    isOrigin(e.origin) &&
    isProtocol(e.protocol) &&
    isKind(e.kind) &&
    typeof e.summary === 'string'
  );
}
