import type { LabDatabase } from '../../lab/db';

/**
 * The webhook lesson's tables, created at factory time beside the lab's bank.
 * Like every lab table they are keyed by session_id; `forgetSession` frees a
 * session's rows when it expires.
 *
 * The bank's side: its signing secret and event counter, the endpoints
 * registered with it, the events it emitted and the **outbox** (one row per
 * event per endpoint, committed before the first attempt) with its attempts.
 * The receiver's side ("your app"): its settings, the event ids it has
 * processed (dedupe), its view of each transaction (ordering) and its inbox
 * (queue-then-200).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS webhook_senders (
  session_id TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  last_sequence INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS webhook_endpoints (
  session_id TEXT NOT NULL,
  id TEXT NOT NULL,
  receiver TEXT NOT NULL,
  url TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, id),
  UNIQUE (session_id, receiver)
);
CREATE TABLE IF NOT EXISTS webhook_events (
  session_id TEXT NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, id)
);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  session_id TEXT NOT NULL,
  id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  tries INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_delay_ms INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  PRIMARY KEY (session_id, id)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS webhook_attempts (
  session_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  delay_ms INTEGER NOT NULL,
  status INTEGER,
  error TEXT,
  duration_ms REAL NOT NULL,
  request_headers TEXT NOT NULL,
  PRIMARY KEY (session_id, delivery_id, n)
);
CREATE TABLE IF NOT EXISTS webhook_receivers (
  session_id TEXT NOT NULL,
  name TEXT NOT NULL,
  mode TEXT NOT NULL,
  verify INTEGER NOT NULL,
  dedupe INTEGER NOT NULL,
  ordering TEXT NOT NULL,
  wrong_secret INTEGER NOT NULL,
  PRIMARY KEY (session_id, name)
);
CREATE TABLE IF NOT EXISTS webhook_processed (
  session_id TEXT NOT NULL,
  receiver TEXT NOT NULL,
  event_id TEXT NOT NULL,
  processed_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, receiver, event_id)
);
CREATE TABLE IF NOT EXISTS webhook_app_transactions (
  session_id TEXT NOT NULL,
  receiver TEXT NOT NULL,
  id TEXT NOT NULL,
  status TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (session_id, receiver, id)
);
CREATE TABLE IF NOT EXISTS webhook_inbox (
  session_id TEXT NOT NULL,
  receiver TEXT NOT NULL,
  event_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  processed_at INTEGER
);
`;

const TABLES = [
  'webhook_senders',
  'webhook_endpoints',
  'webhook_events',
  'webhook_deliveries',
  'webhook_attempts',
  'webhook_receivers',
  'webhook_processed',
  'webhook_app_transactions',
  'webhook_inbox',
] as const;

export function createSchema(db: LabDatabase): void {
  db.sqlite.exec(SCHEMA);
}

/** Frees every webhook row of an expired session (the lab's own tables are cleared by LabDatabase.forget). */
export function forgetSession(db: LabDatabase, sessionId: string): void {
  db.sqlite.transaction(() => {
    for (const table of TABLES) db.sqlite.prepare(`DELETE FROM ${table} WHERE session_id = ?`).run(sessionId);
  })();
}
