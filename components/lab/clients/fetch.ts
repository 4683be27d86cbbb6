import { now } from '../../../lib/clock';
import { TRACE_HEADER } from '../../../lib/lab-info';
import { type Protocol, previewBody } from '../../../lib/timeline';
import { headersToRecord, type Recorder, shortId } from './recorder';

export interface LabFetchOptions extends RequestInit {
  /** Which lesson protocol this request belongs to on the timeline (default http). */
  protocol?: Protocol;
}

/**
 * `fetch`, instrumented: records the request as it leaves and the response
 * (status, headers, body preview, duration) or the network error. Returns the
 * real Response, whose body is still unread.
 */
export function createLabFetch(record: Recorder) {
  return async function labFetch(url: string, options: LabFetchOptions = {}): Promise<Response> {
    const { protocol = 'http', ...init } = options;
    const method = (init.method ?? 'GET').toUpperCase();
    const trace = shortId('req');
    const headers = new Headers(init.headers);
    headers.set(TRACE_HEADER, trace);
    const bodyText = typeof init.body === 'string' ? init.body : undefined;
    const started = now();
    record({
      protocol,
      kind: 'request',
      dir: 'out',
      stream: trace,
      bytes: bodyText ? new TextEncoder().encode(bodyText).length : 0,
      summary: `${method} ${url}`,
      detail: { method, url, headers: headersToRecord(headers), ...(bodyText ? previewBody(bodyText) : {}) },
    });
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers });
    } catch (error: unknown) {
      record({
        protocol,
        kind: 'error',
        dir: 'in',
        stream: trace,
        summary: `${method} ${url} failed: ${(error as Error).message}`,
        detail: { method, url, durationMs: now() - started, reason: String(error) },
      });
      throw error;
    }
    const text = await response.clone().text();
    const durationMs = now() - started;
    record({
      protocol,
      kind: 'response',
      dir: 'in',
      stream: trace,
      bytes: new TextEncoder().encode(text).length,
      summary: `${response.status} ${response.statusText} ← ${method} ${url} (${durationMs.toFixed(0)} ms)`,
      detail: {
        method,
        url,
        status: response.status,
        statusText: response.statusText,
        headers: headersToRecord(response.headers),
        durationMs,
        ...previewBody(text),
      },
    });
    return response;
  };
}

export type LabFetch = ReturnType<typeof createLabFetch>;
