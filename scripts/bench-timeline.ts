/**
 * `npm run bench:timeline`: how the timeline panel holds up under load.
 *
 * Builds the pages into their own folder (.next-bench, so a dev build or a
 * test build is untouched), starts the lab server on a free port, opens
 * /bench/timeline in headless Chromium and calls window.__labBench.run(),
 * which feeds 100,000 events at 2,000 per second into the timeline (see
 * app/bench/timeline/run-bench.ts). Meanwhile a Chrome trace records every
 * main-thread task, so the longest task is known even when it is under the
 * 50 ms long-task threshold.
 *
 * Options: --skip-build (reuse .next-bench), --events N, --rate N, --json FILE,
 * --search TEXT (run with a text filter on, to measure the filtered path).
 * Environment: CHROMIUM_PATH (default /usr/bin/chromium). Never downloads a browser.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import type { BenchResult } from '../app/bench/timeline/run-bench';
import { CHROMIUM_ARGS, requireChromium } from './find-chromium';

const root = path.resolve(import.meta.dirname, '..');
const DIST_DIR = '.next-bench';
const GOAL = { longestTaskMs: 50, p95Ms: 16 };

const { values: args } = parseArgs({
  options: {
    'skip-build': { type: 'boolean', default: false },
    events: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '2000' },
    json: { type: 'string' },
    search: { type: 'string' },
  },
});
const total = Number(args.events);
const perSecond = Number(args.rate);

function build(): void {
  console.log(`[bench] building the pages into ${DIST_DIR} (next build)…`);
  // `next build` with a custom distDir rewrites tsconfig.json to add that folder's types;
  // a benchmark must not leave the repository changed, so put the file back as it was.
  const tsconfigPath = path.join(root, 'tsconfig.json');
  const tsconfig = fs.readFileSync(tsconfigPath);
  try {
    const result = spawnSync('npx', ['next', 'build'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, NEXT_DIST_DIR: DIST_DIR, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    });
    if (result.status !== 0) throw new Error(`next build failed (exit ${result.status})`);
  } finally {
    if (!fs.readFileSync(tsconfigPath).equals(tsconfig)) fs.writeFileSync(tsconfigPath, tsconfig);
  }
}

/** Starts the lab server in its own process group and resolves with its base URL. */
function startServer(): Promise<{ server: ChildProcess; base: string }> {
  const server = spawn('npx', ['tsx', 'server/main.ts'], {
    cwd: root,
    detached: true, // its own process group, so stopping it also stops the node process tsx starts
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production', NEXT_DIST_DIR: DIST_DIR, PORT: '0', LAB_DB: ':memory:' },
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timeout = setTimeout(() => reject(new Error(`the lab server did not start in 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /\[lab\] .* listening on (http:\/\/localhost:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timeout);
        resolve({ server, base: match[1] });
      }
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
    server.on('exit', (code) => reject(new Error(`the lab server exited (${code}) before listening:\n${output}`)));
  });
}

function stopServer(server: ChildProcess): void {
  if (server.pid === undefined || server.exitCode !== null) return;
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  args?: { name?: string };
}

/**
 * Durations (ms) of the top-level tasks on the renderer main thread that ran
 * the page (the CrRendererMain with the most tasks: other renderers idle).
 */
function mainThreadTasks(trace: Buffer): number[] {
  const { traceEvents } = JSON.parse(trace.toString()) as { traceEvents: TraceEvent[] };
  const rendererMains = new Set<string>();
  for (const e of traceEvents) {
    if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain') rendererMains.add(`${e.pid}:${e.tid}`);
  }
  const byThread = new Map<string, number[]>();
  for (const e of traceEvents) {
    const thread = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || e.dur === undefined || !rendererMains.has(thread)) continue;
    if (e.name !== 'ThreadControllerImpl::RunTask' && e.name !== 'RunTask') continue;
    const tasks = byThread.get(thread) ?? [];
    tasks.push(e.dur / 1000);
    byThread.set(thread, tasks);
  }
  return [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

function row(label: string, value: string, verdict = ''): string {
  return `│ ${label.padEnd(38)} │ ${value.padStart(22)} │ ${verdict.padEnd(6)} │`;
}

function printReport(result: BenchResult, tasks: number[]): void {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const longestTask = Math.max(0, ...tasks);
  const overBudget = tasks.filter((t) => t > GOAL.longestTaskMs).length;
  const pass = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  const line = `├${'─'.repeat(40)}┼${'─'.repeat(24)}┼${'─'.repeat(8)}┤`;
  console.log(`┌${'─'.repeat(40)}┬${'─'.repeat(24)}┬${'─'.repeat(8)}┐`);
  console.log(row(`Timeline benchmark`, `${result.events} events`, 'goal'));
  console.log(line);
  console.log(row('feed duration', `${(result.durationMs / 1000).toFixed(1)} s`));
  console.log(row('rate achieved', `${Math.round(result.events / (result.durationMs / 1000))} events/s`));
  console.log(row('frames committed', String(result.frames)));
  console.log(row('main-thread tasks (trace)', String(tasks.length)));
  console.log(row('longest main-thread task (trace)', ms(longestTask), pass(longestTask <= GOAL.longestTaskMs)));
  console.log(row('tasks > 50 ms (trace)', String(overBudget), pass(overBudget === 0)));
  console.log(row('long tasks (PerformanceObserver)', `${result.longTasks.count} (max ${ms(result.longTasks.longestMs)})`));
  console.log(line);
  const { eventToScreenMs: e2s, waitForFrameMs: wait, flushToScreenMs: work } = result;
  console.log(row('event-to-screen p50 / p95', `${ms(e2s.p50)} / ${ms(e2s.p95)}`, pass(e2s.p95 < GOAL.p95Ms)));
  console.log(row('  event-to-screen max', ms(e2s.max)));
  console.log(row('  of which: wait for next frame p50/p95', `${ms(wait.p50)} / ${ms(wait.p95)}`));
  console.log(row('  of which: flush → painted p50/p95', `${ms(work.p50)} / ${ms(work.p95)}`));
  console.log(row('  flush → painted max', ms(work.max)));
  console.log(`└${'─'.repeat(40)}┴${'─'.repeat(24)}┴${'─'.repeat(8)}┘`);
}

async function main(): Promise<void> {
  if (!args['skip-build']) build();
  const { server, base } = await startServer();
  console.log(`[bench] lab server at ${base}`);
  const browser = await chromium.launch({ executablePath: requireChromium().executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (error) => console.error('[bench] page error:', error));
    await page.goto(`${base}/bench/timeline`);
    await page.waitForFunction(() => window.__labBench !== undefined);
    await page.getByTestId('channel-status').and(page.locator('[data-status="open"]')).waitFor();
    const search = args.search;
    const filtered = search ? ` with the search "${search}" on` : '';
    console.log(`[bench] feeding ${total} events at ${perSecond}/s (about ${Math.round(total / perSecond)} s)${filtered}…`);

    await browser.startTracing(page, { categories: ['toplevel', '__metadata'] });
    const result = await page.evaluate(
      (options) => {
        if (!window.__labBench) throw new Error('the bench page is not ready');
        return window.__labBench.run(options);
      },
      { total, perSecond, ...(search ? { search } : {}) },
    );
    const tasks = mainThreadTasks(await browser.stopTracing());

    const rows = await page.getByTestId('timeline-row').count();
    const count = await page.getByTestId('timeline-count').textContent();
    console.log(`[bench] panel shows "${count}" with ${rows} rows in the DOM`);
    printReport(result, tasks);
    if (args.json)
      fs.writeFileSync(
        args.json,
        `${JSON.stringify({ ...result, traceTasks: tasks.length, longestTraceTaskMs: Math.max(0, ...tasks) }, null, 2)}\n`,
      );
  } finally {
    await browser.close();
    stopServer(server);
  }
}

main().catch((error: unknown) => {
  console.error('[bench] failed:', error);
  process.exit(1);
});
