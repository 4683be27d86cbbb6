'use client';

import { useId, useState } from 'react';
import { labResponseInfo } from '../../components/lab/clients/fetch';
import { useLab } from '../../components/lab/LabProvider';
import { CodeBlock } from '../../components/lab/Scrollable';
import { WidgetFrame } from '../../components/lab/WidgetFrame';
import ui from '../../components/lab/widget.module.css';
import { type HeaderPair, parseHeaderLines, pathProblem } from './request-checks';
import { prettyJson } from './shared';
import styles from './widgets.module.css';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

interface Preset {
  label: string;
  method: Method;
  path: string;
  headers?: string;
  body?: unknown;
}

const PRESETS: Preset[] = [
  { label: 'Read an account', method: 'GET', path: '/api/accounts/123' },
  { label: 'Rename the owner', method: 'PATCH', path: '/api/accounts/123', body: { owner: 'Ada King' } },
  { label: 'Replace the account', method: 'PUT', path: '/api/accounts/123', body: { owner: 'Ada Lovelace', currency: 'EUR' } },
  {
    label: 'Pay for coffee',
    method: 'POST',
    path: '/api/transactions',
    body: { accountId: '123', merchantId: 'm-coffee', amountCents: 350, description: 'Flat white' },
  },
  { label: 'List transactions', method: 'GET', path: '/api/accounts/123/transactions' },
  { label: 'Read a merchant', method: 'GET', path: '/api/merchants/m-books' },
  { label: 'Cancel a card', method: 'DELETE', path: '/api/accounts/123/cards/c-1' },
  { label: 'Close an account', method: 'DELETE', path: '/api/accounts/456' },
];

interface Exchange {
  rawRequest: string;
  rawResponse: string;
  status: number;
  fromCache: boolean;
}

/**
 * Experiment 1: any method on any path, with the request and the response
 * shown as the text that crosses the wire.
 */
export function RequestBuilder() {
  const { fetch: labFetch } = useLab();
  const ids = useId();
  const [method, setMethod] = useState<Method>('GET');
  const [path, setPath] = useState('/api/accounts/123');
  const [headerText, setHeaderText] = useState('');
  const [body, setBody] = useState('');
  const [pending, setPending] = useState(false);
  const [exchange, setExchange] = useState<Exchange | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const applyPreset = (preset: Preset) => {
    setMethod(preset.method);
    setPath(preset.path);
    setHeaderText(preset.headers ?? '');
    setBody(preset.body === undefined ? '' : JSON.stringify(preset.body, null, 2));
  };

  const hasBody = method !== 'GET' && body.trim() !== '';

  const send = async () => {
    // Refused here, before fetch: with a sentence that says what to fix rather than fetch's bare TypeError.
    const extra = parseHeaderLines(headerText);
    const refusal = pathProblem(path, window.location.origin) ?? extra.problem;
    if (refusal) {
      setExchange(null);
      setFailure(refusal);
      return;
    }
    setPending(true);
    setFailure(null);
    const headers: HeaderPair[] = [
      ...(hasBody ? ([['Content-Type', 'application/json']] as HeaderPair[]) : []),
      ...extra.headers,
    ];
    const rawRequest = [
      `${method} ${path} HTTP/1.1`,
      `Host: ${window.location.host}`,
      ...headers.map(([n, v]) => `${n}: ${v}`),
      '',
      hasBody ? body : '',
    ].join('\n');
    try {
      const response = await labFetch(path, { method, headers, body: hasBody ? body : undefined, protocol: 'rest' });
      const text = await response.text();
      const headerLines: string[] = [];
      response.headers.forEach((value, name) => {
        headerLines.push(`${name}: ${value}`);
      });
      setExchange({
        rawRequest,
        rawResponse: [`HTTP/1.1 ${response.status} ${response.statusText}`, ...headerLines, '', prettyJson(text)].join('\n'),
        status: response.status,
        fromCache: labResponseInfo(response)?.cache === 'hit',
      });
    } catch (error: unknown) {
      setExchange(null);
      setFailure(`No response: ${(error as Error).message}`);
    } finally {
      setPending(false);
    }
  };

  return (
    <WidgetFrame title="Request builder" testId="rest-builder">
      <div className={ui.stack}>
        <div className={ui.row}>
          {PRESETS.map((preset) => (
            <button
              key={preset.label}
              type="button"
              className="lab-button"
              data-variant="secondary"
              onClick={() => applyPreset(preset)}
            >
              {preset.label}
            </button>
          ))}
        </div>
        <form
          className={ui.stack}
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <div className={ui.row}>
            <label htmlFor={`${ids}-method`} className="visually-hidden">
              Method
            </label>
            <select
              id={`${ids}-method`}
              className="lab-input"
              data-testid="rest-method"
              value={method}
              onChange={(e) => setMethod(e.target.value as Method)}
            >
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
            <label htmlFor={`${ids}-path`} className="visually-hidden">
              Path
            </label>
            <input
              id={`${ids}-path`}
              className={`lab-input ${styles.pathInput}`}
              data-testid="rest-path"
              value={path}
              onChange={(e) => setPath(e.target.value)}
              spellCheck={false}
            />
            <button type="submit" className="lab-button" data-testid="rest-send" disabled={pending || path.trim() === ''}>
              {pending ? 'Sending…' : 'Send'}
            </button>
          </div>
          <div className={ui.columns}>
            <div>
              <label className={ui.label} htmlFor={`${ids}-headers`}>
                Extra headers (Name: value, one per line)
              </label>
              <textarea
                id={`${ids}-headers`}
                className={`lab-input ${styles.textarea}`}
                data-testid="rest-headers"
                value={headerText}
                onChange={(e) => setHeaderText(e.target.value)}
                placeholder="If-None-Match: &quot;…&quot;"
                spellCheck={false}
              />
            </div>
            <div>
              <label className={ui.label} htmlFor={`${ids}-body`}>
                JSON body {method === 'GET' ? '(GET has none)' : ''}
              </label>
              <textarea
                id={`${ids}-body`}
                className={`lab-input ${styles.textarea}`}
                data-testid="rest-body"
                value={body}
                onChange={(e) => setBody(e.target.value)}
                disabled={method === 'GET'}
                spellCheck={false}
              />
            </div>
          </div>
        </form>
        {failure && (
          <p className={ui.error} data-testid="rest-failure">
            {failure}
          </p>
        )}
        {exchange && (
          <div className={ui.columns}>
            <div>
              <p className={ui.label}>Request (as this page sent it)</p>
              <CodeBlock className={`${ui.code} ${styles.raw}`} data-testid="rest-raw-request">
                {exchange.rawRequest}
              </CodeBlock>
            </div>
            <div>
              <p className={ui.label}>
                Response{' '}
                <span className={`${ui.pill} ${styles.badge}`} data-ok={exchange.status < 400} data-testid="rest-status">
                  {exchange.status}
                </span>{' '}
                {exchange.fromCache && <span data-testid="rest-from-cache">from the browser cache</span>}
              </p>
              <CodeBlock className={`${ui.code} ${styles.raw}`} data-testid="rest-raw-response">
                {exchange.rawResponse}
              </CodeBlock>
            </div>
          </div>
        )}
      </div>
    </WidgetFrame>
  );
}
