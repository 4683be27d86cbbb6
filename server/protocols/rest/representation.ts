import { HttpError } from '../../http/errors';
import type { AccountRow, CardRow, MerchantRow, TransactionRow } from './bank';

/**
 * What the resources look like on the wire, and what a client may send.
 * REST has no schema the client must compile against: v2 renaming `owner` to
 * `holderName` is a one-line change here, and nothing tells old clients.
 */

export type ApiVersion = 1 | 2;

/** The field that names the account holder, per version (the lesson's "no enforced contract" experiment). */
export const holderField = (version: ApiVersion) => (version === 2 ? 'holderName' : 'owner');

export function accountJson(account: AccountRow, cards: CardRow[], version: ApiVersion) {
  const self = `/api/accounts/${encodeURIComponent(account.id)}`;
  return {
    id: account.id,
    [holderField(version)]: account.owner,
    balanceCents: account.balance_cents,
    currency: account.currency,
    cards: cards.map((c) => ({ id: c.id, last4: c.last4, status: c.status, href: `${self}/cards/${encodeURIComponent(c.id)}` })),
    links: { self, transactions: `${self}/transactions` },
  };
}

export function transactionJson(t: TransactionRow) {
  return {
    id: t.id,
    accountId: t.account_id,
    merchantId: t.merchant_id,
    amountCents: t.amount_cents,
    description: t.description,
    createdAt: t.created_at,
    links: {
      self: `/api/transactions/${encodeURIComponent(t.id)}`,
      ...(t.merchant_id ? { merchant: `/api/merchants/${encodeURIComponent(t.merchant_id)}` } : {}),
    },
  };
}

export function merchantJson(m: MerchantRow) {
  return { id: m.id, name: m.name, category: m.category, links: { self: `/api/merchants/${encodeURIComponent(m.id)}` } };
}

const invalid = (detail: string, extra: Record<string, unknown> = {}) => new HttpError(422, 'Invalid field', detail, extra);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Letters, digits, spaces and punctuation in any script; no control characters. */
const PRINTABLE = /^[^\p{Cc}\p{Cf}]+$/u;

function text(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw invalid(`"${field}" must be a string.`);
  const trimmed = value.trim();
  if (trimmed.length === 0 || [...trimmed].length > max || !PRINTABLE.test(trimmed)) {
    throw invalid(`"${field}" must be 1 to ${max} printable characters (any language is fine).`);
  }
  return trimmed;
}

function currency(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) {
    throw invalid('"currency" must be a three-letter ISO 4217 code in capitals, such as "EUR".');
  }
  return value;
}

/** The fields a client may change on an account. */
export interface AccountChanges {
  owner?: string;
  currency?: string;
}

/**
 * Reads a PUT (whole representation) or PATCH (JSON merge patch, RFC 7396)
 * body. Read-only fields may be echoed back unchanged (clients PUT what they
 * GET); changing them is refused with a reason.
 */
export function accountChanges(
  body: unknown,
  current: ReturnType<typeof accountJson>,
  version: ApiVersion,
  mode: 'put' | 'patch',
): AccountChanges {
  if (!isObject(body)) throw invalid('The body must be a JSON object, like the one GET returns.');
  const holder = holderField(version);
  const writable = new Set([holder, 'currency']);
  const readOnly: Record<string, string> = {
    id: 'the id is part of the URL and never changes',
    balanceCents: 'money only moves through POST /api/transactions',
    cards: 'cards are removed with DELETE /api/accounts/{id}/cards/{cardId}',
    links: 'links are computed by the server',
  };
  for (const [field, value] of Object.entries(body)) {
    if (writable.has(field)) continue;
    const why = readOnly[field];
    if (why !== undefined) {
      if (JSON.stringify(value) === JSON.stringify(current[field as keyof typeof current])) continue;
      throw invalid(`"${field}" is read-only: ${why}.`, { field });
    }
    const hint = field === 'owner' || field === 'holderName' ? ` This API version calls it "${holder}".` : '';
    throw invalid(`Accounts have no field "${field}". You can change: ${[...writable].join(', ')}.${hint}`, { field });
  }
  if (mode === 'put') {
    const missing = [...writable].filter((f) => !(f in body));
    if (missing.length > 0) {
      throw invalid(
        `PUT replaces the whole resource, so it needs every writable field; missing: ${missing.join(', ')}. ` +
          'To change one field alone, use PATCH.',
        { missing },
      );
    }
  }
  const changes: AccountChanges = {};
  if (holder in body) changes.owner = text(holder, body[holder], 80);
  if ('currency' in body) changes.currency = currency(body.currency);
  return changes;
}

/** A payment: what POST /api/transactions accepts. */
export interface NewPayment {
  accountId: string;
  merchantId: string | null;
  amountCents: number;
  description: string;
}

/** The largest single payment, so a typo can't empty an account in one go. */
export const MAX_PAYMENT_CENTS = 1_000_000;

export function newPayment(body: unknown): NewPayment {
  if (!isObject(body)) {
    throw invalid(
      'The body must be a JSON object like {"accountId":"123","merchantId":"m-coffee","amountCents":350,"description":"Flat white"}.',
    );
  }
  const known = new Set(['accountId', 'merchantId', 'amountCents', 'description']);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw invalid(
      `Unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. A payment has ${[...known].join(', ')}.`,
    );
  if (typeof body.accountId !== 'string' || body.accountId === '')
    throw invalid('"accountId" must name one of your accounts, e.g. "123".');
  const merchantId = body.merchantId ?? null;
  if (merchantId !== null && (typeof merchantId !== 'string' || merchantId === '')) {
    throw invalid('"merchantId" must be a merchant id such as "m-coffee", or left out.');
  }
  const amount = body.amountCents;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_PAYMENT_CENTS) {
    throw invalid(
      `"amountCents" must be a whole number of cents from 1 to ${MAX_PAYMENT_CENTS}: the amount that leaves the account` +
        `${typeof amount === 'number' && amount < 0 ? ' (a payment is never negative; it shows as negative on the statement)' : ''}.`,
    );
  }
  return { accountId: body.accountId, merchantId, amountCents: amount, description: text('description', body.description, 200) };
}
