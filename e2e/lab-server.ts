/**
 * Starts and stops the real lab server (server/main.ts: Next.js pages plus
 * every API and WebSocket endpoint) for end-to-end tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Workers read the server's address from here (process.env set in globalSetup is inherited). */
export const BASE_URL_ENV = 'LAB_BASE_URL';
export const PID_ENV = 'LAB_SERVER_PID';
/** The line server/main.ts prints once it listens. */
const LISTENING = /\[lab\] API Patterns Lab \(([^)]+)\) listening on http:\/\/localhost:(\d+)/;

export interface StartedServer {
  child: ChildProcess;
  port: number;
  baseURL: string;
  mode: string;
  /** Everything the server printed so far, stdout and stderr interleaved. */
  output(): string;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Where to copy the server's output as it arrives (a file path). */
  logFile?: string;
  timeoutMs?: number;
}

/**
 * A suffix naming this test run's output folders: empty for the default build,
 * `-x` for NEXT_DIST_DIR=.next-x, so runs against separate builds don't share results.
 */
export function runSuffix(): string {
  const dist = process.env.NEXT_DIST_DIR;
  return dist ? `-${path.basename(dist).replace(/^\.next-?/, '')}` : '';
}

/** The build folder Next will serve from (next.config.mjs honours NEXT_DIST_DIR). */
export function distDir(): string {
  return path.join(ROOT, process.env.NEXT_DIST_DIR ?? '.next');
}

/**
 * Spawns `node --import tsx server/main.ts` (one process, so SIGTERM reaches the
 * server itself) and resolves once it prints its listening line.
 */
export function startLabServer(options: StartOptions = {}): Promise<StartedServer> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const log = options.logFile ? fs.createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    log?.write(text);
  };
  // Always drain both pipes: a server blocked on a full pipe looks like a hung test.
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.on('exit', () => log?.end());

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`The lab server did not print its listening line within ${timeoutMs} ms. Output:\n${output}`));
    }, timeoutMs);
    const onData = () => {
      const match = LISTENING.exec(output);
      if (!match) return;
      cleanup();
      const port = Number(match[2]);
      resolve({ child, port, mode: match[1] ?? '', baseURL: `http://localhost:${port}`, output: () => output });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanup();
      reject(new Error(`The lab server exited (${signal ?? `code ${code}`}) before listening. Output:\n${output}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Sends SIGTERM (the server closes connections and flushes the database), then SIGKILL if it lingers. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (alive()) {
    console.warn(`[e2e] lab server ${pid} ignored SIGTERM for ${graceMs} ms; killing it`);
    process.kill(pid, 'SIGKILL');
  }
}
