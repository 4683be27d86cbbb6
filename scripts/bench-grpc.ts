/**
 * npm run bench:grpc — what the lab's taps cost, and what protobuf saves.
 *
 * 1. Unary GetAccount calls per second and p99 latency, over native gRPC (h2c)
 *    and Connect over HTTP/1.1, against the lab (wire taps, session lookup,
 *    drop registration) and against a bare connect-node server running the
 *    same service on the same database (no taps), in the same run.
 * 2. The lesson's messages in binary and JSON: sizes, encode and decode times.
 *
 * Client and servers share this process (and the machine): read the figures
 * as a comparison, not as absolute capacity.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
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
import {
  AccountService,
  GetAccountResponseSchema,
  LogLevel,
  StreamTransactionsResponseSchema,
  UploadLogsRequestSchema,
} from '../proto/gen/lab/bank/v1/bank_pb';
import { createLabServer } from '../server/app';
import { configFromEnv } from '../server/lab/config';
import { grpcConfig } from '../server/protocols/grpc/config';
import { accountService } from '../server/protocols/grpc/service';
import { SESSION } from '../server/protocols/grpc/session';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

type Client = ReturnType<typeof createClient<typeof AccountService>>;

async function load(client: Client): Promise<{ callsPerSecond: number; p50: number; p99: number; calls: number }> {
  // Warm up (JIT, connection setup) before measuring.
  for (let i = 0; i < 200; i++) await client.getAccount({ accountId: '123' });
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
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
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { callsPerSecond: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), calls: latencies.length };
}

function listen(server: http.Server | http2.Http2Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function main(): Promise<void> {
  const lab = await createLabServer({
    ...configFromEnv({}),
    next: false,
    port: 0,
    host: '127.0.0.1',
    dbPath: ':memory:',
    mqttPort: 0,
    grpcPort: 0,
  });
  const httpPort = await lab.listen();
  const grpcPort = lab.lab.listeners.get('grpc')?.port;
  if (!grpcPort) throw new Error('the lab did not start its gRPC listener');
  const session = lab.lab.sessions.create();

  // The bare server: the same service and database, none of the lab's plumbing.
  const bare = connectNodeAdapter({
    routes: (router) => router.service(AccountService, accountService(lab.lab, grpcConfig(lab.lab.config))),
    contextValues: () => createContextValues().set(SESSION, session),
    readMaxBytes: grpcConfig(lab.lab.config).readMaxBytes,
  });
  const bareH2 = http2.createServer(bare);
  const bareH1 = http.createServer(bare);
  const bareH2Port = await listen(bareH2);
  const bareH1Port = await listen(bareH1);

  const identify: Interceptor = (next) => (req) => {
    req.header.set('x-lab-session', session);
    req.header.set('x-lab-trace', 'bench');
    return next(req);
  };
  const withSession = { interceptors: [identify] };
  const managers: Http2SessionManager[] = [];
  const h2Client = (port: number) => {
    const baseUrl = `http://127.0.0.1:${port}`;
    const sessionManager = new Http2SessionManager(baseUrl);
    managers.push(sessionManager);
    return createClient(AccountService, createGrpcTransport({ baseUrl, sessionManager, ...withSession }));
  };
  const h1Client = (base: string) =>
    createClient(AccountService, createConnectTransport({ baseUrl: base, httpVersion: '1.1', ...withSession }));

  const runs = [
    { name: 'gRPC over h2c — lab (taps on)', client: h2Client(grpcPort) },
    { name: 'gRPC over h2c — bare connect-node', client: h2Client(bareH2Port) },
    { name: 'Connect over HTTP/1.1 — lab (taps on)', client: h1Client(`http://127.0.0.1:${httpPort}/api/grpc`) },
    { name: 'Connect over HTTP/1.1 — bare connect-node', client: h1Client(`http://127.0.0.1:${bareH1Port}`) },
  ];
  console.log(`Unary GetAccount, ${CONCURRENCY} calls in flight, ${SECONDS} s each (client and servers in one process)\n`);
  console.log('| transport / server | calls/s | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: | ---: |');
  const results: Record<string, Awaited<ReturnType<typeof load>>> = {};
  for (const r of runs) {
    const result = await load(r.client);
    results[r.name] = result;
    console.log(`| ${r.name} | ${result.callsPerSecond.toFixed(0)} | ${result.p50.toFixed(2)} | ${result.p99.toFixed(2)} |`);
  }
  const cost = (lab: string, bareName: string) => {
    const a = results[lab]?.callsPerSecond ?? 0;
    const b = results[bareName]?.callsPerSecond ?? 1;
    return ((1 - a / b) * 100).toFixed(1);
  };
  console.log(
    `\nLab overhead (throughput lost vs bare): h2c ${cost(runs[0]?.name ?? '', runs[1]?.name ?? '')}%, HTTP/1.1 ${cost(runs[2]?.name ?? '', runs[3]?.name ?? '')}%`,
  );

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

  for (const m of managers) m.abort();
  bareH2.close();
  bareH1.close();
  await lab.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
