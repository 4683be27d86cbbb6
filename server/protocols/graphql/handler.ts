import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import contentType from 'content-type';
import { TRACE_HEADER } from '../../../lib/lab-info';
import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import type { Lab } from '../../lab';
import { createContext, type GraphqlContext } from './context';
import type { BankEvents } from './pubsub';
import { MAX_FIRST } from './resolvers';
import type { SettingsBook } from './settings';

/** A GraphQL-shaped error (the spec's `errors` list) for failures before Apollo can answer, e.g. malformed JSON. */
function sendGraphqlError(res: ServerResponse, status: number, message: string, code: string): void {
  sendJson(
    res,
    status,
    { errors: [{ message, extensions: { code } }] },
    { 'content-type': 'application/graphql-response+json; charset=utf-8' },
  );
}

function isJson(declared: string | undefined): boolean {
  if (!declared) return false;
  try {
    const type = contentType.parse(declared).type.toLowerCase();
    return type === 'application/json' || type.endsWith('+json');
  } catch {
    return false;
  }
}

/**
 * POST and GET /graphql: hands the request (already read and size-checked by
 * the router) to Apollo Server and writes Apollo's answer back on our own
 * node:http response, so the lab's tap records it like any other exchange.
 */
export function graphqlHttpHandler(
  lab: Lab,
  apollo: ApolloServer<GraphqlContext>,
  deps: { events: BankEvents; settings: SettingsBook },
) {
  return async (ctx: SessionContext): Promise<void> => {
    const { req, res, url, sessionId } = ctx;
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (req.method === 'POST') {
      const text = ctx.body.toString('utf8');
      if (isJson(req.headers['content-type']) && text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch (error: unknown) {
          const why = error instanceof SyntaxError ? error.message : 'it is not valid JSON';
          sendGraphqlError(res, 400, `The request body is not valid JSON: ${why}.`, 'BAD_REQUEST');
          return;
        }
      } else {
        // Apollo explains what is wrong (missing body, wrong content type, CSRF).
        body = text;
      }
    }
    const trace = req.headers[TRACE_HEADER];
    const response = await apollo.executeHTTPGraphQLRequest({
      // HEAD is a GET whose body Node drops.
      httpGraphQLRequest: { method: req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET'), headers, search: url.search, body },
      context: async () =>
        createContext({
          lab,
          sessionId,
          trace: typeof trace === 'string' && trace ? trace : `gql-${randomUUID().slice(0, 8)}`,
          dataLoader: deps.settings.get(sessionId).dataLoader,
          events: deps.events,
        }),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    // Incremental delivery (@defer): multipart chunks as Apollo produces them.
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

/** GET /api/graphql/settings, PUT /api/graphql/settings `{"dataLoader": true}`: the session's switches. */
export function settingsHandlers(settings: SettingsBook) {
  return {
    get(ctx: SessionContext): void {
      sendJson(ctx.res, 200, settings.get(ctx.sessionId));
    },
    put(ctx: SessionContext): void {
      const body = parseJson(ctx.req.headers['content-type'], ctx.body) as { dataLoader?: unknown } | null;
      if (typeof body !== 'object' || body === null || typeof body.dataLoader !== 'boolean') {
        throw new HttpError(400, 'Invalid settings', 'Send {"dataLoader": true} or {"dataLoader": false}.');
      }
      const next = settings.set(ctx.sessionId, { dataLoader: body.dataLoader });
      ctx.lab.record(ctx.sessionId, {
        origin: 'server',
        protocol: 'graphql',
        kind: 'note',
        summary: `DataLoader switched ${next.dataLoader ? 'on' : 'off'} for this session`,
        detail: { fields: { dataLoader: next.dataLoader } },
      });
      sendJson(ctx.res, 200, next);
    },
  };
}

/**
 * POST /api/graphql/history `{"accountId": "123", "transactions": N}`: replaces
 * the account's transactions with N generated ones (spread over the session's
 * merchants), so the N+1 experiment can raise N. Runs untapped in one SQL
 * transaction: the timeline gets one note, not N inserts.
 */
export function replaceHistory(ctx: SessionContext): void {
  const body = parseJson(ctx.req.headers['content-type'], ctx.body) as { accountId?: unknown; transactions?: unknown } | null;
  const accountId = typeof body === 'object' && body !== null ? body.accountId : undefined;
  const count = typeof body === 'object' && body !== null ? body.transactions : undefined;
  if (typeof accountId !== 'string' || typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_FIRST) {
    throw new HttpError(
      400,
      'Invalid history',
      `Send {"accountId": "123", "transactions": N} with N a whole number from 0 to ${MAX_FIRST}.`,
    );
  }
  const sqlite = ctx.lab.db.sqlite;
  const session = ctx.sessionId;
  if (!sqlite.prepare('SELECT 1 FROM accounts WHERE session_id = ? AND id = ?').get(session, accountId)) {
    throw new HttpError(404, 'No such account', `Your bank has no account "${accountId}". Try 123 or 456.`);
  }
  const merchants = (
    sqlite.prepare('SELECT id FROM merchants WHERE session_id = ? ORDER BY id').all(session) as { id: string }[]
  ).map((m) => m.id);
  const start = Date.parse('2026-02-01T08:00:00Z');
  sqlite.transaction(() => {
    sqlite.prepare('DELETE FROM transactions WHERE session_id = ? AND account_id = ?').run(session, accountId);
    const insert = sqlite.prepare(
      'INSERT INTO transactions (session_id, id, account_id, merchant_id, amount_cents, description, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (let i = 0; i < count; i++) {
      const createdAt = new Date(start + i * 60_000).toISOString();
      insert.run(
        session,
        `g-${accountId}-${i + 1}`,
        accountId,
        merchants[i % merchants.length] ?? null,
        -(100 + ((i * 37) % 900)),
        `Purchase ${i + 1}`,
        createdAt,
      );
    }
  })();
  ctx.lab.record(session, {
    origin: 'server',
    protocol: 'graphql',
    kind: 'note',
    summary: `Account ${accountId} now has ${count} generated transaction${count === 1 ? '' : 's'} (inserted in one untapped SQL transaction)`,
    detail: { fields: { accountId, transactions: count } },
  });
  sendJson(ctx.res, 200, { accountId, transactions: count });
}
