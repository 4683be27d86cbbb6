import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import type { Bank, EventType } from './bank';
import { EVENT_TYPES } from './bank';
import { MODES, type Mode, ORDERINGS, type Ordering, type ReceiverSettings, type Receivers } from './receiver';
import { REAL_WORLD_SCHEDULE, type WebhookTiming } from './schedule';
import { secretKeyHex, signedContent } from './signature';
import { checkTarget, RECEIVER_NAME } from './targets';
import type { DeliveryWorker } from './worker';

/** The largest delay a student may put on an event's first attempt (the reordering experiment). */
const MAX_EVENT_DELAY_MS = 10_000;
const MAX_AMOUNT_CENTS = 1_000_000;

interface Parts {
  bank: Bank;
  receivers: Receivers;
  worker: DeliveryWorker;
  timing: WebhookTiming;
}

function objectBody(ctx: SessionContext): Record<string, unknown> {
  const body = parseJson(ctx.req.headers['content-type'], ctx.body);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Expected a JSON object', 'Send a JSON object, e.g. {"type": "transaction.created"}.');
  }
  return body as Record<string, unknown>;
}

function receiverName(ctx: SessionContext): string {
  const name = ctx.params.name ?? '';
  if (!RECEIVER_NAME.test(name)) {
    throw new HttpError(400, 'Bad receiver name', 'Receiver names are 1-40 lowercase letters, digits or dashes, e.g. my-app.');
  }
  return name;
}

interface AttemptRow {
  delivery_id: string;
  n: number;
  started_at: number;
  delay_ms: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
  request_headers: string;
}

/** The HTTP handlers of the webhooks lesson: the bank's API, the delivery log and the receivers' controls. */
export function createHandlers({ bank, receivers, worker, timing }: Parts) {
  const labOrigin = (ctx: SessionContext) => (ctx.req.headers.host ? `http://${ctx.req.headers.host}` : undefined);

  /**
   * The bank's controls as they stand, so a page can draw them after a reload: its own schedule,
   * whether this session's delivery worker runs, and which receivers exist (so nobody has to
   * guess a receiver's URL and take a 404 to find out it isn't there yet).
   */
  function bankView(sessionId: string) {
    return {
      autoEvents: bank.isAuto(sessionId),
      everyMs: timing.autoEveryMs,
      worker: worker.isPaused(sessionId) ? 'stopped' : 'running',
      receivers: receivers.names(sessionId),
    };
  }

  function latestAttempt(ctx: SessionContext) {
    const row = ctx.lab.db.sqlite
      .prepare(
        `SELECT a.delivery_id, a.n, a.request_headers, d.event_id, e.payload
           FROM webhook_attempts a
           JOIN webhook_deliveries d ON d.session_id = a.session_id AND d.id = a.delivery_id
           JOIN webhook_events e ON e.session_id = d.session_id AND e.id = d.event_id
          WHERE a.session_id = ? ORDER BY a.started_at DESC, a.n DESC LIMIT 1`,
      )
      .get(ctx.sessionId) as
      | { delivery_id: string; n: number; request_headers: string; event_id: string; payload: string }
      | undefined;
    if (!row) {
      throw new HttpError(
        404,
        'No deliveries yet',
        'The bank has not attempted any delivery in your sandbox yet: register a receiver and trigger an event.',
      );
    }
    const headers = JSON.parse(row.request_headers) as Record<string, string>;
    const id = headers['webhook-id'] ?? '';
    const timestamp = headers['webhook-timestamp'] ?? '';
    return {
      deliveryId: row.delivery_id,
      attempt: row.n,
      eventId: row.event_id,
      headers,
      body: row.payload,
      signedContent: signedContent(id, timestamp, row.payload),
    };
  }

  return {
    /** POST /api/webhooks/endpoints {"url"} — registers one of the lab's receivers, and only that. */
    registerEndpoint(ctx: SessionContext): void {
      const check = checkTarget(objectBody(ctx).url, labOrigin(ctx));
      if (!check.ok) throw new HttpError(400, check.title, check.detail, { reason: check.reason });
      if (!receivers.settings(ctx.sessionId, check.receiver)) receivers.configure(ctx.sessionId, check.receiver, {});
      const { endpoint, created } = bank.register(ctx.sessionId, check.receiver, check.path);
      sendJson(ctx.res, created ? 201 : 200, { ...endpoint, secret: bank.secret(ctx.sessionId) });
    },

    /** GET /api/webhooks/endpoints */
    listEndpoints(ctx: SessionContext): void {
      sendJson(ctx.res, 200, { endpoints: bank.endpoints(ctx.sessionId), secret: bank.secret(ctx.sessionId) });
    },

    /** POST /api/webhooks/events {"type", "accountId"?, "amountCents"?, "transactionId"?, "delayMs"?} — the bank emits an event. */
    emitEvent(ctx: SessionContext): void {
      const body = objectBody(ctx);
      const type = body.type ?? 'transaction.created';
      if (!EVENT_TYPES.includes(type as EventType)) {
        throw new HttpError(400, 'Unknown event type', `"type" must be one of ${EVENT_TYPES.join(', ')}.`);
      }
      const accountId = body.accountId ?? '123';
      if (accountId !== '123' && accountId !== '456')
        throw new HttpError(400, 'Unknown account', 'Your bank has accounts "123" and "456".');
      const amountCents = body.amountCents ?? 2_500;
      if (!Number.isInteger(amountCents) || (amountCents as number) <= 0 || (amountCents as number) > MAX_AMOUNT_CENTS) {
        throw new HttpError(400, 'Bad amount', `"amountCents" must be a whole number of cents from 1 to ${MAX_AMOUNT_CENTS}.`);
      }
      const delayMs = body.delayMs ?? 0;
      if (!Number.isInteger(delayMs) || (delayMs as number) < 0 || (delayMs as number) > MAX_EVENT_DELAY_MS) {
        throw new HttpError(
          400,
          'Bad delay',
          `"delayMs" must be a whole number of milliseconds from 0 to ${MAX_EVENT_DELAY_MS}.`,
        );
      }
      const transactionId = body.transactionId;
      if (transactionId !== undefined && (typeof transactionId !== 'string' || !/^tx_[a-z0-9_-]{1,40}$/i.test(transactionId))) {
        throw new HttpError(
          400,
          'Bad transaction id',
          '"transactionId" must look like tx_ followed by up to 40 letters, digits, - or _.',
        );
      }
      const { event, deliveries } = bank.emit(ctx.sessionId, {
        type: type as EventType,
        accountId: accountId as string,
        amountCents: amountCents as number,
        transactionId: transactionId as string | undefined,
        // Scaled like every other duration, so tests at a faster time scale reorder just the same.
        delayMs: Math.round((delayMs as number) * timing.scale),
      });
      sendJson(ctx.res, 202, {
        event,
        deliveries,
        ...(deliveries.length === 0
          ? { note: 'No endpoint is registered, so nothing will be delivered. POST /api/webhooks/endpoints first.' }
          : {}),
      });
    },

    /** POST /api/webhooks/events/:id/redeliver — manual redelivery of an event whose deliveries failed. */
    redeliver(ctx: SessionContext): void {
      const id = ctx.params.id ?? '';
      const { known, redelivered } = bank.redeliver(ctx.sessionId, id);
      if (!known)
        throw new HttpError(
          404,
          'No such event',
          `Your bank never emitted an event "${id}". GET /api/webhooks/deliveries lists them.`,
        );
      if (redelivered.length === 0) {
        throw new HttpError(
          409,
          'Nothing to redeliver',
          `Event ${id} has no failed deliveries: only failed ones can be redelivered by hand.`,
        );
      }
      sendJson(ctx.res, 202, { event: id, redelivered });
    },

    /** GET /api/webhooks/deliveries?limit= — the delivery log, newest first, with every attempt. */
    deliveries(ctx: SessionContext): void {
      const raw = Number(ctx.url.searchParams.get('limit') ?? 20);
      const limit = Number.isInteger(raw) && raw > 0 ? Math.min(raw, 200) : 20;
      const sqlite = ctx.lab.db.sqlite;
      const rows = sqlite
        .prepare(
          `SELECT d.id, d.event_id, e.type, p.receiver, d.status, d.attempts, d.next_attempt_at, d.created_at, d.finished_at
             FROM webhook_deliveries d
             JOIN webhook_events e ON e.session_id = d.session_id AND e.id = d.event_id
             JOIN webhook_endpoints p ON p.session_id = d.session_id AND p.id = d.endpoint_id
            WHERE d.session_id = ? ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?`,
        )
        .all(ctx.sessionId, limit) as {
        id: string;
        event_id: string;
        type: string;
        receiver: string;
        status: string;
        attempts: number;
        next_attempt_at: number;
        created_at: number;
        finished_at: number | null;
      }[];
      const attempts = sqlite.prepare(
        'SELECT delivery_id, n, started_at, delay_ms, status, error, duration_ms, request_headers FROM webhook_attempts WHERE session_id = ? AND delivery_id = ? ORDER BY n',
      );
      sendJson(ctx.res, 200, {
        worker: worker.isPaused(ctx.sessionId) ? 'stopped' : 'running',
        deliveries: rows.map((d) => ({
          id: d.id,
          event: d.event_id,
          type: d.type,
          receiver: d.receiver,
          status: d.status,
          nextAttemptAt: d.status === 'pending' ? new Date(d.next_attempt_at).toISOString() : null,
          createdAt: new Date(d.created_at).toISOString(),
          attempts: (attempts.all(ctx.sessionId, d.id) as AttemptRow[]).map((a) => ({
            n: a.n,
            at: new Date(a.started_at).toISOString(),
            delayMs: a.delay_ms,
            status: a.status,
            error: a.error,
            durationMs: Math.round(a.duration_ms * 10) / 10,
          })),
        })),
      });
    },

    /** GET /api/webhooks/deliveries/latest — the last attempt as sent: headers, body and the exact bytes signed. */
    latestDelivery(ctx: SessionContext): void {
      sendJson(ctx.res, 200, latestAttempt(ctx));
    },

    /** GET /api/webhooks/deliveries/latest/signed-content — `id.timestamp.body`, raw, for piping into openssl. */
    latestSignedContent(ctx: SessionContext): void {
      const text = latestAttempt(ctx).signedContent;
      ctx.res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
      });
      ctx.res.end(text);
    },

    /** GET /api/webhooks/secret[?format=hex] — the session's signing secret (hex: the HMAC key's bytes, for openssl). */
    secret(ctx: SessionContext): void {
      const secret = bank.secret(ctx.sessionId);
      const format = ctx.url.searchParams.get('format');
      if (format === 'hex') {
        const hex = secretKeyHex(secret);
        ctx.res.writeHead(200, {
          'content-type': 'text/plain; charset=utf-8',
          'content-length': hex.length,
          'cache-control': 'no-store',
        });
        ctx.res.end(hex);
        return;
      }
      if (format !== null)
        throw new HttpError(400, 'Unknown format', 'Leave "format" out for JSON, or use format=hex for the raw key in hex.');
      sendJson(ctx.res, 200, { secret, keyHex: secretKeyHex(secret) });
    },

    /** GET /api/webhooks/schedule — the class timing beside the real-world schedule it compresses. */
    schedule(ctx: SessionContext): void {
      sendJson(ctx.res, 200, {
        classScheduleMs: timing.scheduleMs,
        attemptTimeoutMs: timing.attemptTimeoutMs,
        toleranceMs: timing.toleranceMs,
        processingMs: timing.processingMs,
        jitter: timing.jitter,
        realWorld: { sender: 'Svix', schedule: REAL_WORLD_SCHEDULE, toleranceMs: 5 * 60_000 },
      });
    },

    /** GET /api/webhooks/receivers/:name — the receiver's settings and the app state it keeps. */
    receiverState(ctx: SessionContext): void {
      const name = receiverName(ctx);
      const state = receivers.state(ctx.sessionId, name);
      if (!state) throw new HttpError(404, 'No such receiver', `No receiver "${name}" yet: register it, or PUT its settings.`);
      sendJson(ctx.res, 200, state);
    },

    /** PUT /api/webhooks/receivers/:name {"mode"?, "verify"?, "dedupe"?, "ordering"?, "wrongSecret"?} — how "your app" behaves. */
    configureReceiver(ctx: SessionContext): void {
      const name = receiverName(ctx);
      const body = objectBody(ctx);
      const changes: Partial<ReceiverSettings> = {};
      for (const [key, value] of Object.entries(body)) {
        if (key === 'mode') {
          if (!MODES.includes(value as Mode))
            throw new HttpError(400, 'Unknown mode', `"mode" must be one of ${MODES.join(', ')}.`);
          changes.mode = value as Mode;
        } else if (key === 'ordering') {
          if (!ORDERINGS.includes(value as Ordering))
            throw new HttpError(400, 'Unknown ordering', `"ordering" must be one of ${ORDERINGS.join(', ')}.`);
          changes.ordering = value as Ordering;
        } else if (key === 'verify' || key === 'dedupe' || key === 'wrongSecret') {
          if (typeof value !== 'boolean') throw new HttpError(400, 'Expected true or false', `"${key}" must be true or false.`);
          changes[key] = value;
        } else {
          throw new HttpError(
            400,
            'Unknown setting',
            `"${key}" is not a receiver setting: use mode, verify, dedupe, ordering or wrongSecret.`,
          );
        }
      }
      receivers.configure(ctx.sessionId, name, changes);
      sendJson(ctx.res, 200, receivers.state(ctx.sessionId, name));
    },

    /** GET /api/webhooks/bank — whether the bank emits events on its own schedule (and its other controls: bankView). */
    bankState(ctx: SessionContext): void {
      sendJson(ctx.res, 200, bankView(ctx.sessionId));
    },

    /** PUT /api/webhooks/bank {"autoEvents": true | false} — a €1.00 transaction.created every 10 s, or not. */
    configureBank(ctx: SessionContext): void {
      const body = objectBody(ctx);
      const unknown = Object.keys(body).filter((key) => key !== 'autoEvents');
      if (typeof body.autoEvents !== 'boolean' || unknown.length > 0) {
        throw new HttpError(400, 'Expected autoEvents', 'Send {"autoEvents": true} or {"autoEvents": false}.');
      }
      bank.setAuto(ctx.sessionId, body.autoEvents);
      sendJson(ctx.res, 200, bankView(ctx.sessionId));
    },

    /** POST /api/webhooks/worker {"action": "stop" | "start"} — stops or starts delivery for this session only. */
    async worker(ctx: SessionContext): Promise<void> {
      const action = objectBody(ctx).action;
      if (action === 'stop') {
        const interrupted = await worker.pause(ctx.sessionId);
        sendJson(ctx.res, 200, { worker: 'stopped', interrupted });
      } else if (action === 'start') {
        worker.resume(ctx.sessionId);
        sendJson(ctx.res, 200, { worker: 'running' });
      } else {
        throw new HttpError(400, 'Unknown action', '"action" must be "stop" or "start".');
      }
    },
  };
}
