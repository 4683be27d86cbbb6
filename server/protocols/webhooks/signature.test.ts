import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { secretKeyHex, sign, signedContent, verify } from './signature';

const SECRET = `whsec_${Buffer.from('a lab secret of 24 bytes!').toString('base64')}`;
const BODY = '{"id":"evt_1","type":"transaction.created"}';
// The library also checks the timestamp against the real clock (5 min), so sign "now".
const AT = new Date();
const NOW = AT.getTime() + 1_000;

describe('signatures', () => {
  const headers = sign(SECRET, 'evt_1', AT, BODY);

  it('is HMAC-SHA256 over id.timestamp.body with the decoded key', () => {
    const mac = createHmac('sha256', Buffer.from(secretKeyHex(SECRET), 'hex'))
      .update(signedContent('evt_1', headers['webhook-timestamp'], BODY))
      .digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${mac}`);
  });

  it('accepts a genuine delivery', () => {
    expect(verify(SECRET, { ...headers }, Buffer.from(BODY), 30_000, NOW)).toEqual({ ok: true });
  });

  it('rejects a flipped byte, a wrong secret, a replay and bad headers', () => {
    const flipped = Buffer.from(BODY.replace('created', 'crEated'));
    expect(verify(SECRET, { ...headers }, flipped, 30_000, NOW)).toMatchObject({ ok: false, reason: 'mismatch' });
    const other = `whsec_${Buffer.from('another secret entirely').toString('base64')}`;
    expect(verify(other, { ...headers }, Buffer.from(BODY), 30_000, NOW)).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(verify(SECRET, { ...headers }, Buffer.from(BODY), 30_000, NOW + 60_000)).toMatchObject({
      ok: false,
      reason: 'too-old',
    });
    expect(verify(SECRET, { ...headers }, Buffer.from(BODY), 30_000, NOW - 60_000)).toMatchObject({
      ok: false,
      reason: 'too-new',
    });
    expect(verify(SECRET, {}, Buffer.from(BODY), 30_000, NOW)).toMatchObject({ ok: false, reason: 'missing' });
    expect(verify(SECRET, { ...headers, 'webhook-timestamp': 'yesterday' }, Buffer.from(BODY), 30_000, NOW)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(verify(SECRET, { ...headers, 'webhook-signature': 'sha256=abc' }, Buffer.from(BODY), 30_000, NOW)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });
});
