import { now } from '../../../lib/clock';
import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import { intParam } from './params';
import { EventSeries, type Replay, type SeriesEvent } from './replay';
import { lastEventIdFrom, type SseStream, type StreamHub } from './stream';
import { Ticker } from './ticker';

/** The channels the multiplexed feed carries, each as its own SSE event type. */
export const FEED_CHANNELS = ['balance', 'transactions', 'alerts'] as const;
type FeedChannel = (typeof FEED_CHANNELS)[number];

/** Payments at or above this many euros raise an alert on the feed. */
const LARGE_PAYMENT_EUR = 500;
const MAX_PAYMENT_EUR = 1_000_000;
/** The firehose stops growing the buffer here (no bound set) and ends the stream: the lab protects itself. */
const FIREHOSE_HARD_LIMIT_BYTES = 32 * 1024 * 1024;
const FIREHOSE_MAX_MS = 120_000;
/** How often the firehose reports its buffer on the timeline. */
const FIREHOSE_REPORT_MS = 250;

/**
 * Replays what a resuming client missed (only the events it subscribes to),
 * saying so with a `gap` event when the buffer no longer holds them all.
 */
function replayInto(
  stream: SseStream,
  lastEventId: number | undefined,
  replay: Replay,
  label: (e: SeriesEvent) => string,
  wanted: (e: SeriesEvent) => boolean = () => true,
) {
  if (lastEventId === undefined || replay.kind === 'future') return;
  const events = replay.events.filter(wanted);
  const missed = replay.kind === 'gap' ? replay.missed : 0;
  stream.record({
    kind: 'reconnected',
    summary:
      replay.kind === 'gap'
        ? `resume after id ${lastEventId}: ids ${replay.from}–${replay.to} are gone from the buffer; replaying the ${events.length} still held`
        : `resume after id ${lastEventId}: replaying ${events.length} missed event${events.length === 1 ? '' : 's'}`,
    fields: { lastEventId, replayed: events.length, missed },
  });
  if (replay.kind === 'gap') {
    const data = JSON.stringify({ lastEventId, missedFrom: replay.from, missedTo: replay.to, missed });
    stream.send({ event: 'gap', data }, `gap: ${missed} events lost`);
  }
  for (const e of events) stream.send({ id: e.id, event: e.event, data: e.data }, `replayed ${label(e)}`);
}

function futureIdError(lastEventId: number, lastId: number): HttpError {
  return new HttpError(
    400,
    'Last-Event-ID from the future',
    `Last-Event-ID ${lastEventId} is ahead of this stream: the newest event it has sent is ${lastId}. ` +
      'Reconnect without Last-Event-ID to start from now (the server may have restarted since you saw that id).',
    { lastId },
  );
}

export function createSseHandlers(hub: StreamHub) {
  const { config } = hub;
  const tickers = new Map<string, Ticker>();
  const feeds = new Map<string, EventSeries>();

  const tickerFor = (sessionId: string) => {
    let ticker = tickers.get(sessionId);
    if (!ticker) {
      ticker = new Ticker(config.tickMs, config.tickerLingerMs, config.replaySize);
      tickers.set(sessionId, ticker);
    }
    return ticker;
  };
  const feedFor = (sessionId: string) => {
    let feed = feeds.get(sessionId);
    if (!feed) {
      feed = new EventSeries(config.replaySize);
      feeds.set(sessionId, feed);
    }
    return feed;
  };

  return {
    /** GET /api/sse/ticks?retry=<ms>&conn=<id> — numbered ticks with Last-Event-ID resume. */
    ticks(ctx: SessionContext): void {
      const retryMs = intParam(ctx.url, 'retry', { min: 100, max: 60_000, fallback: 1000, unit: 'ms' });
      const lastEventId = lastEventIdFrom(ctx);
      const ticker = tickerFor(ctx.sessionId);
      const replay = ticker.series.since(lastEventId ?? ticker.series.lastId);
      if (replay.kind === 'future') throw futureIdError(lastEventId ?? 0, replay.lastId);
      const stream = hub.open(ctx, { name: 'ticks', retryMs, fields: { retryMs, tickMs: config.tickMs } });
      replayInto(stream, lastEventId, replay, (e) => `id ${e.id} tick`);
      const unsubscribe = ticker.series.subscribe((e) =>
        stream.send({ id: e.id, event: e.event, data: e.data }, `id ${e.id} tick`),
      );
      ticker.attach();
      stream.onClose(() => {
        unsubscribe();
        ticker.detach();
      });
    },

    /** GET /api/sse/feed?channels=balance,alerts — several logical channels over one connection, as event types. */
    feed(ctx: SessionContext): void {
      const channels = parseChannels(ctx.url);
      const lastEventId = lastEventIdFrom(ctx);
      const feed = feedFor(ctx.sessionId);
      const replay = feed.since(lastEventId ?? feed.lastId);
      if (replay.kind === 'future') throw futureIdError(lastEventId ?? 0, replay.lastId);
      const stream = hub.open(ctx, { name: 'feed', fields: { channels: channels.join(',') } });
      const wanted = (e: SeriesEvent) => channels.includes(e.event as FeedChannel);
      if (lastEventId === undefined && channels.includes('balance')) {
        // A fresh subscriber first gets the current balances (no id: a snapshot, not part of the replayable series).
        const db = ctx.lab.sessionDb(ctx.sessionId);
        for (const account of db.all<BalanceRow>(
          'SELECT id, balance_cents, currency FROM accounts WHERE session_id = :session ORDER BY id',
        )) {
          stream.send(
            { event: 'balance', data: JSON.stringify(balanceData(account, 'snapshot')) },
            `balance snapshot ${account.id}`,
          );
        }
      }
      replayInto(stream, lastEventId, replay, (e) => `id ${e.id} ${e.event}`, wanted);
      const unsubscribe = feed.subscribe((e) => {
        if (wanted(e)) stream.send({ id: e.id, event: e.event, data: e.data }, `id ${e.id} ${e.event}`);
      });
      stream.onClose(unsubscribe);
    },

    /**
     * POST /api/sse/payments {"account":"123","amount":12.5,"description":"…"} — the client's
     * only way to talk back: a plain request. The answer just acknowledges; the result
     * (new balance, the transaction, maybe an alert) arrives on the feed.
     */
    pay(ctx: SessionContext): void {
      const body = parseJson(ctx.req.headers['content-type'], ctx.body);
      const payment = parsePayment(body);
      const db = ctx.lab.sessionDb(ctx.sessionId);
      const account = db.get<BalanceRow>(
        'SELECT id, balance_cents, currency FROM accounts WHERE session_id = :session AND id = ?',
        payment.account,
      );
      if (!account) throw new HttpError(404, 'No such account', `Your bank has no account "${payment.account}". Try 123 or 456.`);
      const cents = Math.round(payment.amount * 100);
      const id = `p-${Math.random().toString(36).slice(2, 10)}`;
      const createdAt = new Date().toISOString();
      db.run(
        'INSERT INTO transactions (session_id, id, account_id, merchant_id, amount_cents, description, created_at) VALUES (:session, ?, ?, NULL, ?, ?, ?)',
        id,
        account.id,
        -cents,
        payment.description,
        createdAt,
      );
      db.run('UPDATE accounts SET balance_cents = balance_cents - ? WHERE session_id = :session AND id = ?', cents, account.id);
      const balanceCents = account.balance_cents - cents;
      const feed = feedFor(ctx.sessionId);
      const published = [
        feed.publish(
          'transactions',
          JSON.stringify({ id, account: account.id, amount: -cents / 100, description: payment.description, createdAt }),
        ),
        feed.publish('balance', JSON.stringify(balanceData({ ...account, balance_cents: balanceCents }, 'payment'))),
      ];
      if (payment.amount >= LARGE_PAYMENT_EUR) {
        published.push(
          feed.publish(
            'alerts',
            JSON.stringify({
              level: 'warning',
              account: account.id,
              message: `Large payment: €${payment.amount.toFixed(2)} (${payment.description})`,
            }),
          ),
        );
      }
      if (balanceCents < 0) {
        published.push(
          feed.publish(
            'alerts',
            JSON.stringify({
              level: 'danger',
              account: account.id,
              message: `Account ${account.id} is overdrawn: €${(balanceCents / 100).toFixed(2)}`,
            }),
          ),
        );
      }
      sendJson(ctx.res, 202, {
        accepted: true,
        transaction: id,
        eventIds: published.map((e) => e.id),
        note: 'The result arrives on GET /api/sse/feed.',
      });
    },

    /** GET /api/sse/status — the session's open streams as the server sees them (a plain request). */
    status(ctx: SessionContext): void {
      const streams = hub
        .streams(ctx.sessionId)
        .map((s) => ({ conn: s.connId, name: s.name, events: s.eventsWritten, bytes: s.bytesWritten, buffered: s.buffered }));
      sendJson(ctx.res, 200, { openStreams: streams.length, limit: config.maxStreamsPerSession, streams });
    },

    /**
     * GET /api/sse/firehose?size=<bytes>&rate=<events/s>&bound=<bytes> — produces faster than a
     * slow client reads. Reports the bytes Node holds for this socket; with a bound, drops
     * (and counts) events instead of buffering past it.
     */
    firehose(ctx: SessionContext): void {
      const size = intParam(ctx.url, 'size', { min: 256, max: 65_536, fallback: 16_384, unit: 'bytes' });
      const rate = intParam(ctx.url, 'rate', { min: 1, max: 1000, fallback: 200, unit: 'events per second' });
      const bound = intParam(ctx.url, 'bound', {
        min: 0,
        max: FIREHOSE_HARD_LIMIT_BYTES,
        fallback: 0,
        unit: 'bytes (0 = no bound)',
      });
      const stream = hub.open(ctx, { name: 'firehose', recordChunks: false, fields: { size, rate, bound } });
      const started = now();
      const pad = 'x'.repeat(size);
      let n = 0;
      let dropped = 0;
      let owed = 0;
      let peak = 0;
      let last = started;
      const report = (why: string) =>
        stream.note(`${why}: ${stream.buffered} bytes buffered, ${n - dropped} written, ${dropped} dropped`, {
          buffered: stream.buffered,
          peak,
          written: n - dropped,
          dropped,
          bound,
          needDrain: stream.needsDrain,
        });
      const produce = setInterval(() => {
        const t = now();
        owed += ((t - last) * rate) / 1000;
        last = t;
        for (; owed >= 1; owed -= 1) {
          n += 1;
          const event = {
            id: n,
            event: 'fill',
            data: JSON.stringify({ n, at: Math.round(t), pad: pad.slice(0, Math.max(0, size - 40)) }),
          };
          if (bound > 0 && stream.buffered >= bound) dropped += 1;
          else stream.sendNow(event, `fill ${n}`);
        }
        peak = Math.max(peak, stream.buffered);
        if (stream.buffered >= FIREHOSE_HARD_LIMIT_BYTES || t - started > FIREHOSE_MAX_MS) {
          report(stream.buffered >= FIREHOSE_HARD_LIMIT_BYTES ? "gave up at the lab's 32 MiB limit" : 'time is up');
          stream.end();
        }
      }, 10);
      const reporter = setInterval(() => report('buffer'), FIREHOSE_REPORT_MS);
      stream.onClose(() => {
        clearInterval(produce);
        clearInterval(reporter);
      });
    },

    /** Frees a session's tickers and feeds (session expiry). */
    forget(sessionId: string): void {
      tickers.get(sessionId)?.stop();
      tickers.delete(sessionId);
      feeds.delete(sessionId);
    },

    close(): void {
      for (const ticker of tickers.values()) ticker.stop();
      tickers.clear();
      feeds.clear();
    },
  };
}

interface BalanceRow {
  id: string;
  balance_cents: number;
  currency: string;
}

function balanceData(row: BalanceRow, cause: 'snapshot' | 'payment') {
  return { account: row.id, balance: row.balance_cents / 100, currency: row.currency, cause };
}

function parseChannels(url: URL): FeedChannel[] {
  const raw = url.searchParams.get('channels');
  if (raw === null || raw.trim() === '') return [...FEED_CHANNELS];
  const names = raw.split(',').map((s) => s.trim());
  const unknown = names.filter((name) => !(FEED_CHANNELS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new HttpError(
      400,
      'Unknown channel',
      `"channels" can name ${FEED_CHANNELS.join(', ')}; "${unknown.join(', ').slice(0, 60)}" is not one of them.`,
      {
        validChannels: FEED_CHANNELS,
      },
    );
  }
  return [...new Set(names)] as FeedChannel[];
}

function parsePayment(body: unknown): { account: string; amount: number; description: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Bad payment', 'Send a JSON object like {"account":"123","amount":12.5,"description":"Coffee"}.');
  }
  const { account, amount, description = 'Card payment' } = body as Record<string, unknown>;
  if (typeof account !== 'string' || account === '')
    throw new HttpError(400, 'Bad payment', '"account" must be an account id such as "123".');
  if (
    typeof amount !== 'number' ||
    !Number.isFinite(amount) ||
    amount <= 0 ||
    amount > MAX_PAYMENT_EUR ||
    Math.abs(Math.round(amount * 100) - amount * 100) > 1e-6
  ) {
    throw new HttpError(
      400,
      'Bad payment',
      `"amount" must be a positive number of euros with at most two decimals, up to ${MAX_PAYMENT_EUR}.`,
    );
  }
  if (typeof description !== 'string' || description.length > 100) {
    throw new HttpError(400, 'Bad payment', '"description" must be text of at most 100 characters.');
  }
  return { account, amount, description };
}
