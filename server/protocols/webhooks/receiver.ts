import { now } from '../../../lib/clock';
import { TRACE_HEADER } from '../../../lib/lab-info';
import { previewBody } from '../../../lib/timeline';
import { HttpError, sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import { terminalClient } from '../../http/session';
import type { Lab } from '../../lab';
import type { BankEvent } from './bank';
import { laneOf, recordWebhook } from './record';
import type { WebhookTiming } from './schedule';
import { verify } from './signature';

/**
 * "Your app": lab-hosted receivers whose behaviour the student sets.
 *
 * - `ok`: verify (if on), process, answer 200.
 * - `fail`: answer 500 (a crash, a bad deploy).
 * - `hang`: never answer; the bank's timeout ends the attempt.
 * - `down`: nothing listens; the bank's connection is refused (see worker.ts).
 * - `slow`: process, then stall longer than the bank's timeout on every delivery.
 * - `slow-once`: the same for the next delivery only, then back to `ok`.
 * - `queue`: store the raw event, answer 200 at once, process it in the background.
 *
 * Processing credits the account in the session's bank (transaction.created),
 * tracks each transaction's status (created → pending, settled → settled) and
 * freezes cards, all through `lab.sessionDb`, so the SQL is on the timeline.
 */

export const MODES = ['ok', 'fail', 'hang', 'down', 'slow', 'slow-once', 'queue'] as const;
export type Mode = (typeof MODES)[number];
export const ORDERINGS = ['naive', 'sequence'] as const;
export type Ordering = (typeof ORDERINGS)[number];

export interface ReceiverSettings {
  mode: Mode;
  /** Check webhook-signature (and the timestamp tolerance) before trusting the body. */
  verify: boolean;
  /** Remember processed event ids and skip repeats. */
  dedupe: boolean;
  /** naive: last delivery wins; sequence: ignore an update older than what is stored. */
  ordering: Ordering;
  /** Verify with a secret other than the bank's (a misconfigured app). */
  wrongSecret: boolean;
}

export const DEFAULT_SETTINGS: ReceiverSettings = {
  mode: 'ok',
  verify: true,
  dedupe: false,
  ordering: 'naive',
  wrongSecret: false,
};
const WRONG_SECRET = `whsec_${Buffer.from('not the secret the bank signs with').toString('base64')}`;
/** Deliveries are small JSON documents; refuse anything bigger before verifying it. */
export const MAX_DELIVERY_BYTES = 64 * 1024;

interface SettingsRow {
  mode: Mode;
  verify: number;
  dedupe: number;
  ordering: Ordering;
  wrong_secret: number;
}

export interface ReceiverState {
  name: string;
  settings: ReceiverSettings;
  /** Balance of every account in the session's bank, in cents. */
  balances: Record<string, number>;
  transactions: { id: string; status: string; sequence: number }[];
  processed: number;
  queued: number;
}

export class Receivers {
  /** Sleeps and background jobs, so close() can cut them short. */
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: (finished: boolean) => void }>();

  constructor(
    private readonly lab: Lab,
    private readonly timing: WebhookTiming,
    private readonly secretOf: (sessionId: string) => string,
  ) {}

  settings(sessionId: string, name: string): ReceiverSettings | undefined {
    const row = this.lab.db.sqlite
      .prepare('SELECT mode, verify, dedupe, ordering, wrong_secret FROM webhook_receivers WHERE session_id = ? AND name = ?')
      .get(sessionId, name) as SettingsRow | undefined;
    if (!row) return undefined;
    return {
      mode: row.mode,
      verify: row.verify === 1,
      dedupe: row.dedupe === 1,
      ordering: row.ordering,
      wrongSecret: row.wrong_secret === 1,
    };
  }

  /** The session's receivers (registered, or set up with a PUT), by name. */
  names(sessionId: string): string[] {
    return (
      this.lab.db.sqlite.prepare('SELECT name FROM webhook_receivers WHERE session_id = ? ORDER BY name').all(sessionId) as {
        name: string;
      }[]
    ).map((row) => row.name);
  }

  configure(sessionId: string, name: string, changes: Partial<ReceiverSettings>): ReceiverSettings {
    const next = { ...DEFAULT_SETTINGS, ...this.settings(sessionId, name), ...changes };
    this.lab.db.sqlite
      .prepare(
        `INSERT INTO webhook_receivers (session_id, name, mode, verify, dedupe, ordering, wrong_secret) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id, name) DO UPDATE SET mode = excluded.mode, verify = excluded.verify, dedupe = excluded.dedupe,
           ordering = excluded.ordering, wrong_secret = excluded.wrong_secret`,
      )
      .run(sessionId, name, next.mode, Number(next.verify), Number(next.dedupe), next.ordering, Number(next.wrongSecret));
    return next;
  }

  isDown(sessionId: string, name: string): boolean {
    return this.settings(sessionId, name)?.mode === 'down';
  }

  /** What the widget shows: read directly, not as the app, so refreshing it doesn't fill the timeline. */
  state(sessionId: string, name: string): ReceiverState | undefined {
    const settings = this.settings(sessionId, name);
    if (!settings) return undefined;
    const sqlite = this.lab.db.sqlite;
    const accounts = sqlite.prepare('SELECT id, balance_cents FROM accounts WHERE session_id = ? ORDER BY id').all(sessionId) as {
      id: string;
      balance_cents: number;
    }[];
    const count = (sql: string) => (sqlite.prepare(sql).get(sessionId, name) as { n: number }).n;
    return {
      name,
      settings,
      balances: Object.fromEntries(accounts.map((a) => [a.id, a.balance_cents])),
      transactions: sqlite
        .prepare(
          'SELECT id, status, sequence FROM webhook_app_transactions WHERE session_id = ? AND receiver = ? ORDER BY rowid DESC LIMIT 10',
        )
        .all(sessionId, name) as ReceiverState['transactions'],
      processed: count('SELECT COUNT(*) AS n FROM webhook_processed WHERE session_id = ? AND receiver = ?'),
      queued: count('SELECT COUNT(*) AS n FROM webhook_inbox WHERE session_id = ? AND receiver = ? AND processed_at IS NULL'),
    };
  }

  /** POST /api/webhooks/receivers/:name — a delivery arrives at "your app". */
  async receive(ctx: SessionContext): Promise<void> {
    const { sessionId, req, res, body } = ctx;
    const name = ctx.params.name ?? '';
    const settings = this.settings(sessionId, name);
    if (!settings) {
      throw new HttpError(
        404,
        'No such receiver',
        `Your sandbox has no receiver "${name}". Register it first: POST /api/webhooks/endpoints {"url": "/api/webhooks/receivers/${name}"}.`,
      );
    }
    const trace = req.headers[TRACE_HEADER];
    const traceId = typeof trace === 'string' ? trace : undefined;
    // The bank tags its attempts with "<delivery>/<n>": the receiver's events join that delivery's lane.
    const conn = traceId?.startsWith('dlv_') ? laneOf(traceId.split('/')[0] ?? '') : undefined;
    const from = conn ? 'the bank' : (terminalClient(req) ?? 'the browser');
    const startedAt = now();
    const note = (kind: 'note' | 'error', summary: string, fields: Record<string, string | number | boolean> = {}) =>
      recordWebhook(this.lab, sessionId, 'receiver', {
        kind,
        conn,
        stream: traceId,
        summary,
        detail: { fields: { receiver: name, ...fields } },
      });
    recordWebhook(this.lab, sessionId, 'receiver', {
      kind: 'request',
      dir: 'in',
      conn,
      stream: traceId,
      bytes: body.length,
      summary: `${name} got POST from ${from} (${req.headers['webhook-id'] ?? 'no webhook-id'})`,
      detail: {
        method: 'POST',
        url: ctx.url.pathname,
        headers: pick(req.headers, ['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'user-agent']),
        ...previewBody(body.toString('utf8')),
        fields: { receiver: name, from, mode: settings.mode },
      },
    });
    const respond = (status: number, answer: Record<string, unknown>) => {
      if (res.writableEnded || res.destroyed) {
        note('note', `${name} finished, but ${from} had already hung up: the answer goes nowhere`);
        return;
      }
      sendJson(res, status, answer);
      recordWebhook(this.lab, sessionId, 'receiver', {
        kind: 'response',
        dir: 'out',
        conn,
        stream: traceId,
        summary: `${name} answered ${status} in ${(now() - startedAt).toFixed(1)} ms`,
        detail: { status, durationMs: now() - startedAt, ...previewBody(JSON.stringify(answer)), fields: { receiver: name } },
      });
    };

    if (settings.mode === 'fail') {
      respond(500, { error: 'your app crashed (receiver mode "fail")' });
      return;
    }
    if (settings.mode === 'hang') {
      note('note', `${name} is hanging: it will never answer (mode "hang")`);
      await new Promise<void>((resolve) => res.once('close', resolve));
      note('note', `${from} gave up waiting and closed the connection`);
      return;
    }
    if (body.length > MAX_DELIVERY_BYTES) {
      respond(413, { error: `deliveries are limited to ${MAX_DELIVERY_BYTES} bytes` });
      return;
    }
    if (settings.verify) {
      const verdict = verify(
        settings.wrongSecret ? WRONG_SECRET : this.secretOf(sessionId),
        req.headers,
        body,
        this.timing.toleranceMs,
      );
      if (!verdict.ok) {
        note('error', `signature rejected: ${verdict.detail}`, { verified: false, reason: verdict.reason });
        respond(400, { error: 'signature rejected', reason: verdict.reason, detail: verdict.detail });
        return;
      }
      note(
        'note',
        `signature verified (HMAC-SHA256 over id.timestamp.body, timestamp within ${this.timing.toleranceMs / 1000} s)`,
        {
          verified: true,
        },
      );
    } else {
      note('note', 'signature NOT checked (verification is off): anyone could have sent this', { verified: false });
    }
    const event = parseEvent(body);
    if (!event) {
      respond(400, { error: 'the body is not a webhook event (expected JSON with id, type and data)' });
      return;
    }

    if (settings.mode === 'queue') {
      this.lab
        .sessionDb(sessionId)
        .run(
          'INSERT INTO webhook_inbox (session_id, receiver, event_id, payload, received_at) VALUES (:session, ?, ?, ?, ?)',
          name,
          event.id,
          body.toString('utf8'),
          Date.now(),
        );
      note('note', `queued ${event.id} in the inbox; processing it in the background`, { event: event.id, queued: true });
      respond(200, { queued: event.id });
      void this.drainLater(sessionId, name, event, conn);
      return;
    }

    const outcome = this.process(sessionId, name, settings, event, conn);
    if ((settings.mode === 'slow' || settings.mode === 'slow-once') && outcome !== 'duplicate') {
      const once = settings.mode === 'slow-once';
      if (once) this.configure(sessionId, name, { mode: 'ok' });
      note(
        'note',
        `${name} processed ${event.id}, then stalls on slow work for ${this.timing.processingMs} ms (mode "${settings.mode}"${once ? ', back to "ok" from the next delivery' : ''})`,
        // The mode the app switched itself to: a page showing the settings takes it from here.
        once ? { modeNow: 'ok' } : {},
      );
      if (!(await this.sleep(this.timing.processingMs))) return;
    }
    respond(200, { received: event.id, outcome });
  }

  /**
   * Applies one event to the app's state, in one transaction: the dedupe
   * record and the effect commit together or not at all.
   */
  process(
    sessionId: string,
    name: string,
    settings: ReceiverSettings,
    event: BankEvent,
    conn?: string,
  ): 'applied' | 'duplicate' | 'stale' {
    const db = this.lab.sessionDb(sessionId);
    const account = String(event.data.accountId ?? '123');
    // The balance after this step rides along on the note, so the widget can show it without asking.
    const balance = () =>
      (
        this.lab.db.sqlite
          .prepare('SELECT balance_cents AS b FROM accounts WHERE session_id = ? AND id = ?')
          .get(sessionId, account) as { b: number } | undefined
      )?.b ?? 0;
    const note = (summary: string, fields: Record<string, string | number | boolean>) =>
      recordWebhook(this.lab, sessionId, 'receiver', {
        kind: 'note',
        conn,
        summary,
        detail: { fields: { receiver: name, event: event.id, account, balanceCents: balance(), ...fields } },
      });
    return this.lab.db.sqlite.transaction(() => {
      // Every processed id is written down; only a deduping app looks before it acts.
      const fresh = db.run(
        'INSERT OR IGNORE INTO webhook_processed (session_id, receiver, event_id, processed_at) VALUES (:session, ?, ?, ?)',
        name,
        event.id,
        Date.now(),
      ).changes;
      if (settings.dedupe && fresh === 0) {
        note(`dedupe hit: ${event.id} was already processed; answering 200 without doing it again`, { dedupe: 'hit' });
        return 'duplicate' as const;
      }
      const data = event.data;
      if (event.type === 'transaction.created') {
        db.run(
          'UPDATE accounts SET balance_cents = balance_cents + ? WHERE session_id = :session AND id = ?',
          Number(data.amountCents),
          String(data.accountId),
        );
      }
      if (event.type === 'card.frozen') {
        db.run(`UPDATE cards SET status = 'frozen' WHERE session_id = :session AND id = ?`, String(data.cardId));
        note(`processed ${event.type}`, { applied: true });
        return 'applied' as const;
      }
      const upsert =
        'INSERT INTO webhook_app_transactions (session_id, receiver, id, status, sequence) VALUES (:session, ?, ?, ?, ?) ' +
        'ON CONFLICT (session_id, receiver, id) DO UPDATE SET status = excluded.status, sequence = excluded.sequence' +
        (settings.ordering === 'sequence' ? ' WHERE excluded.sequence > webhook_app_transactions.sequence' : '');
      const changed = db.run(upsert, name, String(data.transactionId), String(data.status), event.sequence).changes;
      if (changed === 0) {
        note(`stale update ignored: ${event.type} (sequence ${event.sequence}) is older than what ${name} already has`, {
          stale: true,
          transaction: String(data.transactionId),
        });
        return 'stale' as const;
      }
      note(`processed ${event.type} (sequence ${event.sequence}): ${data.transactionId} is now ${data.status}`, {
        applied: true,
        transaction: String(data.transactionId),
        status: String(data.status),
      });
      return 'applied' as const;
    })();
  }

  /** queue-then-200: the background half. The inbox row is the durable record; it is marked once processed. */
  private async drainLater(sessionId: string, name: string, event: BankEvent, conn?: string): Promise<void> {
    if (!(await this.sleep(this.timing.processingMs))) return;
    const settings = this.settings(sessionId, name);
    if (!settings) return;
    recordWebhook(this.lab, sessionId, 'receiver', {
      kind: 'note',
      conn,
      summary: `background worker picked ${event.id} from the inbox`,
      detail: { fields: { receiver: name, event: event.id, queued: false } },
    });
    this.process(sessionId, name, settings, event, conn);
    this.lab
      .sessionDb(sessionId)
      .run(
        'UPDATE webhook_inbox SET processed_at = ? WHERE session_id = :session AND receiver = ? AND event_id = ? AND processed_at IS NULL',
        Date.now(),
        name,
        event.id,
      );
  }

  /** Picks up inbox rows a previous process queued but never processed. */
  resumeInbox(): void {
    const rows = this.lab.db.sqlite
      .prepare('SELECT session_id, receiver, payload FROM webhook_inbox WHERE processed_at IS NULL')
      .all() as { session_id: string; receiver: string; payload: string }[];
    for (const row of rows) {
      const event = parseEvent(Buffer.from(row.payload));
      if (event) void this.drainLater(row.session_id, row.receiver, event);
    }
  }

  /** Resolves true after `ms`, or false if the lab shuts down first. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  close(): void {
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.resolve(false);
    }
    this.timers.clear();
  }
}

function parseEvent(body: Buffer): BankEvent | undefined {
  try {
    const event = JSON.parse(body.toString('utf8')) as BankEvent;
    if (typeof event?.id !== 'string' || typeof event.type !== 'string' || typeof event.data !== 'object' || !event.data)
      return undefined;
    if (typeof event.sequence !== 'number') return undefined;
    return event;
  } catch {
    return undefined;
  }
}

function pick(headers: Record<string, string | string[] | undefined>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
