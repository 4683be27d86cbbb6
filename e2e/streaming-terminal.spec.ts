/** The lesson's terminal boxes run as printed, and the server reacts as the lesson says; the directions map links to the lessons. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fullText } from '../server/protocols/streaming/generator';
import { expect, test } from './fixtures';

const run = promisify(execFile);

test('the curl commands stream tokens, stop the export cursor, and do a multipart upload', async ({ lab }) => {
  test.setTimeout(90_000);
  const [{ page, sessionId }] = await lab.openLesson('streaming');
  const boxes = page.getByTestId('terminal-box');
  await expect(boxes.first().locator('li[data-command*="/api/stream/tokens"]')).toHaveAttribute(
    'data-command',
    new RegExp(sessionId),
  );
  const commandsOf = (i: number) =>
    boxes
      .nth(i)
      .locator('li[data-command]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-command') ?? ''));
  const [streams, multipart] = [await commandsOf(0), await commandsOf(1)];
  const shell = async (script: string, cwd?: string) => (await run('bash', ['-c', script], { timeout: 60_000, cwd })).stdout;

  // Tokens, exactly as printed.
  expect(await shell(streams.find((c) => c.includes('/api/stream/tokens')) as string)).toBe(fullText(40));

  // The export into head: ten lines, then the server closes its cursor early.
  const head = await shell(streams.find((c) => c.includes('| head')) as string);
  const lines = head.trimEnd().split('\n');
  expect(lines).toHaveLength(10);
  expect(lines[0]).toBe('id,created_at,account,merchant,amount_cents');
  const query = await lab.waitForEvent(page, (e) => e.origin === 'db' && e.detail?.fields?.cursor === true, 'the cursor query', {
    timeout: 30_000,
  });
  expect(query.detail?.fields?.closedEarly).toBe(true);
  await lab.waitForEvent(page, (e) => e.origin === 'terminal' && e.summary.startsWith('curl/'), "curl's request on the timeline");

  // The multipart steps, in one shell, in an empty folder.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-e2e-'));
  try {
    const out = await shell(multipart.join('\n'), dir);
    const file = fs.readFileSync(path.join(dir, 'file.bin'));
    const sha = createHash('sha256').update(file).digest('hex');
    const completed = JSON.parse(out.slice(out.lastIndexOf('{"uploadId"')).split('\n')[0] as string) as {
      sha256: string;
      bytes: number;
    };
    expect(completed).toMatchObject({ sha256: sha, bytes: 1_048_576 });
    expect(out).toContain(`${sha}  file.bin`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the directions map links every cell to a lesson or an experiment here', async ({ lab }) => {
  const [{ page }] = await lab.openLesson('streaming');
  const hrefs = await page
    .getByTestId('directions-map')
    .locator('a')
    .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  expect(hrefs).toEqual(expect.arrayContaining(['/lessons/sse', '/lessons/websocket', '/lessons/grpc', '#tokens', '#uploads']));
  for (const anchor of ['tokens', 'uploads']) await expect(page.locator(`#${anchor}`)).toHaveCount(1);
});
