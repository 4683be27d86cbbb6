import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../http/errors';
import { notModified, requireIfMatch, strongEtag } from './conditional';
import { fingerprint } from './idempotency';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const tag = strongEtag('{"id":"m-coffee"}');

describe('If-None-Match (weak comparison, RFC 9110 §13.1.2)', () => {
  it('matches the same tag, its weak form, a list containing it, and *', () => {
    for (const header of [tag, `W/${tag}`, `"a", ${tag}`, '*'])
      expect(notModified(req({ 'if-none-match': header }), tag)).toBe(true);
  });
  it('does not match other tags or an absent header', () => {
    expect(notModified(req({ 'if-none-match': '"other"' }), tag)).toBe(false);
    expect(notModified(req({}), tag)).toBe(false);
  });
  it("ignores the request's Cache-Control: no-cache (an instruction to caches, not to the origin)", () => {
    expect(notModified(req({ 'if-none-match': tag, 'cache-control': 'no-cache' }), tag)).toBe(true);
  });
});

describe('If-Match (strong comparison, RFC 9110 §13.1.1)', () => {
  it('passes without the header, with the current tag, in a list, or with *', () => {
    for (const headers of [{}, { 'if-match': tag }, { 'if-match': `"x", ${tag}` }, { 'if-match': '*' }] as Record<
      string,
      string
    >[]) {
      expect(() => requireIfMatch(req(headers), tag)).not.toThrow();
    }
  });
  it('refuses a stale tag and a weak tag with 412 carrying the current ETag', () => {
    for (const header of ['"stale"', `W/${tag}`]) {
      try {
        requireIfMatch(req({ 'if-match': header }), tag);
        expect.unreachable();
      } catch (error: unknown) {
        expect(error).toBeInstanceOf(HttpError);
        expect((error as HttpError).status).toBe(412);
        expect((error as HttpError).headers.etag).toBe(tag);
      }
    }
  });
  it('says a weak form of the current tag fails for being weak, not because the resource changed', () => {
    const detailFor = (header: string) => {
      try {
        requireIfMatch(req({ 'if-match': header }), tag);
      } catch (error: unknown) {
        return (error as HttpError).detail;
      }
      return expect.unreachable();
    };
    expect(detailFor(`W/${tag}`)).toMatch(/strong comparison/);
    expect(detailFor(`W/${tag}`)).not.toMatch(/changed/);
    expect(detailFor('"stale"')).toMatch(/changed this resource/);
  });
});

describe('strong ETags', () => {
  it('depend on the bytes only', () => {
    expect(strongEtag('{"a":1}')).toBe(strongEtag('{"a":1}'));
    expect(strongEtag('{"a":1}')).not.toBe(strongEtag('{"a":2}'));
    expect(tag).toMatch(/^"[0-9a-f]+-/);
  });
});

describe('Idempotency-Key fingerprints', () => {
  it('are the same for the same JSON whatever the key order, different otherwise', () => {
    expect(fingerprint({ a: 1, b: { c: [1, 2] } })).toBe(fingerprint({ b: { c: [1, 2] }, a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
    expect(fingerprint([1, 2])).not.toBe(fingerprint([2, 1]));
  });
});
