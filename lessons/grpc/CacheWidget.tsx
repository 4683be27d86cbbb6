'use client';

import { useCallback, useState } from 'react';
import type { GrpcCall } from '../../components/lab/clients/grpc';
import { WideTable } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import { errorText, useAccountClient } from './grpc';
import styles from './widgets.module.css';

interface Row {
  rpc: string;
  httpMethod: string;
  cacheControl: string;
  cache: string;
  code: string;
}

/** Experiment 6: POST calls are never cached; the NO_SIDE_EFFECTS method over Connect GET is. */
export function CacheWidget() {
  const [rows, setRows] = useState<Row[]>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const onCall = useCallback((call: GrpcCall) => {
    setRows((all) => [
      ...all,
      {
        rpc: call.rpc,
        httpMethod: call.httpMethod,
        cacheControl: call.responseHeaders['cache-control'] ?? '—',
        cache: call.cache ?? (call.httpMethod === 'POST' ? 'network (POST is never cached)' : 'network'),
        code: call.code,
      },
    ]);
  }, []);
  const post = useAccountClient({ onCall });
  const get = useAccountClient({ onCall, useHttpGet: true });

  const run = async (which: 'post' | 'get') => {
    setFailure(null);
    try {
      if (which === 'post') await post.getAccount({ accountId: '123' });
      else await get.getMerchant({ merchantId: 'm-coffee' });
    } catch (error: unknown) {
      setFailure(errorText(error));
    }
  };

  return (
    <WidgetFrame title="Who may cache a call?" testId="grpc-cache-widget">
      <div className={styles.row}>
        <button type="button" className="lab-button" onClick={() => void run('post')} data-testid="cache-post">
          GetAccount (POST)
        </button>
        <button type="button" className="lab-button" onClick={() => void run('get')} data-testid="cache-get">
          GetMerchant (Connect GET)
        </button>
      </div>
      {failure && <p className={styles.error}>{failure}</p>}
      <div className={styles.tableScroll}>
        <WideTable className={styles.table}>
          <thead>
            <tr>
              <th>#</th>
              <th>rpc</th>
              <th>HTTP</th>
              <th>Cache-Control</th>
              <th>answered by</th>
              <th>status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: an append-only log
              <tr key={i} data-testid="cache-row" data-rpc={row.rpc} data-method={row.httpMethod} data-cache={row.cache}>
                <td>{i + 1}</td>
                <td>{row.rpc}</td>
                <td>{row.httpMethod}</td>
                <td>{row.cacheControl}</td>
                <td>{row.cache === 'hit' ? 'the browser cache (no request sent)' : row.cache}</td>
                <td>{row.code}</td>
              </tr>
            ))}
          </tbody>
        </WideTable>
      </div>
    </WidgetFrame>
  );
}
