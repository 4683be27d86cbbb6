import { now } from '../../../lib/clock';
import { TRACE_HEADER } from '../../../lib/lab-info';
import { type Protocol, previewBody } from '../../../lib/timeline';
import { headersToRecord, type Recorder, shortId } from './recorder';

export interface LabFetchOptions extends RequestInit {
  /** Which lesson protocol this request belongs to on the timeline (default http). */
  protocol?: Protocol;
}

/**
 * Where the browser got a response from, as Resource Timing reports it:
 * `hit` = its own HTTP cache (no byte crossed the network, so the server never
 * saw the request); `network` = over the wire (possibly a 304 revalidation the
 * browser turned back into its cached 200).
 */
export type CacheSource = 'hit' | 'network';

/** What the lab knows about a response labFetch returned (see `labResponseInfo`). */
export interface LabResponseInfo {
  /** The X-Lab-Trace id: the server's events for this exchange carry it as `stream`. */
  trace: string;
  /** Unknown when the request bypassed the cache (`no-store`, `reload`, `no-cache`) or the browser gave no timing. */
  cache?: CacheSource;
  /** Bytes received over the network, headers included (Resource Timing `transferSize`). */
  transferSize?: number;
}

const infoByResponse = new WeakMap<Response, LabResponseInfo>();

/** The trace id and cache source of a response returned by labFetch. */
export function labResponseInfo(response: Response): LabResponseInfo | undefined {
  return infoByResponse.get(response);
}

/**
 * `fetch`, instrumented: records the request as it leaves and the response
 * (status, headers, body preview, duration, and whether the browser's cache
 * answered) or the network error. Returns the real Response, whose body is
 * still unread; rejects, like `response.text()` would, when the body is cut
 * off mid-way.
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
    const startedPerf = performance.now();
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
    let text: string;
    try {
      text = await response.clone().text();
    } catch (error: unknown) {
      // The status line and headers arrived, then the connection died mid-body.
      record({
        protocol,
        kind: 'error',
        dir: 'in',
        stream: trace,
        summary: `${method} ${url}: ${response.status} ${response.statusText} arrived, then the body was cut off (${(error as Error).message})`,
        detail: {
          method,
          url,
          status: response.status,
          statusText: response.statusText,
          headers: headersToRecord(response.headers),
          durationMs: now() - started,
          reason: String(error),
        },
      });
      throw error;
    }
    const durationMs = now() - started;
    const receivedAt = now();
    const bodyBytes = new TextEncoder().encode(text).length;
    const cacheable = (method === 'GET' || method === 'HEAD') && !BYPASSING_MODES.has(init.cache ?? 'default');
    const timing = cacheable ? await resourceTiming(url, startedPerf) : undefined;
    const cache = timing ? cacheSource(timing) : undefined;
    infoByResponse.set(response, { trace, cache, transferSize: timing?.transferSize });
    record({
      at: receivedAt,
      protocol,
      kind: 'response',
      dir: 'in',
      stream: trace,
      // A cache hit puts nothing on the wire.
      bytes: cache === 'hit' ? 0 : bodyBytes,
      summary: `${response.status} ${response.statusText} ← ${method} ${url} (${durationMs.toFixed(0)} ms${cache === 'hit' ? ', from the browser cache' : ''})`,
      detail: {
        method,
        url,
        status: response.status,
        statusText: response.statusText,
        headers: headersToRecord(response.headers),
        durationMs,
        ...previewBody(text),
        ...(timing
          ? {
              fields: {
                cache: cache ?? 'network',
                transferSize: timing.transferSize,
                encodedBodySize: timing.encodedBodySize,
                bodyBytes,
              },
            }
          : {}),
      },
    });
    return response;
  };
}

export type LabFetch = ReturnType<typeof createLabFetch>;

/** Cache modes that never answer from the HTTP cache without asking the server. */
const BYPASSING_MODES = new Set<RequestCache>(['no-store', 'reload', 'no-cache']);

function cacheSource(timing: PerformanceResourceTiming): CacheSource {
  // Resource Timing: a response served from the HTTP cache has a transferSize of 0 but a body.
  return timing.transferSize === 0 && timing.decodedBodySize > 0 ? 'hit' : 'network';
}

/** How long to wait for the browser to report a fetch's timing after its body has arrived. */
const TIMING_WAIT_MS = 300;
let bufferWatched = false;

/**
 * The Resource Timing entry of a fetch of `url` that started at `since`
 * (performance.now()). Browsers report it around the end of the body, so it
 * is either there already or arrives shortly through a PerformanceObserver.
 */
function resourceTiming(url: string, since: number): Promise<PerformanceResourceTiming | undefined> {
  if (typeof PerformanceObserver === 'undefined' || typeof performance.getEntriesByName !== 'function') {
    return Promise.resolve(undefined);
  }
  if (!bufferWatched) {
    bufferWatched = true;
    // The buffer holds 250 entries by default and then stops recording: keep room for new ones.
    performance.addEventListener('resourcetimingbufferfull', () => performance.clearResourceTimings());
  }
  const name = new URL(url, window.location.href).href;
  const pick = (entries: PerformanceEntryList) =>
    entries
      .filter((e): e is PerformanceResourceTiming => e.entryType === 'resource' && e.name === name && e.startTime >= since - 1)
      .sort((a, b) => a.startTime - b.startTime)[0];
  const ready = pick(performance.getEntriesByName(name, 'resource'));
  if (ready) return Promise.resolve(ready);
  return new Promise((resolve) => {
    const finish = (entry: PerformanceResourceTiming | undefined) => {
      clearTimeout(timer);
      observer.disconnect();
      resolve(entry);
    };
    const observer = new PerformanceObserver((list) => {
      const entry = pick(list.getEntries());
      if (entry) finish(entry);
    });
    const timer = setTimeout(() => finish(pick(performance.getEntriesByName(name, 'resource'))), TIMING_WAIT_MS);
    observer.observe({ type: 'resource' });
    // It may have landed between the first look and observe().
    const late = pick(performance.getEntriesByName(name, 'resource'));
    if (late) finish(late);
  });
}
