import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { now } from '../../lib/clock';
import type { EventInput } from '../../lib/timeline';
import type { EventDescriber } from './event-log';
import { Repeats, sameItems } from './repeats';

/**
 * The lab's SQLite database: one small bank per session.
 *
 * Every table is keyed by session_id, so a session can only ever read and
 * write its own rows: SessionDb binds the id into every statement it runs.
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS merchants (
  session_id TEXT NOT NULL,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  PRIMARY KEY (session_id, id)
);
CREATE TABLE IF NOT EXISTS accounts (
  session_id TEXT NOT NULL,
  id TEXT NOT NULL,
  owner TEXT NOT NULL,
  balance_cents INTEGER NOT NULL,
  currency TEXT NOT NULL DEFAULT 'EUR',
  PRIMARY KEY (session_id, id)
);
CREATE TABLE IF NOT EXISTS cards (
  session_id TEXT NOT NULL,
  id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  last4 TEXT NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY (session_id, id)
);
CREATE TABLE IF NOT EXISTS transactions (
  session_id TEXT NOT NULL,
  id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  merchant_id TEXT,
  amount_cents INTEGER NOT NULL,
  description TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (session_id, id)
);
CREATE INDEX IF NOT EXISTS transactions_by_account ON transactions (session_id, account_id, created_at);
`;

const SESSION_TABLES = ['transactions', 'cards', 'accounts', 'merchants'] as const;

/** The bank every new session starts with. Identical for everyone, so lessons can name ids. */
export const SEED = {
  merchants: [
    { id: 'm-coffee', name: 'Corner Coffee', category: 'food' },
    { id: 'm-books', name: 'Paper Lantern Books', category: 'shopping' },
    { id: 'm-rail', name: 'City Rail', category: 'transport' },
  ],
  accounts: [
    { id: '123', owner: 'Ada Lovelace', balanceCents: 100_000 },
    { id: '456', owner: 'Alan Turing', balanceCents: 25_000 },
  ],
  cards: [
    { id: 'c-1', accountId: '123', last4: '4242', status: 'active' },
    { id: 'c-2', accountId: '456', last4: '1881', status: 'active' },
  ],
  transactions: [
    {
      id: 't-1',
      accountId: '123',
      merchantId: 'm-coffee',
      amountCents: -350,
      description: 'Flat white',
      createdAt: '2026-01-05T08:12:00Z',
    },
    {
      id: 't-2',
      accountId: '123',
      merchantId: 'm-books',
      amountCents: -2_499,
      description: 'A book on networks',
      createdAt: '2026-01-06T17:40:00Z',
    },
    {
      id: 't-3',
      accountId: '123',
      merchantId: 'm-rail',
      amountCents: -280,
      description: 'Single ticket',
      createdAt: '2026-01-07T07:55:00Z',
    },
    {
      id: 't-4',
      accountId: '456',
      merchantId: 'm-coffee',
      amountCents: -420,
      description: 'Espresso and cake',
      createdAt: '2026-01-07T10:03:00Z',
    },
  ],
} as const;

/**
 * Records a statement on a session's timeline; its event is built only if someone reads it (see
 * EventDescriber). The statement's record is shared by every run of it that was the same (see
 * StatementRecord); what each run took is the event's part, in whole microseconds.
 */
export type RecordStatement = (sessionId: string, statement: EventDescriber<number>, durationMicros: number, at: number) => void;
type Param = string | number | bigint | null | Buffer;

export class LabDatabase {
  readonly sqlite: Database.Database;

  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.sqlite = new Database(file);
    if (file !== ':memory:') this.sqlite.pragma('journal_mode = WAL');
    this.sqlite.exec(SCHEMA);
  }

  /** Fills a new session's bank. Runs untapped: the timeline shows one note, not 12 inserts. */
  seed(sessionId: string): void {
    this.sqlite.transaction(() => {
      const m = this.prepared('INSERT INTO merchants (session_id, id, name, category) VALUES (?, ?, ?, ?)');
      for (const row of SEED.merchants) m.run(sessionId, row.id, row.name, row.category);
      const a = this.prepared('INSERT INTO accounts (session_id, id, owner, balance_cents) VALUES (?, ?, ?, ?)');
      for (const row of SEED.accounts) a.run(sessionId, row.id, row.owner, row.balanceCents);
      const c = this.prepared('INSERT INTO cards (session_id, id, account_id, last4, status) VALUES (?, ?, ?, ?, ?)');
      for (const row of SEED.cards) c.run(sessionId, row.id, row.accountId, row.last4, row.status);
      const t = this.prepared(
        'INSERT INTO transactions (session_id, id, account_id, merchant_id, amount_cents, description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const row of SEED.transactions) {
        t.run(sessionId, row.id, row.accountId, row.merchantId, row.amountCents, row.description, row.createdAt);
      }
    })();
  }

  /** Removes every row a session owns. */
  forget(sessionId: string): void {
    this.sqlite.transaction(() => {
      for (const table of SESSION_TABLES) this.prepared(`DELETE FROM ${table} WHERE session_id = ?`).run(sessionId);
      this.prepared('DELETE FROM sessions WHERE id = ?').run(sessionId);
    })();
  }

  /** A handle that scopes statements to one session and records each one on its timeline. */
  forSession(sessionId: string, record: RecordStatement): SessionDb {
    return new SessionDb(this, sessionId, record);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /**
   * The prepared statement for `sql`, made once: lessons run the same few queries over and over,
   * and preparing costs more than running (a class joining at once creates hundreds of sessions).
   * Runs untapped; statements for a session go through forSession.
   */
  prepared(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.sqlite.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  close(): void {
    if (this.sqlite.open) this.sqlite.close();
  }
}

/**
 * Runs SQL for one session. Statements must use `:session` for the session id
 * (it is bound here, never by callers) and `?` for their own parameters.
 */
export class SessionDb {
  constructor(
    private readonly db: Pick<LabDatabase, 'prepared'>,
    readonly sessionId: string,
    private readonly record: RecordStatement,
  ) {}

  all<Row>(sql: string, ...params: Param[]): Row[] {
    return this.tap(
      sql,
      params,
      (stmt) => stmt.all(...this.bind(params)) as Row[],
      (rows) => rows.length,
    );
  }

  get<Row>(sql: string, ...params: Param[]): Row | undefined {
    return this.tap(
      sql,
      params,
      (stmt) => stmt.get(...this.bind(params)) as Row | undefined,
      (row) => (row ? 1 : 0),
    );
  }

  run(sql: string, ...params: Param[]): Database.RunResult {
    return this.tap(
      sql,
      params,
      (stmt) => stmt.run(...this.bind(params)),
      (r) => r.changes,
    );
  }

  private bind(params: Param[]): [Record<string, string>, ...Param[]] {
    return [{ session: this.sessionId }, ...params];
  }

  private tap<T>(sql: string, params: Param[], exec: (stmt: Database.Statement) => T, count: (result: T) => number): T {
    const started = now();
    const stmt = this.db.prepared(sql);
    const result = exec(stmt);
    const durationMicros = Math.round((now() - started) * 1000);
    // A blob parameter is shown by its size: keeping the bytes would hold them as long as the event.
    const shown = keptParams.keep(params.some(Buffer.isBuffer) ? params.map(shownParam) : params);
    const record = keptStatements.keep(new StatementRecord(sql, shown, count(result)));
    this.record(this.sessionId, record, durationMicros, started);
    return result;
  }
}

/** Statements run with the same parameters over and over: the records share one list (see Repeats). */
const keptParams = new Repeats<readonly unknown[]>(sameItems);
/** ... and one record, when they also return as many rows (the parameters are compared as kept: one list each). */
const keptStatements = new Repeats<StatementRecord>((a, b) => a.sql === b.sql && a.params === b.params && a.rows === b.rows);

const shownParam = (p: Param) => (Buffer.isBuffer(p) ? `<${p.length} bytes>` : p);

/**
 * What a statement did, kept raw until the timeline shows it: the SQL, its parameters and how many
 * rows it touched. Runs that did the same share one record, and each event's part is that run's
 * duration in whole microseconds (a small integer, which the log keeps without an object): a busy
 * session's statements then add nothing to the heap for the garbage collector to copy and promote
 * (see the REST section of docs/PERFORMANCE.md).
 */
class StatementRecord implements EventDescriber<number> {
  constructor(
    readonly sql: string,
    readonly params: readonly unknown[],
    readonly rows: number,
  ) {}

  describe(durationMicros: number): EventInput {
    const { rows } = this;
    const durationMs = durationMicros / 1000;
    const shown = displayed(this.sql);
    return {
      origin: 'db',
      protocol: 'sql',
      kind: 'query',
      summary: `${shown.summary} — ${rows} row${rows === 1 ? '' : 's'}, ${durationMs.toFixed(2)} ms`,
      detail: {
        sql: shown.sql,
        params: [...this.params], // a copy: the kept list may be shared by many records
        rows,
        durationMs,
      },
    };
  }
}

/** How a statement is shown on the timeline, worked out once per distinct SQL text (they are few). */
const displayCache = new Map<string, { sql: string; summary: string }>();
const DISPLAY_CACHE_SIZE = 1_000;

function displayed(sql: string): { sql: string; summary: string } {
  let shown = displayCache.get(sql);
  if (!shown) {
    const oneLine = sql.replace(/\s+/g, ' ').trim();
    shown = { sql: sql.trim(), summary: oneLine.length > 80 ? `${oneLine.slice(0, 77)}…` : oneLine };
    if (displayCache.size >= DISPLAY_CACHE_SIZE) displayCache.clear();
    displayCache.set(sql, shown);
  }
  return shown;
}
