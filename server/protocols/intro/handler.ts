import { HttpError, sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';

interface AccountRow {
  id: string;
  owner: string;
  balance_cents: number;
  currency: string;
}
interface TransactionRow {
  id: string;
  amount_cents: number;
  description: string;
  created_at: string;
  merchant: string | null;
}

/** GET /api/intro/accounts/:id — one account with its latest transactions: two real SQL queries. */
export function getAccount(ctx: SessionContext): void {
  const id = ctx.params.id ?? '';
  const db = ctx.lab.sessionDb(ctx.sessionId);
  const account = db.get<AccountRow>(
    'SELECT id, owner, balance_cents, currency FROM accounts WHERE session_id = :session AND id = ?',
    id,
  );
  if (!account) throw new HttpError(404, 'No such account', `Your bank has no account "${id}". Try 123 or 456.`);
  const recent = db.all<TransactionRow>(
    `SELECT t.id, t.amount_cents, t.description, t.created_at, m.name AS merchant
       FROM transactions t LEFT JOIN merchants m ON m.session_id = t.session_id AND m.id = t.merchant_id
      WHERE t.session_id = :session AND t.account_id = ?
      ORDER BY t.created_at DESC LIMIT 3`,
    id,
  );
  sendJson(ctx.res, 200, {
    id: account.id,
    owner: account.owner,
    balance: account.balance_cents / 100,
    currency: account.currency,
    recentTransactions: recent.map((t) => ({
      id: t.id,
      amount: t.amount_cents / 100,
      description: t.description,
      merchant: t.merchant,
      createdAt: t.created_at,
    })),
  });
}
