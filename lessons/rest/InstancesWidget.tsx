'use client';

import { useEffect, useState } from 'react';
import { getLabJson } from '../../components/lab/clients/plumbing';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { problemMessage } from '../../lib/problem';
import { euros, JSON_HEADERS, jsonOf } from './shared';
import styles from './widgets.module.css';

interface InstanceStatus {
  name: string;
  running: boolean;
}
interface Served {
  /** Null when no instance answered (the balancer itself refused: both are stopped). */
  instance: string | null;
  status: number;
  etag: string;
  balanceCents: number | null;
  /** The problem's title when the request failed, e.g. "No instance running". */
  problem: string | null;
}

/** Experiment 4: ten requests through the lab's round-robin, and an instance to stop. */
export function InstancesWidget() {
  const { fetch: labFetch } = useLab();
  const [instances, setInstances] = useState<InstanceStatus[]>([
    { name: 'A', running: true },
    { name: 'B', running: true },
  ]);
  const [served, setServed] = useState<Served[]>([]);
  const [busy, setBusy] = useState(false);
  /** Why the latest request failed, in the server's words (said once, not on every row). */
  const [failure, setFailure] = useState<string | null>(null);
  const logRef = useLogTail<HTMLOListElement>(served.length);

  useEffect(() => {
    getLabJson<{ instances: InstanceStatus[] }>('/api/rest/instances')
      .then((r) => setInstances(r.instances))
      .catch(() => undefined);
  }, []);

  const sendTen = async () => {
    setBusy(true);
    setServed([]);
    setFailure(null);
    try {
      for (let i = 0; i < 10; i++) {
        // no-store: every request must reach an instance, not the browser cache.
        const response = await labFetch('/api/accounts/123', { protocol: 'rest', cache: 'no-store' });
        const body = await jsonOf<{ balanceCents?: number; title?: unknown }>(response);
        const row: Served = {
          instance: response.headers.get('X-Lab-Instance'),
          status: response.status,
          etag: response.headers.get('ETag') ?? '',
          balanceCents: response.ok ? (body?.balanceCents ?? null) : null,
          problem: response.ok ? null : typeof body?.title === 'string' ? body.title : response.statusText,
        };
        if (!response.ok) setFailure(`${response.status}: ${problemMessage(body) ?? response.statusText}`);
        setServed((list) => [...list, row]);
      }
    } catch (error: unknown) {
      setFailure(`No response: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const toggle = async (name: string, running: boolean) => {
    setBusy(true);
    try {
      const response = await labFetch(`/api/rest/instances/${name}`, {
        method: 'PUT',
        protocol: 'rest',
        headers: JSON_HEADERS,
        body: JSON.stringify({ running }),
      });
      const body = await jsonOf<{ instances: InstanceStatus[] }>(response);
      if (body) setInstances(body.instances);
    } finally {
      setBusy(false);
    }
  };

  return (
    <WidgetFrame title="Two instances, one round-robin" testId="rest-instances">
      <div className={ui.stack}>
        <div className={ui.row}>
          <button type="button" className="lab-button" data-testid="inst-send" disabled={busy} onClick={() => void sendTen()}>
            Send 10 requests
          </button>
          {instances.map((inst) => (
            <button
              key={inst.name}
              type="button"
              className="lab-button"
              data-variant={inst.running ? 'danger' : 'secondary'}
              data-testid={`inst-toggle-${inst.name.toLowerCase()}`}
              data-running={inst.running}
              disabled={busy}
              onClick={() => void toggle(inst.name, !inst.running)}
            >
              {inst.running ? `Kill instance ${inst.name}` : `Restart instance ${inst.name}`}
            </button>
          ))}
        </div>
        {served.length > 0 && (
          <ol ref={logRef} className={`${ui.log} ${styles.log}`} data-testid="inst-log">
            {served.map((s, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: an append-only log
              <li key={i} data-testid="inst-row" data-instance={s.instance ?? 'none'} data-status={s.status}>
                {s.problem === null
                  ? `#${i + 1} instance ${s.instance ?? '?'} → ${s.status} · balance ${s.balanceCents === null ? '—' : euros(s.balanceCents)} · ETag ${s.etag}`
                  : `#${i + 1} ${s.instance ? `instance ${s.instance}` : 'no instance'} → ${s.status} · ${s.problem}`}
              </li>
            ))}
          </ol>
        )}
        {failure && (
          <p className={ui.error} data-testid="inst-error">
            {failure}
          </p>
        )}
      </div>
    </WidgetFrame>
  );
}
