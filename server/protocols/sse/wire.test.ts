import { describe, expect, it } from 'vitest';
import { formatComment, formatEvent, formatRetry } from './wire';

describe('formatEvent', () => {
  it('writes retry, id, event and data fields, ending with the blank line that dispatches the event', () => {
    expect(formatEvent({ id: 7, event: 'tick', data: '{"tick":7}', retry: 1000 })).toBe(
      'retry: 1000\nid: 7\nevent: tick\ndata: {"tick":7}\n\n',
    );
    expect(formatEvent({ data: 'plain' })).toBe('data: plain\n\n');
  });

  it('splits multi-line data into several data: lines (the client joins them with \\n)', () => {
    expect(formatEvent({ data: 'one\ntwo\r\nthree' })).toBe('data: one\ndata: two\ndata: three\n\n');
  });

  it('keeps newlines out of id and event, where they would end the field early', () => {
    expect(formatEvent({ id: '1\n2', event: 'a\nb', data: '' })).toBe('id: 12\nevent: ab\ndata: \n\n');
  });
});

describe('comments and retry', () => {
  it('writes a comment line clients ignore, and a retry with no event', () => {
    expect(formatComment('keep-alive')).toBe(': keep-alive\n\n');
    expect(formatComment('a\nb')).toBe(': a b\n\n');
    expect(formatRetry(2500)).toBe('retry: 2500\n\n');
  });
});
