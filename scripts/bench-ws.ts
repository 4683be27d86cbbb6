/**
 * npm run bench:ws — how many WebSocket clients one lab process holds, and
 * what its taps cost.
 *
 * Three servers, each in its own process, measured by a separate client
 * process (so server and clients don't share an event loop):
 *   - bare:     a plain `ws` echo server, no lab, no taps (the baseline);
 *   - lab ws:   the lab's /api/ws/echo (handshake + frame capture, message events);
 *   - lab sio:  the lab's socket.io chat (/api/socketio/), `message` with an ack.
 * For each, clients connect in steps and each sends one message a second;
 * the client process reports how many connected, messages per second, and
 * p50/p99 round trips. Memory per connection is the server's RSS growth
 * divided by the clients. The tap cost compares server CPU per echoed
 * message, lab ws versus bare, at the same load: CPU while the clients send,
 * minus CPU over an equally long window with the same clients connected
 * and silent (heartbeats, timers), divided by the messages echoed.
 *
 *   npm run bench:ws                 full run (10,000 ws / 5,000 socket.io clients)
 *   BENCH_WS_QUICK=1 npm run bench:ws  small steps, for checking the script
 *   BENCH_WS_ONLY=ws|sio npm run bench:ws   only the raw WebSocket part (with its baseline), or only socket.io
 *   BENCH_WS_ONLY=loop npm run bench:ws     only the closed-loop throughput rounds (BENCH_WS_ROUNDS, default 5)
 *   BENCH_CPU_PROF=/tmp/prof npm run bench:ws  also write each server's V8 CPU profile there
 *   BENCH_SERVER_FLAGS="--trace-gc" npm run bench:ws  more Node flags for the server processes
 *   BENCH_PIN=1 npm run bench:ws     clients on CPU 0, servers on CPU 1: steadier tap-cost rounds, but
 *                                    read the client goals unpinned (one core stretches V8's GC pauses;
 *                                    docs/PERFORMANCE.md)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Socket } from 'socket.io-client';
import WebSocket, { WebSocketServer } from 'ws';
import { warmUpTickQueue } from '../server/lab/warm-up';
import { type BenchChild, forkBenchChild, median, procUsage, serveParent, startBenchLab } from './bench-lab-child';

const SELF = fileURLToPath(import.meta.url);
const QUICK = process.env.BENCH_WS_QUICK === '1';
/** `ws` (raw WebSocket, with the bare baseline) or `sio` to run only that part. */
const ONLY = process.env.BENCH_WS_ONLY;
/** Each client sends this many messages a second (open loop: no waiting for the echo). */
const RATE_PER_CLIENT = 1;
const MEASURE_MS = QUICK ? 4_000 : 10_000;
/** Connections opened at once while ramping up. */
const CONNECT_CONCURRENCY = 200;
const P99_GOAL_MS = 50;
/** Closed-loop throughput (see runLoopClients): this many clients, one message in flight each, for this long per round. */
const LOOP_CLIENTS = QUICK ? 50 : 200;
const LOOP_SECONDS = QUICK ? 2 : 5;
const LOOP_ROUNDS = Number(process.env.BENCH_WS_ROUNDS ?? (QUICK ? 2 : 5));
/** What each closed-loop client sends and gets back: a small chat-sized JSON text. */
const LOOP_MESSAGE = JSON.stringify({ type: 'message', id: 'm-000001', text: 'hello from the bench' });
/** The issue's goal for the taps: under this share of what a bare `ws` echo server does. */
const TAP_GOAL = 0.15;

type Kind = 'ws' | 'sio';
interface LoopReport {
  received: number;
  msgsPerSec: number;
}
interface ClientReport {
  wanted: number;
  connected: number;
  failed: number;
  sent: number;
  received: number;
  msgsPerSec: number;
  p50: number;
  p99: number;
  connectMs: number;
  /** The client process's longest event-loop stall while sending: a long one puts the client, not the server, in the p99. */
  clientStallMs: number;
}

// ───────────────────────────── roles (child processes) ─────────────────────────────

async function serveBare(): Promise<void> {
  await warmUpTickQueue(); // as the lab servers start (see bench-lab-child.ts)
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 96 * 1024 });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })));
  wss.on('listening', () => {
    const address = wss.address();
    serveParent({ port: typeof address === 'object' && address ? address.port : 0 });
  });
}

async function serveLab(): Promise<void> {
  // The closed-loop rounds send as fast as echoes come back: far over the per-connection flood
  // limit (20 a second), which would refuse most of them. The limiter still runs on every message.
  const { server, port } = await startBenchLab({ wsMessagesPerSecond: 1_000_000 });
  serveParent({ port }, () => server.close());
}

async function newSession(base: string): Promise<string> {
  const res = await fetch(`${base}/api/lab/sessions`, { method: 'POST' });
  return ((await res.json()) as { id: string }).id;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Opens `n` raw WebSocket clients, CONNECT_CONCURRENCY at a time; undefined for each that failed. */
async function openRawClients(url: string, base: string, n: number): Promise<(WebSocket | undefined)[]> {
  // The bare server has no sessions; the lab's clients all share one.
  const session = base ? await newSession(base) : 'none';
  const open = (i: number) =>
    new Promise<WebSocket | undefined>((resolve) => {
      const ws = new WebSocket(`${url}?session=${session}&conn=bench-${i}`, { perMessageDeflate: false });
      ws.once('open', () => resolve(ws));
      ws.once('error', () => resolve(undefined));
    });
  const sockets: (WebSocket | undefined)[] = [];
  for (let i = 0; i < n; i += CONNECT_CONCURRENCY) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, n - i) }, (_, j) => open(i + j)))));
  }
  return sockets;
}

/**
 * Opens `n` socket.io clients, CONNECT_CONCURRENCY at a time; undefined for each that failed. One
 * session per client: the chat broadcasts to the session's room, and the bench wants an echo (the
 * ack), not a fan-out.
 */
async function openSocketIoClients(base: string, n: number): Promise<(Socket | undefined)[]> {
  const { io } = await import('socket.io-client');
  const open = async (i: number): Promise<Socket | undefined> => {
    let session: string;
    try {
      session = await newSession(base);
    } catch {
      return undefined; // the server refused or reset: a client that didn't get in
    }
    return new Promise((resolve) => {
      const socket = io(base, {
        path: '/api/socketio/',
        query: { session, conn: `bench-${i}` },
        // Straight to WebSocket: 5,000 long-polling handshakes would measure polling, not sockets.
        transports: ['websocket'],
        reconnection: false,
      });
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', () => {
        socket.close();
        resolve(undefined);
      });
    });
  };
  const sockets: (Socket | undefined)[] = [];
  for (let i = 0; i < n; i += CONNECT_CONCURRENCY) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, n - i) }, (_, j) => open(i + j)))));
  }
  return sockets;
}

/**
 * Closed loop: every client sends its next message as soon as the echo of the
 * last one arrives, for LOOP_SECONDS. The server is never waiting for work,
 * so its CPU per echo is the work itself (see the throughput part of main()).
 */
async function runLoopClients(args: { kind: Kind; url: string; base: string; n: number }): Promise<void> {
  const { kind, url, base, n } = args;
  let received = 0;
  let running = true;
  const starters: (() => void)[] = [];
  const closers: (() => void)[] = [];
  if (kind === 'ws') {
    for (const ws of await openRawClients(url, base, n)) {
      if (!ws) continue;
      ws.on('message', (data) => {
        received += 1;
        if (running) ws.send(data, { binary: false });
      });
      starters.push(() => ws.send(LOOP_MESSAGE));
      closers.push(() => ws.terminate());
    }
  } else {
    // The chat's `message` with an ack: the ack is the echo.
    for (const [i, socket] of (await openSocketIoClients(base, n)).entries()) {
      if (!socket) continue;
      let seq = 0;
      const send = (): void => {
        socket.emit('message', { id: `b${i}-${seq++}`, text: 'hello from the bench' }, () => {
          received += 1;
          if (running) send();
        });
      };
      starters.push(send);
      closers.push(() => socket.close());
    }
  }
  process.send?.({ connected: starters.length });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  for (const start of starters) start();
  await new Promise((r) => setTimeout(r, LOOP_SECONDS * 1000));
  running = false;
  process.send?.({ loopReport: { received, msgsPerSec: received / LOOP_SECONDS } satisfies LoopReport });
  for (const close of closers) close();
  setTimeout(() => process.exit(0), 200);
}

async function runClients(args: { kind: Kind; url: string; base: string; n: number }): Promise<void> {
  const { kind, url, base, n } = args;
  const rtts: number[] = [];
  let sent = 0;
  let received = 0;
  let failed = 0;
  const senders: (() => void)[] = [];
  const closers: (() => void)[] = [];
  const started = performance.now();

  if (kind === 'ws') {
    const open = (ws: WebSocket, i: number) => {
      const pending = new Map<string, number>();
      let seq = 0;
      ws.on('message', (data) => {
        const key = data.toString();
        const at = pending.get(key);
        if (at !== undefined) {
          pending.delete(key);
          received += 1;
          rtts.push(performance.now() - at);
        }
      });
      senders.push(() => {
        if (ws.readyState !== ws.OPEN) return;
        const key = `${i}:${seq++}`;
        pending.set(key, performance.now());
        ws.send(key);
        sent += 1;
      });
      closers.push(() => ws.terminate());
    };
    const sockets = await openRawClients(url, base, n);
    for (const [i, ws] of sockets.entries()) {
      if (ws) open(ws, i);
      else failed += 1;
    }
  } else {
    const sockets = await openSocketIoClients(base, n);
    for (const [i, socket] of sockets.entries()) {
      if (!socket) {
        failed += 1;
        continue;
      }
      let seq = 0;
      senders.push(() => {
        if (!socket.connected) return;
        const at = performance.now();
        sent += 1;
        socket
          .timeout(5_000)
          .emitWithAck('message', { id: `b${i}-${seq++}`, text: 'ping' })
          .then(() => {
            received += 1;
            rtts.push(performance.now() - at);
          })
          .catch(() => undefined);
      });
      closers.push(() => socket.close());
    }
  }
  const connectMs = performance.now() - started;
  process.send?.({ connected: senders.length });
  // Wait for the parent to read the server's memory with everyone connected.
  await new Promise<void>((resolve) => process.once('message', () => resolve()));

  // Open loop: every client sends RATE_PER_CLIENT a second, spread evenly over the second.
  const interval = 1000 / (RATE_PER_CLIENT * Math.max(1, senders.length));
  let next = 0;
  const measureStart = performance.now();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  // A 5 ms timer, not a busy loop: on a small machine the client process must not eat the server's CPU.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - measureStart;
      const due = Math.floor(Math.min(elapsed, MEASURE_MS) / interval);
      while (next < due) {
        senders[next % senders.length]?.();
        next += 1;
      }
      if (elapsed >= MEASURE_MS) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  loopDelay.disable();
  process.send?.({ sendingDone: true });
  // Let the last echoes arrive.
  await new Promise((r) => setTimeout(r, 1_000));
  rtts.sort((a, b) => a - b);
  const report: ClientReport = {
    wanted: n,
    connected: senders.length,
    failed,
    sent,
    received,
    msgsPerSec: Math.round(received / (MEASURE_MS / 1000)),
    p50: percentile(rtts, 50),
    p99: percentile(rtts, 99),
    connectMs: Math.round(connectMs),
    clientStallMs: Math.round(loopDelay.max / 1e6),
  };
  for (const close of closers) close();
  process.send?.({ report });
  setTimeout(() => process.exit(0), 200);
}

// ───────────────────────────── orchestration ─────────────────────────────

const children = new Set<ChildProcess>();
// Never leave a server behind: whatever happens to this process, its children go with it.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** The load generator: its own process, with its own message protocol. */
function spawnClients(extra: Record<string, string>, role = 'clients'): ChildProcess {
  const child = fork(SELF, [role], {
    env: { ...process.env, ...extra, NODE_ENV: 'production' },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** A server role (bare or lab) in its own process; resolves once it listens. */
async function startServer(role: 'bare' | 'lab'): Promise<BenchChild<{ port: number }>> {
  const server = await forkBenchChild<{ port: number }>(SELF, [role], {
    env: { NODE_ENV: 'production' },
    execArgv: [
      // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it exits.
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      // BENCH_SERVER_FLAGS="--trace-gc": more Node flags for the servers only (NODE_OPTIONS refuses some).
      ...(process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
  });
  children.add(server.process);
  server.process.once('exit', () => children.delete(server.process));
  return server;
}

function nextMessage<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (key in m) {
        child.off('message', onMessage);
        resolve(m[key] as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before sending "${key}"`)));
  });
}

interface Row extends ClientReport {
  server: string;
  /** The server's longest event-loop stall while the clients were sending. */
  serverStallMs: number;
  kbPerConn: number;
  cpuMsPerKMsg: number;
}

async function measure(
  server: string,
  kind: Kind,
  child: BenchChild<{ port: number }>,
  url: string,
  base: string,
  n: number,
): Promise<Row> {
  const { pid } = child;
  const before = procUsage(pid);
  const clients = spawnClients({ BENCH_ARGS: JSON.stringify({ kind, url, base, n }) });
  const exited = new Promise((r) => clients.once('exit', r));
  await nextMessage<number>(clients, 'connected');
  await new Promise((r) => setTimeout(r, 500));
  const connected = procUsage(pid);
  // The same length of time with every client connected and silent: heartbeats, timers, GC.
  // Subtracted below, so the figure is the marginal CPU cost of a message.
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  const idle = procUsage(pid);
  await child.longestStallMs(); // from here on
  clients.send({ go: true });
  const reported = nextMessage<ClientReport>(clients, 'report');
  await nextMessage<boolean>(clients, 'sendingDone');
  const busy = procUsage(pid);
  const serverStallMs = Math.round(await child.longestStallMs());
  const report = await reported;
  await exited;
  const idleCpuMs = idle.cpuMs - connected.cpuMs;
  const busyCpuMs = busy.cpuMs - idle.cpuMs;
  const row: Row = {
    server,
    serverStallMs,
    ...report,
    kbPerConn: report.connected ? (connected.rss - before.rss) / 1024 / report.connected : Number.NaN,
    cpuMsPerKMsg: report.received ? (Math.max(0, busyCpuMs - idleCpuMs) / report.received) * 1000 : Number.NaN,
  };
  const ok = row.p99 < P99_GOAL_MS && row.connected === n;
  console.log(
    `${server.padEnd(8)} ${String(n).padStart(6)} clients: ${String(row.connected).padStart(6)} connected in ${row.connectMs} ms, ` +
      `${row.msgsPerSec} msg/s, p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms${ok ? '' : '  ✗'}, ` +
      `${row.kbPerConn.toFixed(1)} KiB/conn, ${row.cpuMsPerKMsg.toFixed(1)} CPU ms per 1,000 msgs, ` +
      `longest stall: server ${row.serverStallMs} ms, client ${row.clientStallMs} ms`,
  );
  return row;
}

interface LoopRound {
  msgsPerSec: number;
  /** Server CPU per echoed message, in µs (process.cpuUsage in the server: all its threads). */
  cpuUsPerMsg: number;
}

/** One closed-loop round against one server: its echo rate, and its CPU per echo over the same window. */
async function loopRound(kind: Kind, child: BenchChild<{ port: number }>, url: string, base: string): Promise<LoopRound> {
  const clients = spawnClients({ BENCH_ARGS: JSON.stringify({ kind, url, base, n: LOOP_CLIENTS }) }, 'loop');
  // Listened for from the start: the clients exit soon after reporting, maybe before we ask the server for its CPU.
  const exited = new Promise((r) => clients.once('exit', r));
  await nextMessage<number>(clients, 'connected');
  await new Promise((r) => setTimeout(r, 300));
  const before = await child.cpuMicros();
  const reported = nextMessage<LoopReport>(clients, 'loopReport');
  clients.send({ go: true });
  const report = await reported;
  const cpuMicros = (await child.cpuMicros()) - before;
  await exited;
  return { msgsPerSec: report.msgsPerSec, cpuUsPerMsg: cpuMicros / report.received };
}

/**
 * "Messages per second one process sustains", and what the taps cost: bare and lab servers both
 * up, closed-loop rounds alternating between them so the VM's drifting speed hits both alike; the
 * cost is the median of each round's own ratio (as in bench:rest and bench:grpc). Server CPU per
 * echo is the stricter figure: the client process may be the bottleneck for the faster server.
 */
async function throughput(): Promise<void> {
  const [bare, lab] = await Promise.all([startServer('bare'), startServer('lab')]);
  const targets = {
    bare: { child: bare, url: `ws://127.0.0.1:${bare.info.port}/`, base: '' },
    lab: { child: lab, url: `ws://127.0.0.1:${lab.info.port}/api/ws/echo`, base: `http://127.0.0.1:${lab.info.port}` },
  };
  const rounds: { bare: LoopRound; lab: LoopRound }[] = [];
  const sioRounds: LoopRound[] = [];
  try {
    for (let i = 1; i <= LOOP_ROUNDS; i++) {
      const b = await loopRound('ws', targets.bare.child, targets.bare.url, targets.bare.base);
      const l = await loopRound('ws', targets.lab.child, targets.lab.url, targets.lab.base);
      rounds.push({ bare: b, lab: l });
      console.log(
        `  round ${i}: bare ws ${b.msgsPerSec.toFixed(0)} msg/s, ${b.cpuUsPerMsg.toFixed(1)} µs/echo; ` +
          `lab ws ${l.msgsPerSec.toFixed(0)} msg/s, ${l.cpuUsPerMsg.toFixed(1)} µs/echo`,
      );
    }
    // socket.io has no bare twin here: its figure is what the lab's chat sustains. After the raw
    // rounds, so the events its sessions keep don't weigh on them.
    for (let i = 1; i <= LOOP_ROUNDS; i++) {
      const io = await loopRound('sio', targets.lab.child, '', targets.lab.base);
      sioRounds.push(io);
      console.log(`  round ${i}: lab socket.io ${io.msgsPerSec.toFixed(0)} msg/s, ${io.cpuUsPerMsg.toFixed(1)} µs/message`);
    }
  } finally {
    await Promise.all([bare.stop(), lab.stop()]);
  }
  const mid = (pick: (r: (typeof rounds)[number]) => number) => median(rounds.map(pick));
  console.log(
    `\nClosed loop, ${LOOP_CLIENTS} clients × 1 message in flight, ${LOOP_ROUNDS} × ${LOOP_SECONDS} s per server (raw rounds alternating), medians:`,
  );
  console.log(
    `  bare ws:       ${mid((r) => r.bare.msgsPerSec).toFixed(0)} msg/s, ${mid((r) => r.bare.cpuUsPerMsg).toFixed(1)} µs CPU per message`,
  );
  console.log(
    `  lab ws:        ${mid((r) => r.lab.msgsPerSec).toFixed(0)} msg/s, ${mid((r) => r.lab.cpuUsPerMsg).toFixed(1)} µs CPU per message`,
  );
  console.log(
    `  lab socket.io: ${median(sioRounds.map((r) => r.msgsPerSec)).toFixed(0)} msg/s, ${median(sioRounds.map((r) => r.cpuUsPerMsg)).toFixed(1)} µs CPU per message`,
  );
  const lost = mid((r) => 1 - r.lab.msgsPerSec / r.bare.msgsPerSec);
  const cpu = mid((r) => 1 - r.bare.cpuUsPerMsg / r.lab.cpuUsPerMsg);
  const verdict = (x: number) => (x < TAP_GOAL ? 'met' : 'NOT met');
  console.log(
    `Taps cost (lab ws vs bare ws): ${(lost * 100).toFixed(1)}% of throughput, ${(cpu * 100).toFixed(1)}% of CPU-bound capacity. ` +
      `Goal: under ${TAP_GOAL * 100}% — ${verdict(lost)} / ${verdict(cpu)}.`,
  );
}

async function main(): Promise<void> {
  if (ONLY === 'loop') {
    await throughput();
    return;
  }
  const wsSteps = QUICK ? [200, 1_000] : [1_000, 5_000, 10_000];
  const sioSteps = QUICK ? [200, 500] : [1_000, 2_500, 5_000];
  console.log(`bench:ws — ${RATE_PER_CLIENT} msg/s per client, ${MEASURE_MS / 1000} s per step, p99 goal < ${P99_GOAL_MS} ms`);
  const rows: Row[] = [];

  if (ONLY !== 'sio') {
    const bare = await startServer('bare');
    const barePort = bare.info.port;
    for (const n of wsSteps) rows.push(await measure('bare ws', 'ws', bare, `ws://127.0.0.1:${barePort}/`, '', n));
    await bare.stop();

    const lab = await startServer('lab');
    const base = `http://127.0.0.1:${lab.info.port}`;
    for (const n of wsSteps) {
      rows.push(await measure('lab ws', 'ws', lab, `ws://127.0.0.1:${lab.info.port}/api/ws/echo`, base, n));
    }
    await lab.stop();
  }

  if (ONLY !== 'ws') {
    const lab = await startServer('lab');
    const base = `http://127.0.0.1:${lab.info.port}`;
    for (const n of sioSteps) rows.push(await measure('lab sio', 'sio', lab, '', base, n));
    await lab.stop();
  }

  const best = (server: string) =>
    rows.filter((r) => r.server === server && r.p99 < P99_GOAL_MS && r.connected === r.wanted).at(-1);
  console.log('\nHighest step meeting p99 < 50 ms with every client connected:');
  for (const server of [...new Set(rows.map((r) => r.server))]) {
    const r = best(server);
    console.log(
      `  ${server.padEnd(8)} ${r ? `${r.connected} clients, ${r.msgsPerSec} msg/s, p99 ${r.p99.toFixed(1)} ms` : 'none'}`,
    );
  }
  if (ONLY === 'sio') return;
  const cost = wsSteps.map((n) => {
    const b = rows.find((r) => r.server === 'bare ws' && r.wanted === n);
    const l = rows.find((r) => r.server === 'lab ws' && r.wanted === n);
    return b && l ? `${n}: ${((l.cpuMsPerKMsg / b.cpuMsPerKMsg - 1) * 100).toFixed(0)}%` : `${n}: n/a`;
  });
  console.log(
    `Marginal server CPU per echo at 1 msg/s per client, lab ws vs bare ws, by clients: ${cost.join(', ')} ` +
      '(an idle server pays for waking up: see docs/PERFORMANCE.md)',
  );
  console.log('\nThroughput (closed loop):');
  await throughput();
}

const role = process.argv[2];
// The clients exit with their parent (server roles do through serveParent, which also closes them on SIGTERM, so a CPU profile is written).
if (role === 'clients' || role === 'loop') process.on('disconnect', () => process.exit(0));
if (role === 'bare') void serveBare();
else if (role === 'lab') void serveLab();
else if (role === 'clients') void runClients(JSON.parse(process.env.BENCH_ARGS ?? '{}'));
else if (role === 'loop') void runLoopClients(JSON.parse(process.env.BENCH_ARGS ?? '{}'));
else
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
