/**
 * `npm run bench:sse`: how many concurrent SSE streams one lab process holds
 * while pushing 1 event per second to each, with p99 delivery latency under
 * 100 ms, and what each stream costs in memory.
 *
 * Two processes: this one (the clients) spawns the lab server (API only, an
 * in-memory database, ticks every second) as a child: the same file run with
 * --serve. Clients are plain node:http requests that parse the stream by
 * hand, which keeps their CPU cost low on a machine the server shares.
 * Each tick carries the server's timestamp; delivery latency = arrival here −
 * that timestamp (one machine, one clock: performance.timeOrigin + now()).
 *
 * The load goes up in steps (--steps 1000,2000,...); at each step, once every
 * stream is open, latency is measured over --window seconds. The run stops
 * at the first step that misses the goal or fails to open its streams.
 * Streams are spread over sessions of --per-session each (the lab caps
 * streams per session). Every chunk is also recorded on the session's
 * timeline, as in class: that is part of the cost measured.
 *
 * Options: --steps, --window (s), --per-session, --json FILE.
 */
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { now } from '../lib/clock';
import { type BenchChild, forkBenchChild, serveParent, startBenchLab } from './bench-lab-child';

const GOAL = { p99Ms: 100, streams: 5000 };

const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    steps: { type: 'string', default: '500,1000,2000,3000,4000,5000,6000,8000' },
    window: { type: 'string', default: '10' },
    'per-session': { type: 'string', default: '50' },
    json: { type: 'string' },
  },
});

/** --serve: the lab server, API only, reporting its port (and, when asked, its memory) to this process. */
async function serve(): Promise<void> {
  const { server, port } = await startBenchLab();
  serveParent({ port }, () => server.close());
}

function startServer(perSession: number): Promise<BenchChild<{ port: number }>> {
  // --expose-gc: memory is read after a full collection, so it is what the streams hold.
  return forkBenchChild(import.meta.filename, ['--serve'], {
    execArgv: ['--expose-gc'],
    env: {
      NODE_ENV: 'production',
      LAB_SSE_TICK_MS: '1000',
      LAB_SSE_MAX_STREAMS: String(perSession),
      // The benchmark's sessions live for the whole run.
      LAB_SESSION_IDLE_MS: String(60 * 60 * 1000),
    },
  });
}

/** Latency samples from every stream, reset per measuring window. */
const samples: number[] = [];
let measuring = false;
let received = 0;
const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

function openStream(port: number, session: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: `/api/sse/ticks?session=${session}`, agent, headers: { accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`stream refused: ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let carry = '';
        res.on('data', (text: string) => {
          const arrived = now();
          const lines = (carry + text).split('\n');
          carry = lines.pop() ?? '';
          for (const line of lines) {
            if (!line.startsWith('data: ')) continue;
            received += 1;
            if (!measuring) continue;
            const at = Number(/"at":([\d.]+)/.exec(line)?.[1]);
            samples.push(arrived - at);
          }
        });
        resolve(req);
      },
    );
    req.on('error', reject);
  });
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

interface StepResult {
  streams: number;
  events: number;
  expected: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rssMiB: number;
  heapMiB: number;
  kibPerStream: number;
  ok: boolean;
}

async function main(): Promise<void> {
  const steps = String(args.steps).split(',').map(Number);
  const windowS = Number(args.window);
  const perSession = Number(args['per-session']);
  console.log(
    `[bench:sse] server in a child process; ticks 1/s per stream; ${perSession} streams per session; ${windowS} s windows`,
  );
  const server = await startServer(perSession);
  const base = `http://127.0.0.1:${server.info.port}`;
  const baseline = await server.memory();
  console.log(`[bench:sse] lab on ${base}; baseline RSS ${(baseline.rss / 2 ** 20).toFixed(1)} MiB`);

  const streams: http.ClientRequest[] = [];
  let session = '';
  const results: StepResult[] = [];
  for (const target of steps) {
    const opening = now();
    try {
      while (streams.length < target) {
        const batch: Promise<http.ClientRequest>[] = [];
        for (let i = 0; i < 100 && streams.length + batch.length < target; i++) {
          if ((streams.length + batch.length) % perSession === 0) {
            const res = await fetch(`${base}/api/lab/sessions`, { method: 'POST' });
            session = ((await res.json()) as { id: string }).id;
          }
          batch.push(openStream(server.info.port, session));
        }
        streams.push(...(await Promise.all(batch)));
      }
    } catch (error: unknown) {
      console.log(`[bench:sse] could not open ${target} streams: ${(error as Error).message}`);
      break;
    }
    const openedIn = (now() - opening) / 1000;
    // Let the tickers settle into their rhythm, then measure.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    samples.length = 0;
    received = 0;
    measuring = true;
    await new Promise((resolve) => setTimeout(resolve, windowS * 1000));
    measuring = false;
    const events = received;
    const sorted = [...samples].sort((a, b) => a - b);
    const memory = await server.memory();
    const result: StepResult = {
      streams: target,
      events,
      expected: target * windowS,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted.at(-1) ?? Number.NaN,
      rssMiB: memory.rss / 2 ** 20,
      heapMiB: memory.heap / 2 ** 20,
      kibPerStream: (memory.rss - baseline.rss) / 1024 / target,
      ok: quantile(sorted, 0.99) < GOAL.p99Ms && events >= target * windowS * 0.95,
    };
    results.push(result);
    console.log(
      `[bench:sse] ${String(target).padStart(5)} streams (opened in ${openedIn.toFixed(1)} s): ` +
        `${events} events in ${windowS} s (expected ~${target * windowS}), latency p50 ${result.p50Ms.toFixed(1)} ms, ` +
        `p99 ${result.p99Ms.toFixed(1)} ms, max ${result.maxMs.toFixed(1)} ms; server RSS ${result.rssMiB.toFixed(0)} MiB ` +
        `(heap ${result.heapMiB.toFixed(0)} MiB), ${result.kibPerStream.toFixed(1)} KiB per stream ${result.ok ? 'OK' : 'MISSED'}`,
    );
    if (!result.ok) break;
  }

  const best = results.filter((r) => r.ok).at(-1);
  console.log(
    best
      ? `[bench:sse] held ${best.streams} streams at 1 event/s with p99 ${best.p99Ms.toFixed(1)} ms (goal ${GOAL.streams} streams, p99 < ${GOAL.p99Ms} ms): ${best.streams >= GOAL.streams ? 'goal met' : 'goal NOT met'}`
      : '[bench:sse] no step met the goal',
  );
  if (args.json) fs.writeFileSync(String(args.json), JSON.stringify({ goal: GOAL, results }, null, 2));
  for (const s of streams) s.destroy();
  await server.stop();
}

if (args.serve) void serve();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
