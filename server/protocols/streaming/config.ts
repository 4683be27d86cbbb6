import os from 'node:os';
import path from 'node:path';

/** The streaming lesson's knobs (environment overrides in parentheses). */
export interface StreamingConfig {
  /** Largest single upload, streamed or multipart (LAB_UPLOAD_MAX_BYTES, default 64 MiB). */
  maxUploadBytes: number;
  /** Multipart uploads a session may keep at once; creating one more removes the oldest. */
  maxMultipartPerSession: number;
  /** Where session upload folders live: `<root>/<session id>/`. */
  uploadRoot: string;
  /** Rows in the shared export table. */
  exportRows: number;
  /**
   * The export table's SQLite file. Empty: a temporary file removed at shutdown
   * (used when the lab's own database is in memory, as in tests).
   */
  exportDbPath: string;
  /** How often memory and progress are sampled onto the timeline during an export or upload. */
  sampleMs: number;
}

export function streamingConfigFromEnv(
  labDbPath: string,
  env: Record<string, string | undefined> = process.env,
): StreamingConfig {
  const max = Number(env.LAB_UPLOAD_MAX_BYTES ?? '');
  return {
    maxUploadBytes: Number.isInteger(max) && max > 0 ? max : 64 * 1024 * 1024,
    maxMultipartPerSession: 3,
    uploadRoot: path.join(os.tmpdir(), 'api-patterns-lab'),
    exportRows: 1_000_000,
    exportDbPath: labDbPath === ':memory:' ? '' : path.join(path.dirname(labDbPath), 'export.sqlite'),
    sampleMs: 200,
  };
}
