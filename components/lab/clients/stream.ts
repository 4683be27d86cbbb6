import { now } from '../../../lib/clock';
import { TRACE_HEADER } from '../../../lib/lab-info';
import { cutText } from '../../../lib/timeline';
import type { LabFetch } from './fetch';
import { type Recorder, shortId } from './recorder';

/**
 * Instrumented streaming clients for the Streaming lesson:
 * - `readStream`: a fetch whose body is read chunk by chunk through a
 *   ReadableStream (tokens, exports), with time to first byte, sampled
 *   progress on the timeline, and cancellation.
 * - `uploadBlob`: one upload over one connection with progress (XHR, the
 *   only browser API that reports upload progress).
 * - `multipartUpload`: S3-style create → parts in parallel → complete.
 * Progress is recorded at most every SAMPLE_MS, so a million rows are a few
 * dozen timeline events, not a million.
 */

const SAMPLE_MS = 250;

/** Bytes and rate over time, for progress lines and bars. */
export class RateMeter {
  private readonly started: number;
  bytes = 0;
  constructor(at = now()) {
    this.started = at;
  }
  add(n: number): void {
    this.bytes += n;
  }
  /** Bytes per second since the start. */
  rate(at = now()): number {
    const seconds = (at - this.started) / 1000;
    return seconds > 0 ? this.bytes / seconds : 0;
  }
}

/** Counts newline-terminated records (NDJSON rows, CSV lines) across chunk boundaries, without keeping the text. */
export class LineCounter {
  lines = 0;
  add(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) this.lines += 1;
  }
}

/** A progress figure: "512 bytes" below 1 KB (where "0 KB" would hide a real answer), "37 KB", "4.2 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Throttles a callback to once per `everyMs` (the last call is always let through by `flush`). */
export function sampler(everyMs: number) {
  let last = Number.NEGATIVE_INFINITY;
  return (at = now()) => {
    if (at - last < everyMs) return false;
    last = at;
    return true;
  };
}

export interface StreamProgress {
  bytes: number;
  chunks: number;
  /** Milliseconds from the request to the first body byte. */
  firstByteMs: number | null;
  elapsedMs: number;
  bytesPerSecond: number;
}

export interface ReadStreamOptions {
  /** Connection id shared with the server (sent as ?conn=), so both sides share a lane. */
  conn?: string;
  signal?: AbortSignal;
  /** Each chunk as it arrives (decoded by the caller if it wants text). */
  onChunk?: (chunk: Uint8Array, progress: StreamProgress) => void;
  /** What to call the exchange on the timeline, e.g. "token stream". */
  label: string;
}

export type ReadOutcome = StreamProgress & {
  status: number;
  ending: 'completed' | 'cancelled' | 'failed';
  error?: string;
  headers: Headers | null;
};

/**
 * GETs `path` and reads the body as a stream. Resolves when it ends, is
 * cancelled through `signal` (the connection closes: the server sees it), or fails.
 */
export async function readStream(record: Recorder, path: string, options: ReadStreamOptions): Promise<ReadOutcome> {
  const conn = options.conn ?? shortId('stream');
  const url = new URL(path, window.location.href);
  url.searchParams.set('conn', conn);
  const target = `${url.pathname}${url.search}`;
  const started = now();
  const meter = new RateMeter(started);
  const due = sampler(SAMPLE_MS);
  let chunks = 0;
  let firstByteMs: number | null = null;
  const progress = (): StreamProgress => ({
    bytes: meter.bytes,
    chunks,
    firstByteMs,
    elapsedMs: now() - started,
    bytesPerSecond: meter.rate(),
  });
  record({
    protocol: 'streaming',
    kind: 'request',
    dir: 'out',
    conn,
    summary: `GET ${target} (${options.label})`,
    detail: { method: 'GET', url: target },
  });
  let status = 0;
  let headers: Headers | null = null;
  try {
    const response = await fetch(url, { signal: options.signal, headers: { [TRACE_HEADER]: conn }, cache: 'no-store' });
    status = response.status;
    headers = response.headers;
    record({
      protocol: 'streaming',
      kind: 'response',
      dir: 'in',
      conn,
      summary: `${response.status} headers in after ${(now() - started).toFixed(0)} ms: ${response.headers.get('content-length') ? `Content-Length ${response.headers.get('content-length')}` : 'no Content-Length (chunked)'}`,
      detail: { status: response.status, headers: Object.fromEntries(response.headers), durationMs: now() - started },
    });
    if (!response.body) throw new Error('the response has no body');
    const reader = response.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks += 1;
      meter.add(value.length);
      if (firstByteMs === null) {
        firstByteMs = now() - started;
        record({
          protocol: 'streaming',
          kind: 'frame',
          dir: 'in',
          conn,
          bytes: value.length,
          summary: `first bytes after ${firstByteMs.toFixed(0)} ms (${options.label})`,
        });
      } else if (due()) {
        record({
          protocol: 'streaming',
          kind: 'frame',
          dir: 'in',
          conn,
          bytes: meter.bytes,
          summary: `${formatBytes(meter.bytes)} in ${chunks} chunks, ${formatBytes(Math.round(meter.rate()))}/s`,
          detail: { fields: { bytes: meter.bytes, chunks, sample: 'progress' } },
        });
      }
      options.onChunk?.(value, progress());
    }
    const p = progress();
    record({
      protocol: 'streaming',
      kind: 'close',
      dir: 'in',
      conn,
      bytes: p.bytes,
      summary: `${options.label} complete: ${p.bytes} bytes in ${p.chunks} chunks, ${p.elapsedMs.toFixed(0)} ms`,
      detail: { wasClean: true, durationMs: p.elapsedMs, fields: { bytes: p.bytes, chunks } },
    });
    return { ...p, status, headers, ending: 'completed' };
  } catch (error: unknown) {
    const p = progress();
    const cancelled = options.signal?.aborted === true;
    const message = (error as Error).message;
    record({
      protocol: 'streaming',
      kind: cancelled ? 'close' : 'error',
      dir: 'in',
      conn,
      summary: cancelled
        ? `cancelled by the page after ${p.bytes} bytes: the connection closes`
        : `${options.label} failed after ${p.bytes} bytes: ${message}`,
      detail: { wasClean: cancelled, reason: message, durationMs: p.elapsedMs, fields: { bytes: p.bytes, chunks } },
    });
    return { ...p, status, headers, ending: cancelled ? 'cancelled' : 'failed', error: message };
  }
}

export interface UploadProgress {
  sent: number;
  total: number;
}

export interface UploadOptions {
  method?: 'PUT' | 'POST';
  headers?: Record<string, string>;
  conn?: string;
  signal?: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
  label: string;
}

export interface UploadResult {
  status: number;
  body: unknown;
}

/**
 * Uploads a Blob as one request body with XMLHttpRequest, whose
 * `upload.onprogress` is the browser's only upload-progress signal (fetch
 * has none). The browser streams the Blob from memory or disk; the page
 * never holds a copy. Rejects on a network failure or abort.
 */
export function uploadBlob(record: Recorder, path: string, body: Blob, options: UploadOptions): Promise<UploadResult> {
  const conn = options.conn ?? shortId('upload');
  const url = new URL(path, window.location.href);
  url.searchParams.set('conn', conn);
  const target = `${url.pathname}${url.search}`;
  const method = options.method ?? 'PUT';
  const started = now();
  const due = sampler(SAMPLE_MS);
  record({
    protocol: 'streaming',
    kind: 'request',
    dir: 'out',
    conn,
    bytes: body.size,
    summary: `${method} ${target} (${options.label}, ${body.size} bytes)`,
    detail: { method, url: target, headers: options.headers },
  });
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader(TRACE_HEADER, conn);
    for (const [k, v] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(k, v);
    xhr.responseType = 'text';
    xhr.upload.onprogress = (e) => {
      options.onProgress?.({ sent: e.loaded, total: e.total || body.size });
      if (due()) {
        record({
          protocol: 'streaming',
          kind: 'frame',
          dir: 'out',
          conn,
          bytes: e.loaded,
          summary: `${options.label}: sent ${(e.loaded / 1024 / 1024).toFixed(1)} of ${(body.size / 1024 / 1024).toFixed(1)} MB`,
          detail: { fields: { sent: e.loaded, total: body.size, sample: 'progress' } },
        });
      }
    };
    const fail = (reason: string) => {
      record({
        protocol: 'streaming',
        kind: 'error',
        dir: 'in',
        conn,
        summary: `${options.label} failed: ${reason}`,
        detail: { reason, durationMs: now() - started, wasClean: false },
      });
      reject(new Error(reason));
    };
    xhr.onload = () => {
      let parsed: unknown = xhr.responseText;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: keep the text
      }
      record({
        protocol: 'streaming',
        kind: 'response',
        dir: 'in',
        conn,
        summary: `${xhr.status} ← ${method} ${target} (${(now() - started).toFixed(0)} ms)`,
        detail: { status: xhr.status, durationMs: now() - started, body: cutText(xhr.responseText, 2000) },
      });
      resolve({ status: xhr.status, body: parsed });
    };
    xhr.onerror = () => fail('network error (the connection was cut)');
    xhr.onabort = () => fail('aborted by the page');
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** SHA-256 of a Blob, hex, with the browser's own crypto. */
export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The byte ranges of each part (1-based numbers), S3-style: all `partSize` but the last. */
export function planParts(size: number, partSize: number): { n: number; start: number; end: number }[] {
  const count = Math.max(1, Math.ceil(size / partSize));
  return Array.from({ length: count }, (_, i) => ({ n: i + 1, start: i * partSize, end: Math.min(size, (i + 1) * partSize) }));
}

/** Runs `tasks` with at most `limit` at once; resolves with every result in order (rejects on the first failure). */
export async function runPool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}

export type PartState = {
  n: number;
  sent: number;
  bytes: number;
  attempt: number;
  state: 'waiting' | 'sending' | 'retrying' | 'done' | 'failed';
};

/** Short pause before a retry: the next attempt goes after 300 ms × attempt. */
const RETRY_DELAY_MS = 300;

/** `path` with `?rate=` when the server should read slowly (bytes per second); undefined leaves it at full speed. */
export function withReadRate(path: string, readRate: number | undefined): string {
  return readRate ? `${path}${path.includes('?') ? '&' : '?'}rate=${readRate}` : path;
}

/** One attempt of a streamed upload that failed: its answer, and how many bytes the server said it had read. */
export interface FailedAttempt {
  attempt: number;
  status: number | null;
  /** From the server's error answer (e.g. a drop's 503); null when the connection died without one. */
  received: number | null;
  reason: string;
}

export interface StreamedUploadOptions {
  /** Server read rate in bytes per second (`?rate=`); undefined: full speed. */
  readRate?: number;
  /** Attempts before giving up; each one sends the whole file from byte 0. */
  attempts?: number;
  onProgress?: (progress: UploadProgress & { attempt: number }) => void;
  onFailedAttempt?: (failed: FailedAttempt) => void;
}

export interface StreamedUploadResult extends UploadResult {
  /** The attempts that failed before the last one. */
  failed: FailedAttempt[];
}

/**
 * The whole file as one PUT, sent again from byte 0 if the server answers
 * 5xx or the connection dies: a single request has nothing to resume from.
 * A 4xx (too large, bad rate) is final.
 */
export async function streamedUpload(
  record: Recorder,
  file: Blob,
  options: StreamedUploadOptions = {},
): Promise<StreamedUploadResult> {
  const attempts = options.attempts ?? 2;
  const failed: FailedAttempt[] = [];
  for (let attempt = 1; ; attempt++) {
    let failure: FailedAttempt;
    try {
      const result = await uploadBlob(record, withReadRate('/api/stream/upload', options.readRate), file, {
        label: attempt === 1 ? 'streamed upload' : `streamed upload (attempt ${attempt})`,
        onProgress: (progress) => options.onProgress?.({ ...progress, attempt }),
      });
      if (result.status < 500) return { ...result, failed };
      const body = result.body as { detail?: string; received?: number };
      failure = {
        attempt,
        status: result.status,
        received: typeof body?.received === 'number' ? body.received : null,
        reason: body?.detail ?? `answered ${result.status}`,
      };
    } catch (error: unknown) {
      failure = { attempt, status: null, received: null, reason: (error as Error).message };
    }
    failed.push(failure);
    options.onFailedAttempt?.(failure);
    if (attempt >= attempts) throw new Error(failure.reason);
    record({
      protocol: 'streaming',
      kind: 'retry',
      summary: `streamed upload failed; sending the whole file again from byte 0 (nothing was kept)`,
      detail: { attempt, delayMs: RETRY_DELAY_MS * attempt },
    });
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
  }
}

export interface MultipartOptions {
  partSize: number;
  parallel: number;
  /** Server read rate for each part, bytes per second (`?rate=`); undefined: full speed. */
  readRate?: number;
  /** Ask the server to cut this part's first attempt ("fail part N" fault). */
  failPart?: number;
  /** Attempts per part before giving up. */
  attempts?: number;
  signal?: AbortSignal;
  onPart?: (part: PartState) => void;
  onNote?: (text: string) => void;
}

export interface MultipartResult {
  uploadId: string;
  sha256: string;
  bytes: number;
  partsSent: number;
  /** Bytes of the part requests that were retries: what a failure cost (whole parts, never the whole file). */
  resentBytes: number;
}

/**
 * S3-style multipart upload: create → every part as its own PUT with its
 * SHA-256 (at most `parallel` at once; a failed part is retried alone) →
 * complete with the list of part checksums and the whole file's SHA-256,
 * which the server checks after assembling.
 */
export async function multipartUpload(
  labFetch: LabFetch,
  record: Recorder,
  file: Blob,
  options: MultipartOptions,
): Promise<MultipartResult> {
  const created = await labFetch('/api/stream/multipart', {
    method: 'POST',
    protocol: 'streaming',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      size: file.size,
      partSize: options.partSize,
      name: 'file.bin',
      ...(options.failPart ? { failPart: options.failPart } : {}),
    }),
  });
  const upload = (await created.json()) as { uploadId: string; detail?: string };
  if (!created.ok) throw new Error(upload.detail ?? `create answered ${created.status}`);
  const parts = planParts(file.size, options.partSize);
  let partsSent = 0;
  let resentBytes = 0;
  const checksums: { part: number; sha256: string }[] = [];
  const tasks = parts.map(({ n, start, end }) => async () => {
    const body = file.slice(start, end);
    const sha256 = await sha256Hex(body);
    const state: PartState = { n, sent: 0, bytes: body.size, attempt: 0, state: 'waiting' };
    for (let attempt = 1; attempt <= (options.attempts ?? 3); attempt++) {
      state.attempt = attempt;
      state.state = attempt === 1 ? 'sending' : 'retrying';
      state.sent = 0;
      options.onPart?.({ ...state });
      partsSent += 1;
      if (attempt > 1) resentBytes += body.size;
      try {
        const path = withReadRate(`/api/stream/multipart/${upload.uploadId}/parts/${n}`, options.readRate);
        const result = await uploadBlob(record, path, body, {
          headers: { 'x-content-sha256': sha256 },
          label: `part ${n}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
          conn: shortId(`part${n}`),
          signal: options.signal,
          onProgress: ({ sent }) => options.onPart?.({ ...state, sent }),
        });
        if (result.status !== 200)
          throw new Error((result.body as { detail?: string })?.detail ?? `part ${n} answered ${result.status}`);
        state.state = 'done';
        state.sent = body.size;
        options.onPart?.({ ...state });
        checksums.push({ part: n, sha256 });
        return;
      } catch (error: unknown) {
        if (options.signal?.aborted) throw error;
        state.state = 'failed';
        options.onPart?.({ ...state });
        options.onNote?.(`part ${n} failed (${(error as Error).message}); retrying that part alone`);
        record({
          protocol: 'streaming',
          kind: 'retry',
          summary: `part ${n} failed; retrying it alone (the other parts stay stored)`,
          detail: { attempt, delayMs: RETRY_DELAY_MS * attempt },
        });
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
      }
    }
    throw new Error(`part ${n} failed ${options.attempts ?? 3} times`);
  });
  await runPool(tasks, options.parallel);
  const whole = await sha256Hex(file);
  const completed = await labFetch(`/api/stream/multipart/${upload.uploadId}/complete`, {
    method: 'POST',
    protocol: 'streaming',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ parts: checksums.sort((a, b) => a.part - b.part), sha256: whole }),
  });
  const done = (await completed.json()) as { sha256: string; bytes: number; detail?: string };
  if (!completed.ok) throw new Error(done.detail ?? `complete answered ${completed.status}`);
  return { uploadId: upload.uploadId, sha256: done.sha256, bytes: done.bytes, partsSent, resentBytes };
}

/** The HTTP version this page came over ("http/1.1", "h2", "h3"), as Navigation Timing reports it. */
function pageProtocol(): string | undefined {
  const [navigation] = performance.getEntriesByType?.('navigation') ?? [];
  return (navigation as PerformanceNavigationTiming | undefined)?.nextHopProtocol || undefined;
}

/**
 * Why a streaming request body failed, for a student: the browser's own
 * message is only "Failed to fetch" (the console adds
 * net::ERR_ALPN_NEGOTIATION_FAILED), which says nothing about the cause.
 */
export function explainStreamingBodyFailure(message: string, protocol: string | undefined): string {
  const over =
    protocol === 'http/1.1'
      ? 'this page is served over HTTP/1.1'
      : `this page came over ${protocol ?? 'an HTTP version the browser didn’t report'}`;
  return `The browser refused to send it (“${message}”): Chromium sends a streaming request body only over HTTP/2 or HTTP/3, and ${over}. Nothing reached the server.`;
}

/**
 * Tries the one-request streaming upload the Fetch standard allows: a
 * ReadableStream body with `duplex: 'half'`. Chromium only sends it over
 * HTTP/2 or HTTP/3; over plain http://localhost (HTTP/1.1) the request
 * fails. Returns what happened, for the lesson to show.
 */
export async function tryStreamingRequestBody(record: Recorder): Promise<{ ok: boolean; message: string }> {
  const conn = shortId('duplex');
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('a body made while it is being sent'));
      controller.close();
    },
  });
  record({
    protocol: 'streaming',
    kind: 'request',
    dir: 'out',
    conn,
    summary: "PUT /api/stream/upload with a ReadableStream body (duplex: 'half')",
  });
  try {
    const response = await fetch(`/api/stream/upload?conn=${conn}`, {
      method: 'PUT',
      body,
      duplex: 'half',
      headers: { [TRACE_HEADER]: conn },
    } as RequestInit & { duplex: 'half' });
    record({
      protocol: 'streaming',
      kind: 'response',
      dir: 'in',
      conn,
      summary: `${response.status}: this browser streamed the request body`,
    });
    return { ok: true, message: `${response.status}: this browser sent the stream` };
  } catch (error: unknown) {
    const reason = (error as Error).message;
    const message = explainStreamingBodyFailure(reason, pageProtocol());
    record({
      protocol: 'streaming',
      kind: 'error',
      dir: 'in',
      conn,
      summary: `refused by the browser: ${reason} (a streaming request body needs HTTP/2 or HTTP/3)`,
      detail: { reason, fields: { pageProtocol: pageProtocol() ?? null } },
    });
    return { ok: false, message };
  }
}
