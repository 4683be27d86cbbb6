/**
 * The REST lesson's terminal boxes: every command runs as printed (the
 * machine's curl, through a shell) and does what the lesson says, and the
 * tapped requests land on the student's timeline with origin `terminal`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from './fixtures';
import { REST_SLUG } from './rest-helpers';

// Many real round trips (some with injected latency) per test: allow for a busy machine.
test.describe.configure({ timeout: 90_000 });

const run = promisify(execFile);
const shell = async (command: string) => (await run('bash', ['-c', command], { timeout: 10_000 })).stdout;

/** `curl -i` output → status, lower-cased headers and body. */
function parseHttp(output: string) {
  const [head = '', ...rest] = output.split(/\r?\n\r?\n/);
  const [statusLine = '', ...headerLines] = head.split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const at = line.indexOf(':');
    headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\n\n') };
}

test('the terminal commands run as printed and show up on the timeline as terminal requests', async ({ lab }) => {
  const [{ page, sessionId }] = await lab.openLesson(REST_SLUG);
  // Wait until placeholders are filled from /api/lab/info and the session.
  await expect(page.locator('li[data-command*="/api/merchants/m-coffee"]').first()).toHaveAttribute(
    'data-command',
    new RegExp(sessionId),
  );
  const commands = await page
    .locator('[data-testid="terminal-box"] li[data-command]')
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-command') ?? ''));
  const find = (...parts: string[]) => {
    const matches = commands.filter((c) => parts.every((p) => c.includes(p)));
    expect(matches.length, `a command containing ${parts.join(' and ')}`).toBeGreaterThan(0);
    return matches;
  };
  expect(commands).toHaveLength(11);
  for (const c of commands) expect(c, 'no placeholder left unfilled').not.toMatch(/<\w+>|\{\{/);

  // Verbs and status codes.
  const get = parseHttp(await shell(find('curl -i http', '/api/accounts/123 -H')[0] as string));
  expect(get.status).toBe(200);
  expect(get.headers.etag).toMatch(/^"/);
  expect(get.headers['x-lab-instance']).toMatch(/^[AB]$/);
  expect(JSON.parse(get.body)).toMatchObject({ owner: 'Ada Lovelace' });
  const patch = parseHttp(await shell(find('-X PATCH')[0] as string));
  expect(patch.status).toBe(200);
  expect(JSON.parse(patch.body)).toMatchObject({ owner: 'Ada King' });
  const wrongMethod = parseHttp(await shell(find('-X POST', '/api/accounts/123')[0] as string));
  expect(wrongMethod.status).toBe(405);
  expect(wrongMethod.headers.allow).toBe('GET, PUT, PATCH, DELETE');

  // Idempotency: twice, one transaction, the second replayed.
  const pay = find('Idempotency-Key')[0] as string;
  const first = parseHttp(await shell(pay));
  const second = parseHttp(await shell(pay));
  expect(first.status).toBe(201);
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  expect(second.status).toBe(201);
  expect(second.headers['idempotent-replayed']).toBe('true');
  expect(second.body).toBe(first.body);
  const api = await lab.api(page);
  expect(
    ((await (await api.get('/api/accounts/123/transactions')).json()) as { transactions: unknown[] }).transactions,
  ).toHaveLength(4);

  // Caching: the printed ETag is the merchant's real one, so the second command gets a 304 with no body.
  const [plain, conditional] = find('/api/merchants/m-coffee');
  const merchant = parseHttp(await shell(plain as string));
  expect(merchant.status).toBe(200);
  expect(merchant.headers['cache-control']).toBe('private, max-age=60');
  expect(conditional).toContain(`If-None-Match: ${merchant.headers.etag}`);
  const notModified = parseHttp(await shell(conditional as string));
  expect(notModified.status).toBe(304);
  expect(notModified.body).toBe('');

  // Instances and the contract.
  const instanceLines = await Promise.all([0, 1].map(() => shell(find('grep -i')[0] as string)));
  expect(instanceLines.map((l) => l.trim().toLowerCase().replace(/\s+/g, ' '))).toEqual(
    expect.arrayContaining([expect.stringMatching(/^x-lab-instance: [ab]$/)]),
  );
  const [stop, start] = find('/api/rest/instances/A');
  expect(JSON.parse(parseHttp(await shell(stop as string)).body).instances[0]).toEqual({ name: 'A', running: false });
  expect((await shell(find('grep -i')[0] as string)).trim()).toMatch(/^x-lab-instance: B$/i);
  expect(JSON.parse(parseHttp(await shell(start as string)).body).instances[0]).toEqual({ name: 'A', running: true });
  const [v2, v1] = find('/api/rest/deployment');
  expect(JSON.parse(parseHttp(await shell(v2 as string)).body)).toEqual({ version: 2 });
  expect(await (await api.get('/api/accounts/123')).json()).toMatchObject({ holderName: 'Ada King' });
  expect(JSON.parse(parseHttp(await shell(v1 as string)).body)).toEqual({ version: 1 });

  // The terminal's tapped requests are on the page's timeline with origin terminal, and no browser twin.
  const sent = await lab.waitForEvent(
    page,
    (e) => e.origin === 'terminal' && e.kind === 'request' && e.detail?.url === '/api/transactions',
    "the terminal's POST",
  );
  expect(sent.summary).toMatch(/^curl\/[\d.]+: POST \/api\/transactions$/);
  expect(sent.protocol).toBe('rest');
  await lab.waitForEvent(
    page,
    (e) =>
      e.origin === 'server' && e.kind === 'response' && e.detail?.status === 304 && e.detail?.url === '/api/merchants/m-coffee',
    "the terminal's 304",
  );
  const events = await lab.events(page);
  const terminal = events.filter((e) => e.origin === 'terminal');
  expect(terminal.map((e) => `${e.detail?.method} ${e.detail?.url}`)).toEqual(
    expect.arrayContaining([
      'GET /api/accounts/123',
      'PATCH /api/accounts/123',
      'POST /api/transactions',
      'GET /api/merchants/m-coffee',
    ]),
  );
  expect(terminal.filter((e) => e.detail?.url === '/api/transactions')).toHaveLength(2);
  expect(events.some((e) => e.origin === 'browser' && e.protocol === 'rest')).toBe(false);
});
