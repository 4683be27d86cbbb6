/** The queries of the errors widget (experiment 7), one per mistake a client can make. */

/**
 * Twelve levels, all of them valid: a transaction links back to its account,
 * so account → transactions → account → … nests as deep as a client likes.
 * Only the depth limit of 6 refuses it (had it run, every level would fetch
 * up to 10 transactions: 10⁵ of them by the bottom).
 */
export const DEEP_QUERY = `{ account(id: "123") { ${Array.from({ length: 10 }).reduce<string>(
  (inner, _, i) => (i % 2 === 0 ? `account { ${inner} }` : `transactions { ${inner} }`),
  'id',
)} } }`;

/** Each mistake a client can make, as the query it sends. */
export const BROKEN_QUERIES = {
  syntax: { label: 'Syntax error', query: '{ account(id: "123") { owner balance ' },
  field: { label: 'Unknown field', query: '{ account(id: "123") { owner nickname } }' },
  depth: { label: 'Too deep', query: DEEP_QUERY },
  partial: {
    label: 'One field fails',
    query: '{ ada: account(id: "123") { owner } all: account(id: "123") { transactions(first: 5000) { id } } }',
  },
} as const;
