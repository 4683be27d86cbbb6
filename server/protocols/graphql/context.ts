import DataLoader from 'dataloader';
import type { Lab } from '../../lab';
import type { SessionDb } from '../../lab/db';
import { annotated } from '../../lab/event-log';
import type { BankEvents } from './pubsub';

export interface MerchantRow {
  id: string;
  name: string;
  category: string;
}

export interface AccountRow {
  id: string;
  owner: string;
  balance_cents: number;
}

/** What every resolver gets: one per operation (an HTTP request, or one subscription). */
export interface GraphqlContext {
  lab: Lab;
  sessionId: string;
  /** Shared by every event this operation causes: the browser's trace id when it sent one. */
  trace: string;
  /** The WebSocket's connection id, for operations that arrived over graphql-ws. */
  conn: string | undefined;
  dataLoader: boolean;
  /** The session's bank; every statement is counted and recorded as caused by `cause` (a resolver path). */
  db(cause: string): SessionDb;
  /** Merchants by id: batched through DataLoader when it is on, one query each when it is off. */
  merchant(id: string, cause: string): Promise<MerchantRow | null>;
  /** Accounts by id (a transaction's `account`), the same way: the second N+1 field. */
  account(id: string, cause: string): Promise<AccountRow | null>;
  /** Measured, not computed: statements run and resolvers called so far. */
  stats: { sql: number; resolvers: number };
  events: BankEvents;
}

const MERCHANT_COLUMNS = 'SELECT id, name, category FROM merchants WHERE session_id = :session';
export const ACCOUNT_COLUMNS = 'SELECT id, owner, balance_cents FROM accounts WHERE session_id = :session';

/** One `IN (?, ?, …)` query for a whole batch of ids. */
export function byIds(columns: string, count: number): string {
  return `${columns} AND id IN (${Array(count).fill('?').join(', ')})`;
}

export function createContext(options: {
  lab: Lab;
  sessionId: string;
  trace: string;
  conn?: string;
  dataLoader: boolean;
  events: BankEvents;
}): GraphqlContext {
  const { lab, sessionId, trace, conn, dataLoader } = options;
  const stats = { sql: 0, resolvers: 0 };

  // The lab's SessionDb records each statement; this one also counts it and
  // tags it with the operation's trace id and the resolver that caused it, so
  // the timeline can nest SQL under resolvers.
  const db = (cause: string, batchedBy?: 'DataLoader'): SessionDb =>
    lab.db.forSession(sessionId, (id, statement, durationMicros, at) => {
      stats.sql += 1;
      const fields: Record<string, string> = batchedBy ? { resolver: cause, batchedBy } : { resolver: cause };
      lab.defer(id, annotated(statement, { stream: trace, conn, fields }), durationMicros, at);
    });

  // New loaders per operation: their caches live as long as the request, so
  // one student's rows are never served to another, nor kept stale.
  const rowsById = <Row extends { id: string }>(columns: string) => {
    const loader = dataLoader
      ? new DataLoader<string, Row | null>(async (ids) => {
          const rows = db(`DataLoader batch of ${ids.length}`, 'DataLoader').all<Row>(byIds(columns, ids.length), ...ids);
          const byId = new Map(rows.map((row) => [row.id, row]));
          return ids.map((id) => byId.get(id) ?? null);
        })
      : null;
    return async (id: string, cause: string): Promise<Row | null> =>
      loader ? loader.load(id) : (db(cause).get<Row>(`${columns} AND id = ?`, id) ?? null);
  };

  return {
    lab,
    sessionId,
    trace,
    conn,
    dataLoader,
    db,
    stats,
    events: options.events,
    merchant: rowsById<MerchantRow>(MERCHANT_COLUMNS),
    account: rowsById<AccountRow>(ACCOUNT_COLUMNS),
  };
}
