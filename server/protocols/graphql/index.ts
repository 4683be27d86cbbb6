/**
 * The GraphQL lesson: Apollo Server on the session's bank (POST and GET
 * /graphql), graphql-ws subscriptions on the same path, the per-session
 * DataLoader switch and a control that sets how many transactions an
 * account has (for the N+1 experiment).
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { Lab } from '../../lab';
import type { GraphqlContext } from './context';
import { GraphQLError, type ValidationContext } from './graphql-js';
import { graphqlHttpHandler, replaceHistory, settingsHandlers } from './handler';
import { BankEvents } from './pubsub';
import { buildBankSchema } from './schema';
import { SettingsBook } from './settings';
import { createSubscriptions } from './subscriptions';
import { resolverTracing } from './tracing';

export { GRAPHQL_WS_DROP_TARGET } from './subscriptions';

/**
 * Limits checked before anything runs. Our deepest lesson query, account →
 * transactions → merchant → name, has depth 4; `Transaction.account` points
 * back up, so without a limit a query could nest forever. graphql-armor's cost
 * rule multiplies a list's cost by a literal `first:`, so the N+1 query at
 * N = 1000 costs about 25,000; forty aliased copies of it cost ~435,000.
 * Introspection is allowed: `__schema` is exempt from the depth and cost rules
 * (the standard introspection query is deep by nature), graphql-js bounds how
 * deep introspection may nest, and the token and alias limits still apply.
 */
export const LIMITS = {
  maxDepth: 6,
  maxCost: 50_000,
  maxAliases: 15,
  /** Enforced by graphql-js's own parser, which stops reading at the limit. */
  maxTokens: 1000,
} as const;

/**
 * graphql-armor words every refusal as "Syntax Error: Query depth limit of 6
 * exceeded…", although the query parsed fine: it is a validation rule that
 * refused it. Its rules hand each refusal to `onReject` handlers instead of
 * throwing when `propagateOnRejection` is off; this one reports it as an
 * ordinary validation error (Apollo answers 400 GRAPHQL_VALIDATION_FAILED)
 * without the misleading prefix.
 */
function reportRefusal(context: ValidationContext | null, error: GraphQLError): void {
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
}
const refusal = { propagateOnRejection: false, onReject: [reportRefusal] };

export function createGraphql(lab: Lab) {
  const schema = buildBankSchema();
  const events = new BankEvents();
  const settings = new SettingsBook();
  lab.sessions.onExpire((id) => settings.forget(id));

  const armor = new ApolloArmor({
    maxDepth: { n: LIMITS.maxDepth, ...refusal },
    costLimit: { maxCost: LIMITS.maxCost, ...refusal },
    maxAliases: { n: LIMITS.maxAliases, ...refusal },
    // graphql-armor's token plugin throws from a parsing hook, which Apollo answers with a 500;
    // graphql-js's parser option below gives the same limit as an ordinary 400 syntax error.
    maxTokens: { enabled: false },
    // "Did you mean …?" hints are masked, as in production: they hand out the schema piece by piece.
  }).protect();

  const apollo = new ApolloServer<GraphqlContext>({
    schema,
    csrfPrevention: true,
    parseOptions: { maxTokens: LIMITS.maxTokens },
    introspection: true,
    allowBatchedHttpRequests: false,
    // The lab owns shutdown (server/main.ts closes every protocol, then exits 0). Apollo's own
    // SIGINT/SIGTERM handler would stop it a second time and re-raise the signal mid-shutdown.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    validationRules: armor.validationRules,
    plugins: [
      ...armor.plugins,
      // Cache-Control from the schema's @cacheControl hints (max-age=30, private).
      ApolloServerPluginCacheControl({ calculateHttpHeaders: true }),
      ApolloServerPluginLandingPageDisabled(),
      resolverTracing(),
    ],
    // Automatic persisted queries are on by default (hash → query, in memory).
  });
  const started = apollo.start();
  const subscriptions = createSubscriptions(lab, schema, { events, settings, validationRules: armor.validationRules });
  const settingsRoutes = settingsHandlers(settings);

  return {
    http: graphqlHttpHandler(lab, apollo, { events, settings }),
    getSettings: settingsRoutes.get,
    putSettings: settingsRoutes.put,
    replaceHistory,
    accept: subscriptions.accept,
    start: () => started,
    async close(): Promise<void> {
      await subscriptions.close();
      await apollo.stop();
    },
  };
}
