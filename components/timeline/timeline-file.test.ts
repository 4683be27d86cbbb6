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

  const withEvent = (event: Record<string, unknown>) =>
    JSON.stringify({
      format: TIMELINE_FILE_FORMAT,
      version: 1,
      events: [testEvent(), { ...testEvent({ id: 'bad' }), ...event }],
    });

  it.each([
    [
      'a time past what a clock can show',
      { at: 1e20 },
      /"at" should be a time in milliseconds since 1970, found 100000000000000000000/,
    ],
    ['a negative time', { at: -5 }, /"at" should be a time/],
    ['an unknown origin', { origin: 'moon' }, /"origin" should be one of browser, server/],
    [
      'headers as a string',
      { detail: { headers: 'content-type: text/plain' } },
      /"detail.headers" should be an object of header names to strings, found a string/,
    ],
    ['a header value that is not a string', { detail: { headers: { a: 1 } } }, /"detail.headers" should be an object/],
    ['a body that is not text', { detail: { body: 5 } }, /"detail.body" should be a string, found a number/],
    ['detail as a list', { detail: [] }, /"detail" should be an object, found an array/],
    ['bytes as text', { bytes: '12' }, /"bytes" should be a number of bytes/],
    ['a field holding an object', { detail: { fields: { qos: { level: 1 } } } }, /"detail.fields" should be an object of names/],
  ])('refuses an event with %s, naming the event and the field', (_name, event, message) => {
    const result = parseTimelineFile(withEvent(event));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(/^Event 2 of 2 \(id "bad"\) is not a valid timeline event: /);
      expect(result.error).toMatch(message);
      expect(result.error).not.toContain('\n');
    }
  });

  it('accepts every optional field the panel shows when it has the right type', () => {
    const event = testEvent({
      seq: 3,
      dir: 'in',
      conn: 'ws-1',
      stream: '7',
      bytes: 12,
      detail: {
        method: 'GET',
        url: '/api/accounts',
        status: 200,
        statusText: 'OK',
        headers: { 'content-type': 'application/json' },
        body: '{}',
        bodyTruncated: false,
        raw: 'aGk=',
        durationMs: 1.5,
        sql: 'SELECT 1',
        params: [1, 'a'],
        rows: 1,
        code: 'ECONNRESET',
        reason: '',
        wasClean: true,
        attempt: 2,
        delayMs: 500,
        fields: { topic: 'a/b', qos: 1, retained: false, none: null },
      },
    });
    expect(parseTimelineFile(serializeTimeline([event], null, exportedAt)).ok).toBe(true);
  });

  it('refuses an id with spaces (rows use it as their element id)', () => {
    const result = parseTimelineFile(withEvent({ id: 'my event' }));
    expect(result).toEqual({
      ok: false,
      error: 'Event 2 of 2 (id "my event") is not a valid timeline event: "id" should be a non-empty string without spaces.',
    });
  });

  it('still names the event when the event is not an object', () => {
    const result = parseTimelineFile(JSON.stringify({ format: TIMELINE_FILE_FORMAT, version: 1, events: ['hello'] }));
    expect(result).toEqual({ ok: false, error: 'Event 1 of 1 is not a valid timeline event: it is a string, not an object.' });
  });

  it('names files after the session and time, safely', () => {
    expect(timelineFileName('ab/c:d', exportedAt)).toBe('timeline-abcd-2026-03-01T12-34-56-789Z.json');
    expect(timelineFileName(null, exportedAt)).toBe('timeline-no-session-2026-03-01T12-34-56-789Z.json');
  });
});
