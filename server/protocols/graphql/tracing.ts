import type { ApolloServerPlugin } from '@apollo/server';
import { now } from '../../../lib/clock';
import type { GraphqlContext } from './context';
import { pathOf, resolvers } from './resolvers';

/**
 * Resolver calls drawn per operation. The N+1 query at N = 1000 calls the
 * merchant resolver a thousand times; past this many the timeline gets one
 * note instead of more rows (the SQL statements are all still recorded).
 */
export const MAX_TRACED_RESOLVERS = 300;

/** `account.transactions.2.merchant` → `account.transactions`: the resolver whose result holds this field. */
export function parentPath(path: string): string | null {
  const keys = path.split('.');
  keys.pop();
  while (keys.length > 0 && /^\d+$/.test(keys[keys.length - 1] ?? '')) keys.pop();
  return keys.length > 0 ? keys.join('.') : null;
}

/** `1 resolver call`, `3 resolver calls`: a count with its noun, in the plural when it needs one. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The timeline note at the end of an operation that ran without errors. */
export function operationSummary(name: string, stats: { sql: number; resolvers: number }, dataLoader: boolean): string {
  const untraced = Math.max(0, stats.resolvers - MAX_TRACED_RESOLVERS);
  return `${name}: ${count(stats.sql, 'SQL statement')}, ${count(stats.resolvers, 'resolver call')} (DataLoader ${dataLoader ? 'on' : 'off'})${untraced ? `; ${count(untraced, 'resolver call')} not drawn` : ''}`;
}

/**
 * An Apollo Server plugin that puts the execution on the timeline: one
 * `resolve` event per resolver call (path, parent, start, duration), and at
 * the end the operation's measured cost — SQL statements and resolver calls —
 * both as a timeline note and in the response's `extensions.lab`.
 * Fields served by graphql's default resolver (a property read) are skipped.
 */
export function resolverTracing(): ApolloServerPlugin<GraphqlContext> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart() {
          return {
            willResolveField({ info, contextValue: ctx }) {
              // Apollo wraps every field's resolver, so ask our own map which fields have one.
              if (!resolvers[info.parentType.name]?.[info.fieldName]) return;
              const at = now();
              return (error) => {
                ctx.stats.resolvers += 1;
                if (ctx.stats.resolvers > MAX_TRACED_RESOLVERS) return;
                const durationMs = now() - at;
                const path = pathOf(info);
                ctx.lab.record(ctx.sessionId, {
                  at,
                  origin: 'server',
                  protocol: 'graphql',
                  kind: 'resolve',
                  stream: ctx.trace,
                  conn: ctx.conn,
                  summary: `${path}: ${info.parentType.name}.${info.fieldName} → ${String(info.returnType)} (${durationMs.toFixed(2)} ms)${error ? ' failed' : ''}`,
                  detail: {
                    durationMs,
                    fields: {
                      path,
                      parent: parentPath(path),
                      field: `${info.parentType.name}.${info.fieldName}`,
                      returns: String(info.returnType),
                      ...(error ? { error: error.message } : {}),
                    },
                  },
                });
              };
            },
          };
        },

        async willSendResponse({ response, contextValue: ctx, operationName, errors }) {
          const lab = { sqlStatements: ctx.stats.sql, resolverCalls: ctx.stats.resolvers, dataLoader: ctx.dataLoader };
          if (response.body.kind === 'single') {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, lab };
          }
          const name = operationName ?? 'anonymous operation';
          ctx.lab.record(ctx.sessionId, {
            origin: 'server',
            protocol: 'graphql',
            kind: errors?.length ? 'error' : 'note',
            stream: ctx.trace,
            conn: ctx.conn,
            summary: errors?.length
              ? `${name}: ${errors.length} GraphQL error${errors.length === 1 ? '' : 's'}: ${errors[0]?.message ?? ''}`
              : operationSummary(name, ctx.stats, ctx.dataLoader),
            detail: {
              fields: {
                operation: name,
                sqlStatements: ctx.stats.sql,
                resolverCalls: ctx.stats.resolvers,
                dataLoader: ctx.dataLoader,
                ...(errors?.length ? { errors: errors.map((e) => e.message).join(' | ') } : {}),
              },
            },
          });
        },
      };
    },
  };
}
