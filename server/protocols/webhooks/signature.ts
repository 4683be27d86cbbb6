import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/**
 * Signing and verifying deliveries, Standard Webhooks style: the bank signs
 * `<webhook-id>.<webhook-timestamp>.<raw body>` with HMAC-SHA256 and sends
 * `webhook-signature: v1,<base64 MAC>`. The secret is `whsec_` + base64 key
 * bytes. The `standardwebhooks` package does the crypto.
 */

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function sign(secret: string, id: string, at: Date, body: string): SignedHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}

/** The exact bytes the signature covers, for showing and for checking by hand with openssl. */
export function signedContent(id: string, timestamp: string, body: string): string {
  return `${id}.${timestamp}.${body}`;
}

/** The HMAC key as hex: what `openssl dgst -mac HMAC -macopt hexkey:` wants. */
export function secretKeyHex(secret: string): string {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64').toString('hex');
}

export type Verdict =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'too-old' | 'too-new' | 'mismatch'; detail: string };

const SIGNATURE = /^v1,[A-Za-z0-9+/]+=*$/;

/**
 * What a careful receiver checks, in order: the three headers are there and
 * well-formed, the timestamp is within `toleranceMs` of its own clock (so a
 * captured delivery can't be replayed later), and the signature matches the
 * raw body (so not one byte was changed). The library checks the signature;
 * the tolerance is checked here because the class uses a shorter window than
 * the library's fixed five minutes.
 */
export function verify(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  toleranceMs: number,
  nowMs = Date.now(),
): Verdict {
  const read = (name: keyof SignedHeaders) => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(' ') : value;
  };
  const id = read('webhook-id');
  const timestamp = read('webhook-timestamp');
  const signature = read('webhook-signature');
  const missing = (['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const).filter((name) => !read(name));
  if (!id || !timestamp || !signature) {
    return { ok: false, reason: 'missing', detail: `missing header${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'malformed', detail: `webhook-timestamp must be Unix seconds, got "${timestamp.slice(0, 40)}"` };
  }
  if (!signature.split(' ').some((s) => SIGNATURE.test(s))) {
    return { ok: false, reason: 'malformed', detail: 'webhook-signature must be "v1,<base64 HMAC-SHA256>"' };
  }
  const ageMs = nowMs - Number(timestamp) * 1000;
  if (ageMs > toleranceMs) {
    return {
      ok: false,
      reason: 'too-old',
      detail: `timestamp is ${(ageMs / 1000).toFixed(0)} s old, older than the ${toleranceMs / 1000} s tolerance: a replay?`,
    };
  }
  if (-ageMs > toleranceMs) {
    return { ok: false, reason: 'too-new', detail: `timestamp is ${(-ageMs / 1000).toFixed(0)} s in the future` };
  }
  try {
    new Webhook(secret).verify(
      body,
      { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature },
      { jsonParse: false },
    );
    return { ok: true };
  } catch (error: unknown) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    return {
      ok: false,
      reason: 'mismatch',
      detail: 'signature does not match the body (changed in transit, or signed with another secret)',
    };
  }
}
