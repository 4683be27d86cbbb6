import { randomBytes } from 'node:crypto';
import type { Lab } from '../../lab';
import { laneOf, recordWebhook } from './record';

/**
 * "The bank": the sender. Per session it keeps a signing secret, the
 * endpoints registered with it and the events it emitted. Emitting an event
 * commits it and one outbox row per endpoint in a single transaction, through
 * the session's recorded database handle, so the timeline shows the commit
 * before any attempt: if the process dies a moment later, nothing is lost.
 */

export const EVENT_TYPES = ['transaction.created', 'transaction.settled', 'card.frozen'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EmitInput {
  type: EventType;
  accountId: string;
  amountCents: number;
  transactionId?: string;
  /** Hold the first attempt back this long (simulates a slow network path, for reordering). */
  delayMs: number;
}

export interface BankEvent {
  id: string;
  type: EventType;
  timestamp: string;
  sequence: number;
  data: Record<string, string | number>;
}

export interface EndpointRow {
  id: string;
  receiver: string;
  url: string;
  created_at: number;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(8).toString('hex')}`;

export class Bank {
  /** Sessions whose bank emits a transaction on its own every `autoEveryMs` (in memory: a restart switches it off). */
  private readonly auto = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly lab: Lab,
    /** Tells the worker there is something new in the outbox. */
    private readonly wake: () => void,
    private readonly autoEveryMs: number,
  ) {}

  /** Switches the session's scheduled events on or off: a small transaction.created every `autoEveryMs`. */
  setAuto(sessionId: string, on: boolean): void {
    clearInterval(this.auto.get(sessionId));
    this.auto.delete(sessionId);
    if (!on) return;
    const timer = setInterval(() => {
      this.emit(sessionId, { type: 'transaction.created', accountId: '123', amountCents: 100, delayMs: 0 });
    }, this.autoEveryMs);
    timer.unref();
    this.auto.set(sessionId, timer);
  }

  isAuto(sessionId: string): boolean {
    return this.auto.has(sessionId);
  }

  /** Stops every schedule (lab shutdown), or one session's (expiry). */
  stopAuto(sessionId?: string): void {
    for (const [id, timer] of this.auto) {
      if (sessionId !== undefined && id !== sessionId) continue;
      clearInterval(timer);
      this.auto.delete(id);
    }
  }

  /** The session's signing secret (`whsec_` + base64 of 24 random bytes), created on first use. */
  secret(sessionId: string): string {
    const sqlite = this.lab.db.sqlite;
    sqlite
      .prepare('INSERT OR IGNORE INTO webhook_senders (session_id, secret) VALUES (?, ?)')
      .run(sessionId, `whsec_${randomBytes(24).toString('base64')}`);
    return (sqlite.prepare('SELECT secret FROM webhook_senders WHERE session_id = ?').get(sessionId) as { secret: string })
      .secret;
  }

  endpoints(sessionId: string): EndpointRow[] {
    return this.lab.db.sqlite
      .prepare('SELECT id, receiver, url, created_at FROM webhook_endpoints WHERE session_id = ? ORDER BY created_at')
      .all(sessionId) as EndpointRow[];
  }

  /** Registers a (checked) receiver; registering the same one again returns the existing endpoint. */
  register(sessionId: string, receiver: string, url: string): { endpoint: EndpointRow; created: boolean } {
    this.secret(sessionId);
    const existing = this.endpoints(sessionId).find((e) => e.receiver === receiver);
    if (existing) return { endpoint: existing, created: false };
    const endpoint: EndpointRow = { id: newId('ep'), receiver, url, created_at: Date.now() };
    this.lab
      .sessionDb(sessionId)
      .run(
        'INSERT INTO webhook_endpoints (session_id, id, receiver, url, created_at) VALUES (:session, ?, ?, ?, ?)',
        endpoint.id,
        receiver,
        url,
        endpoint.created_at,
      );
    return { endpoint, created: true };
  }

  /** Commits an event and its outbox rows, then wakes the worker. */
  emit(sessionId: string, input: EmitInput): { event: BankEvent; deliveries: string[] } {
    this.secret(sessionId);
    const db = this.lab.sessionDb(sessionId);
    const endpoints = this.endpoints(sessionId);
    const at = Date.now();
    let event: BankEvent | undefined;
    const deliveries: string[] = [];
    this.lab.db.sqlite.transaction(() => {
      const { last_sequence: sequence } = db.get<{ last_sequence: number }>(
        'UPDATE webhook_senders SET last_sequence = last_sequence + 1 WHERE session_id = :session RETURNING last_sequence',
      ) as { last_sequence: number };
      event = { id: newId('evt'), type: input.type, timestamp: new Date(at).toISOString(), sequence, data: eventData(input) };
      db.run(
        'INSERT INTO webhook_events (session_id, id, type, payload, created_at) VALUES (:session, ?, ?, ?, ?)',
        event.id,
        event.type,
        JSON.stringify(event),
        at,
      );
      for (const endpoint of endpoints) {
        const id = newId('dlv');
        db.run(
          `INSERT INTO webhook_deliveries (session_id, id, event_id, endpoint_id, status, next_attempt_at, last_delay_ms, created_at)
           VALUES (:session, ?, ?, ?, 'pending', ?, ?, ?)`,
          id,
          event.id,
          endpoint.id,
          at + input.delayMs,
          input.delayMs,
          at,
        );
        deliveries.push(id);
      }
    })();
    const committed = event as BankEvent;
    for (const [i, id] of deliveries.entries()) {
      recordWebhook(this.lab, sessionId, 'bank', {
        kind: 'note',
        conn: laneOf(id),
        summary: `${committed.type} ${committed.id} committed to the outbox for ${endpoints[i]?.receiver}${input.delayMs ? ` (held back ${input.delayMs} ms)` : ''}`,
        detail: { fields: { event: committed.id, delivery: id, type: committed.type, sequence: committed.sequence } },
      });
    }
    if (deliveries.length > 0) this.wake();
    return { event: committed, deliveries };
  }

  /** Puts an event's failed deliveries back in the outbox, due now, with a fresh retry schedule. */
  redeliver(sessionId: string, eventId: string): { known: boolean; redelivered: string[] } {
    const sqlite = this.lab.db.sqlite;
    const known = sqlite.prepare('SELECT 1 FROM webhook_events WHERE session_id = ? AND id = ?').get(sessionId, eventId);
    if (!known) return { known: false, redelivered: [] };
    const rows = this.lab.sessionDb(sessionId).all<{ id: string }>(
      `UPDATE webhook_deliveries SET status = 'pending', tries = 0, next_attempt_at = ?, last_delay_ms = 0, finished_at = NULL
          WHERE session_id = :session AND event_id = ? AND status = 'failed' RETURNING id`,
      Date.now(),
      eventId,
    );
    for (const { id } of rows) {
      recordWebhook(this.lab, sessionId, 'bank', {
        kind: 'note',
        conn: laneOf(id),
        summary: `manual redeliver of ${eventId}: back in the outbox, retry schedule restarted`,
        detail: { fields: { event: eventId, delivery: id } },
      });
    }
    if (rows.length > 0) this.wake();
    return { known: true, redelivered: rows.map((r) => r.id) };
  }
}

function eventData(input: EmitInput): Record<string, string | number> {
  if (input.type === 'card.frozen') return { cardId: input.accountId === '456' ? 'c-2' : 'c-1', status: 'frozen' };
  return {
    transactionId: input.transactionId ?? newId('tx'),
    accountId: input.accountId,
    amountCents: input.amountCents,
    status: input.type === 'transaction.created' ? 'pending' : 'settled',
  };
}
