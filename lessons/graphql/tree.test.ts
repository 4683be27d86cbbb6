import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { buildResolverTree } from './tree';

let n = 0;
const resolve = (path: string, parent: string | null, at: number, durationMs: number, stream = 't1'): TimelineEvent => ({
  id: `s:${++n}`,
  at,
  origin: 'server',
  protocol: 'graphql',
  kind: 'resolve',
  stream,
  summary: path,
  detail: { durationMs, fields: { path, parent, field: `X.${path.split('.').pop()}` } },
});
const query = (resolver: string, at: number, stream = 't1', batchedBy?: string): TimelineEvent => ({
  id: `s:${++n}`,
  at,
  origin: 'db',
  protocol: 'sql',
  kind: 'query',
  stream,
  summary: 'SELECT',
  detail: { sql: 'SELECT 1', fields: batchedBy ? { resolver, batchedBy } : { resolver } },
});

describe('buildResolverTree', () => {
  it('nests resolvers under their parent and SQL under the resolver that ran it', () => {
    const events = [
      resolve('account', null, 100, 1),
      query('account', 100.2),
      resolve('account.transactions', 'account', 101, 1),
      query('account.transactions', 101.2),
      resolve('account.transactions.0.merchant', 'account.transactions', 102, 0.5),
      query('account.transactions.0.merchant', 102.1),
      resolve('account.transactions.1.merchant', 'account.transactions', 102.5, 0.5),
      query('DataLoader batch of 2', 103, 't1', 'DataLoader'),
      // A resolver past the server's tracing cap: its statement is counted, not drawn as a batch.
      query('account.transactions.2.merchant', 103.5),
      resolve('other', null, 100, 1, 't2'),
    ];
    const tree = buildResolverTree(events, 't1');
    expect(tree.roots.map((r) => r.path)).toEqual(['account']);
    const account = tree.roots[0];
    expect(account?.sql).toHaveLength(1);
    const transactions = account?.children[0];
    expect(transactions?.children.map((c) => [c.path, c.sql.length, c.startMs])).toEqual([
      ['account.transactions.0.merchant', 1, 2],
      ['account.transactions.1.merchant', 0, 2.5],
    ]);
    expect(tree.batches.map((b) => b.detail?.fields?.resolver)).toEqual(['DataLoader batch of 2']);
    expect(tree.untracedSql).toBe(1);
    expect(tree.spanMs).toBe(3);
  });

  it('is empty for a trace with no events yet', () => {
    expect(buildResolverTree([], 'nope')).toEqual({ roots: [], batches: [], untracedSql: 0, spanMs: 1 });
  });
});
