import { describe, expect, it } from 'vitest';
import { testEvent } from './test-events';
import { parseTimelineFile, serializeTimeline, TIMELINE_FILE_FORMAT, timelineFileName } from './timeline-file';

const exportedAt = new Date('2026-03-01T12:34:56.789Z');

describe('timeline file', () => {
  it('round-trips events through export and import', () => {
    const events = [testEvent({ detail: { raw: 'aGk=', headers: { a: 'b' } } }), testEvent({ origin: 'server', seq: 4 })];
    const result = parseTimelineFile(serializeTimeline(events, 'sess-1', exportedAt));
    expect(result).toEqual({
      ok: true,
      file: { format: TIMELINE_FILE_FORMAT, version: 1, exportedAt: '2026-03-01T12:34:56.789Z', sessionId: 'sess-1', events },
    });
  });

  it.each([
    ['not JSON', '{nope', /not JSON/],
    ['a JSON array', '[]', /found an array/],
    ['another format', JSON.stringify({ format: 'har', version: 1, events: [] }), /Not a timeline export/],
    ['a newer version', JSON.stringify({ format: TIMELINE_FILE_FORMAT, version: 2, events: [] }), /version 2/],
    ['no events', JSON.stringify({ format: TIMELINE_FILE_FORMAT, version: 1 }), /no "events"/],
    [
      'an invalid event',
      JSON.stringify({ format: TIMELINE_FILE_FORMAT, version: 1, events: [testEvent(), { id: 'x', at: 'yesterday' }] }),
      /Event 2 of 2/,
    ],
  ])('rejects %s with a clear message', (_name, text, message) => {
    const result = parseTimelineFile(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });

  it('names files after the session and time, safely', () => {
    expect(timelineFileName('ab/c:d', exportedAt)).toBe('timeline-abcd-2026-03-01T12-34-56-789Z.json');
    expect(timelineFileName(null, exportedAt)).toBe('timeline-no-session-2026-03-01T12-34-56-789Z.json');
  });
});
