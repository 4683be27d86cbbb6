'use client';

import { useId, useState } from 'react';
import { getLabJson } from '../../components/lab/clients/plumbing';
import { postFault } from '../../components/lab/faults-client';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import type { FaultState } from '../../lib/faults';
import { problemMessage } from '../../lib/problem';
import { euros, JSON_HEADERS, jsonOf, waitForServerEvent } from './shared';
import styles from './widgets.module.css';

interface BankState {
  owner: string;
  balanceCents: number;
  cards: number;
  transactions: number;
}

interface Attempt {
  label: string;
  status: string;
  state: BankState | null;
}

const COFFEE = { accountId: '123', merchantId: 'm-coffee', amountCents: 350, description: 'Flat white' };

/** The three writes the widget repeats: one idempotent by construction each, and POST. */
const WRITES = {
  PUT: {
    path: '/api/accounts/123',
    init: { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify({ owner: 'Ada King', currency: 'EUR' }) },
  },
  DELETE: { path: '/api/accounts/123/cards/c-1', init: { method: 'DELETE' } },
  POST: { path: '/api/transactions', init: { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(COFFEE) } },
} as const;
type Write = keyof typeof WRITES;

/** Latency switched on for the "lose the response" run: long enough for the drop to land after the commit. */
const HOLD_MS = 1500;

/** fetch can only put Latin-1 in a header value; within that, the server asks for visible ASCII, and says so. */
const beyondLatin1 = (text: string) => [...text].some((ch) => (ch.codePointAt(0) ?? 0) > 0xff);

const newKey = () => `pay-${Math.random().toString(36).slice(2, 10)}`;

/**
 * Experiment 2: the same request sent three times (PUT and DELETE leave one
 * state, POST makes three payments), then a POST with an Idempotency-Key
 * whose response is lost after the server committed it, and its retry.
 */
export function IdempotencyWidget() {
  const { fetch: labFetch, store } = useLab();
  const ids = useId();
  const [busy, setBusy] = useState(false);
  const [attempts, setAttempts] = useState<Attempt[]>([]);
  const [key, setKey] = useState(newKey);
  const [keyLog, setKeyLog] = useState<string[]>([]);
  const [count, setCount] = useState<number | null>(null);
  const attemptsRef = useLogTail<HTMLOListElement>(attempts.length);
  const keyLogRef = useLogTail<HTMLOListElement>(keyLog.length);

  /** The state a student cares about, read with no-store so every read reaches the server. */
  const readState = async (): Promise<BankState | null> => {
    const account = await jsonOf<{ owner?: string; balanceCents: number; cards: unknown[] }>(
      await labFetch('/api/accounts/123', { protocol: 'rest', cache: 'no-store' }),
    );
    const list = await jsonOf<{ transactions: unknown[] }>(
      await labFetch('/api/accounts/123/transactions', { protocol: 'rest', cache: 'no-store' }),
    );
    if (!account || !list) return null;
    setCount(list.transactions.length);
    return {
      owner: String(account.owner),
      balanceCents: account.balanceCents,
      cards: account.cards.length,
      transactions: list.transactions.length,
    };
  };

  const run = async (task: () => Promise<void>) => {
    setBusy(true);
    try {
      await task();
    } finally {
      setBusy(false);
    }
  };

  const threeTimes = (write: Write) =>
    run(async () => {
      const { path, init } = WRITES[write];
      for (let i = 1; i <= 3; i++) {
        let status: string;
        try {
          const response = await labFetch(path, { ...init, protocol: 'rest' });
          status = `${response.status} ${response.statusText}`;
        } catch (error: unknown) {
          status = `no response (${(error as Error).message})`;
        }
        const state = await readState().catch(() => null);
        setAttempts((list) => [...list, { label: `${write} #${i}`, status, state }]);
      }
    });

  /** One POST with the key; reports what came back (or that nothing did). */
  const payWithKey = async (): Promise<void> => {
    // fetch itself refuses a header beyond Latin-1 (an emoji, say) before anything is sent: that is no lost response.
    if (beyondLatin1(key)) {
      setKeyLog((log) => [
        ...log,
        'not sent: the key holds a character an HTTP header cannot carry. Keys are visible ASCII, e.g. a UUID.',
      ]);
      return;
    }
    try {
      const response = await labFetch('/api/transactions', {
        method: 'POST',
        protocol: 'rest',
        headers: { ...JSON_HEADERS, 'Idempotency-Key': key },
        body: JSON.stringify(COFFEE),
      });
      const body = await jsonOf<{ id?: string }>(response);
      const replayed = response.headers.get('Idempotent-Replayed') === 'true';
      // A refusal (a key the server won't take, a body that doesn't match the key) says why in its problem detail.
      const why = response.ok ? undefined : problemMessage(body);
      setKeyLog((log) => [
        ...log,
        `${response.status} ${response.statusText}${body?.id ? ` · ${body.id}` : ''}${why ? ` · ${why}` : ''}${replayed ? ' · Idempotent-Replayed: true (stored answer, nothing new created)' : ''}`,
      ]);
    } catch (error: unknown) {
      // labFetch rejects both when nothing came back and when the body was cut off mid-way:
      // either way this code never got the transaction it asked for.
      setKeyLog((log) => [...log, `the response never arrived whole (${(error as Error).message}): did the payment go through?`]);
    }
    await readState().catch(() => null);
  };

  /**
   * The lost response, made precise: hold responses for HOLD_MS, send the POST,
   * wait until the server has committed it (its INSERT shows up on the timeline),
   * then drop the session's in-flight REST connections through the fault API.
   */
  const payAndLoseResponse = () =>
    run(async () => {
      const before = await getLabJson<FaultState>('/api/lab/faults').catch(() => ({ latencyMs: 0 }));
      await postFault(labFetch, { action: 'latency', ms: HOLD_MS });
      const committed = waitForServerEvent(
        store,
        (e) => e.origin === 'db' && /^INSERT INTO transactions/.test(e.detail?.sql ?? ''),
        4 * HOLD_MS,
      );
      const paying = payWithKey();
      if (await committed.promise) {
        await postFault(labFetch, { action: 'drop', target: 'rest' });
      } else {
        setKeyLog((log) => [...log, 'the commit never showed up on the timeline, so nothing was dropped']);
      }
      await paying;
      await postFault(labFetch, { action: 'latency', ms: before.latencyMs });
    });

  return (
    <WidgetFrame title="Send it again" testId="rest-idempotency">
      <div className={ui.stack}>
        <div className={ui.row}>
          {(Object.keys(WRITES) as Write[]).map((write) => (
            <button
              key={write}
              type="button"
              className="lab-button"
              data-testid={`idem-${write.toLowerCase()}`}
              disabled={busy}
              onClick={() => void threeTimes(write)}
            >
              {write} ×3
            </button>
          ))}
        </div>
        <p className={ui.note}>
          PUT renames account 123&apos;s owner to Ada King · DELETE cancels card c-1 · POST pays {euros(COFFEE.amountCents)} for a
          coffee.
        </p>
        {attempts.length > 0 && (
          <ol ref={attemptsRef} className={`${ui.log} ${styles.log}`} data-testid="idem-log">
            {attempts.map((a, i) => (
              <li
                // biome-ignore lint/suspicious/noArrayIndexKey: an append-only log
                key={i}
                data-testid="idem-attempt"
                data-status={a.status.split(' ')[0]}
                data-transactions={a.state?.transactions}
                data-cards={a.state?.cards}
                data-owner={a.state?.owner}
              >
                {a.label} → {a.status}
                {a.state &&
                  ` · owner ${a.state.owner} · balance ${euros(a.state.balanceCents)} · cards ${a.state.cards} · transactions ${a.state.transactions}`}
              </li>
            ))}
          </ol>
        )}

        <h4 className={ui.label}>Idempotency-Key</h4>
        <div className={ui.row}>
          <label htmlFor={`${ids}-key`}>Key</label>
          <input
            id={`${ids}-key`}
            className={`lab-input ${ui.mono}`}
            data-testid="idem-key"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            spellCheck={false}
          />
          <button
            type="button"
            className="lab-button"
            data-variant="secondary"
            data-testid="idem-new-key"
            disabled={busy}
            onClick={() => setKey(newKey())}
          >
            New key
          </button>
        </div>
        <div className={ui.row}>
          <button
            type="button"
            className="lab-button"
            data-testid="idem-pay"
            disabled={busy || !key}
            onClick={() => void run(payWithKey)}
          >
            Pay with this key
          </button>
          <button
            type="button"
            className="lab-button"
            data-variant="danger"
            data-testid="idem-lose"
            disabled={busy || !key}
            onClick={() => void payAndLoseResponse()}
          >
            Pay, and lose the response after the commit
          </button>
          {count !== null && (
            <span data-testid="idem-count" data-count={count}>
              account 123 has {count} transactions
            </span>
          )}
        </div>
        <p className={ui.note}>
          The second button turns on {HOLD_MS} ms of latency for the attempt, waits for the server&apos;s INSERT on the timeline,
          then drops your in-flight REST connection with the fault API (target <code>rest</code>), and puts your latency back.
        </p>
        {keyLog.length > 0 && (
          <ol ref={keyLogRef} className={`${ui.log} ${styles.log}`} data-testid="idem-key-log">
            {keyLog.map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: an append-only log
              <li key={i} data-testid="idem-key-line">
                {line}
              </li>
            ))}
          </ol>
        )}
      </div>
    </WidgetFrame>
  );
}
