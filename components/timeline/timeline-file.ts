import { isKind, isOrigin, isProtocol, KINDS, ORIGINS, PROTOCOLS, type TimelineEvent } from '../../lib/timeline';

/**
 * The saved-timeline file: small, versioned JSON. `format` lets us reject
 * arbitrary JSON with a clear message; `version` lets a future lab read old
 * files (or refuse newer ones) instead of misreading them.
 */
export const TIMELINE_FILE_FORMAT = 'api-patterns-lab/timeline';
export const TIMELINE_FILE_VERSION = 1;

export interface TimelineFile {
  format: typeof TIMELINE_FILE_FORMAT;
  version: typeof TIMELINE_FILE_VERSION;
  /** ISO 8601. */
  exportedAt: string;
  sessionId: string | null;
  events: TimelineEvent[];
}

export function serializeTimeline(events: readonly TimelineEvent[], sessionId: string | null, exportedAt: Date): string {
  const file: TimelineFile = {
    format: TIMELINE_FILE_FORMAT,
    version: TIMELINE_FILE_VERSION,
    exportedAt: exportedAt.toISOString(),
    sessionId,
    events: [...events],
  };
  return JSON.stringify(file);
}

/** `timeline-<session>-<time>.json`, safe for every file system. */
export function timelineFileName(sessionId: string | null, exportedAt: Date): string {
  const stamp = exportedAt.toISOString().replace(/[:.]/g, '-');
  const session = (sessionId ?? 'no-session').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32) || 'session';
  return `timeline-${session}-${stamp}.json`;
}

export type ParseResult = { ok: true; file: TimelineFile } | { ok: false; error: string };

function kindOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The largest time a JavaScript Date can hold (ms since 1970): past it the clock reads NaN. */
const MAX_TIME = 8.64e15;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

type Check = (value: unknown) => boolean;
const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined || check(value);
const isString: Check = (value) => typeof value === 'string';
const isBoolean: Check = (value) => typeof value === 'boolean';
const isFieldValue: Check = (value) => value === null || ['string', 'number', 'boolean'].includes(typeof value);
const isRecordOf =
  (check: Check): Check =>
  (value) =>
    isRecord(value) && Object.values(value).every(check);

/** What each optional field the panel shows must be, and how to say it. */
const EVENT_FIELDS: [string, Check, string][] = [
  ['seq', optional(isFiniteNumber), 'a number'],
  ['dir', optional((v) => v === 'in' || v === 'out'), '"in" or "out"'],
  ['conn', optional(isString), 'a string'],
  ['stream', optional(isString), 'a string'],
  ['bytes', optional((v) => isFiniteNumber(v) && v >= 0), 'a number of bytes'],
  ['detail', optional(isRecord), 'an object'],
];
const DETAIL_FIELDS: [string, Check, string][] = [
  ...['method', 'url', 'statusText', 'body', 'raw', 'sql', 'reason'].map((name): [string, Check, string] => [
    name,
    optional(isString),
    'a string',
  ]),
  ...['status', 'durationMs', 'rows', 'attempt', 'delayMs'].map((name): [string, Check, string] => [
    name,
    optional(isFiniteNumber),
    'a number',
  ]),
  ['bodyTruncated', optional(isBoolean), 'true or false'],
  ['wasClean', optional(isBoolean), 'true or false'],
  ['code', optional((v) => isFiniteNumber(v) || isString(v)), 'a number or a string'],
  ['params', optional(Array.isArray), 'a list'],
  ['headers', optional(isRecordOf(isString)), 'an object of header names to strings'],
  ['fields', optional(isRecordOf(isFieldValue)), 'an object of names to strings, numbers, booleans or null'],
];

/** Why `value` is not an event the panel can show (a phrase), or null if it is one. */
export function eventProblem(value: unknown): string | null {
  if (!isRecord(value)) return `it is ${kindOfValue(value)}, not an object`;
  // No spaces: the id is part of the row's element id, which the list points to (aria-activedescendant).
  if (typeof value.id !== 'string' || !/^\S+$/.test(value.id)) return '"id" should be a non-empty string without spaces';
  if (!isFiniteNumber(value.at) || value.at < 0 || value.at > MAX_TIME) {
    return `"at" should be a time in milliseconds since 1970, found ${JSON.stringify(value.at) ?? 'nothing'}`;
  }
  if (!isOrigin(value.origin)) return `"origin" should be one of ${ORIGINS.join(', ')}`;
  if (!isProtocol(value.protocol)) return `"protocol" should be one of ${PROTOCOLS.join(', ')}`;
  if (!isKind(value.kind)) return `"kind" should be one of ${KINDS.join(', ')}`;
  if (typeof value.summary !== 'string') return '"summary" should be a string';
  for (const [name, check, expected] of EVENT_FIELDS) {
    if (!check(value[name])) return `"${name}" should be ${expected}, found ${kindOfValue(value[name])}`;
  }
  const detail = (value.detail ?? {}) as Record<string, unknown>;
  for (const [name, check, expected] of DETAIL_FIELDS) {
    if (!check(detail[name])) return `"detail.${name}" should be ${expected}, found ${kindOfValue(detail[name])}`;
  }
  return null;
}

/** Reads a file chosen by the user: any problem becomes one sentence they can act on. */
export function parseTimelineFile(text: string): ParseResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: 'This file is not JSON. Choose a file saved with the Export button.' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, error: `Expected a timeline export (a JSON object), found ${kindOfValue(data)}.` };
  }
  const file = data as Record<string, unknown>;
  if (file.format !== TIMELINE_FILE_FORMAT) {
    return { ok: false, error: `Not a timeline export: "format" should be "${TIMELINE_FILE_FORMAT}".` };
  }
  if (file.version !== TIMELINE_FILE_VERSION) {
    return {
      ok: false,
      error: `Unsupported timeline file version ${JSON.stringify(file.version)}; this lab reads version ${TIMELINE_FILE_VERSION}.`,
    };
  }
  if (!Array.isArray(file.events)) {
    return { ok: false, error: 'The file has no "events" list.' };
  }
  for (const [index, event] of file.events.entries()) {
    const problem = eventProblem(event);
    if (problem === null) continue;
    const id =
      isRecord(event) && typeof event.id === 'string' && event.id !== '' ? ` (id ${JSON.stringify(event.id.slice(0, 40))})` : '';
    return {
      ok: false,
      error: `Event ${index + 1} of ${file.events.length}${id} is not a valid timeline event: ${problem}.`,
    };
  }
  return {
    ok: true,
    file: {
      format: TIMELINE_FILE_FORMAT,
      version: TIMELINE_FILE_VERSION,
      exportedAt: typeof file.exportedAt === 'string' ? file.exportedAt : '',
      sessionId: typeof file.sessionId === 'string' ? file.sessionId : null,
      events: file.events as TimelineEvent[],
    },
  };
}
