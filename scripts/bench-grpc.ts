/**
 * npm run bench:grpc — what the lab's taps cost, and what protobuf saves.
 *
 * 1. Unary GetAccount calls per second and p99 latency, over native gRPC (h2c)
 *    and Connect over HTTP/1.1, against the lab (wire taps, session lookup,
 *    drop registration) and against a bare connect-node server running the
 *    same service on its own database (no taps), in the same run.
 * 2. The lesson's messages in binary and JSON: sizes, encode and decode times.
 *
 * Each server runs in a child process of its own, so the client's work doesn't
 * count as theirs and neither pays for the other's heap; the lab and bare
 * variants alternate (BENCH_ROUNDS rounds of BENCH_SECONDS each) so background
 * noise hits both alike, and the overheads are the median of each round's own
 * ratio. Besides calls per second, each server's CPU time per call is read
 * from its process: the steadier figure. Environment: BENCH_SECONDS (4),
 * BENCH_ROUNDS (5), BENCH_CONCURRENCY (16), BENCH_CPU_PROF (a folder for the
 * servers' CPU profiles), BENCH_ONLY (run only the transports whose name contains it), BENCH_VERBOSE (print each round).
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  create,
  type DescMessage,
  fromBinary,
  fromJsonString,
  type MessageShape,
  toBinary,
  toJsonString,
} from '@bufbuild/protobuf';
import { createClient, createContextValues, type Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter, createConnectTransport, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import autocannon from 'autocannon';
import {
  AccountService,
  GetAccountRequestSchema,
  GetAccountResponseSchema,
  LogLevel,
  StreamTransactionsResponseSchema,
  UploadLogsRequestSchema,
} from '../proto/gen/lab/bank/v1/bank_pb';
import { createLab } from '../server/lab';
import { configFromEnv } from '../server/lab/config';
import { warmUpTickQueue } from '../server/lab/warm-up';
import { grpcConfig } from '../server/protocols/grpc/config';
import { accountService } from '../server/protocols/grpc/service';
import { SESSION } from '../server/protocols/grpc/session';
import { type BenchChild, forkBenchChild, median, serveParent, startBenchLab } from './bench-lab-child';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const GOAL_PERCENT = 15;

type Client = ReturnType<typeof createClient<typeof AccountService>>;

interface Figures {
  callsPerSecond: number;
  p50: number;
  p99: number;
  calls: number;
  /** Server process CPU (user + system) per call, in microseconds. */
  cpuUsPerCall: number;
}

async function load(client: Client, server: BenchChild<Ports>, seconds: number): Promise<Figures> {
  // Warm up (JIT, connection setup) before measuring.
  for (let i = 0; i < 200; i++) await client.getAccount({ accountId: '123' });
  const latencies: number[] = [];
  const cpuBefore = await server.cpuMicros();
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await client.getAccount({ accountId: '123' });
      latencies.push(performance.now() - t);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (await server.cpuMicros()) - cpuBefore;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    callsPerSecond: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    calls: latencies.length,
    cpuUsPerCall: cpu / Math.max(1, latencies.length),
  };
}

/**
 * Connect unary over HTTP/1.1 is a plain POST, so autocannon can make the calls: a load tool light
 * enough to keep the server busy (16 connect-node clients in one process saturate their own core
 * first, so the server idles between calls and pays for waking up).
 */
async function loadRaw(url: string, session: string, server: BenchChild<Ports>, seconds: number): Promise<Figures> {
  const options = {
    url,
    method: 'POST' as const,
    connections: CONCURRENCY,
    headers: { 'content-type': 'application/proto', 'x-lab-session': session, 'x-lab-trace': 'bench' },
    body: Buffer.from(toBinary(GetAccountRequestSchema, create(GetAccountRequestSchema, { accountId: '123' }))),
  };
  await autocannon({ ...options, amount: 500 });
  const cpuBefore = await server.cpuMicros();
  const result = await autocannon({ ...options, duration: seconds });
  const cpu = (await server.cpuMicros()) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    callsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    calls: result.requests.total,
    cpuUsPerCall: cpu / Math.max(1, result.requests.total),
  };
}

function listen(server: http.Server | http2.Http2Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

interface Ports {
  /** The h2c port (native gRPC). */
  h2: number;
  /** The HTTP/1.1 port (Connect); the lab serves it under /api/grpc. */
  h1: number;
  session: string;
}

/**
 * A server process (this file with --serve lab|bare). Each variant has a process of its own, so
 * neither pays for the other's heap: the lab's retained timeline events made the garbage
 * collector's work in a shared process land on the bare server's calls too.
 */
async function serve(variant: string): Promise<void> {
  if (variant === 'lab') {
    const { server: lab, port } = await startBenchLab();
    const h2 = lab.lab.listeners.get('grpc')?.port;
    if (!h2) throw new Error('the lab did not start its gRPC listener');
    serveParent({ h2, h1: port, session: lab.lab.sessions.create() } satisfies Ports, () => lab.close());
    return;
  }
  // The bare server: the same service and database, none of the lab's plumbing.
  await warmUpTickQueue(); // as the lab servers start (see bench-lab-child.ts)
  const lab = createLab({ ...configFromEnv(), dbPath: ':memory:' });
  const session = lab.sessions.create();
  const bare = connectNodeAdapter({
    routes: (router) => router.service(AccountService, accountService(lab, grpcConfig(lab.config))),
    contextValues: () => createContextValues().set(SESSION, session),
    readMaxBytes: grpcConfig(lab.config).readMaxBytes,
  });
  const ports: Ports = { h2: await listen(http2.createServer(bare)), h1: await listen(http.createServer(bare)), session };
  serveParent(ports, async () => lab.close());
}

async function main(): Promise<void> {
  const start = (variant: string) =>
    forkBenchChild<Ports>(fileURLToPath(import.meta.url), ['--serve', variant], {
      // BENCH_CPU_PROF=<dir>: each server process writes a V8 CPU profile there when it exits.
      execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
    });
  const servers = { lab: await start('lab'), bare: await start('bare') };

  const withSession = (session: string) => {
    const identify: Interceptor = (next) => (req) => {
      req.header.set('x-lab-session', session);
      req.header.set('x-lab-trace', 'bench');
      return next(req);
    };
    return { interceptors: [identify] };
  };
  const managers: Http2SessionManager[] = [];
  const h2Client = ({ h2, session }: Ports) => {
    const baseUrl = `http://127.0.0.1:${h2}`;
    const sessionManager = new Http2SessionManager(baseUrl);
    managers.push(sessionManager);
    return createClient(AccountService, createGrpcTransport({ baseUrl, sessionManager, ...withSession(session) }));
  };
  const h1Client = ({ h1, session }: Ports, prefix: string) =>
    createClient(
      AccountService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${h1}${prefix}`, httpVersion: '1.1', ...withSession(session) }),
    );

  const viaClient = (client: Client) => (server: BenchChild<Ports>) => load(client, server, SECONDS);
  const viaAutocannon = (prefix: string) => (server: BenchChild<Ports>) =>
    loadRaw(
      `http://127.0.0.1:${server.info.h1}${prefix}/lab.bank.v1.AccountService/GetAccount`,
      server.info.session,
      server,
      SECONDS,
    );
  const pairs = [
    {
      transport: 'gRPC over h2c',
      lab: viaClient(h2Client(servers.lab.info)),
      bare: viaClient(h2Client(servers.bare.info)),
    },
    {
      transport: 'Connect over HTTP/1.1',
      lab: viaClient(h1Client(servers.lab.info, '/api/grpc')),
      bare: viaClient(h1Client(servers.bare.info, '')),
    },
    {
      transport: 'Connect over HTTP/1.1, autocannon',
      lab: viaAutocannon('/api/grpc'),
      bare: viaAutocannon(''),
    },
  ];
  console.log(
    `Unary GetAccount, ${CONCURRENCY} calls in flight, ${ROUNDS} rounds × ${SECONDS} s per variant, alternating, median round ` +
      '(each server in a child process of its own; server CPU per call read from it)\n',
  );
  console.log('| transport / server | calls/s | p50 ms | p99 ms | server CPU µs/call |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const verdicts: string[] = [];
  // BENCH_ONLY=<text>: only the transports whose name contains it (e.g. "autocannon" to profile one).
  for (const pair of pairs.filter((p) => p.transport.includes(process.env.BENCH_ONLY ?? ''))) {
    const runs: { lab: Figures[]; bare: Figures[] } = { lab: [], bare: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.bare.push(await pair.bare(servers.bare));
      runs.lab.push(await pair.lab(servers.lab));
      if (process.env.BENCH_VERBOSE) {
        const [bare, lab] = [runs.bare.at(-1) as Figures, runs.lab.at(-1) as Figures];
        console.error(
          `  round ${round + 1}: bare ${bare.callsPerSecond.toFixed(0)}/s ${bare.cpuUsPerCall.toFixed(0)} µs, lab ${lab.callsPerSecond.toFixed(0)}/s ${lab.cpuUsPerCall.toFixed(0)} µs`,
        );
      }
    }
    const row = (name: string, list: Figures[]) => {
      const f = {
        callsPerSecond: median(list.map((x) => x.callsPerSecond)),
        p50: median(list.map((x) => x.p50)),
        p99: median(list.map((x) => x.p99)),
        cpuUsPerCall: median(list.map((x) => x.cpuUsPerCall)),
      };
      console.log(
        `| ${pair.transport} — ${name} | ${f.callsPerSecond.toFixed(0)} | ${f.p50.toFixed(2)} | ${f.p99.toFixed(2)} | ${f.cpuUsPerCall.toFixed(0)} |`,
      );
    };
    row('bare connect-node', runs.bare);
    row('lab (taps on)', runs.lab);
    // Compared within each round, then the median round: the VM's speed drifts over minutes, and
    // variants measured seconds apart drift together.
    const lost = median(runs.lab.map((f, i) => 1 - f.callsPerSecond / (runs.bare[i] as Figures).callsPerSecond)) * 100;
    const cpu = median(runs.lab.map((f, i) => 1 - (runs.bare[i] as Figures).cpuUsPerCall / f.cpuUsPerCall)) * 100;
    verdicts.push(`${pair.transport}: ${lost.toFixed(1)}% of throughput, ${cpu.toFixed(1)}% of server CPU-bound capacity`);
  }
  console.log(`\nTaps cost (lab vs bare; goal under ${GOAL_PERCENT}%):\n  ${verdicts.join('\n  ')}`);
  for (const m of managers) m.abort();
  await Promise.all([servers.lab.stop(), servers.bare.stop()]);

  // 2. Sizes and codec speed for the lesson's messages.
  const samples: { name: string; schema: DescMessage; message: MessageShape<DescMessage> }[] = [
    {
      name: 'GetAccountResponse',
      schema: GetAccountResponseSchema,
      message: create(GetAccountResponseSchema, {
        account: {
          id: '123',
          owner: 'Ada Lovelace',
          balance: { cents: 100_000n, currency: 'EUR' },
          cards: [{ id: 'c-1', last4: '4242', status: 1 }],
        },
      }),
    },
    {
      name: 'StreamTransactionsResponse',
      schema: StreamTransactionsResponseSchema,
      message: create(StreamTransactionsResponseSchema, {
        transaction: {
          id: 't-1',
          accountId: '123',
          amountCents: -350n,
          description: 'Flat white',
          merchantId: 'm-coffee',
          createdAt: '2026-01-05T08:12:00Z',
          sequence: 1n,
          category: 'food',
        },
      }),
    },
    {
      name: 'UploadLogsRequest',
      schema: UploadLogsRequestSchema,
      message: create(UploadLogsRequestSchema, { level: LogLevel.WARN, text: 'disk 91% full' }),
    },
  ];
  const N = 50_000;
  const time = (fn: () => unknown) => {
    for (let i = 0; i < 2_000; i++) fn();
    const t = performance.now();
    for (let i = 0; i < N; i++) fn();
    return ((performance.now() - t) * 1000) / N;
  };
  console.log(`\nThe lesson's messages: binary vs JSON (${N} encodes/decodes each)\n`);
  console.log(
    '| message | binary bytes | JSON bytes | JSON ÷ binary | encode binary µs | encode JSON µs | decode binary µs | decode JSON µs |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { name, schema, message } of samples) {
    const bin = toBinary(schema, message);
    const json = toJsonString(schema, message);
    const jsonBytes = Buffer.byteLength(json);
    console.log(
      `| ${name} | ${bin.length} | ${jsonBytes} | ${(jsonBytes / bin.length).toFixed(2)} | ${time(() => toBinary(schema, message)).toFixed(2)} | ${time(() => toJsonString(schema, message)).toFixed(2)} | ${time(() => fromBinary(schema, bin)).toFixed(2)} | ${time(() => fromJsonString(schema, json)).toFixed(2)} |`,
    );
  }
}

if (process.argv.includes('--serve')) void serve(process.argv[process.argv.indexOf('--serve') + 1] ?? 'lab');
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
