import type { Database, Statement } from 'better-sqlite3';
import type { LabDatabase } from '../../lab/db';

/**
 * The delivery worker's bookkeeping on the outbox: claim what is due, record
 * each attempt, schedule the next one or finish. It runs across every session
 * and many times a second, so it uses the database directly instead of
 * `lab.sessionDb`: recording each poll would bury a student's timeline. What
 * a student should see — the event committed to the outbox, and each attempt
 * with its outcome — is recorded by the bank (bank.ts) and the worker.
 */

export interface DeliveryRow {
  session_id: string;
  id: string;
  event_id: string;
  endpoint_id: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  /** Attempts in the current round (the schedule restarts on a manual redeliver). */
  tries: number;
  /** Attempts ever made. */
  attempts: number;
  next_attempt_at: number;
  last_delay_ms: number;
  created_at: number;
  finished_at: number | null;
}

/** A claimed delivery with what it takes to send it. */
export interface Claimed extends DeliveryRow {
  payload: string;
  event_type: string;
  receiver: string;
  secret: string;
}

export interface AttemptRecord {
  n: number;
  startedAt: number;
  delayMs: number;
  status: number | null;
  error: string | null;
  durationMs: number;
  requestHeaders: Record<string, string>;
}

export class Outbox {
  private readonly sqlite: Database;
  private readonly claim: Statement;
  private readonly details: Statement;
  private readonly nextDue: Statement;
  private readonly insertAttempt: Statement;
  private readonly reschedule: Statement;
  private readonly finish: Statement;
  private readonly releaseOne: Statement;

  constructor(db: LabDatabase) {
    this.sqlite = db.sqlite;
    // Paused sessions arrive as a JSON array (json_each), so one prepared statement serves any set.
    this.claim = this.sqlite.prepare(`
      UPDATE webhook_deliveries SET status = 'sending'
       WHERE rowid IN (
         SELECT rowid FROM webhook_deliveries
          WHERE status = 'pending' AND next_attempt_at <= ?
            AND session_id NOT IN (SELECT value FROM json_each(?))
          ORDER BY next_attempt_at LIMIT ?)
      RETURNING *`);
    this.details = this.sqlite.prepare(`
      SELECT e.payload, e.type AS event_type, p.receiver, s.secret
        FROM webhook_events e
        JOIN webhook_endpoints p ON p.session_id = e.session_id AND p.id = ?
        JOIN webhook_senders s ON s.session_id = e.session_id
       WHERE e.session_id = ? AND e.id = ?`);
    this.nextDue = this.sqlite.prepare(`
      SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries
       WHERE status = 'pending' AND session_id NOT IN (SELECT value FROM json_each(?))`);
    this.insertAttempt = this.sqlite.prepare(`
      INSERT INTO webhook_attempts (session_id, delivery_id, n, started_at, delay_ms, status, error, duration_ms, request_headers)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.reschedule = this.sqlite.prepare(`
      UPDATE webhook_deliveries SET status = 'pending', tries = tries + 1, attempts = attempts + 1, next_attempt_at = ?, last_delay_ms = ?
       WHERE session_id = ? AND id = ?`);
    this.finish = this.sqlite.prepare(`
      UPDATE webhook_deliveries SET status = ?, tries = tries + 1, attempts = attempts + 1, finished_at = ?
       WHERE session_id = ? AND id = ?`);
    this.releaseOne = this.sqlite.prepare(
      `UPDATE webhook_deliveries SET status = 'pending' WHERE session_id = ? AND id = ? AND status = 'sending'`,
    );
  }

  /**
   * After a crash, deliveries that were mid-attempt are pending again. Their
   * receiver may already have processed them: that is why delivery is
   * at-least-once, and why receivers dedupe by event id.
   */
  recover(): number {
    return this.sqlite.prepare(`UPDATE webhook_deliveries SET status = 'pending' WHERE status = 'sending'`).run().changes;
  }

  /** Marks up to `limit` due deliveries as sending and returns them (skipping paused sessions). */
  claimDue(at: number, limit: number, paused: readonly string[]): Claimed[] {
    const rows = this.claim.all(at, JSON.stringify(paused), limit) as DeliveryRow[];
    const claimed: Claimed[] = [];
    for (const row of rows) {
      const detail = this.details.get(row.endpoint_id, row.session_id, row.event_id) as
        | { payload: string; event_type: string; receiver: string; secret: string }
        | undefined;
      // The session expired (its rows are gone) between the claim and here: nothing to send.
      if (detail) claimed.push({ ...row, ...detail });
    }
    return claimed;
  }

  /** When the next pending delivery falls due, or null when none is pending. */
  nextDueAt(paused: readonly string[]): number | null {
    return (this.nextDue.get(JSON.stringify(paused)) as { at: number | null }).at;
  }

  /** Records an attempt and either schedules the next one (`nextAt`) or finishes the delivery. */
  recordAttempt(
    row: DeliveryRow,
    attempt: AttemptRecord,
    outcome: { next: 'retry'; at: number; delayMs: number } | { next: 'delivered' | 'failed' },
  ): void {
    this.sqlite.transaction(() => {
      this.insertAttempt.run(
        row.session_id,
        row.id,
        attempt.n,
        Math.round(attempt.startedAt),
        attempt.delayMs,
        attempt.status,
        attempt.error,
        attempt.durationMs,
        JSON.stringify(attempt.requestHeaders),
      );
      if (outcome.next === 'retry') this.reschedule.run(outcome.at, outcome.delayMs, row.session_id, row.id);
      else this.finish.run(outcome.next, Date.now(), row.session_id, row.id);
    })();
  }

  /** Puts a claimed delivery back, unattempted (its worker was stopped mid-flight). False if the row is gone (session expired). */
  release(sessionId: string, id: string): boolean {
    return this.releaseOne.run(sessionId, id).changes > 0;
  }
}
