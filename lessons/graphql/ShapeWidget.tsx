'use client';

import { useState } from 'react';
import { postGraphql } from '../../components/lab/clients/graphql';
import { useLab } from '../../components/lab/LabProvider';
import { CodeBlock, WideTable } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { now } from '../../lib/clock';
import { ACCOUNT_FIELDS, buildQuery, type FieldNode } from './shape';
import styles from './widgets.module.css';

/** The fields a bank app's account screen shows: owner, balance, and each line's description, amount and merchant. */
const SCREEN_FIELDS = [
  'account.owner',
  'account.balance',
  'account.transactions.description',
  'account.transactions.amount',
  'account.transactions.merchant.name',
];

interface Answer {
  query: string;
  status: number;
  bytes: number;
  body: string;
}

interface Cost {
  requests: number;
  bytes: number;
  ms: number;
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * Experiments 1 and 2: tick fields, get exactly those back; then build the
 * same account screen from the REST lesson's resources and compare requests,
 * bytes and time, both measured live.
 */
export function ShapeWidget() {
  const { fetch: labFetch } = useLab();
  const [selected, setSelected] = useState<Set<string>>(() => new Set(SCREEN_FIELDS));
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [compare, setCompare] = useState<{ rest: Cost; graphql: Cost } | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const query = buildQuery(selected);

  const toggle = (path: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (!next.delete(path)) next.add(path);
      return next;
    });

  const run = async <T,>(job: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setFailure(null);
    try {
      return await job();
    } catch (error: unknown) {
      setFailure((error as Error).message);
      return undefined;
    } finally {
      setBusy(false);
    }
  };

  const send = () =>
    run(async () => {
      if (!query) return;
      const result = await postGraphql(labFetch, { query });
      setAnswer({ query, status: result.status, bytes: result.bytes, body: pretty(result.text) });
    });

  const runComparison = () =>
    run(async () => {
      // REST: the account, then its transactions (the link is in the account), then each merchant they name.
      const restStart = now();
      let restBytes = 0;
      let requests = 0;
      const get = async <T,>(path: string): Promise<T> => {
        requests += 1;
        const response = await labFetch(path, { protocol: 'rest', cache: 'no-store' });
        const text = await response.text();
        restBytes += new TextEncoder().encode(text).length;
        if (!response.ok) throw new Error(`${path} answered ${response.status}`);
        return JSON.parse(text) as T;
      };
      const account = await get<{ links: { transactions: string } }>('/api/accounts/123');
      const { transactions } = await get<{ transactions: { merchantId: string | null }[] }>(account.links.transactions);
      const merchantIds = [...new Set(transactions.flatMap((t) => (t.merchantId ? [t.merchantId] : [])))];
      await Promise.all(merchantIds.map((id) => get(`/api/merchants/${encodeURIComponent(id)}`)));
      const rest = { requests, bytes: restBytes, ms: now() - restStart };

      // GraphQL: the same screen, every transaction the REST list returned, in one request.
      const screen = buildQuery(new Set(SCREEN_FIELDS))?.replace('(first: 3)', `(first: ${transactions.length})`) ?? '';
      const gqlStart = now();
      const result = await postGraphql(labFetch, { query: screen });
      if (result.status !== 200) throw new Error(`POST /graphql answered ${result.status}`);
      setCompare({ rest, graphql: { requests: 1, bytes: result.bytes, ms: now() - gqlStart } });
    });

  return (
    <WidgetFrame title="POST /graphql — ask for a shape" testId="gql-shape">
      <div className={ui.columns}>
        <div>
          <p className={ui.label}>Fields</p>
          <ul className={styles.picker}>
            <FieldPicker node={ACCOUNT_FIELDS} path="account" selected={selected} onToggle={toggle} />
          </ul>
        </div>
        <div>
          <p className={ui.label}>Query</p>
          <CodeBlock className={`${ui.code} ${styles.code}`} data-testid="gql-shape-query">
            {query ?? '# tick at least one field'}
          </CodeBlock>
        </div>
      </div>
      <div className={ui.row}>
        <button
          type="button"
          className="lab-button"
          data-testid="gql-shape-send"
          disabled={busy || !query}
          onClick={() => void send()}
        >
          Send query
        </button>
        <button
          type="button"
          className="lab-button"
          data-testid="gql-compare"
          disabled={busy}
          onClick={() => void runComparison()}
        >
          Compare with REST
        </button>
      </div>
      {failure && <p className={ui.error}>{failure}</p>}
      {answer && (
        <div data-testid="gql-shape-result">
          <p className={ui.note}>
            <span className={`${ui.pill} ${styles.status}`} data-ok={answer.status === 200}>
              {answer.status}
            </span>{' '}
            <span data-testid="gql-shape-bytes" data-bytes={answer.bytes}>
              {answer.bytes} bytes
            </span>
          </p>
          <CodeBlock className={`${ui.code} ${styles.code}`} data-testid="gql-shape-response">
            {answer.body}
          </CodeBlock>
        </div>
      )}
      {compare && (
        <WideTable className={`${ui.table} ${styles.table}`} data-testid="gql-compare-result">
          <thead>
            <tr>
              <th>The same account screen</th>
              <th>Requests</th>
              <th>Response bytes</th>
              <th>Time</th>
            </tr>
          </thead>
          <tbody>
            {(['rest', 'graphql'] as const).map((kind) => (
              <tr
                key={kind}
                data-testid={`gql-compare-${kind}`}
                data-requests={compare[kind].requests}
                data-bytes={compare[kind].bytes}
              >
                <th>{kind === 'rest' ? 'REST resources' : 'One GraphQL query'}</th>
                <td>{compare[kind].requests}</td>
                <td>{compare[kind].bytes}</td>
                <td>{compare[kind].ms.toFixed(0)} ms</td>
              </tr>
            ))}
          </tbody>
        </WideTable>
      )}
    </WidgetFrame>
  );
}

/** One object field and its sub-fields; leaves are checkboxes keyed by their path. */
function FieldPicker({
  node,
  path,
  selected,
  onToggle,
}: {
  node: FieldNode;
  path: string;
  selected: ReadonlySet<string>;
  onToggle: (path: string) => void;
}) {
  return (
    <li>
      {node.name}
      {node.args}
      <ul>
        {node.children?.map((child) => {
          const childPath = `${path}.${child.name}`;
          return child.children ? (
            <FieldPicker key={child.name} node={child} path={childPath} selected={selected} onToggle={onToggle} />
          ) : (
            <li key={child.name}>
              <label>
                <input
                  type="checkbox"
                  data-testid={`gql-field-${childPath}`}
                  checked={selected.has(childPath)}
                  onChange={() => onToggle(childPath)}
                />
                {child.name}
              </label>
            </li>
          );
        })}
      </ul>
    </li>
  );
}
