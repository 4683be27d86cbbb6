'use client';

import { useId, useState } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { CodeBlock } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import styles from './widgets.module.css';

interface Answer {
  status: number;
  statusText: string;
  contentType: string;
  /** The body, pretty-printed when it is JSON. */
  body: string;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * One plain HTTP request from the browser: GET /api/intro/accounts/:id.
 * The server answers from the session's own bank with two SQL queries, so
 * one click shows browser, server and database events on the timeline.
 */
export function RequestWidget() {
  const { fetch: labFetch } = useLab();
  const inputId = useId();
  const [accountId, setAccountId] = useState('123');
  const [pending, setPending] = useState(false);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const send = async () => {
    setPending(true);
    setFailure(null);
    try {
      const response = await labFetch(`/api/intro/accounts/${encodeURIComponent(accountId.trim())}`);
      setAnswer({
        status: response.status,
        statusText: response.statusText,
        contentType: response.headers.get('content-type') ?? '',
        body: prettyJson(await response.text()),
      });
    } catch (error: unknown) {
      setAnswer(null);
      setFailure(`The request never got an answer: ${(error as Error).message}`);
    } finally {
      setPending(false);
    }
  };

  return (
    <WidgetFrame title="GET /api/intro/accounts/:id" testId="request-widget">
      <form
        className={ui.row}
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label htmlFor={inputId}>Account</label>
        <input
          id={inputId}
          className={`lab-input ${styles.accountInput}`}
          data-testid="account-id"
          value={accountId}
          onChange={(e) => setAccountId(e.target.value)}
          spellCheck={false}
        />
        <button type="submit" className="lab-button" data-testid="send-request" disabled={pending || !accountId.trim()}>
          {pending ? 'Sending…' : 'Send request'}
        </button>
      </form>
      {failure && <p className={ui.error}>{failure}</p>}
      {answer && <AnswerView answer={answer} />}
    </WidgetFrame>
  );
}

function AnswerView({ answer }: { answer: Answer }) {
  const ok = answer.status >= 200 && answer.status < 300;
  return (
    <div data-testid="request-result">
      <p className={styles.statusLine}>
        <span className={`${ui.pill} ${styles.statusCode}`} data-ok={ok} data-testid="request-status">
          {answer.status} {answer.statusText}
        </span>
        <code>{answer.contentType}</code>
      </p>
      <CodeBlock className={styles.body}>{answer.body}</CodeBlock>
    </div>
  );
}
