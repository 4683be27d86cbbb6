import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { now } from '../../../lib/clock';
import type { SessionContext } from '../../http/router';
import type { Lab } from '../../lab';
import { EXPORT_COLUMNS, EXPORT_SQL, type ExportDataset, type ExportRow } from './dataset';
import { LiveExchange } from './live';
import { MemorySampler } from './memory';
import { choiceParam, intParam } from './params';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export const EXPORT_MODES = ['stream', 'buffer'] as const;
type Format = (typeof EXPORT_FORMATS)[number];

/** Rows formatted and written per batch; between batches the loop yields, so other sessions are served. */
const BATCH_ROWS = 2_000;

const CONTENT_TYPES: Record<Format, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

function formatRow(format: Format, [id, createdAt, account, merchant, amountCents]: ExportRow): string {
  return format === 'ndjson'
    ? `{"id":${id},"created_at":"${createdAt}","account":"${account}","merchant":"${merchant}","amount_cents":${amountCents}}\n`
    : `${id},${createdAt},${account},${merchant},${amountCents}\n`;
}

/** Waits until the socket has room again ('drain'), or the exchange ends. */
async function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await once(res, 'drain', { signal }).catch(() => undefined);
}

/**
 * GET /api/stream/export?format=ndjson|csv&mode=stream|buffer&rows=N
 *
 * One query over the shared export table, read through a cursor
 * (better-sqlite3's `.iterate()`), BATCH_ROWS at a time.
 * - stream: each batch is written as soon as it is formatted. When the
 *   socket's buffer is full (`res.write()` returns false) the cursor waits
 *   for 'drain': a slow reader slows the query down instead of growing
 *   the server's memory.
 * - buffer: every batch is kept until the last row is read, then the whole
 *   body is sent with a Content-Length: what `SELECT *` + `JSON.stringify`
 *   does, only slower to show.
 * Memory is sampled onto the timeline during both: the bytes this export
 * holds, and the process's RSS and heap. When the
 * client goes away, the cursor is closed (`iterator.return()`) at once.
 */
export function createExport(lab: Lab, dataset: ExportDataset, sampleMs: number) {
  return async function exportRows(ctx: SessionContext): Promise<void> {
    const { url, res, sessionId } = ctx;
    const format = choiceParam(url, 'format', EXPORT_FORMATS, 'ndjson');
    const mode = choiceParam(url, 'mode', EXPORT_MODES, 'stream');
    const limit = intParam(url, 'rows', { min: 1, max: dataset.rows, fallback: dataset.rows });
    const live = new LiveExchange(lab, ctx, `export (${mode}, ${format})`, { mode, format, rows: limit });

    const firstUse = !dataset.generated;
    if (firstUse)
      live.note(`preparing the shared ${dataset.rows.toLocaleString('en')}-row export table (first use since start)…`);
    const { generatedMs } = await dataset.ensure();
    if (firstUse && generatedMs !== null) {
      live.note(`generated ${dataset.rows.toLocaleString('en')} rows in ${Math.round(generatedMs)} ms`, {
        generatedMs: Math.round(generatedMs),
      });
    }
    await lab.faults.delay(sessionId);
    if (live.stopped) return;

    let rows = 0;
    let bytes = 0;
    let waits = 0;
    let keptBytes = 0;
    let peakHeldBytes = 0;
    // What this export alone holds in the server right now: rows kept for a
    // buffered body, plus bytes written but still queued in the socket. Unlike
    // the process-wide heap, nothing else (GC timing, other sessions) moves it.
    const held = () => {
      const heldBytes = keptBytes + res.writableLength;
      peakHeldBytes = Math.max(peakHeldBytes, heldBytes);
      return { heldBytes, heldMb: round(heldBytes / MB) };
    };
    const sampler = new MemorySampler(sampleMs, (memory) => {
      const holding = held();
      live.note(
        `memory: this export holds ${holding.heldMb} MB; process heap ${memory.heapMb} MB (+${memory.heapDeltaMb}), RSS ${memory.rssMb} MB (+${memory.rssDeltaMb}) — ${rows} rows`,
        { ...memory, ...holding, rows, bytes, sample: 'memory' },
      );
    });
    live.onCloseFields(() => ({
      rows,
      bytes,
      drainWaits: waits,
      peakHeldBytes,
      peakRssDeltaMb: round(sampler.peakRssDelta),
      peakHeapDeltaMb: round(sampler.peakHeapDelta),
    }));

    const db = dataset.open();
    const cursor = db.prepare(EXPORT_SQL).raw().iterate(limit) as IterableIterator<ExportRow>;
    const queryStarted = now();
    let closed = false;
    const closeCursor = () => {
      if (closed) return;
      closed = true;
      // Ends the statement: SQLite stops reading, the connection is released.
      cursor.return?.();
      db.close();
      const durationMs = now() - queryStarted;
      lab.record(sessionId, {
        at: queryStarted,
        origin: 'db',
        protocol: 'sql',
        kind: 'query',
        conn: live.connId,
        summary: `${EXPORT_SQL.slice(0, 60)}… — cursor read ${rows} row${rows === 1 ? '' : 's'}${rows < limit ? ' (closed early)' : ''}, ${durationMs.toFixed(0)} ms`,
        detail: { sql: EXPORT_SQL, params: [limit], rows, durationMs, fields: { cursor: true, closedEarly: rows < limit } },
      });
    };
    live.signal.addEventListener('abort', () => {
      closeCursor();
      sampler.stop();
    });

    const header = format === 'csv' ? `${EXPORT_COLUMNS.join(',')}\n` : '';
    const kept: string[] = [];
    try {
      if (mode === 'stream') {
        res.writeHead(200, {
          'content-type': CONTENT_TYPES[format],
          'cache-control': 'no-store',
          'x-export-rows': String(limit),
        });
        if (header) res.write(header);
      } else if (header) kept.push(header);
      bytes += Buffer.byteLength(header);
      if (mode === 'buffer') keptBytes = bytes;

      for (;;) {
        let batch = '';
        let n = 0;
        for (; n < BATCH_ROWS; n++) {
          const next = cursor.next();
          if (next.done) break;
          batch += formatRow(format, next.value);
        }
        if (live.stopped) return;
        rows += n;
        bytes += Buffer.byteLength(batch);
        if (mode === 'stream') {
          // Backpressure: false means the socket's buffer is past its high-water mark.
          if (batch && !res.write(batch)) {
            waits += 1;
            await drained(res, live.signal);
          }
        } else {
          if (batch) kept.push(batch);
          keptBytes = bytes;
        }
        // Back to the event loop after every batch, even after a 'drain': when the kernel takes each
        // write at once (a fast local reader), 'drain' comes from a tick, not from I/O, and a loop of
        // write → drain → write would never let timers or other students' requests run.
        await yieldToEventLoop();
        if (live.stopped) return;
        if (n < BATCH_ROWS) break;
      }
      closeCursor();
      if (mode === 'buffer') {
        live.note(`whole result built in memory: ${rows} rows, ${bytes} bytes; sending it now`, {
          ...sampler.sample(),
          ...held(),
          rows,
          bytes,
          sample: 'memory',
        });
        res.writeHead(200, {
          'content-type': CONTENT_TYPES[format],
          'content-length': bytes,
          'cache-control': 'no-store',
          'x-export-rows': String(limit),
        });
        for (const part of kept) res.write(part);
        kept.length = 0;
        keptBytes = 0;
      }
      live.note(`last row read: ${rows} rows, ${bytes} bytes${mode === 'stream' ? `, waited for 'drain' ${waits} times` : ''}`, {
        ...sampler.sample(),
        ...held(),
        rows,
        bytes,
        drainWaits: waits,
        sample: 'memory',
      });
      sampler.stop();
      res.end();
    } catch (error: unknown) {
      closeCursor();
      sampler.stop();
      throw error;
    }
  };
}

const MB = 1024 * 1024;

function round(mb: number): number {
  return Math.round(mb * 10) / 10;
}
