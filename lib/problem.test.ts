import { describe, expect, it } from 'vitest';
import { problemMessage, problemMessageIn } from './problem';

describe('problemMessage', () => {
  it("reads a problem document's detail, else its title", () => {
    expect(problemMessage({ title: 'Bad tokens', status: 400, detail: '"tokens" must be a whole number' })).toBe(
      '"tokens" must be a whole number',
    );
    expect(problemMessage({ title: 'Not Found', status: 404 })).toBe('Not Found');
  });

  it('has nothing to say about anything else', () => {
    for (const body of [null, undefined, 'text', 42, [], { detail: 7 }]) expect(problemMessage(body)).toBeUndefined();
    expect(problemMessageIn('<html>oops</html>')).toBeUndefined();
    expect(problemMessageIn('')).toBeUndefined();
  });

  it('parses a body read as text', () => {
    expect(problemMessageIn('{"title":"Bad pace","status":400,"detail":"pace too high"}')).toBe('pace too high');
  });
});
