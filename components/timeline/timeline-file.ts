import { isTimelineEvent, type TimelineEvent } from '../../lib/timeline';

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
  const invalid = file.events.findIndex((event) => !isTimelineEvent(event));
  if (invalid !== -1) {
    return {
      ok: false,
      error: `Event ${invalid + 1} of ${file.events.length} is not a valid timeline event (it needs id, at, origin, protocol, kind and summary).`,
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
