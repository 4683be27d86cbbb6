import { describe, expect, it } from 'vitest';
import { percentile, responseBytes } from './poller';

describe('percentile', () => {
  it('is the nearest-rank percentile, and undefined for no values', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90)).toBe(90);
  });
});

describe('responseBytes', () => {
  it('counts the status line, the visible headers, the blank line and the body, in UTF-8 bytes', () => {
    const response = new Response('{"a":"é"}', {
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/json' },
    });
    const head = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n';
    expect(responseBytes(response, '{"a":"é"}')).toBe(head.length + 10);
  });
});
