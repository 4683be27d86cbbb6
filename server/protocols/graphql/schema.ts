import type { GraphqlContext } from './context';
import { buildSchema, type GraphQLFieldResolver, GraphQLObjectType, type GraphQLSchema } from './graphql-js';
import { resolvers } from './resolvers';

/**
 * The bank as a graph. Amounts are in euros (the database keeps cents).
 *
 * Cache hints (`@cacheControl`) are read by Apollo's cache-control plugin:
 * the whole answer may be kept for 30 s, but only by the student's own
 * browser (PRIVATE), because every session has its own bank behind the
 * same URL. Mutations and subscriptions carry no hint, so they are never
 * cacheable.
 */
export const typeDefs = /* GraphQL */ `
  enum CacheControlScope {
    PUBLIC
    PRIVATE
  }
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION

  "A bank account in your session's bank."
  type Account @cacheControl(maxAge: 30, scope: PRIVATE) {
    id: ID!
    "Balance in euros."
    balance: Float!
    owner: String!
    "The newest transactions first; at most 1000."
    transactions(first: Int = 10): [Transaction!]!
  }

  type Transaction @cacheControl(maxAge: 30, scope: PRIVATE) {
    id: ID!
    "Amount in euros: negative for money going out."
    amount: Float!
    description: String!
    "ISO 8601 timestamp."
    createdAt: String!
    merchant: Merchant
    "The account this transaction belongs to: a way back up the graph, so queries can nest as deep as they like."
    account: Account!
  }

  type Merchant @cacheControl(maxAge: 30, scope: PRIVATE) {
    id: ID!
    name: String!
    category: String!
  }

  type Query {
    account(id: ID!): Account @cacheControl(maxAge: 30, scope: PRIVATE)
    accounts: [Account!]! @cacheControl(maxAge: 30, scope: PRIVATE)
  }

  input CreateTransactionInput {
    accountId: ID!
    "Euros; negative for a payment, positive for money coming in."
    amount: Float!
    description: String!
    merchantId: ID
  }

  type Mutation {
    "Never cacheable (maxAge 0), although it returns a Transaction."
    createTransaction(input: CreateTransactionInput!): Transaction! @cacheControl(maxAge: 0)
  }

  type Subscription {
    "Every transaction created on this account from now on (not the ones before you subscribed)."
    transactionCreated(accountId: ID!): Transaction!
  }
`;

// biome-ignore lint/suspicious/noExplicitAny: resolvers of different fields take different parents and args.
type AnyResolver = GraphQLFieldResolver<any, GraphqlContext, any>;
export type ResolverMap = Record<string, Record<string, AnyResolver | { subscribe: AnyResolver; resolve?: AnyResolver }>>;

/**
 * Builds the executable schema: graphql-js parses the SDL, and each resolver
 * is set on its field. Fields without one use graphql's default resolver
 * (read the property of the same name), which the resolver trace skips.
 */
export function buildBankSchema(map: ResolverMap = resolvers): GraphQLSchema {
  const schema = buildSchema(typeDefs);
  for (const [typeName, fields] of Object.entries(map)) {
    const type = schema.getType(typeName);
    if (!(type instanceof GraphQLObjectType)) throw new Error(`resolvers name an unknown type ${typeName}`);
    const defined = type.getFields();
    for (const [fieldName, resolver] of Object.entries(fields)) {
      const field = defined[fieldName];
      if (!field) throw new Error(`resolvers name an unknown field ${typeName}.${fieldName}`);
      if (typeof resolver === 'function') field.resolve = resolver;
      else {
        field.subscribe = resolver.subscribe;
        if (resolver.resolve) field.resolve = resolver.resolve;
      }
    }
  }
  return schema;
}
