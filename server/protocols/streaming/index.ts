/**
 * "Streaming": an answer sent token by token as it is generated, a
 * million-row export streamed from a database cursor with backpressure
 * (and the same export buffered, for comparison), and uploads: one streamed
 * body, or S3-style multipart with per-part checksums and retries.
 * Long exchanges are `stream` drop targets and record their own timeline
 * events (open, sampled progress and memory, close).
 */
import { sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import type { Lab } from '../../lab';
import { type StreamingConfig, streamingConfigFromEnv } from './config';
import { ExportDataset } from './dataset';
import { createExport } from './export';
import { MultipartUploads } from './multipart';
import { UploadStorage } from './storage';
import { createTokens } from './tokens';
import { createStreamedUpload } from './uploads';

export { type StreamingConfig, streamingConfigFromEnv } from './config';

export function createStreaming(lab: Lab, config: StreamingConfig = streamingConfigFromEnv(lab.config.dbPath)) {
  const dataset = new ExportDataset(config.exportDbPath, config.exportRows);
  const storage = new UploadStorage(config.uploadRoot);
  const multipart = new MultipartUploads(lab, storage, config);
  lab.sessions.onExpire((id) => {
    multipart.forget(id);
    storage.forget(id);
  });
  return {
    tokens: createTokens(lab),
    exportRows: createExport(lab, dataset, config.sampleMs),
    upload: createStreamedUpload(lab, storage, config),
    /** GET /api/stream/uploads — what the session is storing, and the cap. */
    storage: (ctx: SessionContext) => {
      const files = storage.list(ctx.sessionId);
      sendJson(ctx.res, 200, { files, bytes: files.reduce((sum, f) => sum + f.bytes, 0), maxUploadBytes: config.maxUploadBytes });
    },
    multipart,
    dataset,
    close(): void {
      storage.close();
      dataset.close();
    },
  };
}

export type Streaming = ReturnType<typeof createStreaming>;
