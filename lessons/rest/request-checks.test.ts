import { describe, expect, it } from 'vitest';
import { parseHeaderLines, pathProblem } from './request-checks';

const ORIGIN = 'http://127.0.0.1:3000';

describe('parseHeaderLines', () => {
  it('reads "Name: value" lines, skipping blank ones and keeping colons in values', () => {
    expect(parseHeaderLines('If-Match: "abc"\n\n  Idempotency-Key:  k-1  \nX-Time: 12:30')).toEqual({
      headers: [
        ['If-Match', '"abc"'],
        ['Idempotency-Key', 'k-1'],
        ['X-Time', '12:30'],
      ],
      problem: null,
    });
    expect(parseHeaderLines('')).toEqual({ headers: [], problem: null });
  });

  it('names the line and the header name that fetch would refuse', () => {
    const { problem } = parseHeaderLines('If-Match: "x"\nIf Match: "x"');
    expect(problem).toMatch(/^Header line 2: "If Match" is not a valid header name/);
    expect(parseHeaderLines(': value').problem).toMatch(/"" is not a valid header name/);
    expect(parseHeaderLines('Ünicode: x').problem).toMatch(/"Ünicode" is not a valid header name/);
  });

  it('refuses a line with no colon and a value fetch could not send', () => {
    expect(parseHeaderLines('If-Match "x"').problem).toMatch(/^Header line 1 has no colon/);
    expect(parseHeaderLines('X-Emoji: 🙂').problem).toMatch(/X-Emoji holds a character/);
    expect(parseHeaderLines('X-Nul: a\u0000b').problem).toMatch(/X-Nul holds a character/);
    expect(parseHeaderLines('X-Latin: café').problem).toBeNull();
  });
});

describe('pathProblem', () => {
  it('accepts paths on the page’s own origin', () => {
    for (const path of ['/api/accounts/123', '/api/accounts/123/transactions?limit=5', '/api/../api/merchants/m-rail'])
      expect(pathProblem(path, ORIGIN), path).toBeNull();
  });

  it('refuses paths that are not paths, or that name another host', () => {
    expect(pathProblem('api/accounts/123', ORIGIN)).toMatch(/must start with "\/"/);
    expect(pathProblem('https://evil.example.com/x', ORIGIN)).toMatch(/must start with "\/"/);
    for (const path of ['//evil.example.com/x', '/\\evil.example.com/x', '//127.0.0.1:3000/api/accounts/123'])
      expect(pathProblem(path, ORIGIN), path).toMatch(/only sends requests to this lab/);
  });
});
