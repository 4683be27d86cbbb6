'use client';

import { useRef, useState } from 'react';
import { readStream } from '../../components/lab/clients/stream';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { problemMessageIn } from '../../lib/problem';
import styles from './widgets.module.css';

interface Run {
  text: string;
  state: 'idle' | 'waiting' | 'receiving' | 'completed' | 'cancelled' | 'failed';
  firstMs: number | null;
  totalMs: number | null;
}

const IDLE: Run = { text: '', state: 'idle', firstMs: null, totalMs: null };

/**
 * The same answer two ways, side by side: streamed (each token read from the
 * body as it arrives) and complete (one body after the last token).
 */
export function TokensWidget() {
  const { record } = useLab();
  const [pace, setPace] = useState('40');
  const [count, setCount] = useState('120');
  const [streamed, setStreamed] = useState<Run>(IDLE);
  const [complete, setComplete] = useState<Run>(IDLE);
  const controller = useRef<AbortController | null>(null);
  const running = streamed.state === 'waiting' || streamed.state === 'receiving' || complete.state === 'waiting';

  const runOne = async (mode: 'stream' | 'complete', set: (update: (r: Run) => Run) => void, signal: AbortSignal) => {
    set(() => ({ ...IDLE, state: 'waiting' }));
    const decoder = new TextDecoder();
    // A field left empty is left out: the server then uses its default.
    const query = new URLSearchParams({ mode });
    if (count.trim()) query.set('tokens', count.trim());
    if (pace.trim()) query.set('pace', pace.trim());
    const outcome = await readStream(record, `/api/stream/tokens?${query}`, {
      label: mode === 'stream' ? 'token stream' : 'complete answer',
      signal,
      onChunk: (chunk, progress) => {
        const text = decoder.decode(chunk, { stream: true });
        set((r) => ({ ...r, state: 'receiving', text: r.text + text, firstMs: r.firstMs ?? progress.firstByteMs }));
      },
    });
    set((r) => {
      // A refusal arrives as a problem+json body: show what the server said, not the JSON.
      if (outcome.status >= 400) {
        const why = problemMessageIn(r.text) ?? 'no reason given';
        return { ...r, state: 'failed', totalMs: null, text: `The lab answered ${outcome.status}: ${why}` };
      }
      return { ...r, state: outcome.ending, totalMs: outcome.ending === 'completed' ? outcome.elapsedMs : null };
    });
  };

  const run = () => {
    controller.current = new AbortController();
    const { signal } = controller.current;
    void runOne('stream', setStreamed, signal);
    void runOne('complete', setComplete, signal);
  };

  return (
    <WidgetFrame title="GET /api/stream/tokens — streamed vs complete" testId="tokens-widget">
      <div className={`${ui.row} ${styles.row}`}>
        <label>
          Pace (ms per token){' '}
          <input
            className={`lab-input ${styles.small}`}
            data-testid="tokens-pace"
            value={pace}
            onChange={(e) => setPace(e.target.value)}
          />
        </label>
        <label>
          Tokens{' '}
          <input
            className={`lab-input ${styles.small}`}
            data-testid="tokens-count"
            value={count}
            onChange={(e) => setCount(e.target.value)}
          />
        </label>
        <button type="button" className="lab-button" data-testid="tokens-run" disabled={running} onClick={run}>
          Ask both
        </button>
        <button
          type="button"
          className="lab-button"
          data-variant="danger"
          data-testid="tokens-cancel"
          disabled={!running}
          onClick={() => controller.current?.abort()}
        >
          Cancel
        </button>
      </div>
      <div className={ui.columns}>
        <RunPanel title="Streamed (read as it arrives)" run={streamed} testId="tokens-stream" />
        <RunPanel title="Complete (wait for everything)" run={complete} testId="tokens-complete" />
      </div>
    </WidgetFrame>
  );
}

function RunPanel({ title, run, testId }: { title: string; run: Run; testId: string }) {
  // The answer grows at the bottom: keep its newest words in view, like a chat reply.
  const answerRef = useLogTail<HTMLParagraphElement>(run.text.length);
  return (
    <div className={styles.panel} data-testid={testId} data-state={run.state}>
      <h4>{title}</h4>
      <dl className={styles.figures}>
        <dt>State</dt>
        <dd data-testid={`${testId}-state`}>{run.state}</dd>
        <dt>First token</dt>
        <dd data-testid={`${testId}-first`}>{run.firstMs === null ? '—' : `${run.firstMs.toFixed(0)} ms`}</dd>
        <dt>Full answer</dt>
        <dd data-testid={`${testId}-total`}>{run.totalMs === null ? '—' : `${run.totalMs.toFixed(0)} ms`}</dd>
      </dl>
      <p ref={answerRef} className={styles.answer} data-testid={`${testId}-text`}>
        {run.text}
      </p>
    </div>
  );
}
