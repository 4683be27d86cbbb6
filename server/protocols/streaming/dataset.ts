import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { now } from '../../../lib/clock';

/** Columns of the export, in order: a year of card payments spread over 997 accounts and 53 merchants. */
export const EXPORT_COLUMNS = ['id', 'created_at', 'account', 'merchant', 'amount_cents'] as const;
export type ExportRow = [id: number, createdAt: string, account: string, merchant: string, amountCents: number];

/** Rows inserted per statement while generating; a slice takes tens of milliseconds. */
const GENERATE_SLICE = 25_000;

export const EXPORT_SQL = 'SELECT id, created_at, account, merchant, amount_cents FROM export_rows WHERE id <= ? ORDER BY id';

/**
 * The export's million rows. They are the same for everyone, so they are
 * generated once, lazily (on the first export), and shared read-only.
 *
 * They live in their own SQLite file, not in the lab's database: an open
 * better-sqlite3 iterator makes its connection refuse every write ("This
 * database connection is busy executing a query"), so a cursor held open
 * for seconds, across event-loop turns, on the lab's one connection would
 * break every other session's writes. Each export therefore opens its own
 * read-only connection, which needs a file (an in-memory database can't be
 * shared between connections). With LAB_DB=:memory: (tests), that file is
 * temporary and removed at shutdown.
 */
export class ExportDataset {
  private ready: Promise<{ generatedMs: number | null }> | undefined;
  /** True once the table is known to be there (after the first export). */
  generated = false;
  private readonly file: string;
  private readonly temporary: boolean;

  constructor(
    file: string,
    readonly rows: number,
  ) {
    this.temporary = file === '';
    this.file = this.temporary
      ? path.join(os.tmpdir(), 'api-patterns-lab', `export-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sqlite`)
      : file;
  }

  /** Generates the table if it isn't there yet. Resolves with how long generation took (null: it was already there). */
  ensure(): Promise<{ generatedMs: number | null }> {
    this.ready ??= this.generate().then(
      (result) => {
        this.generated = true;
        return result;
      },
      (error: unknown) => {
        this.ready = undefined;
        throw error;
      },
    );
    return this.ready;
  }

  /** A fresh read-only connection for one export; close it when done. */
  open(): Database.Database {
    return new Database(this.file, { readonly: true, fileMustExist: true });
  }

  close(): void {
    if (!this.temporary) return;
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${this.file}${suffix}`, { force: true });
  }

  private async generate(): Promise<{ generatedMs: number | null }> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const db = new Database(this.file);
    try {
      const have = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'export_rows'").get() as { n: number };
      if (have.n > 0 && (db.prepare('SELECT max(id) AS n FROM export_rows').get() as { n: number | null }).n === this.rows) {
        return { generatedMs: null };
      }
      const started = now();
      // Derived data, regenerated if a crash leaves it short: no need to wait for the disk on every slice.
      db.pragma('synchronous = OFF');
      db.exec(`
        DROP TABLE IF EXISTS export_rows;
        CREATE TABLE export_rows (
          id INTEGER PRIMARY KEY,
          created_at TEXT NOT NULL,
          account TEXT NOT NULL,
          merchant TEXT NOT NULL,
          amount_cents INTEGER NOT NULL
        );`);
      // A recursive CTE counts inside SQLite, with no round trip to JavaScript per row
      // (~2x faster here than a prepared INSERT in a loop). It runs in slices of
      // GENERATE_SLICE rows, each one statement (its own transaction), yielding in
      // between so the server keeps answering everyone else while it fills.
      const slice = db.prepare(`
        INSERT INTO export_rows (id, created_at, account, merchant, amount_cents)
        WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        SELECT i,
               strftime('%Y-%m-%dT%H:%M:%SZ', 1767225600 + i * 31, 'unixepoch'),
               'acc-' || (100 + i % 997),
               'm-' || (10 + i % 53),
               -((i * 7919) % 20000) - 50
        FROM n`);
      for (let from = 1; from <= this.rows; from += GENERATE_SLICE) {
        slice.run(from, Math.min(this.rows, from + GENERATE_SLICE - 1));
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { generatedMs: now() - started };
    } finally {
      db.close();
    }
  }
}
