import type { TimelineEvent } from '../../lib/timeline';

/** One resolver call, with the SQL it ran and the resolvers that ran on its result. */
export interface ResolverNode {
  path: string;
  field: string;
  /** Start relative to the first resolver of the operation, and duration, in ms. */
  startMs: number;
  durationMs: number;
  sql: TimelineEvent[];
  children: ResolverNode[];
}

export interface ResolverTree {
  roots: ResolverNode[];
  /** Statements no single resolver ran: DataLoader's batches, caused by many resolvers at once. */
  batches: TimelineEvent[];
  /** Statements of resolvers the server did not trace (it traces the first few hundred calls of an operation). */
  untracedSql: number;
  /** Where the tree's time axis ends (ms after the first resolver started). */
  spanMs: number;
}

/**
 * Rebuilds the resolver tree of one operation from the server's timeline
 * events: `resolve` events carry their path and parent path, SQL events the
 * path of the resolver that caused them. Both share the operation's trace id.
 */
export function buildResolverTree(events: readonly TimelineEvent[], trace: string): ResolverTree {
  const resolves = events.filter((e) => e.stream === trace && e.kind === 'resolve').sort((a, b) => a.at - b.at);
  const sql = events.filter((e) => e.stream === trace && e.origin === 'db');
  const t0 = resolves[0]?.at ?? 0;
  const byPath = new Map<string, ResolverNode>();
  const roots: ResolverNode[] = [];
  for (const e of resolves) {
    const path = String(e.detail?.fields?.path ?? '');
    byPath.set(path, {
      path,
      field: String(e.detail?.fields?.field ?? path),
      startMs: e.at - t0,
      durationMs: e.detail?.durationMs ?? 0,
      sql: [],
      children: [],
    });
  }
  for (const e of resolves) {
    const node = byPath.get(String(e.detail?.fields?.path ?? '')) as ResolverNode;
    const parent = e.detail?.fields?.parent;
    const parentNode = typeof parent === 'string' ? byPath.get(parent) : undefined;
    if (parentNode) parentNode.children.push(node);
    else roots.push(node);
  }
  const batches: TimelineEvent[] = [];
  let untracedSql = 0;
  for (const statement of sql) {
    if (statement.detail?.fields?.batchedBy) {
      batches.push(statement);
      continue;
    }
    const owner = byPath.get(String(statement.detail?.fields?.resolver ?? ''));
    if (owner) owner.sql.push(statement);
    else untracedSql += 1;
  }
  const spanMs = Math.max(1, ...[...byPath.values()].map((n) => n.startMs + n.durationMs));
  return { roots, batches, untracedSql, spanMs };
}
