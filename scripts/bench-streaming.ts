/**
 * npm run bench:streaming — the Streaming lesson's figures on loopback:
 * - export of 1,000,000 rows, streamed vs buffered: rows/s and the server's
 *   peak RSS above its idle level (read from /proc/<pid>/status every 20 ms,
 *   from outside the server, so the measurement costs the server nothing);
 * - uploads of one 48 MiB file: one streamed request vs multipart with 1, 4
 *   and 8 parts in flight (4 MiB parts).
 *
 * Two processes: this one (the client) forks the lab server (API only,
 * in-memory database) as a child: the same file run with --serve.
 */
import { createHash, randomBytes } from 'node:crypto';
import { forkBenchChild, procUsage, serveParent, startBenchLab, watchPeakRss } from './bench-lab-child';

const ROWS = 1_000_000;
const FILE_BYTES = 48 * 1024 * 1024;
const PART_BYTES = 4 * 1024 * 1024;
const MB = 1024 * 1024;

async function serve(): Promise<void> {
  const { server, port } = await startBenchLab();
  serveParent({ port }, () => server.close());
}

async function main(): Promise<void> {
  const child = await forkBenchChild<{ port: number }>(import.meta.filename, ['--serve'], {
    env: { NEXT_TELEMETRY_DISABLED: '1' },
  });
  const base = `http://127.0.0.1:${child.info.port}`;
  const pid = child.pid;
  const session = ((await (await fetch(`${base}/api/lab/sessions`, { method: 'POST' })).json()) as { id: string }).id;
  const headers = { 'x-lab-session': session };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  try {
    console.log(
      `Streaming bench — ${new Date().toISOString()}, Node ${process.version}, loopback, server in a child process (pid ${pid})`,
    );
    let t = performance.now();
    await (await fetch(`${base}/api/stream/export?rows=1`, { headers })).text();
    console.log(
      `generating the ${ROWS.toLocaleString('en')}-row export table (first export): ${(performance.now() - t).toFixed(0)} ms`,
    );

    console.log('\nexport of 1,000,000 rows (NDJSON)   rows/s      MB/s   time    peak RSS above idle');
    for (const mode of ['stream', 'buffer', 'stream'] as const) {
      await sleep(2_000);
      const idle = procUsage(pid).rss;
      const stop = watchPeakRss(pid);
      t = performance.now();
      const res = await fetch(`${base}/api/stream/export?mode=${mode}&rows=${ROWS}`, { headers });
      let bytes = 0;
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.length;
      const seconds = (performance.now() - t) / 1000;
      const peak = stop();
      console.log(
        `  ${mode.padEnd(33)} ${Math.round(ROWS / seconds)
          .toLocaleString('en')
          .padStart(
            9,
          )}  ${(bytes / MB / seconds).toFixed(1).padStart(6)}  ${seconds.toFixed(2).padStart(5)} s  ${((peak - idle) / MB).toFixed(1).padStart(6)} MB (idle ${(idle / MB).toFixed(0)} MB)`,
      );
    }

    const file = randomBytes(FILE_BYTES);
    const sha = createHash('sha256').update(file).digest('hex');
    console.log(`\nupload of ${FILE_BYTES / MB} MiB                       MB/s    time   checksum`);
    t = performance.now();
    const one = (await (await fetch(`${base}/api/stream/upload`, { method: 'PUT', headers, body: new Blob([file]) })).json()) as {
      sha256: string;
    };
    let seconds = (performance.now() - t) / 1000;
    console.log(
      `  one streamed request              ${(FILE_BYTES / MB / seconds).toFixed(1).padStart(6)}  ${seconds.toFixed(2).padStart(5)} s  ${one.sha256 === sha ? 'ok' : 'MISMATCH'}`,
    );
    for (const parallel of [1, 4, 8]) {
      t = performance.now();
      const created = (await (
        await fetch(`${base}/api/stream/multipart`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ size: FILE_BYTES, partSize: PART_BYTES }),
        })
      ).json()) as { uploadId: string; partCount: number };
      let next = 1;
      const worker = async () => {
        while (next <= created.partCount) {
          const n = next++;
          const part = file.subarray((n - 1) * PART_BYTES, n * PART_BYTES);
          const res = await fetch(`${base}/api/stream/multipart/${created.uploadId}/parts/${n}`, {
            method: 'PUT',
            headers: { ...headers, 'x-content-sha256': createHash('sha256').update(part).digest('hex') },
            body: new Blob([part]),
          });
          if (res.status !== 200) throw new Error(`part ${n}: ${res.status} ${await res.text()}`);
        }
      };
      await Promise.all(Array.from({ length: parallel }, worker));
      const done = (await (
        await fetch(`${base}/api/stream/multipart/${created.uploadId}/complete`, { method: 'POST', headers })
      ).json()) as { sha256: string };
      seconds = (performance.now() - t) / 1000;
      console.log(
        `  multipart, ${String(parallel).padEnd(1)} in flight (${created.partCount} × 4 MiB) ${(FILE_BYTES / MB / seconds).toFixed(1).padStart(6)}  ${seconds.toFixed(2).padStart(5)} s  ${done.sha256 === sha ? 'ok' : 'MISMATCH'}`,
      );
    }
    console.log('\n(The machine has 2 cores shared with other work: treat the figures as rough.)');
  } finally {
    await child.stop();
  }
}

if (process.argv.includes('--serve')) void serve();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
