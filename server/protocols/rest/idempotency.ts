import { createHash } from 'node:crypto';
import { HttpError } from '../../http/errors';
import type { SessionDb } from '../../lab/db';

/**
 * Idempotency keys for POST (the pattern Stripe popularised, drafted at the
 * IETF as the Idempotency-Key header): the client names the attempt, the
 * server stores the first response under that name in the same database
 * transaction as the effect, and answers any retry with the stored response.
 */

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Marks a response that is a replay of the stored one, not a new effect. */
export const REPLAYED_HEADER = 'idempotent-replayed';

export interface StoredResponse {
  status: number;
  location: string;
  body: string;
}

/** The key the request names, if any; 400 when it is not a short printable token. */
export function idempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header.join(',') : header;
  if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new HttpError(
      400,
      'Bad Idempotency-Key',
      'An Idempotency-Key must be 1 to 255 visible ASCII characters with no spaces; a UUID is a good choice.',
    );
  }
  return key;
}

/** Same request = same parsed JSON, whatever the key order or whitespace. */
export function fingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The stored response for `key`, when the same request was already carried
 * out; 422 when the key was used for a different request.
 */
export function storedResponse(db: SessionDb, key: string, print: string): StoredResponse | undefined {
  const row = db.get<StoredResponse & { fingerprint: string }>(
    'SELECT fingerprint, status, location, body FROM rest_idempotency WHERE session_id = :session AND key = ?',
    key,
  );
  if (!row) return undefined;
  if (row.fingerprint !== print) {
    throw new HttpError(
      422,
      'Idempotency-Key reused',
      `The Idempotency-Key "${key}" was already used for a different request body. ` +
        'A key names one attempt: send the identical body to retry it, or use a new key for a new payment.',
    );
  }
  return { status: row.status, location: row.location, body: row.body };
}

export function storeResponse(db: SessionDb, key: string, print: string, response: StoredResponse): void {
  db.run(
    `INSERT INTO rest_idempotency (session_id, key, fingerprint, status, location, body, created_at)
     VALUES (:session, ?, ?, ?, ?, ?, ?)`,
    key,
    print,
    response.status,
    response.location,
    response.body,
    new Date().toISOString(),
  );
}
