'use client';

import { useState } from 'react';
import { type GraphqlExchange, postGraphql } from '../../components/lab/clients/graphql';
import { useLab } from '../../components/lab/LabProvider';
import { CodeBlock } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { BROKEN_QUERIES } from './broken';
import styles from './widgets.module.css';

type Mistake = keyof typeof BROKEN_QUERIES;

/** Experiment 7: what GraphQL errors look like, from the parser, the validator and a resolver. */
export function ErrorsWidget() {
  const { fetch: labFetch } = useLab();
  const [answer, setAnswer] = useState<{ mistake: Mistake; exchange: GraphqlExchange<unknown> } | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const send = async (mistake: Mistake) => {
    setBusy(true);
    setFailure(null);
    try {
      setAnswer({ mistake, exchange: await postGraphql(labFetch, { query: BROKEN_QUERIES[mistake].query }) });
    } catch (error: unknown) {
      setFailure((error as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const body = answer?.exchange.body;
  return (
    <WidgetFrame title="Errors, the GraphQL way" testId="gql-errors">
      <div className={ui.row}>
        {(Object.keys(BROKEN_QUERIES) as Mistake[]).map((mistake) => (
          <button
            key={mistake}
            type="button"
            className="lab-button"
            data-testid={`gql-error-${mistake}`}
            disabled={busy}
            onClick={() => void send(mistake)}
          >
            {BROKEN_QUERIES[mistake].label}
          </button>
        ))}
      </div>
      {failure && <p className={ui.error}>{failure}</p>}
      {answer && (
        <div className={ui.stack} data-testid="gql-error-result" data-mistake={answer.mistake}>
          <CodeBlock className={`${ui.code} ${styles.code}`}>{BROKEN_QUERIES[answer.mistake].query}</CodeBlock>
          <p className={ui.note}>
            HTTP{' '}
            <span
              className={`${ui.pill} ${styles.status}`}
              data-ok={answer.exchange.status === 200}
              data-testid="gql-error-status"
            >
              {answer.exchange.status}
            </span>{' '}
            · data: <code data-testid="gql-error-data">{body && 'data' in body ? JSON.stringify(body.data) : '(absent)'}</code>
          </p>
          <ol className={`${ui.log} ${styles.log}`} data-testid="gql-error-list">
            {(body?.errors ?? []).map((error, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: one fixed response, never reordered
              <li key={i} data-code={error.extensions?.code ?? ''}>
                <strong>{error.extensions?.code ?? 'error'}</strong>: {error.message}
                {error.locations?.length ? ` (line ${error.locations[0]?.line}, column ${error.locations[0]?.column})` : ''}
                {error.path ? ` at ${error.path.join('.')}` : ''}
              </li>
            ))}
          </ol>
        </div>
      )}
    </WidgetFrame>
  );
}
