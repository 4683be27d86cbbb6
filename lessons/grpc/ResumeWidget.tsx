'use client';

import { Code, ConnectError } from '@connectrpc/connect';
import { useRef, useState } from 'react';
import { DropButton } from '../../components/lab/DropButton';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import { useAccountClient } from './grpc';
import styles from './widgets.module.css';

const TOTAL = 20;
const INTERVAL_MS = 300;
/** Wait before resuming after a failure, so the drop is visible on the timeline. */
const RESUME_DELAY_MS = 500;
const MAX_ATTEMPTS = 5;

/**
 * Experiment 5: a long StreamTransactions that resumes after a dropped
 * connection. The cursor is the last sequence number received: the retry asks
 * for what comes after it, so nothing is missed and nothing repeats.
 */
export function ResumeWidget() {
  const client = useAccountClient();
  const [sequences, setSequences] = useState<number[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const [state, setState] = useState<'idle' | 'streaming' | 'resuming' | 'done' | 'failed'>('idle');
  const running = useRef(false);

  const start = async () => {
    if (running.current) return;
    running.current = true;
    setSequences([]);
    setErrors([]);
    let cursor = 0n;
    let failures = 0;
    try {
      while (cursor < BigInt(TOTAL)) {
        setState('streaming');
        try {
          const left = TOTAL - Number(cursor);
          for await (const { transaction } of client.streamTransactions({
            accountId: '123',
            afterSequence: cursor,
            limit: left,
            intervalMs: INTERVAL_MS,
          })) {
            if (!transaction) continue;
            cursor = transaction.sequence;
            setSequences((all) => [...all, Number(transaction.sequence)]);
          }
        } catch (error: unknown) {
          const e = ConnectError.from(error);
          setErrors((all) => [...all, `[${Code[e.code]}] ${e.rawMessage} — resuming after #${cursor}`]);
          if (++failures >= MAX_ATTEMPTS) {
            setState('failed');
            return;
          }
          setState('resuming');
          await new Promise((resolve) => setTimeout(resolve, RESUME_DELAY_MS));
        }
      }
      setState('done');
    } finally {
      running.current = false;
    }
  };

  return (
    <WidgetFrame
      title="StreamTransactions with a resume cursor"
      status={<span data-testid="resume-state">{state}</span>}
      testId="grpc-resume-widget"
    >
      <div className={styles.row}>
        <button
          type="button"
          className="lab-button"
          onClick={() => void start()}
          disabled={state === 'streaming' || state === 'resuming'}
          data-testid="resume-start"
        >
          Stream {TOTAL} transactions
        </button>
        <DropButton target="grpc" />
      </div>
      <p data-testid="resume-sequences">{sequences.join(' ')}</p>
      {errors.length > 0 && (
        <ul className={styles.error} data-testid="resume-errors">
          {errors.map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: an append-only log
            <li key={i}>{e}</li>
          ))}
        </ul>
      )}
    </WidgetFrame>
  );
}
