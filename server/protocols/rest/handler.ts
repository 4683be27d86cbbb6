import { randomUUID } from 'node:crypto';
import { parseJson } from '../../http/body';
import { HttpError } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import { cardsOf, findAccount, findMerchant, findTransaction, type TransactionRow, transactionsOf } from './bank';
import { CACHE_POLICY, requireIfMatch, sendRepresentation, strongEtag } from './conditional';
import { fingerprint, IDEMPOTENCY_HEADER, idempotencyKey, REPLAYED_HEADER, storedResponse, storeResponse } from './idempotency';
import { type ApiVersion, accountChanges, accountJson, merchantJson, newPayment, transactionJson } from './representation';

/**
 * One instance of the REST API. It keeps nothing between requests: every
 * handler reads what it needs from the request and the session's database,
 * and forgets it when the response is sent. That is why the lab can run two
 * of them behind a round-robin (index.ts) and either can answer anything.
 */
export function createInstance() {
  return {
    /** GET /api/accounts/{id} */
    getAccount(ctx: SessionContext): void {
      sendRepresentation(ctx.req, ctx.res, loadAccount(ctx).json, CACHE_POLICY.account);
    },

    /** PUT /api/accounts/{id} — replace the writable fields, all of them. */
    putAccount(ctx: SessionContext): void {
      updateAccount(ctx, 'put');
    },

    /** PATCH /api/accounts/{id} — a JSON merge patch: only the fields sent change. */
    patchAccount(ctx: SessionContext): void {
      updateAccount(ctx, 'patch');
    },

    /** DELETE /api/accounts/{id} — close an empty account. */
    deleteAccount(ctx: SessionContext): void {
      const { db, account, json } = loadAccount(ctx);
      requireIfMatch(ctx.req, strongEtag(JSON.stringify(json)));
      if (account.balance_cents !== 0) {
        throw new HttpError(
          409,
          'Account not empty',
          `Account ${account.id} still holds ${account.balance_cents} cents; a bank only closes an empty account. ` +
            'Move the money out with POST /api/transactions first.',
          { balanceCents: account.balance_cents },
        );
      }
      ctx.lab.db.sqlite.transaction(() => {
        db.run('DELETE FROM cards WHERE session_id = :session AND account_id = ?', account.id);
        db.run('DELETE FROM transactions WHERE session_id = :session AND account_id = ?', account.id);
        db.run('DELETE FROM accounts WHERE session_id = :session AND id = ?', account.id);
      })();
      noContent(ctx);
    },

    /** GET /api/accounts/{id}/transactions[?limit=N] — newest first; `limit` keeps only the latest N. */
    listTransactions(ctx: SessionContext): void {
      const db = ctx.lab.sessionDb(ctx.sessionId);
      const id = ctx.params.id ?? '';
      const limit = limitParam(ctx);
      if (!findAccount(db, id)) throw noSuchAccount(id);
      const transactions = transactionsOf(db, id, limit).map(transactionJson);
      sendRepresentation(ctx.req, ctx.res, { accountId: id, transactions }, CACHE_POLICY.transactions);
    },

    /** GET /api/transactions/{id} — where a new transaction's Location points. */
    getTransaction(ctx: SessionContext): void {
      const id = ctx.params.id ?? '';
      const row = findTransaction(ctx.lab.sessionDb(ctx.sessionId), id);
      if (!row) throw notFound('transaction', id, 'GET /api/accounts/123/transactions lists them.');
      sendRepresentation(ctx.req, ctx.res, transactionJson(row), CACHE_POLICY.transaction);
    },

    /** GET /api/merchants/{id} */
    getMerchant(ctx: SessionContext): void {
      const id = ctx.params.id ?? '';
      const row = findMerchant(ctx.lab.sessionDb(ctx.sessionId), id);
      if (!row) throw notFound('merchant', id, 'Try m-coffee, m-books or m-rail.');
      sendRepresentation(ctx.req, ctx.res, merchantJson(row), CACHE_POLICY.merchant);
    },

    /** DELETE /api/accounts/{id}/cards/{cardId} */
    deleteCard(ctx: SessionContext): void {
      const db = ctx.lab.sessionDb(ctx.sessionId);
      const id = ctx.params.id ?? '';
      const cardId = ctx.params.cardId ?? '';
      if (!findAccount(db, id)) throw noSuchAccount(id);
      const removed = db.run('DELETE FROM cards WHERE session_id = :session AND account_id = ? AND id = ?', id, cardId);
      if (removed.changes === 0) {
        throw new HttpError(
          404,
          'No such card',
          `Account ${id} has no card "${cardId}". If you just deleted it, that is DELETE being idempotent: ` +
            'the card stays gone however often you ask, only the answer changes.',
        );
      }
      noContent(ctx);
    },

    /** POST /api/transactions — a payment; honours Idempotency-Key. */
    async postTransaction(ctx: SessionContext): Promise<void> {
      const { req, res, lab, sessionId } = ctx;
      const db = lab.sessionDb(sessionId);
      const key = idempotencyKey(req.headers[IDEMPOTENCY_HEADER]);
      const body = parseJson(req.headers['content-type'], ctx.body);
      const print = fingerprint(body);
      const stored = key === undefined ? undefined : storedResponse(db, key, print);
      if (stored) {
        res.writeHead(stored.status, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(stored.body),
          'cache-control': 'no-store',
          location: stored.location,
          [REPLAYED_HEADER]: 'true',
        });
        res.end(stored.body);
        return;
      }

      const payment = newPayment(body);
      const account = findAccount(db, payment.accountId);
      if (!account) {
        throw new HttpError(
          422,
          'Unknown account',
          `Your bank has no account "${payment.accountId}" to pay from. Try 123 or 456.`,
        );
      }
      if (payment.merchantId !== null && !findMerchant(db, payment.merchantId)) {
        throw new HttpError(
          422,
          'Unknown merchant',
          `There is no merchant "${payment.merchantId}". Try m-coffee, m-books or m-rail.`,
        );
      }
      if (payment.amountCents > account.balance_cents) {
        throw new HttpError(
          409,
          'Insufficient funds',
          `Account ${account.id} holds ${account.balance_cents} cents, so it cannot pay ${payment.amountCents}.`,
          { balanceCents: account.balance_cents },
        );
      }

      const row: TransactionRow = {
        id: `t-${randomUUID().slice(0, 8)}`,
        account_id: account.id,
        merchant_id: payment.merchantId,
        amount_cents: -payment.amountCents,
        description: payment.description,
        created_at: new Date().toISOString(),
      };
      const text = JSON.stringify(transactionJson(row));
      const location = `/api/transactions/${row.id}`;
      // The payment, the new balance and the stored response commit together, or not at all.
      lab.db.sqlite.transaction(() => {
        db.run(
          `INSERT INTO transactions (session_id, id, account_id, merchant_id, amount_cents, description, created_at)
           VALUES (:session, ?, ?, ?, ?, ?, ?)`,
          row.id,
          row.account_id,
          row.merchant_id,
          row.amount_cents,
          row.description,
          row.created_at,
        );
        db.run(
          'UPDATE accounts SET balance_cents = balance_cents - ? WHERE session_id = :session AND id = ?',
          payment.amountCents,
          account.id,
        );
        if (key !== undefined) storeResponse(db, key, print, { status: 201, location, body: text });
      })();

      // The answer starts at once: status line and headers leave now. The body takes the
      // session's injected latency on its way back. The payment is already committed, so a
      // drop in that window cuts the response mid-way: the case Idempotency-Key exists for.
      // (Had nothing been sent, a browser may quietly resend the request on a new connection.)
      res.writeHead(201, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
        location,
      });
      res.flushHeaders();
      await lab.faults.delay(sessionId);
      if (res.destroyed) return;
      res.end(text);
    },
  };
}

export type RestInstance = ReturnType<typeof createInstance>;
export type RestOperation = keyof RestInstance;

function noSuchAccount(id: string): HttpError {
  return notFound('account', id, 'Try 123 or 456.');
}

function notFound(what: string, id: string, hint: string): HttpError {
  const shown = id.length > 60 ? `${id.slice(0, 60)}…` : id;
  return new HttpError(404, `No such ${what}`, `Your bank has no ${what} "${shown}". ${hint}`);
}

/** The most `?limit=` may ask for: a page of a statement, not a way to make SQLite count to a billion. */
export const MAX_LIST_LIMIT = 100;

/** `?limit=N` on a list: a whole number from 1 to MAX_LIST_LIMIT, or undefined when absent. */
function limitParam(ctx: SessionContext): number | undefined {
  // Only a request with a query string pays for parsing the URL (see RequestTarget).
  if (!ctx.req.url?.includes('?')) return undefined;
  const raw = ctx.url.searchParams.get('limit');
  if (raw === null) return undefined;
  const limit = /^[0-9]{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIST_LIMIT)) {
    const shown = raw.length > 20 ? `${raw.slice(0, 20)}…` : raw;
    throw new HttpError(
      400,
      'Invalid limit',
      `?limit= takes a whole number from 1 to ${MAX_LIST_LIMIT}, the most recent transactions to return; "${shown}" isn't one. ` +
        'Leave it out for the whole statement.',
    );
  }
  return limit;
}

function noContent(ctx: SessionContext): void {
  ctx.res.writeHead(204, { 'cache-control': 'no-store' });
  ctx.res.end();
}

/** The account named in the URL and its current representation (in the session's deployed API version). */
function loadAccount(ctx: SessionContext) {
  const db = ctx.lab.sessionDb(ctx.sessionId);
  const id = ctx.params.id ?? '';
  const account = findAccount(db, id);
  if (!account) throw noSuchAccount(id);
  const version: ApiVersion = account.api_version === 2 ? 2 : 1;
  return { db, account, version, json: accountJson(account, cardsOf(db, id), version) };
}

function updateAccount(ctx: SessionContext, mode: 'put' | 'patch'): void {
  const { db, account, version, json } = loadAccount(ctx);
  // Optimistic concurrency: the write only applies to the version the client read.
  requireIfMatch(ctx.req, strongEtag(JSON.stringify(json)));
  const changes = accountChanges(parseJson(ctx.req.headers['content-type'], ctx.body), json, version, mode);
  db.run(
    'UPDATE accounts SET owner = COALESCE(?, owner), currency = COALESCE(?, currency) WHERE session_id = :session AND id = ?',
    changes.owner ?? null,
    changes.currency ?? null,
    account.id,
  );
  const updated = findAccount(db, account.id) ?? account;
  const text = JSON.stringify(accountJson(updated, cardsOf(db, account.id), version));
  ctx.res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    etag: strongEtag(text),
  });
  ctx.res.end(text);
}
