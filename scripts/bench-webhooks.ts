/**
 * `npm run bench:webhooks`: how fast the delivery engine works.
 *
 * 1. Throughput: events are emitted through the bank's HTTP API as fast as a
 *    few concurrent clients can, while the worker delivers them (signed, real
 *    HTTP POSTs on loopback) to a receiver that verifies each signature and
 *    answers 200. Reports deliveries per second, end to end.
 * 2. Drain after a restart: the worker is stopped for the session, a backlog
 *    of pending events is committed, the server is closed and a new one is
 *    started on the same SQLite file. Reports the time from the new server
 *    listening to the last delivery.
 *
 * Runs an API-only lab in this process on a temporary database file.
 * Options: --events N (throughput phase, default 3000), --backlog N (default 10000),
 * --concurrency N (emitting clients, default 16).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLabServer, type LabServer } from '../server/app';
import { configFromEnv } from '../server/lab/config';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '3000' },
    backlog: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const EVENTS = Number(args.events);
const BACKLOG = Number(args.backlog);
const CONCURRENCY = Number(args.concurrency);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-webhooks-'));
const dbPath = path.join(dir, 'lab.sqlite');

async function start(): Promise<{ server: LabServer; base: string }> {
  const server = await createLabServer({ ...configFromEnv({}), next: false, host: '127.0.0.1', port: 0, dbPath });
  const port = await server.listen();
  return { server, base: `http://127.0.0.1:${port}` };
}

function api(base: string, session: string) {
  const send = (method: string, url: string, body?: unknown) =>
    fetch(`${base}${url}`, {
      method,
      headers: { 'x-lab-session': session, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return async (method: string, url: string, body?: unknown) => {
    // A keep-alive socket the server closed just as it was reused: send once more (a busy machine makes this likelier).
    const res = await send(method, url, body).catch(() => send(method, url, body));
    if (res.status >= 400) throw new Error(`${method} ${url} → ${res.status} ${await res.text()}`);
    return res.json();
  };
}

const delivered = (server: LabServer, session: string) =>
  (
    server.lab.db.sqlite
      .prepare(`SELECT COUNT(*) AS n FROM webhook_deliveries WHERE session_id = ? AND status = 'delivered'`)
      .get(session) as { n: number }
  ).n;

/** User + system CPU time, in ms, to 2 decimals (client and server share this process). */
const cpuMs = (usage: NodeJS.CpuUsage) => Math.round((usage.user + usage.system) / 10) / 100;

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function emitMany(call: ReturnType<typeof api>, count: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        await call('POST', '/api/webhooks/events', { amountCents: 100 });
      }
    }),
  );
}

async function main(): Promise<void> {
  let { server, base } = await start();
  const session = ((await (await fetch(`${base}/api/lab/sessions`, { method: 'POST' })).json()) as { id: string }).id;
  let call = api(base, session);
  await call('POST', '/api/webhooks/endpoints', { url: '/api/webhooks/receivers/bench' });
  // The receiver verifies every signature (the default) and answers 200.

  console.log(`[bench] throughput: ${EVENTS} events emitted by ${CONCURRENCY} clients while the worker delivers them`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await emitMany(call, EVENTS);
  const emittedMs = performance.now() - t0;
  await until(() => delivered(server, session) >= EVENTS);
  const throughputMs = performance.now() - t0;
  const throughputCpu = process.cpuUsage(cpu0);

  console.log(`[bench] drain: committing ${BACKLOG} events with the worker stopped, then restarting the server`);
  await call('POST', '/api/webhooks/worker', { action: 'stop' });
  // One event through the API as a template, then the rest copied in one transaction: the same rows
  // the bank writes, without spending minutes on 10,000 HTTP round trips before the part measured.
  const template = (await call('POST', '/api/webhooks/events', { amountCents: 100 })) as {
    event: { id: string };
    deliveries: string[];
  };
  const sqlite = server.lab.db.sqlite;
  sqlite.transaction(() => {
    const event = sqlite
      .prepare('SELECT * FROM webhook_events WHERE session_id = ? AND id = ?')
      .get(session, template.event.id) as {
      type: string;
      payload: string;
      created_at: number;
    };
    const delivery = sqlite
      .prepare('SELECT endpoint_id FROM webhook_deliveries WHERE session_id = ? AND id = ?')
      .get(session, template.deliveries[0]) as { endpoint_id: string };
    const insertEvent = sqlite.prepare(
      'INSERT INTO webhook_events (session_id, id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    const insertDelivery = sqlite.prepare(
      `INSERT INTO webhook_deliveries (session_id, id, event_id, endpoint_id, status, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
    );
    for (let i = 1; i < BACKLOG; i++) {
      const id = `evt_bench${String(i).padStart(7, '0')}`;
      insertEvent.run(session, id, event.type, event.payload.replace(template.event.id, id), event.created_at);
      insertDelivery.run(session, `dlv_bench${String(i).padStart(7, '0')}`, id, delivery.endpoint_id, Date.now(), Date.now());
    }
  })();
  await server.close();
  ({ server, base } = await start());
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  call = api(base, session);
  await until(() => delivered(server, session) >= EVENTS + BACKLOG);
  const drainMs = performance.now() - t1;
  const drainCpu = process.cpuUsage(cpu1);
  const failed = (
    server.lab.db.sqlite
      .prepare(`SELECT COUNT(*) AS n FROM webhook_attempts WHERE session_id = ? AND (status IS NULL OR status >= 300)`)
      .get(session) as { n: number }
  ).n;
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });

  const rows: [string, string][] = [
    [
      'events emitted (API, concurrent)',
      `${EVENTS} in ${(emittedMs / 1000).toFixed(2)} s = ${((EVENTS / emittedMs) * 1000).toFixed(0)}/s`,
    ],
    [
      'deliveries end to end',
      `${EVENTS} in ${(throughputMs / 1000).toFixed(2)} s = ${((EVENTS / throughputMs) * 1000).toFixed(0)}/s`,
    ],
    [
      `drain ${BACKLOG} pending after a restart`,
      `${(drainMs / 1000).toFixed(2)} s = ${((BACKLOG / drainMs) * 1000).toFixed(0)} deliveries/s`,
    ],
    // CPU time is steadier than wall time on a shared machine: it doesn't count waiting for a core.
    ['CPU per event, emit + deliver', `${(cpuMs(throughputCpu) / EVENTS).toFixed(2)} ms`],
    ['CPU per delivery, drain', `${(cpuMs(drainCpu) / BACKLOG).toFixed(2)} ms`],
    ['failed attempts (should be 0)', String(failed)],
  ];
  console.log('');
  for (const [what, value] of rows) console.log(`${what.padEnd(40)} ${value}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
