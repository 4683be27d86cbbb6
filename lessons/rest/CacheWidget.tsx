'use client';

import { useState } from 'react';
import { labResponseInfo } from '../../components/lab/clients/fetch';
import { useLab } from '../../components/lab/LabProvider';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { utf8Bytes, waitForServerEvent } from './shared';
import styles from './widgets.module.css';

interface Row {
  what: string;
  /** What the page's code got. */
  browser: string;
  /** What the server did: its response, or nothing at all. */
  server: string;
  source: 'cache' | 'network' | '304';
}

/**
 * Experiment 3: a max-age resource answered by the browser's own cache, a
 * revalidation answered 304 with no body, and no-cache vs no-store side by side.
 */
export function CacheWidget() {
  const { fetch: labFetch, store } = useLab();
  const [rows, setRows] = useState<Row[]>([]);
  const [saved, setSaved] = useState(0);
  const [busy, setBusy] = useState(false);
  /** The account's last full representation: its ETag and size, for the If-None-Match demo. */
  const [known, setKnown] = useState<{ etag: string; bytes: number } | null>(null);

  /**
   * One GET; then the server's side of it, looked up on the timeline by the
   * exchange's trace id (a cache hit never reaches the server, so none comes).
   */
  const get = async (what: string, path: string, init: RequestInit = {}) => {
    const response = await labFetch(path, { ...init, protocol: 'rest' });
    const text = await response.text();
    const info = labResponseInfo(response);
    const bytes = utf8Bytes(text);
    let server = 'nothing: the request never left the browser';
    if (info?.cache !== 'hit') {
      const seen = await waitForServerEvent(
        store,
        (e) => e.origin === 'server' && e.kind === 'response' && e.stream === info?.trace,
        3_000,
        0, // the trace id is unique, so an event that came in before this call is the one
      ).promise;
      server = seen ? `${seen.detail?.status} with ${seen.bytes} body bytes` : 'no event yet';
    }
    const source: Row['source'] =
      info?.cache === 'hit' ? 'cache' : response.status === 304 || server.startsWith('304') ? '304' : 'network';
    setRows((list) => [
      ...list,
      {
        what,
        browser: `${response.status} ${response.statusText}, ${bytes} bytes${info?.cache === 'hit' ? ' (browser cache)' : ''}`,
        server,
        source,
      },
    ]);
    return { response, bytes, source };
  };

  const run = async (task: () => Promise<void>) => {
    setBusy(true);
    try {
      await task();
    } finally {
      setBusy(false);
    }
  };

  const getMerchant = () =>
    run(async () => {
      const { bytes, source } = await get('GET merchant (max-age=60)', '/api/merchants/m-coffee');
      if (source === 'cache') setSaved((n) => n + bytes);
    });

  const revalidate = () =>
    run(async () => {
      let current = known;
      if (!current) {
        const { response, bytes } = await get('GET account (to learn its ETag)', '/api/accounts/123', { cache: 'no-store' });
        current = { etag: response.headers.get('etag') ?? '', bytes };
        setKnown(current);
      }
      // Setting If-None-Match ourselves makes fetch skip the browser cache and hand us the 304 as is.
      const { response, bytes, source } = await get(`GET account, If-None-Match: ${current.etag}`, '/api/accounts/123', {
        headers: { 'If-None-Match': current.etag },
      });
      if (source === '304') setSaved((n) => n + (current?.bytes ?? 0));
      else setKnown({ etag: response.headers.get('etag') ?? '', bytes });
    });

  const noCache = () => run(async () => void (await get('GET account (no-cache)', '/api/accounts/123')));
  const noStore = () => run(async () => void (await get('GET transactions (no-store)', '/api/accounts/123/transactions')));

  return (
    <WidgetFrame title="HTTP caching" testId="rest-cache">
      <div className={ui.stack}>
        <div className={ui.row}>
          <button
            type="button"
            className="lab-button"
            data-testid="cache-merchant"
            disabled={busy}
            onClick={() => void getMerchant()}
          >
            GET merchant
          </button>
          <button
            type="button"
            className="lab-button"
            data-testid="cache-revalidate"
            disabled={busy}
            onClick={() => void revalidate()}
          >
            Revalidate account (If-None-Match)
          </button>
          <button
            type="button"
            className="lab-button"
            data-variant="secondary"
            data-testid="cache-no-cache"
            disabled={busy}
            onClick={() => void noCache()}
          >
            GET account (no-cache)
          </button>
          <button
            type="button"
            className="lab-button"
            data-variant="secondary"
            data-testid="cache-no-store"
            disabled={busy}
            onClick={() => void noStore()}
          >
            GET transactions (no-store)
          </button>
        </div>
        <dl className={styles.figures}>
          <div>
            <dt>Body bytes saved</dt>
            <dd data-testid="cache-saved" data-bytes={saved}>
              {saved}
            </dd>
          </div>
          <div>
            <dt>Answered by the browser cache</dt>
            <dd data-testid="cache-hits">{rows.filter((r) => r.source === 'cache').length}</dd>
          </div>
          <div>
            <dt>304s</dt>
            <dd data-testid="cache-304s">{rows.filter((r) => r.source === '304').length}</dd>
          </div>
        </dl>
        {rows.length > 0 && (
          <ol className={`${ui.log} ${styles.log}`} data-testid="cache-log">
            {rows.map((r, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: an append-only log
              <li key={i} data-testid="cache-row" data-source={r.source}>
                {r.what} → page got {r.browser} · server: {r.server}
              </li>
            ))}
          </ol>
        )}
      </div>
    </WidgetFrame>
  );
}
