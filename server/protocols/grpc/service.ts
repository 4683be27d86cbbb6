import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import {
  type AccountService,
  CardStatus,
  GetAccountResponseSchema,
  GetMerchantResponseSchema,
  LiveSupportResponseSchema,
  LogLevel,
  type StreamTransactionsResponse,
  StreamTransactionsResponseSchema,
  UploadLogsResponseSchema,
} from '../../../proto/gen/lab/bank/v1/bank_pb';
import type { Lab } from '../../lab';
import type { SessionDb } from '../../lab/db';
import type { GrpcConfig } from './config';
import { SESSION } from './session';

interface TransactionRow {
  id: string;
  account_id: string;
  merchant_id: string | null;
  amount_cents: number;
  description: string;
  created_at: string;
  category: string | null;
}

const DEFAULT_STREAM_LIMIT = 10;
/** Generated history stops here, so a huge cursor can't make the lab write millions of rows. */
const MAX_HISTORY = 1_000;

/** An id as the caller sent it, in quotes, cut short if it is long: an error message should not echo kilobytes back. */
function quoted(id: string): string {
  const chars = [...id]; // whole characters: never half an emoji
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : id);
}

/** The AccountService, backed by the calling session's own bank (every statement lands on its timeline). */
export function accountService(lab: Lab, config: GrpcConfig): ServiceImpl<typeof AccountService> {
  const db = (context: HandlerContext): SessionDb => lab.sessionDb(context.values.get(SESSION));

  function requireAccount(bank: SessionDb, accountId: string) {
    if (!accountId) throw new ConnectError('account_id is empty: name an account, e.g. "123".', Code.InvalidArgument);
    const account = bank.get<{ id: string; owner: string; balance_cents: number; currency: string }>(
      'SELECT id, owner, balance_cents, currency FROM accounts WHERE session_id = :session AND id = ?',
      accountId,
    );
    if (!account) {
      throw new ConnectError(
        `No account ${quoted(accountId)} in your bank. Your session has accounts 123 and 456.`,
        Code.NotFound,
      );
    }
    return account;
  }

  return {
    getAccount(req, context) {
      const bank = db(context);
      const account = requireAccount(bank, req.accountId);
      const cards = bank.all<{ id: string; last4: string; status: string }>(
        'SELECT id, last4, status FROM cards WHERE session_id = :session AND account_id = ? ORDER BY id',
        account.id,
      );
      return create(GetAccountResponseSchema, {
        account: {
          id: account.id,
          owner: account.owner,
          balance: { cents: BigInt(account.balance_cents), currency: account.currency },
          cards: cards.map((c) => ({
            id: c.id,
            last4: c.last4,
            status:
              c.status === 'active' ? CardStatus.ACTIVE : c.status === 'frozen' ? CardStatus.FROZEN : CardStatus.UNSPECIFIED,
          })),
        },
      });
    },

    getMerchant(req, context) {
      if (!req.merchantId) throw new ConnectError('merchant_id is empty: try "m-coffee".', Code.InvalidArgument);
      const merchant = db(context).get<{ id: string; name: string; category: string }>(
        'SELECT id, name, category FROM merchants WHERE session_id = :session AND id = ?',
        req.merchantId,
      );
      if (!merchant) {
        throw new ConnectError(`No merchant ${quoted(req.merchantId)}. Try m-coffee, m-books or m-rail.`, Code.NotFound);
      }
      // Side-effect free (NO_SIDE_EFFECTS in the .proto), so Connect may send it as a GET, and a GET
      // response may be cached. `private`: it is this session's bank, not for shared caches.
      if (context.requestMethod === 'GET') context.responseHeader.set('cache-control', 'private, max-age=60');
      return create(GetMerchantResponseSchema, { merchant });
    },

    async *streamTransactions(req, context): AsyncIterable<StreamTransactionsResponse> {
      const bank = db(context);
      const account = requireAccount(bank, req.accountId);
      if (req.afterSequence < 0n) throw new ConnectError('after_sequence must be 0 or more.', Code.InvalidArgument);
      if (req.limit < 0 || req.limit > config.maxStreamLimit) {
        throw new ConnectError(
          `limit must be between 0 and ${config.maxStreamLimit} (0 means ${DEFAULT_STREAM_LIMIT}).`,
          Code.InvalidArgument,
        );
      }
      if (req.intervalMs < 0 || req.intervalMs > config.maxIntervalMs) {
        throw new ConnectError(`interval_ms must be between 0 and ${config.maxIntervalMs}.`, Code.InvalidArgument);
      }
      const after = Number(req.afterSequence);
      const limit = req.limit || DEFAULT_STREAM_LIMIT;
      ensureHistory(bank, account.id, Math.min(after + limit, MAX_HISTORY));
      const rows = bank.all<TransactionRow>(
        `SELECT t.id, t.account_id, t.merchant_id, t.amount_cents, t.description, t.created_at, m.category
           FROM transactions t LEFT JOIN merchants m ON m.session_id = t.session_id AND m.id = t.merchant_id
          WHERE t.session_id = :session AND t.account_id = ?
          ORDER BY t.created_at, t.id LIMIT ? OFFSET ?`,
        account.id,
        limit,
        after,
      );
      for (const [i, row] of rows.entries()) {
        if (i > 0 && req.intervalMs > 0) await sleep(req.intervalMs, context.signal);
        yield create(StreamTransactionsResponseSchema, {
          transaction: {
            id: row.id,
            accountId: row.account_id,
            amountCents: BigInt(row.amount_cents),
            description: row.description,
            merchantId: row.merchant_id ?? '',
            createdAt: row.created_at,
            sequence: BigInt(after + i + 1),
            category: row.category ?? '',
          },
        });
      }
    },

    async uploadLogs(requests) {
      let lines = 0;
      let bytes = 0n;
      const byLevel: Record<string, number> = {};
      for await (const line of requests) {
        if (++lines > config.maxClientMessages) {
          throw new ConnectError(`UploadLogs takes at most ${config.maxClientMessages} lines per call.`, Code.ResourceExhausted);
        }
        bytes += BigInt(Buffer.byteLength(line.text));
        const level = LogLevel[line.level] ?? String(line.level);
        const name = `LOG_LEVEL_${level}`;
        byLevel[name] = (byLevel[name] ?? 0) + 1;
      }
      return create(UploadLogsResponseSchema, { lines, bytes, byLevel });
    },

    async *liveSupport(requests, context) {
      // Bidirectional: the server speaks first, before the client has sent anything.
      yield create(LiveSupportResponseSchema, { from: 'system', text: 'You are connected to support. Ask about your balance.' });
      let received = 0;
      for await (const message of requests) {
        if (++received > config.maxClientMessages) {
          throw new ConnectError(
            `LiveSupport takes at most ${config.maxClientMessages} messages per call.`,
            Code.ResourceExhausted,
          );
        }
        let text = `Thanks — noted: "${message.text.slice(0, 200)}".`;
        if (/balance/i.test(message.text)) {
          const account = requireAccount(db(context), '123');
          text = `Account 123 holds ${(account.balance_cents / 100).toFixed(2)} ${account.currency}.`;
        }
        yield create(LiveSupportResponseSchema, { from: 'agent', text, received });
      }
    },
  };
}

const GENERATED = [
  { merchantId: 'm-coffee', description: 'Coffee to go', cents: -310 },
  { merchantId: 'm-rail', description: 'Day ticket', cents: -720 },
  { merchantId: 'm-books', description: 'Paperback', cents: -1_250 },
  { merchantId: null, description: 'Salary', cents: 180_000 },
] as const;

/**
 * A stream long enough to watch (and drop) needs more history than the seed's
 * three rows: top the account up with generated rows, dated after its latest,
 * so the sequence numbers of existing rows never move.
 */
function ensureHistory(bank: SessionDb, accountId: string, wanted: number): void {
  const have = bank.get<{ n: number; latest: string | null }>(
    'SELECT COUNT(*) AS n, MAX(created_at) AS latest FROM transactions WHERE session_id = :session AND account_id = ?',
    accountId,
  );
  const count = have?.n ?? 0;
  if (count >= wanted) return;
  const start = Date.parse(have?.latest ?? '2026-01-01T00:00:00Z');
  const values: (string | number | null)[] = [];
  const rows: string[] = [];
  for (let seq = count + 1; seq <= wanted; seq++) {
    const template = GENERATED[seq % GENERATED.length] ?? GENERATED[0];
    const createdAt = new Date(start + (seq - count) * 3_600_000).toISOString().replace('.000Z', 'Z');
    rows.push('(:session, ?, ?, ?, ?, ?, ?)');
    values.push(`t-${accountId}-${seq}`, accountId, template.merchantId, template.cents, template.description, createdAt);
  }
  bank.run(
    `INSERT OR IGNORE INTO transactions (session_id, id, account_id, merchant_id, amount_cents, description, created_at) VALUES ${rows.join(', ')}`,
    ...values,
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
