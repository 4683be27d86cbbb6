/**
 * The lab server in a child process, for the benchmarks: the load runs in the
 * parent, so the server's figures (CPU time, memory) are its own and the load
 * generator doesn't share its event loop.
 *
 * A bench script runs itself again as the child (e.g. with --serve):
 *
 *   // child
 *   const { server, port } = await startBenchLab();
 *   serveParent({ port }, () => server.close());
 *
 *   // parent
 *   const child = await forkBenchChild<{ port: number }>(import.meta.filename, ['--serve']);
 *   const before = await child.cpuMicros();
 *   ...
 *   await child.stop();
 *
 * Memory and CPU can also be read from outside, through /proc (procUsage,
 * watchPeakRss), which costs the server nothing.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LabServer } from '../server/app';
import type { LabConfig } from '../server/lab/config';

// ───────────────────────────── in the child ─────────────────────────────

/**
 * The lab as the benchmarks run it: API only (no Next.js), on loopback, with
 * an in-memory database, the extra listeners (MQTT, gRPC) on free ports and
 * no limit on creating sessions.
 * The rest of the configuration comes from the environment. The lab's modules
 * are loaded here, in the child only, so the load generator stays light.
 */
export async function startBenchLab(overrides: Partial<LabConfig> = {}): Promise<{ server: LabServer; port: number }> {
  // As server/main.ts starts the lab: the tick queue warmed up before the lab's modules load.
  const { warmUpTickQueue } = await import('../server/lab/warm-up');
  await warmUpTickQueue();
  const { createLabServer } = await import('../server/app');
  const { configFromEnv } = await import('../server/lab/config');
  const server = await createLabServer({
    ...configFromEnv(),
    next: false,
    port: 0,
    host: '127.0.0.1',
    dbPath: ':memory:',
    mqttPort: 0,
    grpcPort: 0,
    // The load creates thousands of sessions from one address (bench:ws opens 5,000 socket.io
    // sessions): the benchmarks measure the protocols, not the limit on creating sessions.
    sessionsPerMinute: 0,
    ...overrides,
  });
  return { server, port: await server.listen() };
}

/** What the parent asks the child over IPC. */
type Request = { usage: 'cpu' } | { usage: 'memory' } | { usage: 'stall' };

/**
 * The child's side: sends `info` (ports, a session...) to the parent, answers
 * its usage requests, and closes (then exits) when the parent stops it or goes away.
 */
export function serveParent(info: unknown, close: () => Promise<void> = async () => {}): void {
  if (!process.send) throw new Error('serveParent: not started by forkBenchChild (no IPC channel)');
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  process.on('message', (request: Request) => {
    if (request.usage === 'cpu') process.send?.({ cpu: process.cpuUsage() });
    else if (request.usage === 'stall') {
      process.send?.({ stall: loopDelay.max / 1e6 });
      loopDelay.reset();
    } else {
      // A full collection first (with --expose-gc), so the figure is what is live, not garbage.
      global.gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      process.send?.({ memory: { rss, heap: heapUsed } });
    }
  });
  const exit = () => void close().finally(() => process.exit(0));
  process.once('SIGTERM', exit);
  process.once('disconnect', exit);
  process.send({ info });
}

// ───────────────────────────── in the parent ─────────────────────────────

/** The middle value (mean of the two middle ones for an even count): one disturbed round doesn't move it. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface BenchChild<Info> {
  process: ChildProcess;
  pid: number;
  /** What the child sent with serveParent. */
  info: Info;
  /** The child's CPU time so far (user + system), in microseconds, as the child reports it. */
  cpuMicros(): Promise<number>;
  /** The child's RSS and live heap, in bytes, after a full GC when it runs with --expose-gc. */
  memory(): Promise<{ rss: number; heap: number }>;
  /** The child's longest event-loop stall (ms) since the last call: where a latency tail comes from. */
  longestStallMs(): Promise<number>;
  /** SIGTERM, and resolves once the child has exited. */
  stop(): Promise<void>;
}

export interface ForkOptions {
  /** Added to the parent's environment. */
  env?: Record<string, string>;
  /** Node flags besides `--import tsx` (e.g. --expose-gc, --cpu-prof). */
  execArgv?: string[];
}

/**
 * With BENCH_PIN=1 the load generator (this process) runs on CPU 0 and every server on CPU 1
 * (`taskset`, all threads). On a 2-vCPU VM the scheduler otherwise moves them between the cores as
 * it pleases, and where a server lands shifts its CPU per request by 20–50% between minutes.
 */
const PIN = process.env.BENCH_PIN === '1';

function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/** Forks `file` (under tsx) with `args`; resolves once the child has sent its info through serveParent. */
export async function forkBenchChild<Info>(file: string, args: string[], options: ForkOptions = {}): Promise<BenchChild<Info>> {
  const child = fork(file, args, {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, ...options.env },
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const reply = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (!(key in message)) return;
        child.off('message', onMessage);
        resolve(message[key] as T);
      };
      child.on('message', onMessage);
      void exited.then(() => reject(new Error(`the bench child exited before sending "${key}"`)));
    });
  const info = await reply<Info>('info');
  if (PIN) {
    pin(process.pid, '0');
    pin(child.pid as number, '1');
  }
  return {
    process: child,
    pid: child.pid as number,
    info,
    async cpuMicros() {
      const answer = reply<NodeJS.CpuUsage>('cpu');
      child.send({ usage: 'cpu' } satisfies Request);
      const { user, system } = await answer;
      return user + system;
    },
    memory() {
      const answer = reply<{ rss: number; heap: number }>('memory');
      child.send({ usage: 'memory' } satisfies Request);
      return answer;
    },
    longestStallMs() {
      const answer = reply<number>('stall');
      child.send({ usage: 'stall' } satisfies Request);
      return answer;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** RSS (bytes) and CPU time (ms) of a process, read from /proc: costs that process nothing. */
export function procUsage(pid: number): { rss: number; cpuMs: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(stat[11] ?? 0) + Number(stat[12] ?? 0); // utime + stime, in clock ticks (100 per second)
  return { rss: rssKb * 1024, cpuMs: (ticks * 1000) / 100 };
}

/** Samples a process's RSS every `everyMs` until the returned function is called; it returns the peak (bytes). */
export function watchPeakRss(pid: number, everyMs = 20): () => number {
  let peak = procUsage(pid).rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, procUsage(pid).rss);
  }, everyMs);
  return () => {
    clearInterval(timer);
    return Math.max(peak, procUsage(pid).rss);
  };
}
