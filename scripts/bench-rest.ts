/**
 * `npm run bench:rest`: what the lab's timeline taps cost a REST endpoint.
 *
 * Measures `GET /api/accounts/123` with the same load tool (autocannon), in
 * one run, against three server processes:
 *   - taps off: the real lab server, started with `recordHttpAndSql: false`,
 *     so everything but recording is the same (router, sessions, REST
 *     dispatcher and instances, SQL, drop registration);
 *   - full lab: the same server with its taps on, exactly as a student's
 *     requests go through it; the goal (taps under 10% of throughput) is
 *     judged on this one against "taps off";
 *   - bare handler: the same REST handler behind the same router in a minimal
 *     `http` server, none of the lab's other routes or listeners loaded: a
 *     reference for what the lab as a whole costs, taps aside;
 * and the full lab again with a tab watching: a lab channel connected to the
 * session, so every event is also serialised and sent to it.
 * Each server runs in a child process of its own, so the load generator
 * doesn't share their event loop and none shares another's heap. Rounds
 * alternate between the variants so the VM's drifting speed hits them alike;
 * the overheads are the median of each round's own ratio.
 *
 * Options: --duration S (per round, default 5), --rounds N (default 5),
 * --connections N (default 10), --pipelining N (requests in flight per
 * connection, default 1), --processes N (server processes per variant,
 * default 1: see "Per-process modes" in docs/PERFORMANCE.md), --json FILE, --profile DIR (writes V8 CPU
 * profiles of the server processes there, for finding where the time goes).
 * Environment: BENCH_PIN=1 pins the load generator and the servers to
 * separate CPUs (see bench-lab-child.ts); BENCH_SERVER_FLAGS adds Node flags
 * to the servers; BENCH_VERBOSE=1 prints each server process's CPU per request.
 */
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { createRouter, type Route } from '../server/http/router';
import { RequestTarget } from '../server/http/target';
import { createLab } from '../server/lab';
import { configFromEnv } from '../server/lab/config';
import { warmUpTickQueue } from '../server/lab/warm-up';
import { createRest } from '../server/protocols/rest';
import { type BenchChild, forkBenchChild, median, serveParent, startBenchLab } from './bench-lab-child';

const { values: args } = parseArgs({
  options: {
    serve: { type: 'string' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    pipelining: { type: 'string', default: '1' },
    processes: { type: 'string', default: '1' },
    json: { type: 'string' },
    profile: { type: 'string' },
  },
});

const PATH = '/api/accounts/123';
/** The goal: the taps cost less than this share of throughput. */
const GOAL_OVERHEAD = 0.1;

type Server = BenchChild<Served>;

interface Served {
  port: number;
  session: string;
}

/** Child process: one server (`lab`, `off` or `bare`) on a free loopback port. */
async function serve(variant: string): Promise<void> {
  if (variant === 'lab' || variant === 'off') {
    const { server, port } = await startBenchLab({ recordHttpAndSql: variant === 'lab' });
    serveParent({ port, session: server.lab.sessions.create() } satisfies Served, () => server.close());
    return;
  }
  // The bare handler: the same REST handler and router, recording off, and nothing else of the lab.
  await warmUpTickQueue(); // as the lab servers start (see bench-lab-child.ts)
  const lab = createLab({ ...configFromEnv(), dbPath: ':memory:', recordHttpAndSql: false });
  const rest = createRest(lab);
  const routes: Route[] = [
    { method: 'GET', path: '/api/accounts/:id', access: 'session', tap: 'rest', handler: rest.getAccount },
  ];
  const router = createRouter(lab, routes, []);
  const bare = createServer((req, res) => void router.handle(req, res, new RequestTarget(req.url ?? '/')));
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const port = (bare.address() as AddressInfo).port;
  serveParent({ port, session: lab.sessions.create() } satisfies Served, async () => {
    bare.close();
    lab.close();
  });
}

interface Figures {
  reqPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Server CPU time (user + system) per request, in microseconds. */
  cpuUsPerRequest: number;
}

async function load(child: Server, seconds: number, connections: number): Promise<Figures> {
  const { port, session } = child.info;
  const cpuBefore = await child.cpuMicros();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${PATH}`,
    connections,
    pipelining: Number(args.pipelining),
    duration: seconds,
    // A trace id, as the lab's pages send: the request is the browser's, not a terminal's.
    headers: { 'x-lab-session': session, 'x-lab-trace': 'bench' },
  });
  const cpu = (await child.cpuMicros()) - cpuBefore;
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    cpuUsPerRequest: cpu / Math.max(1, result.requests.total),
  };
}

/**
 * One variant's round over its server processes, one after the other: their pooled figures (requests
 * and CPU summed, latencies the median process's). Identical processes can differ by ~20% for their
 * whole life (docs/PERFORMANCE.md, "Per-process modes"), so several per variant average that out.
 */
async function loadAll(children: Server[], seconds: number, connections: number): Promise<Figures> {
  const each: Figures[] = [];
  for (const child of children) each.push(await load(child, seconds, connections));
  if (process.env.BENCH_VERBOSE)
    console.error(`  per process: ${each.map((f) => f.cpuUsPerRequest.toFixed(1)).join(', ')} µs CPU/req`);
  const requests = each.map((f) => f.reqPerSec * seconds);
  const total = requests.reduce((a, b) => a + b, 0);
  return {
    reqPerSec: total / seconds / each.length,
    p50: median(each.map((f) => f.p50)),
    p99: median(each.map((f) => f.p99)),
    errors: each.reduce((n, f) => n + f.errors, 0),
    non2xx: each.reduce((n, f) => n + f.non2xx, 0),
    cpuUsPerRequest: each.reduce((sum, f, i) => sum + f.cpuUsPerRequest * (requests[i] as number), 0) / Math.max(1, total),
  };
}

/** Warm-up per variant: long enough for V8 to optimise the hot paths (2 s left the first round ~40% slower). */
const WARM_UP_SECONDS = 5;

type Variant = 'bare' | 'off' | 'full' | 'watched';

const LABELS: Record<Variant, string> = {
  bare: 'bare handler (reference)',
  off: 'lab, taps off',
  full: 'full lab (session + taps)',
  watched: 'full lab + a tab watching',
};

const summary = (list: Figures[]) => ({
  'req/s': Math.round(median(list.map((f) => f.reqPerSec))),
  'p50 ms': Number(median(list.map((f) => f.p50)).toFixed(1)),
  'p99 ms': Number(median(list.map((f) => f.p99)).toFixed(1)),
  'server CPU µs/req': Math.round(median(list.map((f) => f.cpuUsPerRequest))),
  errors: list.reduce((n, f) => n + f.errors + f.non2xx, 0),
});

/**
 * What `tapped` costs against `base`: 1 - throughput ratio, and the same from server CPU per request
 * (with the server CPU-bound, throughput is 1 / CPU per request: the same ratio without the load
 * tool's noise). Compared within each round, then the median round is taken: this VM's speed drifts
 * by ±30% over minutes, and variants measured seconds apart drift together.
 */
function overhead(tapped: Figures[], base: Figures[]) {
  const at = (i: number) => base[i] as Figures;
  return {
    throughput: median(tapped.map((f, i) => 1 - f.reqPerSec / at(i).reqPerSec)),
    cpu: median(tapped.map((f, i) => 1 - at(i).cpuUsPerRequest / f.cpuUsPerRequest)),
  };
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  const seconds = Number(args.duration);
  const rounds = Number(args.rounds);
  const connections = Number(args.connections);
  const execArgv = [
    ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : []),
    // More Node flags for the servers only, e.g. BENCH_SERVER_FLAGS="--trace-gc".
    ...(process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? []),
  ];
  const start = (variant: string) => forkBenchChild<Served>(import.meta.filename, ['--serve', variant], { execArgv });
  const several = (variant: string) => Promise.all(Array.from({ length: Number(args.processes) }, () => start(variant)));
  const [bare, off, full] = await Promise.all([several('bare'), several('off'), several('lab')]);
  const watchedLab = full[0] as Server;
  // A student's tab: the lab channel receives every event the taps produce. Open only for the
  // "watched" rounds, so the figures separate recording the events from sending them to a tab.
  let channelMessages = 0;
  const watched = async (seconds: number) => {
    const channel = new WebSocket(`ws://127.0.0.1:${watchedLab.info.port}/api/lab/channel?session=${watchedLab.info.session}`);
    await new Promise((resolve, reject) => {
      channel.once('open', resolve);
      channel.once('error', reject);
    });
    channel.on('message', () => {
      channelMessages++;
    });
    try {
      return await load(watchedLab, seconds, connections);
    } finally {
      channel.close();
    }
  };
  const measure: Record<Variant, (seconds: number) => Promise<Figures>> = {
    bare: (s) => loadAll(bare, s, connections),
    off: (s) => loadAll(off, s, connections),
    full: (s) => loadAll(full, s, connections),
    watched,
  };
  const variants = Object.keys(measure) as Variant[];

  try {
    console.log(`Warming up (${WARM_UP_SECONDS} s each)…`);
    for (const variant of variants) await measure[variant](WARM_UP_SECONDS);
    const runs: Record<Variant, Figures[]> = { bare: [], off: [], full: [], watched: [] };
    for (let round = 1; round <= rounds; round++) {
      for (const variant of variants) runs[variant].push(await measure[variant](seconds));
      const figures = variants.map((v) => {
        const f = runs[v].at(-1) as Figures;
        return `${v} ${f.reqPerSec.toFixed(0)} req/s (${f.cpuUsPerRequest.toFixed(0)} µs CPU/req)`;
      });
      console.log(`round ${round}: ${figures.join(', ')}`);
    }
    console.log(
      `\nGET ${PATH}, ${connections} connections × ${args.pipelining} in flight, ${args.processes} server process(es) per variant (the watched one: 1), ${rounds} × ${seconds} s per variant (median round; overheads: median of the rounds' own ratios)`,
    );
    console.table(Object.fromEntries(variants.map((v) => [LABELS[v], summary(runs[v])])));
    const taps = overhead(runs.full, runs.off);
    const verdict = (x: number) => (x < GOAL_OVERHEAD ? 'met' : 'NOT met');
    console.log(
      `Taps cost ${percent(taps.throughput)} of measured throughput and ${percent(taps.cpu)} of CPU-bound capacity ` +
        `(full lab vs the same lab with taps off). Goal: under ${GOAL_OVERHEAD * 100}% — ${verdict(taps.throughput)} / ${verdict(taps.cpu)}.`,
    );
    const lab = overhead(runs.off, runs.bare);
    const whole = overhead(runs.full, runs.bare);
    console.log(
      `The lab with taps off costs ${percent(lab.throughput)} / ${percent(lab.cpu)} against the bare handler; ` +
        `the full lab ${percent(whole.throughput)} / ${percent(whole.cpu)}.`,
    );
    const tab = overhead(runs.watched, runs.off);
    console.log(
      `With a tab watching (every event also serialised and sent over the lab channel: ${channelMessages} messages): ` +
        `${percent(tab.throughput)} of throughput, ${percent(tab.cpu)} of CPU-bound capacity, against taps off.`,
    );
    if (args.json) {
      const result = { connections, seconds, rounds, taps, labVsBare: lab, fullVsBare: whole, watched: tab, runs };
      fs.writeFileSync(args.json, JSON.stringify(result, null, 2));
    }
  } finally {
    await Promise.all([...bare, ...off, ...full].map((child) => child.stop()));
  }
}

if (args.serve) void serve(args.serve);
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
