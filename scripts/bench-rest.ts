/**
 * `npm run bench:rest`: what the lab's timeline taps cost a REST endpoint.
 *
 * Measures `GET /api/accounts/123` three ways with the same load tool
 * (autocannon), in one run:
 *   - taps off: the same REST handler (same dispatcher, instances, SQL)
 *     behind the same router, but with no HTTP tap and SQL statements not
 *     recorded;
 *   - full lab: the real lab server (sessions, router, HTTP tap, SQL taps,
 *     event log), exactly as a student's requests go through it; the goal
 *     (taps under 10% of throughput) is judged on this one;
 *   - full lab + a tab watching: the same, with a lab channel connected to
 *     the session, so every event is also serialised and sent to it.
 * Each server runs in a child process of its own (this file with --serve
 * lab|untapped), so the load generator doesn't share their event loop and
 * neither shares the other's heap. Rounds alternate between the variants
 * so the VM's drifting speed hits them alike; the overheads are the median
 * of each round's own ratio.
 *
 * Options: --duration S (per round, default 5), --rounds N (default 5),
 * --connections N (default 10), --json FILE, --profile DIR (writes V8 CPU
 * profiles of both server processes there, for finding where the time goes).
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
import { createRest } from '../server/protocols/rest';
import { type BenchChild, forkBenchChild, median, serveParent, startBenchLab } from './bench-lab-child';

const { values: args } = parseArgs({
  options: {
    serve: { type: 'string' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
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

/**
 * Child process: one server, the full lab or the untapped handler, on a free loopback port.
 * Each variant has a process of its own: in a shared one, the garbage collector's work for the
 * full lab's event log (thousands of retained events) was charged to the untapped server too.
 */
async function serve(variant: string): Promise<void> {
  if (variant === 'lab') {
    const { server, port } = await startBenchLab();
    serveParent({ port, session: server.lab.sessions.create() } satisfies Served, () => server.close());
    return;
  }
  // Taps off: the same handler and router, but the route has no `tap` and the SQL isn't recorded.
  const lab = createLab({ ...configFromEnv(), dbPath: ':memory:' });
  const untappedLab = { ...lab, sessionDb: (sessionId: string) => lab.db.forSession(sessionId, () => undefined) };
  const rest = createRest(untappedLab);
  const routes: Route[] = [{ method: 'GET', path: '/api/accounts/:id', access: 'session', handler: rest.getAccount }];
  const router = createRouter(untappedLab, routes, []);
  const untapped = createServer((req, res) => void router.handle(req, res, new RequestTarget(req.url ?? '/')));
  await new Promise<void>((resolve) => untapped.listen(0, '127.0.0.1', resolve));
  const port = (untapped.address() as AddressInfo).port;
  serveParent({ port, session: lab.sessions.create() } satisfies Served, async () => {
    untapped.close();
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

/** Warm-up per variant: long enough for V8 to optimise the hot paths (2 s left the first round ~40% slower). */
const WARM_UP_SECONDS = 5;

async function main(): Promise<void> {
  const seconds = Number(args.duration);
  const rounds = Number(args.rounds);
  const connections = Number(args.connections);
  const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  const start = (variant: string) => forkBenchChild<Served>(import.meta.filename, ['--serve', variant], { execArgv: profile });
  const [untapped, full] = await Promise.all([start('untapped'), start('lab')]);
  // A student's tab: the lab channel receives every event the taps produce. Open only for the
  // "watched" rounds, so the figures separate recording the events from sending them to a tab.
  let channelMessages = 0;
  const watch = async () => {
    const channel = new WebSocket(`ws://127.0.0.1:${full.info.port}/api/lab/channel?session=${full.info.session}`);
    await new Promise((resolve, reject) => {
      channel.once('open', resolve);
      channel.once('error', reject);
    });
    channel.on('message', () => {
      channelMessages++;
    });
    return channel;
  };
  const watched = async (seconds: number) => {
    const channel = await watch();
    try {
      return await load(full, seconds, connections);
    } finally {
      channel.close();
    }
  };

  try {
    console.log(`Warming up (${WARM_UP_SECONDS} s each)…`);
    await load(untapped, WARM_UP_SECONDS, connections);
    await load(full, WARM_UP_SECONDS, connections);
    await watched(WARM_UP_SECONDS);
    const runs: { full: Figures[]; untapped: Figures[]; watched: Figures[] } = { full: [], untapped: [], watched: [] };
    for (let round = 1; round <= rounds; round++) {
      runs.untapped.push(await load(untapped, seconds, connections));
      runs.full.push(await load(full, seconds, connections));
      runs.watched.push(await watched(seconds));
      const [off, on, tab] = [runs.untapped.at(-1), runs.full.at(-1), runs.watched.at(-1)];
      console.log(
        `round ${round}: taps off ${off?.reqPerSec.toFixed(0)} req/s (${off?.cpuUsPerRequest.toFixed(0)} µs CPU/req), ` +
          `full lab ${on?.reqPerSec.toFixed(0)} req/s (${on?.cpuUsPerRequest.toFixed(0)} µs CPU/req), ` +
          `full lab + tab ${tab?.reqPerSec.toFixed(0)} req/s (${tab?.cpuUsPerRequest.toFixed(0)} µs CPU/req)`,
      );
    }
    const summary = (list: Figures[]) => ({
      reqPerSec: Math.round(median(list.map((f) => f.reqPerSec))),
      p50: Number(median(list.map((f) => f.p50)).toFixed(1)),
      p99: Number(median(list.map((f) => f.p99)).toFixed(1)),
      cpuUsPerRequest: Math.round(median(list.map((f) => f.cpuUsPerRequest))),
      errors: list.reduce((n, f) => n + f.errors + f.non2xx, 0),
    });
    const off = summary(runs.untapped);
    const on = summary(runs.full);
    const tab = summary(runs.watched);
    // Overheads are compared within each round, then the median round is taken: this VM's speed drifts
    // by ±30% over minutes (other tenants on the host), and variants measured seconds apart drift together.
    const perRound = (tapped: Figures[]) => ({
      throughput: median(tapped.map((f, i) => 1 - f.reqPerSec / (runs.untapped[i] as Figures).reqPerSec)),
      // With the server CPU-bound, throughput is 1 / (CPU per request): the same ratio, without the load tool's noise.
      cpu: median(tapped.map((f, i) => 1 - (runs.untapped[i] as Figures).cpuUsPerRequest / f.cpuUsPerRequest)),
    });
    const { throughput: overhead, cpu: cpuOverhead } = perRound(runs.full);
    console.log(
      `\nGET ${PATH}, ${connections} connections, ${rounds} × ${seconds} s per variant (median round; overheads: median of the rounds' own ratios)`,
    );
    console.table({
      'taps off (same handler)': {
        'req/s': off.reqPerSec,
        'p50 ms': off.p50,
        'p99 ms': off.p99,
        'server CPU µs/req': off.cpuUsPerRequest,
        errors: off.errors,
      },
      'full lab (session + taps)': {
        'req/s': on.reqPerSec,
        'p50 ms': on.p50,
        'p99 ms': on.p99,
        'server CPU µs/req': on.cpuUsPerRequest,
        errors: on.errors,
      },
      'full lab + a tab watching': {
        'req/s': tab.reqPerSec,
        'p50 ms': tab.p50,
        'p99 ms': tab.p99,
        'server CPU µs/req': tab.cpuUsPerRequest,
        errors: tab.errors,
      },
    });
    const verdict = (x: number) => (x < GOAL_OVERHEAD ? 'met' : 'NOT met');
    console.log(
      `Taps cost ${(overhead * 100).toFixed(1)}% of measured throughput and ${(cpuOverhead * 100).toFixed(1)}% of CPU-bound capacity ` +
        `(server CPU per request). Goal: under ${GOAL_OVERHEAD * 100}% — ${verdict(overhead)} / ${verdict(cpuOverhead)}.`,
    );
    const { throughput: watchedOverhead, cpu: watchedCpuOverhead } = perRound(runs.watched);
    console.log(
      `With a tab watching (every event also serialised and sent over the lab channel: ${channelMessages} messages): ` +
        `${(watchedOverhead * 100).toFixed(1)}% of throughput, ${(watchedCpuOverhead * 100).toFixed(1)}% of CPU-bound capacity.`,
    );
    if (args.json)
      fs.writeFileSync(
        args.json,
        JSON.stringify({ connections, seconds, rounds, off, on, tab, overhead, cpuOverhead, runs }, null, 2),
      );
  } finally {
    await Promise.all([untapped.stop(), full.stop()]);
  }
}

if (args.serve) void serve(args.serve);
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
