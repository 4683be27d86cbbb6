import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import type { Lab } from '../../lab';
import type { StreamingConfig } from './config';
import { LiveExchange } from './live';
import { declaredLength, formatRate, readRate, receivedBefore, receiveToFile } from './receive';
import type { UploadStorage } from './storage';
import { progressSampler } from './uploads';

/** Like S3 (5 MiB there), parts have a minimum size, except the last; small here so a lesson file splits into several. */
export const MIN_PART_BYTES = 64 * 1024;
/** S3 allows 10,000; plenty here. */
export const MAX_PARTS = 1_000;
const SHA256_HEX = /^[0-9a-f]{64}$/;

interface MultipartUpload {
  id: string;
  name: string;
  size: number;
  partSize: number;
  partCount: number;
  folder: string;
  /** Received parts: part number → checksum and size. */
  parts: Map<number, { sha256: string; bytes: number }>;
  /** The "fail part N" fault: this part's first attempt is lost halfway (503). */
  failPart: number | null;
  failed: Set<number>;
  completed: { sha256: string; bytes: number } | null;
  createdAt: number;
}

function uploadView(u: MultipartUpload) {
  return {
    uploadId: u.id,
    name: u.name,
    size: u.size,
    partSize: u.partSize,
    partCount: u.partCount,
    failPart: u.failPart,
    received: [...u.parts.keys()].sort((a, b) => a - b),
    completed: u.completed,
  };
}

const badRequest = (title: string, detail: string, extra: Record<string, unknown> = {}) =>
  new HttpError(400, title, detail, extra);

function positiveInt(body: Record<string, unknown>, name: string, required: boolean): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw badRequest(`Missing ${name}`, `The body needs "${name}", a whole number of bytes.`);
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw badRequest(`Bad ${name}`, `"${name}" must be a positive whole number, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Expected size of part n (1-based): every part is partSize but the last, which takes the rest. */
export function partBytes(u: Pick<MultipartUpload, 'size' | 'partSize' | 'partCount'>, n: number): number {
  return n < u.partCount ? u.partSize : u.size - u.partSize * (u.partCount - 1);
}

/**
 * An S3-style multipart upload: create → upload parts (in any order, in
 * parallel, each its own request with its own SHA-256) → complete (parts
 * are assembled in order and the whole file is hashed). A part that fails
 * is simply sent again; the parts already stored stay stored.
 *
 * State lives in memory (the upload ids) and on disk (the parts), under the
 * session's folder, so sessions never see each other's uploads.
 */
export class MultipartUploads {
  private readonly bySession = new Map<string, Map<string, MultipartUpload>>();

  constructor(
    private readonly lab: Lab,
    private readonly storage: UploadStorage,
    private readonly config: StreamingConfig,
  ) {}

  /** POST /api/stream/multipart {"size", "partSize", "name"?, "failPart"?} */
  create = (ctx: SessionContext): void => {
    const raw = parseJson(ctx.req.headers['content-type'], ctx.body);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw badRequest('Expected an object', 'Send {"size": <bytes>, "partSize": <bytes>} and optionally "name" and "failPart".');
    }
    const body = raw as Record<string, unknown>;
    const size = positiveInt(body, 'size', true) as number;
    const cap = this.config.maxUploadBytes;
    if (size > cap)
      throw new HttpError(413, 'Upload too large', `Uploads are limited to ${cap} bytes; this one would be ${size}.`, {
        limit: cap,
      });
    const partSize = positiveInt(body, 'partSize', true) as number;
    if (partSize < MIN_PART_BYTES && partSize < size) {
      throw badRequest(
        'Parts too small',
        `"partSize" must be at least ${MIN_PART_BYTES} bytes (64 KiB), except when one part holds the whole file.`,
      );
    }
    const partCount = Math.ceil(size / partSize);
    if (partCount > MAX_PARTS)
      throw badRequest(
        'Too many parts',
        `${size} bytes in parts of ${partSize} makes ${partCount} parts; the limit is ${MAX_PARTS}.`,
      );
    const failPart = positiveInt(body, 'failPart', false) ?? null;
    if (failPart !== null && failPart > partCount) {
      throw badRequest('Part number out of range', `"failPart" must name one of the ${partCount} parts (1–${partCount}).`);
    }
    const name = typeof body.name === 'string' ? body.name.slice(0, 100) : 'upload.bin';

    const uploads = this.sessionUploads(ctx.sessionId);
    while (uploads.size >= this.config.maxMultipartPerSession) {
      const oldest = [...uploads.values()].sort((a, b) => a.createdAt - b.createdAt)[0] as MultipartUpload;
      this.remove(ctx.sessionId, oldest);
      this.note(
        ctx.sessionId,
        `removed the oldest multipart upload ${oldest.id}: a session keeps at most ${this.config.maxMultipartPerSession}`,
      );
    }
    const id = randomBytes(8).toString('hex');
    const folder = path.join(this.storage.folder(ctx.sessionId), `multipart-${id}`);
    fs.mkdirSync(folder);
    const upload: MultipartUpload = {
      id,
      name,
      size,
      partSize,
      partCount,
      folder,
      parts: new Map(),
      failPart,
      failed: new Set(),
      completed: null,
      createdAt: Date.now(),
    };
    uploads.set(id, upload);
    sendJson(ctx.res, 201, uploadView(upload), { location: `/api/stream/multipart/${id}` });
  };

  /** GET /api/stream/multipart/:id — which parts the server holds (S3's ListParts): what a client resumes from. */
  status = (ctx: SessionContext): void => {
    sendJson(ctx.res, 200, uploadView(this.find(ctx)));
  };

  /**
   * PUT /api/stream/multipart/:id/parts/:n?rate= with X-Content-SHA256: <hex> — one part, streamed to disk
   * and verified. `rate` (bytes per second) slows the server's reading; a drop fault answers 503 and closes.
   */
  part = async (ctx: SessionContext): Promise<void> => {
    const { req, res, sessionId, params, url } = ctx;
    const upload = this.find(ctx);
    const n = Number(params.n);
    if (!/^\d+$/.test(params.n ?? '') || n < 1 || n > upload.partCount) {
      throw badRequest(
        'Part number out of range',
        `This upload has ${upload.partCount} part${upload.partCount === 1 ? '' : 's'}: numbers 1–${upload.partCount}, got "${params.n}".`,
      );
    }
    if (upload.completed)
      throw new HttpError(
        409,
        'Upload already completed',
        `Upload ${upload.id} is complete; start a new one to send more parts.`,
      );
    const claimed = String(req.headers['x-content-sha256'] ?? '').toLowerCase();
    if (!SHA256_HEX.test(claimed)) {
      throw badRequest(
        'Missing part checksum',
        "Send the part's SHA-256 as 64 hex digits in the X-Content-SHA256 header (e.g. from `sha256sum`).",
      );
    }
    const expected = partBytes(upload, n);
    const declared = declaredLength(req);
    if (declared !== undefined && declared !== expected) {
      throw badRequest('Wrong part size', `Part ${n} must be exactly ${expected} bytes; Content-Length says ${declared}.`, {
        expected,
      });
    }
    const rate = readRate(url);
    const live = new LiveExchange(
      this.lab,
      ctx,
      `part ${n}/${upload.partCount} of ${upload.id}${rate ? ` (server reads at ${formatRate(rate)})` : ''}`,
      { part: n, bytes: expected, readRate: rate ?? 'full' },
    );
    const drop = new AbortController();
    live.onDrop(() => drop.abort(), 'answered 503, then closed');
    const injure = upload.failPart === n && !upload.failed.has(n);
    const partial = path.join(upload.folder, `part-${n}.${randomBytes(4).toString('hex')}.partial`);
    const received = await receiveToFile(req, partial, {
      limit: expected,
      ...(rate ? { bytesPerSecond: rate } : {}),
      drop: drop.signal,
      onProgress: progressSampler(live, this.config.sampleMs, expected),
      ...(injure
        ? {
            cutAfter: Math.max(1, Math.floor(expected / 2)),
            onCut: () => {
              upload.failed.add(n);
              this.lab.record(sessionId, {
                origin: 'server',
                protocol: 'streaming',
                kind: 'fault',
                conn: live.connId,
                summary: `fail part ${n}: lost the part halfway through, answering 503 (the other parts are unaffected)`,
                detail: { fields: { part: n, uploadId: upload.id } },
              });
            },
          }
        : {}),
    }).catch((error: unknown) => {
      // What the server had read when the part failed: the bytes this attempt wasted.
      live.onCloseFields(() => ({ received: receivedBefore(error) ?? null, kept: 0 }));
      throw error;
    });
    if (received.bytes !== expected) {
      fs.rmSync(partial, { force: true });
      throw badRequest(
        'Wrong part size',
        `Part ${n} must be exactly ${expected} bytes; ${received.bytes} arrived. It was not kept.`,
        { expected },
      );
    }
    if (received.sha256 !== claimed) {
      fs.rmSync(partial, { force: true });
      throw badRequest(
        'Checksum mismatch',
        `Part ${n} arrived with SHA-256 ${received.sha256}, not the ${claimed} you sent: it was damaged on the way or the header is wrong. It was not kept; send it again.`,
        { part: n, received: received.sha256 },
      );
    }
    if (!this.sessionUploads(sessionId).has(upload.id)) {
      fs.rmSync(partial, { force: true });
      throw new HttpError(404, 'No such upload', `Upload ${upload.id} was aborted while part ${n} was arriving.`);
    }
    fs.renameSync(partial, path.join(upload.folder, `part-${n}`));
    upload.parts.set(n, { sha256: received.sha256, bytes: received.bytes });
    live.record(
      'response',
      `part ${n} stored and verified (SHA-256 ${received.sha256.slice(0, 12)}…)`,
      { part: n, bytes: received.bytes },
      { dir: 'out' },
    );
    sendJson(res, 200, { part: n, bytes: received.bytes, sha256: received.sha256 }, { etag: `"${received.sha256}"` });
  };

  /** POST /api/stream/multipart/:id/complete {"parts"?: [{"part", "sha256"}], "sha256"?} — assemble in order and hash the whole. */
  complete = async (ctx: SessionContext): Promise<void> => {
    const upload = this.find(ctx);
    const raw = ctx.body.length > 0 ? parseJson(ctx.req.headers['content-type'], ctx.body) : {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw badRequest('Expected an object', 'Send {} or {"parts": [{"part": 1, "sha256": "…"}, …], "sha256": "…"}.');
    const body = raw as { parts?: unknown; sha256?: unknown };
    if (upload.completed) {
      sendJson(ctx.res, 200, { ...uploadView(upload), ...upload.completed });
      return;
    }
    const missing = Array.from({ length: upload.partCount }, (_, i) => i + 1).filter((n) => !upload.parts.has(n));
    if (missing.length > 0) {
      throw badRequest(
        'Missing parts',
        `Parts ${missing.join(', ')} of ${upload.partCount} have not arrived; upload them, then complete again. The parts already stored are kept.`,
        { missing },
      );
    }
    if (body.parts !== undefined) {
      if (!Array.isArray(body.parts)) throw badRequest('Bad parts', '"parts" must be a list of {"part", "sha256"}.');
      for (const item of body.parts as { part?: unknown; sha256?: unknown }[]) {
        const stored = typeof item?.part === 'number' ? upload.parts.get(item.part) : undefined;
        if (!stored)
          throw badRequest(
            'Part number out of range',
            `"parts" names part ${JSON.stringify(item?.part)}, which this upload (1–${upload.partCount}) doesn't have.`,
          );
        if (item.sha256 !== stored.sha256) {
          throw badRequest(
            'Checksum mismatch',
            `Part ${item.part} is stored with SHA-256 ${stored.sha256}, not ${String(item.sha256)}. Re-upload it if your copy is right.`,
            { part: item.part },
          );
        }
      }
    }
    const started = Date.now();
    const target = path.join(path.dirname(upload.folder), `multipart-${upload.id}.bin`);
    const whole = createHash('sha256');
    const out = fs.createWriteStream(target);
    try {
      for (let n = 1; n <= upload.partCount; n++) {
        for await (const chunk of fs.createReadStream(path.join(upload.folder, `part-${n}`))) {
          whole.update(chunk as Buffer);
          if (!out.write(chunk)) await once(out, 'drain');
        }
      }
      out.end();
      await once(out, 'finish');
    } catch (error: unknown) {
      out.destroy();
      fs.rmSync(target, { force: true });
      throw error;
    }
    const sha256 = whole.digest('hex');
    if (typeof body.sha256 === 'string' && body.sha256.toLowerCase() !== sha256) {
      fs.rmSync(target, { force: true });
      throw badRequest(
        'Checksum mismatch',
        `The assembled file's SHA-256 is ${sha256}, not the ${body.sha256} you expected. The parts are kept; check which one differs.`,
        { sha256 },
      );
    }
    // The parts are now in the assembled file.
    fs.rmSync(upload.folder, { recursive: true, force: true });
    upload.completed = { sha256, bytes: upload.size };
    this.note(
      ctx.sessionId,
      `multipart upload ${upload.id} complete: ${upload.partCount} parts assembled into ${upload.size} bytes in ${Date.now() - started} ms, SHA-256 ${sha256.slice(0, 12)}…`,
      { uploadId: upload.id, sha256 },
    );
    sendJson(ctx.res, 200, { ...uploadView(upload), ...upload.completed, stored: path.basename(target) });
  };

  /** DELETE /api/stream/multipart/:id — abort: every stored part is removed. */
  abort = (ctx: SessionContext): void => {
    const upload = this.find(ctx);
    this.remove(ctx.sessionId, upload);
    ctx.res.writeHead(204).end();
  };

  forget(sessionId: string): void {
    this.bySession.delete(sessionId);
  }

  private remove(sessionId: string, upload: MultipartUpload): void {
    this.bySession.get(sessionId)?.delete(upload.id);
    fs.rmSync(upload.folder, { recursive: true, force: true });
    fs.rmSync(path.join(path.dirname(upload.folder), `multipart-${upload.id}.bin`), { force: true });
  }

  private sessionUploads(sessionId: string): Map<string, MultipartUpload> {
    let uploads = this.bySession.get(sessionId);
    if (!uploads) {
      uploads = new Map();
      this.bySession.set(sessionId, uploads);
    }
    return uploads;
  }

  /** The session's upload named in the path: another session's id is simply unknown here. */
  private find(ctx: SessionContext): MultipartUpload {
    const id = ctx.params.id ?? '';
    const upload = this.bySession.get(ctx.sessionId)?.get(id);
    if (!upload) {
      throw new HttpError(
        404,
        'No such upload',
        `Your session has no multipart upload "${id.slice(0, 40)}". Create one with POST /api/stream/multipart. Uploads disappear when aborted, when your session starts more than ${this.config.maxMultipartPerSession}, or when it expires.`,
      );
    }
    return upload;
  }

  private note(sessionId: string, summary: string, fields: Record<string, string | number> = {}): void {
    this.lab.record(sessionId, { origin: 'server', protocol: 'streaming', kind: 'note', summary, detail: { fields } });
  }
}
