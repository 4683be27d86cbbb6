import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../../http/errors';

export interface Received {
  bytes: number;
  /** SHA-256 of the body, hex. */
  sha256: string;
}

export interface ReceiveOptions {
  /** More than this many bytes and the upload is refused with a 413 while it streams. */
  limit: number;
  /** Called with the bytes received so far, for sampled progress. */
  onProgress?: (bytes: number) => void;
  /** The "fail part N" fault: drop the part (503) once this many bytes have arrived. */
  cutAfter?: number;
  onCut?: () => void;
}

export const tooLarge = (limit: number, seen: string) =>
  new HttpError(
    413,
    'Upload too large',
    `Uploads are limited to ${limit} bytes (${(limit / 1024 / 1024).toFixed(0)} MiB); ${seen}. Nothing was kept.`,
    { limit },
    // The rest of the body is not wanted: say so, and close the connection after this answer.
    { connection: 'close' },
  );

/**
 * Streams a request body into `file` as it arrives, hashing it on the way,
 * with backpressure (the request is paused while the disk catches up) and a
 * size cap enforced while streaming. On any failure the partial file is
 * removed and nothing is left behind.
 */
export function receiveToFile(req: IncomingMessage, file: string, options: ReceiveOptions): Promise<Received> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file);
    const hash = createHash('sha256');
    let bytes = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.pause();
      out.destroy();
      fs.rm(file, { force: true }, () => reject(error));
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > options.limit) {
        fail(tooLarge(options.limit, `this one went past that while streaming (${bytes} bytes so far)`));
        return;
      }
      if (options.cutAfter !== undefined && bytes >= options.cutAfter) {
        options.onCut?.();
        fail(
          new HttpError(
            503,
            'Injected fault',
            `The lab lost this part on purpose after ${bytes} bytes ("fail part" fault): nothing was kept. Send it again.`,
          ),
        );
        // Not a socket kill: Chromium silently re-sends a request whose reused keep-alive
        // connection dies before any answer, so the page would never see the failure.
        // Read and discard the rest instead, and answer 503.
        req.resume();
        return;
      }
      hash.update(chunk);
      options.onProgress?.(bytes);
      // Backpressure: stop reading from the network until the file has taken what it has.
      if (!out.write(chunk)) {
        req.pause();
        out.once('drain', () => {
          if (!settled) req.resume();
        });
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      if (settled) return;
      out.end(() => {
        if (settled) return;
        settled = true;
        resolve({ bytes, sha256: hash.digest('hex') });
      });
    });
    // The client went away (or a drop fault destroyed the socket) before the end of the body.
    req.once('close', () => {
      if (!req.complete)
        fail(new HttpError(400, 'Upload cut off', `The connection closed after ${bytes} bytes, before the end of the body.`));
    });
    out.once('error', (error) => fail(error));
  });
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
