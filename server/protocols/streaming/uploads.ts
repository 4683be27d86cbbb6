import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { now } from '../../../lib/clock';
import { sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import type { Lab } from '../../lab';
import type { StreamingConfig } from './config';
import { LiveExchange } from './live';
import { declaredLength, discardRest, formatRate, readRate, receivedBefore, receiveToFile, tooLarge } from './receive';
import type { UploadStorage } from './storage';

/** Records an upload's progress at most this often, so a 50 MB body doesn't become thousands of events. */
export function progressSampler(live: LiveExchange, everyMs: number, total: number | undefined) {
  const started = now();
  let last = 0;
  return (bytes: number) => {
    const at = now();
    if (at - last < everyMs) return;
    last = at;
    const mbps = bytes / 1024 / 1024 / ((at - started) / 1000);
    live.record(
      'note',
      `received ${(bytes / 1024 / 1024).toFixed(1)} MB${total ? ` of ${(total / 1024 / 1024).toFixed(1)}` : ''} (${mbps.toFixed(1)} MB/s)`,
      { bytes, total: total ?? null, sample: 'progress' },
      { dir: 'in' },
    );
  };
}

/**
 * PUT /api/stream/upload — one upload over one connection, written to disk
 * as it arrives (the router leaves the body alone: `streamingBody`).
 *
 * The size cap is checked twice: from Content-Length before a single byte is
 * stored (413 at once), and again while streaming, for bodies that don't
 * declare a length (chunked) — the 413 then goes out as soon as the count
 * passes the cap. Either way the rest of the body is thrown away for a
 * moment and the connection closed (`discardRest`).
 * `?rate=` slows the server's reading (the request is paused, not buffered),
 * so a student has time to press Drop; a drop answers 503 and closes.
 * The file only takes its final name once the whole body is in: a cut-off
 * upload leaves nothing behind, and has to start again from byte 0.
 */
export function createStreamedUpload(lab: Lab, storage: UploadStorage, config: StreamingConfig) {
  return async function upload(ctx: SessionContext): Promise<void> {
    const { req, res, sessionId, url } = ctx;
    const declared = declaredLength(req);
    const rate = readRate(url);
    const live = new LiveExchange(lab, ctx, `streamed upload${rate ? ` (server reads at ${formatRate(rate)})` : ''}`, {
      contentLength: declared ?? null,
      transferEncoding: req.headers['transfer-encoding'] ?? null,
      readRate: rate ?? 'full',
    });
    if (declared !== undefined && declared > config.maxUploadBytes) {
      // Refused from the header alone: the answer goes before any of the body is read.
      discardRest(req);
      throw tooLarge(config.maxUploadBytes, `this one says it is ${declared} bytes (Content-Length)`);
    }
    const drop = new AbortController();
    live.onDrop(() => drop.abort(), 'answered 503, then closed');
    const folder = storage.folder(sessionId);
    const partial = path.join(folder, `streamed.${randomBytes(4).toString('hex')}.partial`);
    const started = now();
    const received = await receiveToFile(req, partial, {
      limit: config.maxUploadBytes,
      ...(rate ? { bytesPerSecond: rate } : {}),
      drop: drop.signal,
      onProgress: progressSampler(live, config.sampleMs, declared),
    }).catch((error: unknown) => {
      const bytes = receivedBefore(error);
      live.onCloseFields(() => ({ received: bytes ?? null, kept: 0 }));
      live.note(
        `upload failed after ${((now() - started) / 1000).toFixed(2)} s${bytes === undefined ? '' : ` and ${bytes} bytes`}: nothing kept — a streamed upload starts again from byte 0`,
        { received: bytes ?? null, kept: 0 },
      );
      throw error;
    });
    fs.renameSync(partial, path.join(folder, 'streamed.bin'));
    const ms = now() - started;
    live.onCloseFields(() => ({ bytes: received.bytes, sha256: received.sha256 }));
    live.record(
      'response',
      `stored ${received.bytes} bytes as streamed.bin (SHA-256 ${received.sha256.slice(0, 12)}…)`,
      {
        bytes: received.bytes,
        sha256: received.sha256,
        ms: Math.round(ms),
      },
      { dir: 'out' },
    );
    sendJson(res, 201, { stored: 'streamed.bin', bytes: received.bytes, sha256: received.sha256, ms: Math.round(ms) });
  };
}
