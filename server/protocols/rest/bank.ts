import type { SessionDb } from '../../lab/db';

/** Rows of the session's bank as the REST resources need them (one query each, all on the timeline). */

export interface AccountRow {
  id: string;
  owner: string;
  balance_cents: number;
  currency: string;
  /** The API version the session has deployed, read along with the account (one query, not two). */
  api_version: number;
}
export interface CardRow {
  id: string;
  last4: string;
  status: string;
}
export interface TransactionRow {
  id: string;
  account_id: string;
  merchant_id: string | null;
  amount_cents: number;
  description: string;
  created_at: string;
}
export interface MerchantRow {
  id: string;
  name: string;
  category: string;
}

export function findAccount(db: SessionDb, id: string): AccountRow | undefined {
  return db.get<AccountRow>(
    `SELECT a.id, a.owner, a.balance_cents, a.currency,
            COALESCE((SELECT d.version FROM rest_deployments d WHERE d.session_id = a.session_id), 1) AS api_version
       FROM accounts a WHERE a.session_id = :session AND a.id = ?`,
    id,
  );
}

export function cardsOf(db: SessionDb, accountId: string): CardRow[] {
  return db.all<CardRow>(
    'SELECT id, last4, status FROM cards WHERE session_id = :session AND account_id = ? ORDER BY id',
    accountId,
  );
}

/** The account's statement, newest first; only the latest `limit` when one is given. */
export function transactionsOf(db: SessionDb, accountId: string, limit?: number): TransactionRow[] {
  const sql = `SELECT id, account_id, merchant_id, amount_cents, description, created_at FROM transactions
      WHERE session_id = :session AND account_id = ? ORDER BY created_at DESC, id DESC`;
  // Two statements rather than "LIMIT -1": the timeline shows the SQL, and a student should see no magic number.
  return limit === undefined
    ? db.all<TransactionRow>(sql, accountId)
    : db.all<TransactionRow>(`${sql} LIMIT ?`, accountId, limit);
}

export function findTransaction(db: SessionDb, id: string): TransactionRow | undefined {
  return db.get<TransactionRow>(
    `SELECT id, account_id, merchant_id, amount_cents, description, created_at FROM transactions
      WHERE session_id = :session AND id = ?`,
    id,
  );
}

export function findMerchant(db: SessionDb, id: string): MerchantRow | undefined {
  return db.get<MerchantRow>('SELECT id, name, category FROM merchants WHERE session_id = :session AND id = ?', id);
}

/** Which API version the session has deployed (1 unless it flipped the "deploy v2" switch). */
export function deployedVersion(db: SessionDb): 1 | 2 {
  const row = db.get<{ version: number }>('SELECT version FROM rest_deployments WHERE session_id = :session');
  return row?.version === 2 ? 2 : 1;
}

export function deployVersion(db: SessionDb, version: 1 | 2): void {
  db.run(
    'INSERT INTO rest_deployments (session_id, version) VALUES (:session, ?) ON CONFLICT (session_id) DO UPDATE SET version = excluded.version',
    version,
  );
}
