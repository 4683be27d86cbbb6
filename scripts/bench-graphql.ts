/**
 * npm run bench:graphql — operations per second and SQL statements per
 * operation for the account screen (account + transactions + merchants),
 * with DataLoader off and on, for N = 10, 100 and 1000 transactions.
 *
 * Runs a real lab server (API only, in-memory SQLite) on a free port and
 * drives POST /graphql with autocannon. Every statement is still recorded on
 * the session's timeline, as in the lab itself, so the figures include the
 * lab's instrumentation. SQL per operation is read from the server's own
 * count (extensions.lab.sqlStatements), not computed.
 *
 * Options (environment): BENCH_SECONDS (default 5 per run), BENCH_CONNECTIONS (default 10).
 */
import autocannon from 'autocannon';
import { createLabServer } from '../server/app';
import { configFromEnv } from '../server/lab/config';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SIZES = [10, 100, 1000];

const QUERY = `query AccountScreen($id: ID!) {
  account(id: $id) {
    id owner balance
    transactions(first: 1000) { id amount createdAt merchant { id name category } }
  }
}`;

async function main(): Promise<void> {
  const server = await createLabServer({
    ...configFromEnv({}),
    next: false,
    port: 0,
    host: '127.0.0.1',
    dbPath: ':memory:',
    testHooks: false,
  });
  const port = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  const session = ((await (await fetch(`${base}/api/lab/sessions`, { method: 'POST' })).json()) as { id: string }).id;
  const headers = { 'content-type': 'application/json', 'x-lab-session': session, 'x-lab-trace': 'bench' };
  const send = (path: string, method: string, body: unknown) =>
    fetch(`${base}${path}`, { method, headers, body: JSON.stringify(body) }).then(async (r) => {
      if (!r.ok) throw new Error(`${method} ${path} answered ${r.status}: ${await r.text()}`);
      return r.json() as Promise<Record<string, unknown>>;
    });
  const body = JSON.stringify({ query: QUERY, variables: { id: '123' } });

  console.log(`GraphQL account screen, ${SECONDS} s per run, ${CONNECTIONS} connections, Node ${process.version}`);
  // autocannon stops sending at the deadline but doesn't wait for answers in flight: let them land before closing.
  let inFlightMs = 0;
  console.log('N     DataLoader  ops/s    p50 ms   p99 ms   SQL/op  resolvers/op  bytes/op');
  try {
    for (const n of SIZES) {
      await send('/api/graphql/history', 'POST', { accountId: '123', transactions: n });
      for (const dataLoader of [false, true]) {
        await send('/api/graphql/settings', 'PUT', { dataLoader });
        const sample = (await send('/graphql', 'POST', JSON.parse(body))) as {
          extensions: { lab: { sqlStatements: number; resolverCalls: number } };
        };
        const bytes = Buffer.byteLength(JSON.stringify(sample));
        const result = await autocannon({
          url: `${base}/graphql`,
          method: 'POST',
          headers,
          body,
          connections: CONNECTIONS,
          duration: SECONDS,
        });
        inFlightMs = result.latency.max;
        if (result.non2xx > 0 || result.errors > 0) {
          throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors at N=${n}, DataLoader ${dataLoader}`);
        }
        const row = [
          String(n).padEnd(5),
          (dataLoader ? 'on' : 'off').padEnd(11),
          result.requests.average.toFixed(0).padStart(6),
          result.latency.p50.toFixed(1).padStart(8),
          result.latency.p99.toFixed(1).padStart(8),
          String(sample.extensions.lab.sqlStatements).padStart(7),
          String(sample.extensions.lab.resolverCalls).padStart(13),
          String(bytes).padStart(9),
        ].join(' ');
        console.log(row);
      }
    }
  } finally {
    await new Promise((resolve) => setTimeout(resolve, inFlightMs + 500));
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
