'use client';

import { useEffect, useState } from 'react';
import { getLabJson } from '../../components/lab/clients/plumbing';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { JSON_HEADERS, jsonOf } from './shared';
import styles from './widgets.module.css';

/** What this page's code believes an account looks like: written against v1, never checked. */
interface AccountV1 {
  owner: string;
  balanceCents: number;
}

/** Experiment 7: the server renames a field; the client keeps going and shows `undefined`. */
export function ContractWidget() {
  const { fetch: labFetch } = useLab();
  const [version, setVersion] = useState<number | null>(null);
  const [shown, setShown] = useState<{ status: number; holder: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getLabJson<{ version: number }>('/api/rest/deployment')
      .then((d) => setVersion(d.version))
      .catch(() => undefined);
  }, []);

  const refresh = async () => {
    const response = await labFetch('/api/accounts/123', { protocol: 'rest', cache: 'no-store' });
    const account = await jsonOf<AccountV1>(response);
    // Exactly what a typical client does: trust the shape. `String(undefined)` is "undefined".
    setShown({ status: response.status, holder: String(account?.owner) });
  };

  const deploy = async (next: 1 | 2) => {
    setBusy(true);
    try {
      const response = await labFetch('/api/rest/deployment', {
        method: 'PUT',
        protocol: 'rest',
        headers: JSON_HEADERS,
        body: JSON.stringify({ version: next }),
      });
      const body = await jsonOf<{ version: number }>(response);
      if (body) setVersion(body.version);
      await refresh();
    } finally {
      setBusy(false);
    }
  };

  return (
    <WidgetFrame
      title="A client written against v1"
      testId="rest-contract"
      status={version === null ? null : <span data-testid="contract-version">server runs v{version}</span>}
    >
      <div className={ui.stack}>
        <div className={ui.row}>
          <button
            type="button"
            className="lab-button"
            data-variant="secondary"
            data-testid="contract-refresh"
            disabled={busy}
            onClick={() => void refresh()}
          >
            Refresh
          </button>
          <button
            type="button"
            className="lab-button"
            data-variant={version === 2 ? 'secondary' : 'danger'}
            data-testid="contract-deploy"
            disabled={busy || version === null}
            onClick={() => void deploy(version === 2 ? 1 : 2)}
          >
            {version === 2 ? 'Roll back to v1' : 'Deploy v2'}
          </button>
        </div>
        {shown && (
          <p>
            <span className={`${ui.pill} ${styles.badge}`} data-ok={shown.status < 400} data-testid="contract-status">
              {shown.status}
            </span>{' '}
            Account holder: <strong data-testid="contract-holder">{shown.holder}</strong>
          </p>
        )}
      </div>
    </WidgetFrame>
  );
}
