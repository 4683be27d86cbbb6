import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { now } from '../../../lib/clock';
import { HttpError } from '../../http/errors';

export interface Received {
  bytes: number;
  /** SHA-256 of the body, hex. */
  sha256: string;
}

export interface ReceiveOptions {
  /** More than this many bytes and the upload is refused with a 413 while it streams. */
  limit: number;
  /** Read at most this many bytes per second (the "server reads at" throttle); undefined: as fast as they come. */
  bytesPerSecond?: number;
  /** Called with the bytes received so far, for sampled progress. */
  onProgress?: (bytes: number) => void;
  /** The "fail part N" fault: drop the part (503) once this many bytes have arrived. */
  cutAfter?: number;
  onCut?: () => void;
  /** Aborted by a `stream` drop fault: the upload is refused (503) and the connection closed. */
  drop?: AbortSignal;
}

/** How long the rest of a refused body is read and thrown away before the connection is closed (see `discardRest`). */
export const LINGER_MS = 2_000;

export const tooLarge = (limit: number, seen: string) =>
  new HttpError(
    413,
    'Upload too large',
    `Uploads are limited to ${limit} bytes (${(limit / 1024 / 1024).toFixed(0)} MiB); ${seen}. Nothing was kept.`,
    { limit },
  );

/**
 * After answering before the body is over (413, injected 503), read what the
 * client is still sending and throw it away, for at most `lingerMs`, then
 * close the connection if the body still hasn't ended.
 *
 * Closing at once would be a trap (RFC 9112 §9.6, "lingering close"): the
 * client's next bytes would reach a closed socket, its TCP stack would answer
 * with a reset, and the client can lose our answer with it. Node's own
 * client does: its write fails with EPIPE and it destroys the socket before
 * parsing the 413 that had already arrived.
 */
export function discardRest(req: IncomingMessage, lingerMs = LINGER_MS): void {
  if (req.complete) return;
  const timer = setTimeout(() => req.socket.destroy(), lingerMs);
  timer.unref();
  const stop = () => clearTimeout(timer);
  req.once('end', stop);
  req.once('close', stop);
  req.on('data', () => undefined);
  req.resume();
}

/** A read rate as the timeline shows it: "2 MB/s", "500 KB/s". */
export function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond >= 1024 * 1024
    ? `${+(bytesPerSecond / 1024 / 1024).toFixed(1)} MB/s`
    : `${+(bytesPerSecond / 1024).toFixed(0)} KB/s`;
}

/**
 * Streams a request body into `file` as it arrives, hashing it on the way,
 * with backpressure (the request is paused while the disk catches up, and
 * between reads when a read rate is set) and a size cap enforced while
 * streaming. On any failure the partial file is removed and nothing is left
 * behind.
 */
export function receiveToFile(req: IncomingMessage, file: string, options: ReceiveOptions): Promise<Received> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file);
    const hash = createHash('sha256');
    const started = now();
    let bytes = 0;
    let settled = false;
    // Why reading is paused: the disk is behind, or the read rate is ahead. Reading resumes when neither holds.
    const holds = new Set<'disk' | 'rate'>();
    let rateTimer: NodeJS.Timeout | undefined;
    const hold = (why: 'disk' | 'rate') => {
      holds.add(why);
      req.pause();
    };
    const release = (why: 'disk' | 'rate') => {
      holds.delete(why);
      if (!settled && holds.size === 0) req.resume();
    };

    /** `then`: what happens to the rest of the body — thrown away for a while (`discard`), or left unread. */
    const fail = (error: Error, then: 'discard' | 'leave' = 'leave') => {
      if (settled) return;
      settled = true;
      clearTimeout(rateTimer);
      req.off('data', onData);
      options.drop?.removeEventListener('abort', onDrop);
      if (then === 'discard') discardRest(req);
      else req.pause();
      out.destroy();
      fs.rm(file, { force: true }, () => reject(error));
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > options.limit) {
        fail(tooLarge(options.limit, `this one went past that while streaming (${bytes} bytes so far)`), 'discard');
        return;
      }
      if (options.cutAfter !== undefined && bytes >= options.cutAfter) {
        options.onCut?.();
        // Not a socket kill: Chromium silently re-sends a request whose reused keep-alive
        // connection dies before any answer, so the page would never see the failure.
        fail(
          new HttpError(
            503,
            'Injected fault',
            `The lab lost this part on purpose after ${bytes} bytes ("fail part" fault): nothing was kept. Send it again.`,
            { received: bytes },
          ),
          'discard',
        );
        return;
      }
      hash.update(chunk);
      options.onProgress?.(bytes);
      // Backpressure: stop reading from the network until the file has taken what it has.
      if (!out.write(chunk)) {
        hold('disk');
        out.once('drain', () => release('disk'));
      }
      // The read rate: when ahead of schedule, stop reading until the schedule catches up.
      // The client's bytes wait in its own socket buffer; nothing piles up here.
      if (options.bytesPerSecond !== undefined) {
        const ahead = started + (bytes / options.bytesPerSecond) * 1000 - now();
        if (ahead > 0) {
          hold('rate');
          rateTimer = setTimeout(() => release('rate'), ahead);
        }
      }
    };
    // A drop fault: answer 503 (so the page sees the failure: a socket killed before any
    // answer would make Chromium quietly send the whole request again), then close.
    const onDrop = () =>
      fail(
        new HttpError(
          503,
          'Connection dropped',
          `The lab dropped this upload on purpose (Drop connection) after ${bytes} bytes had arrived: nothing was kept.`,
          { received: bytes },
          { connection: 'close' },
        ),
      );
    options.drop?.addEventListener('abort', onDrop, { once: true });
    req.on('data', onData);
    req.once('end', () => {
      if (settled) return;
      out.end(() => {
        if (settled) return;
        settled = true;
        options.drop?.removeEventListener('abort', onDrop);
        resolve({ bytes, sha256: hash.digest('hex') });
      });
    });
    // The client went away before the end of the body.
    req.once('close', () => {
      if (!req.complete)
        fail(
          new HttpError(400, 'Upload cut off', `The connection closed after ${bytes} bytes, before the end of the body.`, {
            received: bytes,
          }),
        );
    });
    out.once('error', (error) => fail(error));
  });
}

/** The number of bytes the server had read when an upload failed (from its error), if it says. */
export function receivedBefore(error: unknown): number | undefined {
  const received = error instanceof HttpError ? error.extra.received : undefined;
  return typeof received === 'number' ? received : undefined;
}

/** The Content-Length header as a number, undefined when absent (chunked), a 400 when nonsense. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) {
    throw new HttpError(400, 'Bad Content-Length', `Content-Length must be a whole number of bytes, got "${raw}".`);
  }
  return n;
}

/** Bounds of `?rate=`, bytes per second: slow enough to watch, never so slow that a lesson file takes an hour. */
export const MIN_READ_RATE = 64 * 1024;
export const MAX_READ_RATE = 1024 * 1024 * 1024;

/** `?rate=<bytes per second>`: how fast the server reads this upload; absent means full speed. A 400 when nonsense. */
export function readRate(url: URL): number | undefined {
  const raw = url.searchParams.get('rate');
  if (raw === null || raw === '' || raw === 'full') return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < MIN_READ_RATE || n > MAX_READ_RATE) {
    throw new HttpError(
      400,
      'Bad read rate',
      `"rate" is how fast the server reads this upload, in bytes per second: a whole number from ${MIN_READ_RATE} (64 KB/s) to ${MAX_READ_RATE} (1 GB/s), e.g. rate=524288 for 512 KB/s. Leave it out (or say rate=full) for full speed. Got "${raw.slice(0, 40)}".`,
      { min: MIN_READ_RATE, max: MAX_READ_RATE },
    );
  }
  return n;
}
