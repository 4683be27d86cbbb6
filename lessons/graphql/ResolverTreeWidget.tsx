'use client';

import { useEffect, useId, useMemo, useState } from 'react';
import { type LabExtensions, postGraphql } from '../../components/lab/clients/graphql';
import { getLabJson } from '../../components/lab/clients/plumbing';
import { useLab, useTimeline } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { buildResolverTree, type ResolverNode } from './tree';
import styles from './widgets.module.css';

/** The account screen with every transaction (up to the server's cap) and each one's merchant. */
export const SCREEN_QUERY = `query AccountScreen($id: ID!) {
  account(id: $id) {
    id owner balance
    transactions(first: 1000) { id amount createdAt merchant { id name category } }
  }
}`;

/** `1 resolver call`, `3 resolver calls`. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Merchant resolvers drawn per list: enough to see the pattern, few enough to read. */
const MAX_CHILDREN_DRAWN = 12;

async function putJson(labFetch: ReturnType<typeof useLab>['fetch'], method: 'PUT' | 'POST', path: string, body: unknown) {
  const response = await labFetch(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    protocol: 'graphql',
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}`);
}

/**
 * Experiments 3 and 4: run the account screen, count the SQL statements the
 * server really ran (extensions.lab), and draw the resolver tree from the
 * server's `resolve` and SQL events on the timeline. N and the DataLoader
 * switch are the session's own.
 */
export function ResolverTreeWidget() {
  const { fetch: labFetch, store } = useLab();
  const nId = useId();
  // The field's text: an empty field is no number (Number('') would be 0, and silently empty the account).
  const [nText, setNText] = useState('3');
  const n = nText.trim() === '' ? Number.NaN : Number(nText);
  const [dataLoader, setDataLoader] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [result, setResult] = useState<{ trace: string; lab: LabExtensions; transactions: number } | null>(null);
  const version = useTimeline((s) => s.version);

  // The switch lives on the server, per session: show what it really is.
  useEffect(() => {
    getLabJson<{ dataLoader: boolean }>('/api/graphql/settings')
      .then((s) => setDataLoader(s.dataLoader))
      .catch(() => undefined);
  }, []);

  const act = async (job: () => Promise<void>) => {
    setBusy(true);
    setFailure(null);
    try {
      await job();
    } catch (error: unknown) {
      setFailure((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const run = () =>
    act(async () => {
      const answer = await postGraphql<{ account: { transactions: unknown[] } | null }>(labFetch, {
        query: SCREEN_QUERY,
        variables: { id: '123' },
      });
      const lab = answer.body?.extensions?.lab;
      if (answer.status !== 200 || !lab || !answer.trace) throw new Error(`POST /graphql answered ${answer.status}`);
      setResult({ trace: answer.trace, lab, transactions: answer.body?.data?.account?.transactions.length ?? 0 });
    });

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the store's change signal; the events array is mutated in place.
  const tree = useMemo(
    () => (result ? buildResolverTree(store.getState().events, result.trace) : null),
    [result, store, version],
  );

  return (
    <WidgetFrame title="The resolver tree and the N+1 problem" testId="gql-tree-widget">
      <div className={ui.row}>
        <label htmlFor={nId}>N transactions on account 123</label>
        <input
          id={nId}
          type="number"
          min={0}
          max={1000}
          className={`lab-input ${ui.numberInput}`}
          data-testid="gql-n"
          value={nText}
          onChange={(e) => setNText(e.target.value)}
        />
        <button
          type="button"
          className="lab-button"
          data-testid="gql-n-apply"
          disabled={busy || !Number.isInteger(n) || n < 0 || n > 1000}
          onClick={() => void act(() => putJson(labFetch, 'POST', '/api/graphql/history', { accountId: '123', transactions: n }))}
        >
          Set N
        </button>
        <label>
          <input
            type="checkbox"
            data-testid="gql-dataloader"
            checked={dataLoader}
            disabled={busy}
            onChange={(e) => {
              const on = e.target.checked;
              // Show the new state at once; put it back if the server refuses.
              setDataLoader(on);
              void act(async () => {
                try {
                  await putJson(labFetch, 'PUT', '/api/graphql/settings', { dataLoader: on });
                } catch (error: unknown) {
                  setDataLoader(!on);
                  throw error;
                }
              });
            }}
          />{' '}
          DataLoader
        </label>
        <button type="button" className="lab-button" data-testid="gql-run" disabled={busy} onClick={() => void run()}>
          Run the query
        </button>
      </div>
      {failure && <p className={ui.error}>{failure}</p>}
      {result && (
        <p className={ui.note} data-testid="gql-counts">
          <span className={styles.metric} data-testid="gql-sql-count" data-count={result.lab.sqlStatements}>
            {plural(result.lab.sqlStatements, 'SQL statement')}
          </span>{' '}
          for {plural(result.transactions, 'transaction')}, {plural(result.lab.resolverCalls, 'resolver call')}, DataLoader{' '}
          {result.lab.dataLoader ? 'on' : 'off'} (measured by the server, from <code>extensions.lab</code>)
        </p>
      )}
      {tree && (
        <ul className={styles.tree} data-testid="gql-tree" aria-label="Resolver tree">
          {tree.roots.length === 0 && <li className={ui.empty}>Waiting for the server's trace…</li>}
          {tree.roots.map((node) => (
            <TreeNode key={node.path} node={node} spanMs={tree.spanMs} />
          ))}
          {tree.batches.map((statement) => (
            <li key={statement.id} className={styles.sql} data-testid="gql-tree-batch">
              ⛁ {String(statement.detail?.fields?.resolver)}: {statement.detail?.sql}
            </li>
          ))}
          {tree.untracedSql > 0 && (
            <li className={ui.note} data-testid="gql-tree-untraced">
              ⛁ {tree.untracedSql} more statement{tree.untracedSql === 1 ? '' : 's'} ran in resolver calls the server did not
              trace (it draws the first few hundred calls of an operation; the count above includes them all)
            </li>
          )}
        </ul>
      )}
    </WidgetFrame>
  );
}

function TreeNode({ node, spanMs }: { node: ResolverNode; spanMs: number }) {
  const shown = node.children.slice(0, MAX_CHILDREN_DRAWN);
  const hidden = node.children.length - shown.length;
  return (
    <li data-testid="gql-tree-node" data-path={node.path} data-sql={node.sql.length}>
      <div className={styles.treeLine}>
        <span>
          {node.path.split('.').pop()} <span className={ui.note}>{node.field}</span> {node.durationMs.toFixed(2)} ms
        </span>
        <span className={styles.bar} title={`starts at ${node.startMs.toFixed(2)} ms, takes ${node.durationMs.toFixed(2)} ms`}>
          <span style={{ left: `${(node.startMs / spanMs) * 100}%`, width: `${(node.durationMs / spanMs) * 100}%` }} />
        </span>
      </div>
      {(node.sql.length > 0 || shown.length > 0) && (
        <ul>
          {node.sql.map((statement) => (
            <li key={statement.id} className={styles.sql}>
              ⛁ {statement.detail?.sql}
              {statement.detail?.params?.length ? ` — ${JSON.stringify(statement.detail.params)}` : ''}
            </li>
          ))}
          {shown.map((child) => (
            <TreeNode key={child.path} node={child} spanMs={spanMs} />
          ))}
          {hidden > 0 && <li className={ui.empty}>…and {hidden} more, each like the ones above</li>}
        </ul>
      )}
    </li>
  );
}
