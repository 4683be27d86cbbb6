import { TRACE_HEADER } from '../../../lib/lab-info';
import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import type { Sse } from '../sse';
import { intParam } from '../sse/params';
import type { Replay } from '../sse/replay';
import { lastEventIdFrom } from '../sse/stream';
import {
  DEFAULT_SOURCE,
  MEAN_INTERVAL_RANGE,
  type Notification,
  NotificationSource,
  type SourceSettings,
  toNotification,
} from './source';

/** Notifications each session's source keeps for clients catching up from a cursor. */
const SOURCE_CAPACITY = 500;
/** Parked long polls one session may hold at once. */
export const MAX_PARKED_PER_SESSION = 8;
const LONG_POLL_TIMEOUT = { min: 1000, max: 60_000, fallback: 30_000, unit: 'ms' } as const;

/** What every poll answers: the new notifications and the cursor to send next time. */
interface PollAnswer {
  notifications: Notification[];
  cursor: number;
  /** Present when notifications after the cursor were already forgotten: how many. */
  missed?: number;
  timedOut?: boolean;
}

function answerFrom(replay: Extract<Replay, { kind: 'complete' | 'gap' }>, after: number): PollAnswer {
  const notifications = replay.events.map(toNotification);
  return {
    notifications,
    cursor: notifications.at(-1)?.id ?? after,
    ...(replay.kind === 'gap' ? { missed: replay.missed } : {}),
  };
}

export function createPollingHandlers(sse: Sse) {
  const sources = new Map<string, NotificationSource>();
  const parked = new Map<string, number>();

  const sourceFor = (sessionId: string) => {
    let source = sources.get(sessionId);
    if (!source) {
      source = new NotificationSource(SOURCE_CAPACITY);
      source.configure({});
      sources.set(sessionId, source);
    }
    source.touch();
    return source;
  };

  /** `after` as a cursor this source could have handed out; undefined = "from now". */
  const cursorFrom = (ctx: SessionContext, source: NotificationSource): number | undefined => {
    const raw = ctx.url.searchParams.get('after');
    if (raw === null || raw === '') return undefined;
    if (!/^\d{1,15}$/.test(raw)) {
      throw new HttpError(
        400,
        'Bad cursor',
        `"after" must be the cursor from your previous answer (a whole number like 42), got "${raw.slice(0, 40)}".`,
      );
    }
    const after = Number(raw);
    if (after > source.series.lastId) {
      throw new HttpError(
        400,
        'Cursor from the future',
        `"after=${after}" is ahead of your notifications: the newest is ${source.series.lastId}. Start over without "after".`,
        { lastId: source.series.lastId },
      );
    }
    return after;
  };

  return {
    /** GET /api/poll/notifications?after=<cursor> — short polling: answers at once, empty or not. */
    shortPoll(ctx: SessionContext): void {
      const source = sourceFor(ctx.sessionId);
      const after = cursorFrom(ctx, source) ?? source.series.lastId;
      const replay = source.series.since(after);
      if (replay.kind === 'future') throw new Error('unreachable: cursor checked above');
      sendJson(ctx.res, 200, answerFrom(replay, after));
    },

    /**
     * GET /api/longpoll/notifications?after=<cursor>&timeout=<ms> — long polling: answers at once
     * if something is newer than the cursor, else parks the request (no thread waits: just a
     * subscription and a timer) until a notification arrives or the timeout fires.
     */
    longPoll(ctx: SessionContext): void {
      const { req, res, sessionId, lab } = ctx;
      const timeoutMs = intParam(ctx.url, 'timeout', LONG_POLL_TIMEOUT);
      const source = sourceFor(sessionId);
      const after = cursorFrom(ctx, source) ?? source.series.lastId;
      const replay = source.series.since(after);
      if (replay.kind === 'future') throw new Error('unreachable: cursor checked above');
      if (replay.events.length > 0 || replay.kind === 'gap') {
        sendJson(res, 200, answerFrom(replay, after));
        return;
      }
      const count = parked.get(sessionId) ?? 0;
      if (count >= MAX_PARKED_PER_SESSION) {
        throw new HttpError(
          429,
          'Too many parked polls',
          `Your session already has ${count} long polls waiting, and the lab allows ${MAX_PARKED_PER_SESSION}. A client needs only one at a time.`,
          { parked: count, limit: MAX_PARKED_PER_SESSION },
          { 'retry-after': '5' },
        );
      }
      parked.set(sessionId, count + 1);
      const trace = req.headers[TRACE_HEADER];
      const stream = typeof trace === 'string' ? trace : undefined;
      req.socket.setTimeout(0);
      let dropped = false;
      const untrack = lab.connections.track(sessionId, {
        id: stream ?? `longpoll-${after}`,
        protocol: 'polling',
        drop: () => {
          dropped = true;
          req.socket.destroy();
        },
      });
      lab.record(sessionId, {
        origin: 'server',
        protocol: 'polling',
        kind: 'note',
        stream,
        summary: `long poll parked: nothing after ${after} yet; waiting up to ${timeoutMs} ms`,
        detail: { fields: { after, timeoutMs } },
      });
      const finish = (answer: PollAnswer) => {
        cleanup();
        if (!res.destroyed) sendJson(res, 200, answer);
      };
      const unsubscribe = source.series.subscribe((e) => finish({ notifications: [toNotification(e)], cursor: e.id }));
      const timer = setTimeout(() => finish({ notifications: [], cursor: after, timedOut: true }), timeoutMs);
      let cleaned = false;
      const cleanup = () => {
        if (cleaned) return;
        cleaned = true;
        unsubscribe();
        clearTimeout(timer);
        untrack();
        const left = (parked.get(sessionId) ?? 1) - 1;
        if (left > 0) parked.set(sessionId, left);
        else parked.delete(sessionId);
      };
      res.on('close', () => {
        if (cleaned) return;
        cleanup();
        lab.record(sessionId, {
          origin: 'server',
          protocol: 'polling',
          kind: 'close',
          stream,
          summary: dropped
            ? `parked long poll dropped by a fault (socket destroyed) while waiting after ${after}`
            : `parked long poll abandoned by the client while waiting after ${after}`,
          detail: { wasClean: !dropped, fields: { after } },
        });
      });
    },

    /**
     * GET /api/sse/notifications — the same notifications pushed as an event stream;
     * the event id is the cursor, so Last-Event-ID resumes exactly like `after=`.
     */
    stream(ctx: SessionContext): void {
      const source = sourceFor(ctx.sessionId);
      const lastEventId = lastEventIdFrom(ctx);
      const replay = source.series.since(lastEventId ?? source.series.lastId);
      if (replay.kind === 'future') {
        throw new HttpError(
          400,
          'Last-Event-ID from the future',
          `Last-Event-ID ${lastEventId} is ahead of your notifications (newest: ${replay.lastId}).`,
        );
      }
      const stream = sse.hub.open(ctx, { name: 'notifications', retryMs: 1000 });
      if (lastEventId !== undefined) {
        if (replay.kind === 'gap')
          stream.send({ event: 'gap', data: JSON.stringify({ missed: replay.missed }) }, `gap: ${replay.missed} lost`);
        for (const e of replay.events) stream.send({ id: e.id, event: 'notification', data: e.data }, `replayed id ${e.id}`);
      }
      const unsubscribe = source.series.subscribe((e) => {
        source.touch();
        stream.send({ id: e.id, event: 'notification', data: e.data }, `id ${e.id} notification`);
      });
      stream.onClose(unsubscribe);
    },

    /** GET /api/poll/source — the source's settings and newest cursor. */
    getSource(ctx: SessionContext): void {
      sendJson(ctx.res, 200, sourceFor(ctx.sessionId).state);
    },

    /** POST /api/poll/source {"running":true,"meanIntervalMs":2000,"seed":42} — steer the source. */
    setSource(ctx: SessionContext): void {
      const change = parseSettings(parseJson(ctx.req.headers['content-type'], ctx.body));
      const source = sourceFor(ctx.sessionId);
      source.configure(change);
      sendJson(ctx.res, 200, source.state);
    },

    /** POST /api/poll/notifications {"text":"…"} — one notification, now. */
    emit(ctx: SessionContext): void {
      const body = ctx.body.length === 0 ? {} : parseJson(ctx.req.headers['content-type'], ctx.body);
      const text = typeof body === 'object' && body !== null ? (body as { text?: unknown }).text : undefined;
      if (text !== undefined && (typeof text !== 'string' || text.length === 0 || text.length > 200)) {
        throw new HttpError(
          400,
          'Bad notification',
          '"text" must be text of 1 to 200 characters (or leave it out for a random one).',
        );
      }
      sendJson(ctx.res, 201, sourceFor(ctx.sessionId).emit(text));
    },

    forget(sessionId: string): void {
      sources.get(sessionId)?.stop();
      sources.delete(sessionId);
    },

    close(): void {
      for (const source of sources.values()) source.stop();
      sources.clear();
    },
  };
}

function parseSettings(body: unknown): Partial<SourceSettings> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Bad settings', 'Send a JSON object like {"running":true,"meanIntervalMs":2000,"seed":42}.');
  }
  const { running, meanIntervalMs, seed, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new HttpError(400, 'Bad settings', `Unknown setting "${unknown[0]}": use running, meanIntervalMs and seed.`);
  const change: Partial<SourceSettings> = {};
  if (running !== undefined) {
    if (typeof running !== 'boolean') throw new HttpError(400, 'Bad settings', '"running" must be true or false.');
    change.running = running;
  }
  if (meanIntervalMs !== undefined) {
    const { min, max } = MEAN_INTERVAL_RANGE;
    if (typeof meanIntervalMs !== 'number' || !Number.isInteger(meanIntervalMs) || meanIntervalMs < min || meanIntervalMs > max) {
      throw new HttpError(
        400,
        'Bad settings',
        `"meanIntervalMs" must be a whole number of milliseconds from ${min} to ${max} (default ${DEFAULT_SOURCE.meanIntervalMs}).`,
      );
    }
    change.meanIntervalMs = meanIntervalMs;
  }
  if (seed !== undefined) {
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new HttpError(400, 'Bad settings', '"seed" must be a whole number from 0 to 4294967295.');
    }
    change.seed = seed;
  }
  return change;
}
