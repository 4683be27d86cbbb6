/**
 * graphql-js, imported the way Node resolves it (the CommonJS build), so the
 * schema we build is from the same `graphql` instance as the one Apollo
 * Server and graphql-ws load. A bundler-style resolver (Vite, hence vitest)
 * would otherwise pick the package's ESM build for our files, and graphql
 * refuses a schema "from another module or realm".
 */
export * from 'graphql/index.js';
