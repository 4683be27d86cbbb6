import { randomUUID } from 'node:crypto';
import { ACCOUNT_COLUMNS, type AccountRow, type GraphqlContext } from './context';
import { GraphQLError, type GraphQLResolveInfo, responsePathAsArray } from './graphql-js';
import type { TransactionCreated } from './pubsub';
import type { ResolverMap } from './schema';

/** `account.transactions.2.merchant`: where in the response a resolver's value goes. */
export function pathOf(info: GraphQLResolveInfo): string {
  return responsePathAsArray(info.path).join('.');
}

/** The most transactions one `transactions(first:)` returns (the N+1 experiment goes up to 1000). */
export const MAX_FIRST = 1000;
const MAX_DESCRIPTION = 200;

interface TransactionRow {
  id: string;
  account_id: string;
  merchant_id: string | null;
  amount_cents: number;
  description: string;
  created_at: string;
}

const TRANSACTION_COLUMNS =
  'SELECT id, account_id, merchant_id, amount_cents, description, created_at FROM transactions WHERE session_id = :session';

const toAccount = (row: AccountRow) => ({ id: row.id, owner: row.owner, balance: row.balance_cents / 100 });
const toTransaction = (row: TransactionRow): TransactionCreated => ({
  id: row.id,
  accountId: row.account_id,
  amount: row.amount_cents / 100,
  description: row.description,
  createdAt: row.created_at,
  merchantId: row.merchant_id,
});

function badInput(message: string, field: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field } });
}

/**
 * One resolver per field that needs the database; the rest are read off the
 * parent object by graphql's default resolver. Each statement is tagged with
 * the path of the resolver that ran it (`ctx.db(pathOf(info))`).
 */
export const resolvers: ResolverMap = {
  Query: {
    account: (_parent, args: { id: string }, ctx: GraphqlContext, info) => {
      const row = ctx.db(pathOf(info)).get<AccountRow>(`${ACCOUNT_COLUMNS} AND id = ?`, args.id);
      return row ? toAccount(row) : null;
    },
    accounts: (_parent, _args, ctx: GraphqlContext, info) =>
      ctx.db(pathOf(info)).all<AccountRow>(`${ACCOUNT_COLUMNS} ORDER BY id`).map(toAccount),
  },

  Account: {
    transactions: (account: { id: string }, args: { first: number }, ctx: GraphqlContext, info) => {
      if (!Number.isInteger(args.first) || args.first < 0 || args.first > MAX_FIRST) {
        throw badInput(`"first" must be between 0 and ${MAX_FIRST} (got ${args.first}).`, 'first');
      }
      return ctx
        .db(pathOf(info))
        .all<TransactionRow>(
          `${TRANSACTION_COLUMNS} AND account_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
          account.id,
          args.first,
        )
        .map(toTransaction);
    },
  },

  Transaction: {
    // The N+1 field: called once per transaction in the list.
    merchant: (transaction: TransactionCreated, _args, ctx: GraphqlContext, info) =>
      transaction.merchantId ? ctx.merchant(transaction.merchantId, pathOf(info)) : null,
    // The cycle (account → transactions → account → …) that the depth limit exists for, and a
    // second N+1 field: one lookup per transaction unless DataLoader batches (and caches) them.
    account: async (transaction: TransactionCreated, _args, ctx: GraphqlContext, info) => {
      const row = await ctx.account(transaction.accountId, pathOf(info));
      if (!row) throw new GraphQLError(`Account "${transaction.accountId}" no longer exists.`);
      return toAccount(row);
    },
  },

  Mutation: {
    createTransaction: (
      _parent,
      { input }: { input: { accountId: string; amount: number; description: string; merchantId?: string | null } },
      ctx: GraphqlContext,
      info,
    ) => {
      const cents = Math.round(input.amount * 100);
      if (!Number.isFinite(input.amount) || cents === 0 || Math.abs(cents) > 100_000_000) {
        throw badInput('"amount" must be a non-zero number of euros, at most 1,000,000 either way.', 'amount');
      }
      const description = input.description.trim();
      if (!description || description.length > MAX_DESCRIPTION) {
        throw badInput(`"description" must be 1 to ${MAX_DESCRIPTION} characters.`, 'description');
      }
      const db = ctx.db(pathOf(info));
      if (!db.get(`${ACCOUNT_COLUMNS} AND id = ?`, input.accountId)) {
        throw badInput(`Your bank has no account "${input.accountId}". Try 123 or 456.`, 'accountId');
      }
      if (input.merchantId && !db.get('SELECT id FROM merchants WHERE session_id = :session AND id = ?', input.merchantId)) {
        throw badInput(`Your bank has no merchant "${input.merchantId}". Try m-coffee, m-books or m-rail.`, 'merchantId');
      }
      const row: TransactionRow = {
        id: `t-${randomUUID().slice(0, 8)}`,
        account_id: input.accountId,
        merchant_id: input.merchantId ?? null,
        amount_cents: cents,
        description,
        created_at: new Date().toISOString(),
      };
      db.run(
        'INSERT INTO transactions (session_id, id, account_id, merchant_id, amount_cents, description, created_at) VALUES (:session, ?, ?, ?, ?, ?, ?)',
        row.id,
        row.account_id,
        row.merchant_id,
        row.amount_cents,
        row.description,
        row.created_at,
      );
      db.run(
        'UPDATE accounts SET balance_cents = balance_cents + ? WHERE session_id = :session AND id = ?',
        cents,
        input.accountId,
      );
      const transaction = toTransaction(row);
      ctx.events.publish(ctx.sessionId, transaction);
      return transaction;
    },
  },

  Subscription: {
    transactionCreated: {
      subscribe: (_parent, args: { accountId: string }, ctx: GraphqlContext, info) => {
        if (!ctx.db(pathOf(info)).get(`${ACCOUNT_COLUMNS} AND id = ?`, args.accountId)) {
          throw badInput(`Your bank has no account "${args.accountId}". Try 123 or 456.`, 'accountId');
        }
        return ctx.events.transactionCreated(ctx.sessionId, args.accountId);
      },
      // Each item of the source stream is the publish's arguments: [transaction].
      resolve: (payload: [TransactionCreated]) => payload[0],
    },
  },
};
