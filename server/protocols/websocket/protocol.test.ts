import { describe, expect, it } from 'vitest';
import { parseClientMessage } from './protocol';

const errorOf = (value: unknown) => {
  const parsed = parseClientMessage(JSON.stringify(value));
  if (parsed.ok) throw new Error(`expected a protocol error for ${JSON.stringify(value)}`);
  return parsed;
};

describe('parseClientMessage', () => {
  it('accepts a chat line with a valid id', () => {
    expect(parseClientMessage('{"type":"message","id":"m-1","text":"hi"}')).toEqual({
      ok: true,
      message: { type: 'message', id: 'm-1', text: 'hi' },
    });
  });

  it('asks for an id when there is none', () => {
    const { code, message } = errorOf({ type: 'message', text: 'no id' });
    expect(code).toBe('bad-message');
    expect(message).toMatch(/^"message" needs an "id"/);
  });

  it('says an id that is present is invalid, why, and what a valid one looks like', () => {
    const { code, message } = errorOf({ type: 'message', id: 'has space', text: 'hi' });
    expect(code).toBe('bad-message');
    expect(message).not.toMatch(/needs an "id"/);
    expect(message).toBe(
      'The "id" of this "message" ("has space") contains a space. An id is 1–64 letters, digits, "-", "_", "." or ":", e.g. "m-1".',
    );
  });

  it('names the other ways an id can be wrong', () => {
    expect(errorOf({ type: 'message', id: 42, text: 'hi' }).message).toMatch(
      /^The "id" of this "message" is a number, not a string\./,
    );
    expect(errorOf({ type: 'delivered', id: '' }).message).toMatch(/^The "id" of this "delivered" is empty\./);
    expect(errorOf({ type: 'request', id: 'x'.repeat(65), method: 'balance' }).message).toMatch(/is 65 characters long\./);
    expect(errorOf({ type: 'request', id: 'a/b?', method: 'balance' }).message).toMatch(/\("a\/b\?"\) contains "\/", "\?"\./);
    expect(errorOf({ type: 'delivered', id: null }).message).toMatch(/is null, not a string/);
  });

  it('still asks delivered and request for their id when it is missing', () => {
    expect(errorOf({ type: 'delivered' }).message).toMatch(/^"delivered" needs the "id"/);
    expect(errorOf({ type: 'request', method: 'balance' }).message).toMatch(/^"request" needs an "id"/);
  });
});
