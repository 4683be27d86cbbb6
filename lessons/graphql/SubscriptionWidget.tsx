'use client';

import { gql } from '@apollo/client';
import { useEffect, useId, useState } from 'react';
import { createApolloClient, GraphqlSocket } from '../../components/lab/clients/graphql';
import type { SocketState } from '../../components/lab/clients/websocket';
import { DropButton } from '../../components/lab/DropButton';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import styles from './widgets.module.css';

const CREATE = gql`
  mutation CreateTransaction($input: CreateTransactionInput!) {
    createTransaction(input: $input) { id amount description createdAt }
  }
`;
const CREATED = gql`
  subscription TransactionCreated($accountId: ID!) {
    transactionCreated(accountId: $accountId) { id amount description merchant { name } }
  }
`;
const LATEST = gql`
  query LatestTransactions($id: ID!) {
    account(id: $id) { id transactions(first: 20) { id amount description } }
  }
`;

interface Line {
  id: string;
  amount: number;
  description: string;
}

/**
 * This widget's socket waits about 3 s (±30%) before its first reconnect attempt, instead of the
 * lab's usual 0.5 s: long enough for a student to create a transaction while it is down.
 */
const GAP_BACKOFF = { initialDelayMs: 3_000, maxDelayMs: 12_000 };

/** Only the latest lines are kept: enough to follow along, never a memory leak. */
const LOG_LIMIT = 30;

/** One Apollo Client for the widget: mutations and queries over HTTP, the subscription over graphql-ws. */
function useBankClient() {
  const { fetch: labFetch, record } = useLab();
  const [setup, setSetup] = useState<{ socket: GraphqlSocket; client: ReturnType<typeof createApolloClient> } | null>(null);
  const [state, setState] = useState<SocketState>('connecting');
  useEffect(() => {
    const socket = new GraphqlSocket(record, GAP_BACKOFF);
    const client = createApolloClient(labFetch, { socket });
    const unsubscribe = socket.subscribe(setState);
    setSetup({ socket, client });
    return () => {
      unsubscribe();
      socket.close();
      client.stop();
    };
  }, [labFetch, record]);
  return { setup, state };
}

/**
 * Experiment 5: a mutation in one pane, `transactionCreated` arriving in the
 * other over graphql-ws. After a drop the socket reconnects and resubscribes,
 * but whatever happened meanwhile is gone unless the client refetches.
 */
export function SubscriptionWidget() {
  const { setup, state } = useBankClient();
  const descriptionId = useId();
  const amountId = useId();
  const [description, setDescription] = useState('Coffee beans');
  const [amount, setAmount] = useState('-7.5');
  // Checked here: JSON has no NaN, so `abc` would reach the server as null and come back as a type error.
  const euros = amount.trim() === '' ? Number.NaN : Number(amount);
  const amountError = Number.isFinite(euros) ? null : 'Amount must be a number of euros, e.g. -7.5 or 20.';
  const [sent, setSent] = useState<Line[]>([]);
  const [received, setReceived] = useState<Line[]>([]);
  const [missed, setMissed] = useState<Line[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const sentRef = useLogTail<HTMLOListElement>(sent);
  const receivedRef = useLogTail<HTMLOListElement>(received);

  useEffect(() => {
    if (!setup) return;
    const subscription = setup.client
      .subscribe<{ transactionCreated: Line }>({ query: CREATED, variables: { accountId: '123' } })
      .subscribe({
        next: ({ data }) => {
          const line = data?.transactionCreated;
          if (line) setReceived((lines) => [...lines.slice(1 - LOG_LIMIT), line]);
        },
        error: (error: unknown) => setFailure(`subscription failed: ${(error as Error).message}`),
      });
    return () => subscription.unsubscribe();
  }, [setup]);

  const create = async () => {
    if (!setup || amountError) return;
    setFailure(null);
    try {
      const { data } = await setup.client.mutate<{ createTransaction: Line }>({
        mutation: CREATE,
        variables: { input: { accountId: '123', amount: euros, description, merchantId: 'm-books' } },
      });
      const line = data?.createTransaction;
      if (line) setSent((lines) => [...lines.slice(1 - LOG_LIMIT), line]);
    } catch (error: unknown) {
      setFailure((error as Error).message);
    }
  };

  const refetch = async () => {
    if (!setup) return;
    setFailure(null);
    try {
      const { data } = await setup.client.query<{ account: { transactions: Line[] } | null }>({
        query: LATEST,
        variables: { id: '123' },
        fetchPolicy: 'network-only',
      });
      const seen = new Set(received.map((line) => line.id));
      const sentIds = new Set(sent.map((line) => line.id));
      // What this widget created but never heard about: lost while the socket was down.
      setMissed((data?.account?.transactions ?? []).filter((t) => sentIds.has(t.id) && !seen.has(t.id)));
    } catch (error: unknown) {
      setFailure((error as Error).message);
    }
  };

  return (
    <WidgetFrame
      title="Mutation here, subscription there"
      testId="gql-subscription"
      status={
        <span className={ui.state} data-testid="gql-ws-state" data-state={state}>
          {state}
        </span>
      }
    >
      <div className={ui.columns}>
        <div className={styles.pane} data-testid="gql-mutation-pane">
          <p className={ui.label}>Pane 1: mutation over HTTP</p>
          <form
            className={ui.stack}
            onSubmit={(e) => {
              e.preventDefault();
              void create();
            }}
          >
            <div className={ui.row}>
              <label htmlFor={descriptionId}>Description</label>
              <input
                id={descriptionId}
                className="lab-input"
                data-testid="gql-mutate-description"
                value={description}
                onChange={(e) => setDescription(e.target.value)}
              />
            </div>
            <div className={ui.row}>
              <label htmlFor={amountId}>Amount (€)</label>
              <input
                id={amountId}
                className={`lab-input ${ui.numberInput}`}
                data-testid="gql-mutate-amount"
                inputMode="decimal"
                aria-invalid={amountError !== null}
                value={amount}
                onChange={(e) => setAmount(e.target.value)}
              />
              <button
                type="submit"
                className="lab-button"
                data-testid="gql-mutate-send"
                disabled={!setup || amountError !== null}
              >
                createTransaction
              </button>
            </div>
            {amountError && (
              <p className={ui.error} data-testid="gql-mutate-amount-error">
                {amountError}
              </p>
            )}
          </form>
          <ol ref={sentRef} className={`${ui.log} ${styles.log}`} data-testid="gql-sent" aria-label="Created">
            {sent.length === 0 && <li className={ui.empty}>Nothing created yet.</li>}
            {sent.map((line) => (
              <li key={line.id} data-id={line.id}>
                {line.id} {line.description} {line.amount.toFixed(2)} €
              </li>
            ))}
          </ol>
        </div>
        <div className={styles.pane} data-testid="gql-subscriber-pane">
          <p className={ui.label}>Pane 2: transactionCreated over WebSocket</p>
          <ol
            ref={receivedRef}
            className={`${ui.log} ${styles.log}`}
            data-testid="gql-received"
            aria-label="Received"
            aria-live="polite"
          >
            {received.length === 0 && <li className={ui.empty}>Listening for account 123…</li>}
            {received.map((line) => (
              <li key={line.id} data-id={line.id}>
                {line.id} {line.description} {line.amount.toFixed(2)} €
              </li>
            ))}
          </ol>
          <div className={ui.row}>
            <DropButton target="graphql-ws" />
            <button
              type="button"
              className="lab-button"
              data-testid="gql-refetch"
              disabled={!setup}
              onClick={() => void refetch()}
            >
              Refetch
            </button>
          </div>
          {missed && (
            <div data-testid="gql-missed" data-count={missed.length}>
              <p className={ui.note}>
                {missed.length === 0
                  ? 'The refetch found nothing you missed.'
                  : `The refetch found ${missed.length} transaction${missed.length === 1 ? '' : 's'} the subscription never delivered:`}
              </p>
              <ul className={`${ui.log} ${styles.log}`}>
                {missed.map((line) => (
                  <li key={line.id} data-id={line.id}>
                    {line.id} {line.description}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      </div>
      {failure && <p className={ui.error}>{failure}</p>}
    </WidgetFrame>
  );
}
