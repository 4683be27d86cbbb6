'use client';

import { gql } from '@apollo/client';
import { useEffect, useRef, useState } from 'react';
import { type LabFetch, labResponseInfo } from '../../components/lab/clients/fetch';
import { type ApolloOptions, createApolloClient } from '../../components/lab/clients/graphql';
import { useLab } from '../../components/lab/LabProvider';
import { useLogTail } from '../../components/lab/useLogTail';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import styles from './widgets.module.css';

const BALANCE = gql`
  query Balance {
    account(id: "123") { id owner balance }
  }
`;

type Source = 'network' | 'http-cache' | 'apollo-cache';

interface LogLine {
  n: number;
  source: Source;
  text: string;
}

const LOG_LIMIT = 30;

function withLine(lines: LogLine[], source: Source, text: string): LogLine[] {
  return [...lines.slice(1 - LOG_LIMIT), { n: (lines.at(-1)?.n ?? 0) + 1, source, text }];
}

/**
 * A network answer's size. For GETs the lab asks Resource Timing, which counts
 * every byte received (headers too); a POST is never looked up in a cache, so
 * the lab doesn't ask, and its body size is what we can show.
 */
function overTheNetwork(info: { method: string; transferSize?: number }, bodyBytes: number | undefined): string {
  if (info.transferSize !== undefined) return `over the network (${info.transferSize} bytes transferred, headers included)`;
  const body = bodyBytes === undefined ? '' : `${bodyBytes}-byte body; `;
  return info.method === 'GET'
    ? `over the network (${body}the browser reported no transfer size)`
    : `over the network (${body}a POST never comes from a cache, so the lab doesn’t ask the browser for its transfer size)`;
}

/**
 * Experiment 6: the same query three ways. As a POST it always crosses the
 * network; as an automatic persisted query it is a GET with a hash that the
 * browser's HTTP cache can answer (Cache-Control: max-age=30, private); and
 * Apollo Client's normalized cache answers without any request at all.
 */
export function CachingWidget() {
  const { fetch: labFetch, record } = useLab();
  const [log, setLog] = useState<LogLine[]>([]);
  const [busy, setBusy] = useState(false);
  const exchanges = useRef(0);
  const logRef = useLogTail<HTMLOListElement>(log.at(-1)?.n ?? 0);
  const addLine = (source: Source, text: string) => setLog((lines) => withLine(lines, source, text));
  const [clients, setClients] = useState<{
    post: ReturnType<typeof createApolloClient>;
    persisted: ReturnType<typeof createApolloClient>;
  } | null>(null);

  useEffect(() => {
    // labFetch, wrapped to measure each answer's body: the size a POST's log line can show.
    const bodyBytes = new Map<string, number>();
    const measuringFetch: LabFetch = async (url, options) => {
      const response = await labFetch(url, options);
      const trace = labResponseInfo(response)?.trace;
      if (trace) bodyBytes.set(trace, (await response.clone().arrayBuffer()).byteLength);
      return response;
    };
    const onExchange: ApolloOptions['onExchange'] = (info) => {
      exchanges.current += 1;
      const hit = info.cache === 'hit';
      const body = bodyBytes.get(info.trace);
      bodyBytes.delete(info.trace);
      const text = hit ? 'answered by the browser’s HTTP cache, 0 bytes on the wire' : overTheNetwork(info, body);
      setLog((lines) => withLine(lines, hit ? 'http-cache' : 'network', `${info.method} ${info.status}: ${text}`));
    };
    const post = createApolloClient(measuringFetch, { onExchange });
    const persisted = createApolloClient(measuringFetch, { persisted: true, onExchange });
    setClients({ post, persisted });
    return () => {
      post.stop();
      persisted.stop();
    };
  }, [labFetch]);

  const ask = async (client: ReturnType<typeof createApolloClient>, fetchPolicy: 'network-only' | 'cache-first') => {
    setBusy(true);
    const before = exchanges.current;
    try {
      const { data } = await client.query<{ account: { balance: number } | null }>({ query: BALANCE, fetchPolicy });
      if (exchanges.current === before) {
        // Nothing went out: Apollo's in-memory cache had every field. Say so on the timeline too.
        record({
          protocol: 'graphql',
          kind: 'note',
          summary: 'query Balance answered by Apollo Client’s in-memory cache: no request was made',
          detail: { fields: { cache: 'apollo', operation: 'Balance' } },
        });
        addLine('apollo-cache', `Apollo in-memory cache: balance ${data?.account?.balance ?? '?'} €, no request at all`);
      }
    } catch (error: unknown) {
      addLine('network', `failed: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <WidgetFrame title="Three ways to ask for the balance" testId="gql-caching">
      <div className={ui.row}>
        <button
          type="button"
          className="lab-button"
          data-testid="gql-cache-post"
          disabled={busy || !clients}
          onClick={() => clients && void ask(clients.post, 'network-only')}
        >
          POST the query
        </button>
        <button
          type="button"
          className="lab-button"
          data-testid="gql-cache-get"
          disabled={busy || !clients}
          onClick={() => clients && void ask(clients.persisted, 'network-only')}
        >
          GET the persisted query
        </button>
        <button
          type="button"
          className="lab-button"
          data-testid="gql-cache-apollo"
          disabled={busy || !clients}
          onClick={() => clients && void ask(clients.persisted, 'cache-first')}
        >
          Ask Apollo’s cache
        </button>
      </div>
      <ol ref={logRef} className={`${ui.log} ${styles.log}`} data-testid="gql-cache-log" aria-live="polite">
        {log.length === 0 && <li className={ui.empty}>Press a button.</li>}
        {log.map((line) => (
          <li key={line.n} data-source={line.source}>
            {line.n}. {line.text}
          </li>
        ))}
      </ol>
    </WidgetFrame>
  );
}
