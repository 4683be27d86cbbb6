/**
 * The REST lesson's terminal boxes: every command runs as printed (the
 * machine's curl, through a shell) and does what the lesson says, and the
 * tapped requests land on the student's timeline with origin `terminal`.
 */
import { expect, readTerminalCommands, runAsPrinted, test } from './fixtures';
import { REST_SLUG } from './rest-helpers';

// Many real round trips (some with injected latency) per test: allow for a busy machine.
test.describe.configure({ timeout: 90_000 });

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
  const { all: commands, find, findAll } = await readTerminalCommands(page, [['/api/merchants/m-coffee', new RegExp(sessionId)]]);
  expect(commands).toHaveLength(11);
  for (const c of commands) expect(c, 'no placeholder left unfilled').not.toMatch(/<\w+>|\{\{/);

  // Verbs and status codes.
  const get = parseHttp(await runAsPrinted(find('curl -i http', '/api/accounts/123 -H')));
  expect(get.status).toBe(200);
  expect(get.headers.etag).toMatch(/^"/);
  expect(get.headers['x-lab-instance']).toMatch(/^[AB]$/);
  expect(JSON.parse(get.body)).toMatchObject({ owner: 'Ada Lovelace' });
  const patch = parseHttp(await runAsPrinted(find('-X PATCH')));
  expect(patch.status).toBe(200);
  expect(JSON.parse(patch.body)).toMatchObject({ owner: 'Ada King' });
  const wrongMethod = parseHttp(await runAsPrinted(find('-X POST', '/api/accounts/123')));
  expect(wrongMethod.status).toBe(405);
  expect(wrongMethod.headers.allow).toBe('GET, PUT, PATCH, DELETE');

  // Idempotency: twice, one transaction, the second replayed.
  const pay = find('Idempotency-Key');
  const first = parseHttp(await runAsPrinted(pay));
  const second = parseHttp(await runAsPrinted(pay));
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
  const [plain, conditional] = findAll('/api/merchants/m-coffee');
  const merchant = parseHttp(await runAsPrinted(plain as string));
  expect(merchant.status).toBe(200);
  expect(merchant.headers['cache-control']).toBe('private, max-age=60');
  expect(conditional).toContain(`If-None-Match: ${merchant.headers.etag}`);
  const notModified = parseHttp(await runAsPrinted(conditional as string));
  expect(notModified.status).toBe(304);
  expect(notModified.body).toBe('');

  // Instances and the contract.
  const instanceLines = await Promise.all([0, 1].map(() => runAsPrinted(find('grep -i'))));
  expect(instanceLines.map((l) => l.trim().toLowerCase().replace(/\s+/g, ' '))).toEqual(
    expect.arrayContaining([expect.stringMatching(/^x-lab-instance: [ab]$/)]),
  );
  const [stop, start] = findAll('/api/rest/instances/A');
  expect(JSON.parse(parseHttp(await runAsPrinted(stop as string)).body).instances[0]).toEqual({ name: 'A', running: false });
  expect((await runAsPrinted(find('grep -i'))).trim()).toMatch(/^x-lab-instance: B$/i);
  expect(JSON.parse(parseHttp(await runAsPrinted(start as string)).body).instances[0]).toEqual({ name: 'A', running: true });
  const [v2, v1] = findAll('/api/rest/deployment');
  expect(JSON.parse(parseHttp(await runAsPrinted(v2 as string)).body)).toEqual({ version: 2 });
  expect(await (await api.get('/api/accounts/123')).json()).toMatchObject({ holderName: 'Ada King' });
  expect(JSON.parse(parseHttp(await runAsPrinted(v1 as string)).body)).toEqual({ version: 1 });

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
