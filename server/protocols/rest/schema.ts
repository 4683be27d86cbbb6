import type { LabDatabase } from '../../lab/db';

/**
 * The REST lesson's own tables, beside the bank's. They hold what the two
 * instances must share: the idempotency keys each session has used, and
 * which version of the API a session has "deployed". State lives here, in
 * the database, and not in the instances: that is what lets any instance
 * answer any request.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS rest_idempotency (
  session_id TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  location TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (session_id, key)
);
CREATE TABLE IF NOT EXISTS rest_deployments (
  session_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL
);
`;

const TABLES = ['rest_idempotency', 'rest_deployments'] as const;

export function createRestTables(db: LabDatabase): void {
  db.sqlite.exec(SCHEMA);
}

/** Frees a session's rows when it expires (the bank's own tables are cleared by LabDatabase.forget). */
export function forgetRestSession(db: LabDatabase, sessionId: string): void {
  for (const table of TABLES) db.prepared(`DELETE FROM ${table} WHERE session_id = ?`).run(sessionId);
}
