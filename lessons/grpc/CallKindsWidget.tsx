'use client';

import { useState } from 'react';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import { errorText, postLab, useAccountClient } from './grpc';
import styles from './widgets.module.css';

interface Line {
  dir: 'sent' | 'received';
  at: number;
  text: string;
}

interface LabRun {
  code: string;
  message?: string;
  transcript: Line[];
}

type Kind = 'unary' | 'server' | 'client' | 'bidi';

const TITLES: Record<Kind, string> = {
  unary: 'Unary — GetAccount (from this browser)',
  server: 'Server streaming — StreamTransactions (from this browser)',
  client: 'Client streaming — UploadLogs (the lab’s HTTP/2 client, for you)',
  bidi: 'Bidirectional — LiveSupport (the lab’s HTTP/2 client, for you)',
};

/** Experiment 4: the four kinds of call; the two a browser can't make are run by the lab's HTTP/2 client. */
export function CallKindsWidget() {
  const { fetch } = useLab();
  const client = useAccountClient();
  const [lines, setLines] = useState<Partial<Record<Kind, Line[]>>>({});
  const [codes, setCodes] = useState<Partial<Record<Kind, string>>>({});
  const [busy, setBusy] = useState<Kind | null>(null);

  const run = async (kind: Kind) => {
    setBusy(kind);
    const t0 = performance.now();
    const out: Line[] = [];
    const push = (dir: Line['dir'], text: string) => {
      out.push({ dir, at: performance.now() - t0, text });
      setLines((all) => ({ ...all, [kind]: [...out] }));
    };
    setLines((all) => ({ ...all, [kind]: [] }));
    try {
      if (kind === 'unary') {
        push('sent', 'GetAccount { accountId: "123" }');
        const { account } = await client.getAccount({ accountId: '123' });
        push('received', `${account?.owner}: ${account?.balance?.cents} cents`);
        setCodes((c) => ({ ...c, [kind]: 'ok' }));
      } else if (kind === 'server') {
        push('sent', 'StreamTransactions { accountId: "123", limit: 5, intervalMs: 150 }');
        for await (const { transaction } of client.streamTransactions({ accountId: '123', limit: 5, intervalMs: 150 })) {
          push('received', `#${transaction?.sequence} ${transaction?.description} ${transaction?.amountCents}`);
        }
        setCodes((c) => ({ ...c, [kind]: 'ok' }));
      } else {
        const path = kind === 'client' ? '/api/grpc/lab/upload-logs' : '/api/grpc/lab/live-support';
        const result = await postLab<LabRun>(fetch, path, {});
        setLines((all) => ({ ...all, [kind]: result.transcript }));
        setCodes((c) => ({ ...c, [kind]: result.code }));
      }
    } catch (error: unknown) {
      setCodes((c) => ({ ...c, [kind]: errorText(error) }));
    } finally {
      setBusy(null);
    }
  };

  return (
    <WidgetFrame title="Four kinds of call" testId="grpc-kinds-widget">
      <div className={styles.columns}>
        {(Object.keys(TITLES) as Kind[]).map((kind) => (
          <div key={kind} data-testid={`kind-${kind}`} data-code={codes[kind] ?? ''}>
            <h4>{TITLES[kind]}</h4>
            <button
              type="button"
              className="lab-button"
              disabled={busy !== null}
              onClick={() => void run(kind)}
              data-testid={`kind-${kind}-run`}
            >
              {busy === kind ? 'Running…' : 'Run'}
            </button>
            {codes[kind] && <span className={styles.muted}> status: {codes[kind]}</span>}
            <ol className={`${styles.muted} ${styles.callLines}`}>
              {(lines[kind] ?? []).map((line) => (
                <li
                  key={`${line.dir}-${line.at}`}
                  className={line.dir === 'sent' ? styles.sent : styles.received}
                  data-testid={`kind-${kind}-line`}
                  data-dir={line.dir}
                >
                  {line.dir === 'sent' ? '→' : '←'} {line.at.toFixed(0)} ms {line.text}
                </li>
              ))}
            </ol>
          </div>
        ))}
      </div>
    </WidgetFrame>
  );
}
