/**
 * Test fixtures for the lab's end-to-end specs. Import `test` and `expect`
 * from here, not from @playwright/test:
 *
 *   import { expect, test } from './fixtures';
 *
 *   test('two tabs, two sessions', async ({ lab }) => {
 *     const [a, b] = await lab.openLesson('how-this-lab-works', { tabs: 2 });
 *     await a.page.getByRole('button', { name: 'Send' }).click();
 *     await lab.waitForEvent(a.page, (e) => e.origin === 'db' && e.kind === 'query', 'a db query');
 *     expect(await lab.events(b.page)).toEqual([]);
 *   });
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type APIRequestContext, type BrowserContext, test as base, expect, type Locator, type Page } from '@playwright/test';
import type { TimelineEvent } from '../lib/timeline';
import { BASE_URL_ENV } from './lab-server';

export { expect };

export const SESSION_HEADER = 'x-lab-session';

/** One browser context (its own cookie jar, so its own lab session) with a lab page open in it. */
export interface LabTab {
  context: BrowserContext;
  page: Page;
  sessionId: string;
}

/** [T, T, ...] with N elements, so `const [a, b] = await lab.openLesson(slug, { tabs: 2 })` needs no `!`. */
export type Tuple<T, N extends number, R extends T[] = []> = number extends N
  ? T[]
  : R['length'] extends N
    ? R
    : Tuple<T, N, [...R, T]>;

export interface WaitOptions {
  /** Default 10 s. */
  timeout?: number;
}

export interface LabHelpers {
  /** The server started by global-setup.ts, e.g. http://127.0.0.1:41234. */
  baseURL: string;
  /** Every event on the page's timeline (browser clock), via window.__lab.events(). */
  events(page: Page): Promise<TimelineEvent[]>;
  /**
   * Polls the page's timeline until an event matches `predicate` and returns it.
   * `description` names what was awaited in the failure message.
   */
  waitForEvent(
    page: Page,
    predicate: (event: TimelineEvent) => boolean,
    description: string,
    options?: WaitOptions,
  ): Promise<TimelineEvent>;
  /** The page's lab session id, once the page knows it. */
  sessionId(page: Page): Promise<string>;
  /** Resolves once the page's lab channel is open (server events flow). */
  waitForChannel(page: Page, options?: WaitOptions): Promise<void>;
  /** A new session, created through the API as a terminal client would. */
  newSession(): Promise<string>;
  /**
   * An API client that sends X-Lab-Session on every request: the given page's
   * session, the given id, or a new session when called without one.
   */
  api(session?: Page | string): Promise<APIRequestContext & { sessionId: string }>;
  /**
   * Kills the page's lab channel at the TCP level (test hook; the server runs
   * with LAB_TEST_HOOKS=1), so a spec can watch it reconnect and resume.
   * Returns how many channel sockets were destroyed.
   */
  dropChannel(page: Page): Promise<number>;
  /**
   * Opens /lessons/<slug> in `tabs` separate browser contexts (separate sessions)
   * and waits until each has its session and an open lab channel.
   */
  openLesson<N extends number = 1>(slug: string, options?: { tabs?: N; timeout?: number }): Promise<Tuple<LabTab, N>>;
}

function requireBaseURL(): string {
  const url = process.env[BASE_URL_ENV];
  if (!url) {
    throw new Error(
      `${BASE_URL_ENV} is not set: the lab server is started by e2e/global-setup.ts. Run the specs with \`npx playwright test\` ` +
        '(playwright.config.ts wires the setup in), not on their own.',
    );
  }
  return url;
}

export const test = base.extend<{ lab: LabHelpers }, { labBaseURL: string }>({
  labBaseURL: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as a destructured object.
    async ({}, use) => {
      await use(requireBaseURL());
    },
    { scope: 'worker' },
  ],

  // page.goto('/lessons/...') and request.get('/api/...') resolve against the lab server.
  baseURL: async ({ labBaseURL }, use) => {
    await use(labBaseURL);
  },

  lab: async ({ browser, playwright, labBaseURL }, use) => {
    const contexts: BrowserContext[] = [];
    const apis: APIRequestContext[] = [];

    const events = async (page: Page): Promise<TimelineEvent[]> => {
      const result = await page.evaluate(() => window.__lab?.events() ?? null);
      if (result === null) throw new Error(`window.__lab is not there on ${page.url()}: is the page inside <LabProvider>?`);
      return result;
    };

    const waitForEvent: LabHelpers['waitForEvent'] = async (page, predicate, description, options = {}) => {
      const timeout = options.timeout ?? 10_000;
      const deadline = Date.now() + timeout;
      let seen: TimelineEvent[] = [];
      for (;;) {
        seen = await events(page).catch(() => seen);
        const match = seen.find(predicate);
        if (match) return match;
        if (Date.now() > deadline) break;
        await page.waitForTimeout(50);
      }
      const tail = seen
        .slice(-15)
        .map((e) => `  ${e.origin}/${e.protocol}/${e.kind}: ${e.summary}`)
        .join('\n');
      throw new Error(
        `Timed out after ${timeout} ms waiting for ${description}. Last ${Math.min(15, seen.length)} of ${seen.length} events:\n${tail}`,
      );
    };

    const sessionId = async (page: Page): Promise<string> => {
      const handle = await page.waitForFunction(() => window.__lab?.sessionId ?? null, undefined, { timeout: 10_000 });
      return (await handle.jsonValue()) as string;
    };

    const waitForChannel = async (page: Page, options: WaitOptions = {}): Promise<void> => {
      await page.waitForFunction(() => window.__lab?.channel === 'open', undefined, { timeout: options.timeout ?? 10_000 });
    };

    const newSession = async (): Promise<string> => {
      const anonymous = await playwright.request.newContext({ baseURL: labBaseURL });
      try {
        const res = await anonymous.post('/api/lab/sessions');
        expect(res.status(), 'POST /api/lab/sessions').toBe(201);
        return ((await res.json()) as { id: string }).id;
      } finally {
        await anonymous.dispose();
      }
    };

    const api: LabHelpers['api'] = async (session) => {
      const id = session === undefined ? await newSession() : typeof session === 'string' ? session : await sessionId(session);
      const context = await playwright.request.newContext({ baseURL: labBaseURL, extraHTTPHeaders: { [SESSION_HEADER]: id } });
      apis.push(context);
      return Object.assign(context, { sessionId: id });
    };

    const dropChannel = async (page: Page): Promise<number> => {
      const client = await api(page);
      const res = await client.post('/api/lab/test/drop-channel');
      expect(res.status(), 'POST /api/lab/test/drop-channel').toBe(200);
      return ((await res.json()) as { destroyed: number }).destroyed;
    };

    const openLesson = (async (slug: string, options: { tabs?: number; timeout?: number } = {}) => {
      const tabs = options.tabs ?? 1;
      return Promise.all(
        Array.from({ length: tabs }, async () => {
          const context = await browser.newContext({ baseURL: labBaseURL });
          contexts.push(context);
          const page = await context.newPage();
          const response = await page.goto(`/lessons/${slug}`);
          expect(response?.status(), `GET /lessons/${slug}`).toBe(200);
          const id = await sessionId(page);
          await waitForChannel(page, { timeout: options.timeout });
          return { context, page, sessionId: id };
        }),
      );
    }) as LabHelpers['openLesson'];

    await use({ baseURL: labBaseURL, events, waitForEvent, sessionId, waitForChannel, newSession, api, dropChannel, openLesson });

    for (const context of contexts) await context.close();
    for (const context of apis) await context.dispose();
  },
});

/** The commands of a lesson's TerminalBoxes, exactly as printed on the page. */
export interface TerminalCommands {
  /** Every command, in page order. */
  all: string[];
  /** The first command containing every part (fails the test when none does). */
  find(...parts: string[]): string;
  /** Every command containing every part (fails the test when none does). */
  findAll(...parts: string[]): string[];
}

/**
 * Reads the TerminalBox commands as a student would copy them (each line's
 * data-command). The boxes fill their placeholders (address, ports, session)
 * after the page loads, so first waits, for each [part, pattern] in `filled`,
 * until the first command containing `part` matches `pattern`.
 * `boxes`: the page (every TerminalBox on it) or a locator of some boxes.
 */
export async function readTerminalCommands(
  boxes: Page | Locator,
  filled: [part: string, pattern: RegExp][],
  options: WaitOptions = {},
): Promise<TerminalCommands> {
  const scope = 'goto' in boxes ? boxes.getByTestId('terminal-box') : boxes;
  for (const [part, pattern] of filled) {
    await expect(scope.locator(`li[data-command*=${JSON.stringify(part)}]`).first()).toHaveAttribute(
      'data-command',
      pattern,
      options,
    );
  }
  const all = await scope
    .locator('li[data-command]')
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-command') ?? ''));
  const findAll = (...parts: string[]) => {
    const matches = all.filter((c) => parts.every((p) => c.includes(p)));
    expect(matches.length, `a command containing ${parts.join(' and ')}`).toBeGreaterThan(0);
    return matches;
  };
  return { all, find: (...parts) => findAll(...parts)[0] as string, findAll };
}

const execFileAsync = promisify(execFile);

/**
 * Runs a command line through bash exactly as printed, as a student pasting it
 * into a terminal; resolves with its stdout. A non-zero exit rejects with an
 * error that carries `stdout` and `stderr`.
 */
export async function runAsPrinted(command: string, options: { timeoutMs?: number; cwd?: string } = {}): Promise<string> {
  const { stdout } = await execFileAsync('bash', ['-c', command], { timeout: options.timeoutMs ?? 10_000, cwd: options.cwd });
  return stdout;
}

/**
 * Runs a command line through bash exactly as printed and resolves with all a
 * terminal would show, stdout then stderr, whatever the exit code: for the
 * commands whose point is the error they print.
 */
export async function terminalOutput(command: string, options: { timeoutMs?: number; cwd?: string } = {}): Promise<string> {
  const { stdout = '', stderr = '' } = await execFileAsync('bash', ['-c', command], {
    timeout: options.timeoutMs ?? 10_000,
    cwd: options.cwd,
  }).catch((error: { stdout?: string; stderr?: string }) => error);
  return `${stdout}${stderr}`;
}

/**
 * Runs a command that streams until stopped (curl -N, say) through bash for
 * `seconds`, then ends it (coreutils `timeout`); resolves with what it printed
 * by then.
 */
export function runForSeconds(command: string, seconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('timeout', [String(seconds), 'bash', '-c', command], (error, stdout) => {
      // 124: `timeout` ended a stream that would have run forever. Anything else is a failure.
      if (error && (error as { code?: unknown }).code !== 124) reject(error);
      else resolve(stdout);
    });
  });
}
