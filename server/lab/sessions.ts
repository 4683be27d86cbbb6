import { randomUUID } from 'node:crypto';
import type { LabDatabase } from './db';

/** Writing last-seen on every request would be a write per request; once a minute is plenty. */
const TOUCH_WRITE_INTERVAL_MS = 60_000;

type ExpireListener = (sessionId: string) => void;

/**
 * When a session was last used, and when that was last written to SQLite. Updated in place on every
 * request: a map of plain numbers would allocate a heap number per request (times are not small integers).
 */
interface Activity {
  seen: number;
  written: number;
}

/**
 * Lab sessions: who a request belongs to. Kept in SQLite so they survive a
 * restart (the bank rows do too); idle ones are swept and all their state freed.
 */
export class SessionStore {
  private readonly activity = new Map<string, Activity>();
  private readonly expireListeners: ExpireListener[] = [];
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: LabDatabase,
    readonly idleMs: number,
  ) {
    const rows = db.sqlite.prepare('SELECT id, last_seen_at FROM sessions').all() as { id: string; last_seen_at: number }[];
    for (const row of rows) this.activity.set(row.id, { seen: row.last_seen_at, written: row.last_seen_at });
  }

  create(): string {
    const id = randomUUID();
    const at = Date.now();
    this.db.prepared('INSERT INTO sessions (id, created_at, last_seen_at) VALUES (?, ?, ?)').run(id, at, at);
    this.db.seed(id);
    this.activity.set(id, { seen: at, written: at });
    return id;
  }

  /** True if `id` names a live session; marks it as used. */
  touch(id: string | undefined | null): id is string {
    // No format check first: only ids this store made are in the map, so any other string is simply not found.
    if (!id) return false;
    const activity = this.activity.get(id);
    const at = Date.now();
    if (activity === undefined || at - activity.seen > this.idleMs) return false;
    activity.seen = at;
    if (at - activity.written > TOUCH_WRITE_INTERVAL_MS) {
      this.db.prepared('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(at, id);
      activity.written = at;
    }
    return true;
  }

  onExpire(listener: ExpireListener): void {
    this.expireListeners.push(listener);
  }

  /** Forgets every session idle for longer than the limit. Returns the ids expired. */
  sweep(at = Date.now()): string[] {
    const expired = [...this.activity].filter(([, { seen }]) => at - seen > this.idleMs).map(([id]) => id);
    for (const id of expired) {
      this.activity.delete(id);
      this.db.forget(id);
      for (const listener of this.expireListeners) listener(id);
    }
    return expired;
  }

  startSweeping(): void {
    const every = Math.max(1_000, Math.min(60_000, Math.floor(this.idleMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
    // Persist the latest activity so a restart doesn't expire sessions early.
    const update = this.db.prepared('UPDATE sessions SET last_seen_at = ? WHERE id = ?');
    for (const [id, { seen }] of this.activity) update.run(seen, id);
  }
}
