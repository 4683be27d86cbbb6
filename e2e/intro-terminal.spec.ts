/**
 * The first lesson's terminal box: its commands are filled in with the
 * student's own session and the lab's real address, and running them as
 * printed works — and lands on the student's timeline.
 */
import WebSocket from 'ws';
import { expect, readTerminalCommands, runAsPrinted, test } from './fixtures';

test('the terminal box commands run as printed and show up on the timeline', async ({ lab }) => {
  const [{ page, sessionId }] = await lab.openLesson('how-this-lab-works');
  // Wait until the placeholders are filled from /api/lab/info and the session.
  const { find } = await readTerminalCommands(page, [['/api/intro/accounts/123', new RegExp(sessionId)]]);

  // curl, exactly as printed (the machine's curl, through a shell).
  expect(JSON.parse(await runAsPrinted(find('-X POST')))).toMatchObject({ id: expect.any(String) });
  expect(JSON.parse(await runAsPrinted(find('/api/lab/info')))).toMatchObject({ name: 'api-patterns-lab' });
  const account = JSON.parse(await runAsPrinted(find('/api/intro/accounts/123'))) as { owner: string; balance: number };
  expect(account).toMatchObject({ owner: 'Ada Lovelace', balance: 1000 });
  // The terminal's request is on the page's timeline: its send (origin terminal), then server and db events, no browser ones.
  const sent = await lab.waitForEvent(
    page,
    (e) => e.origin === 'terminal' && e.kind === 'request' && e.detail?.url === '/api/intro/accounts/123',
    "the terminal's own request",
  );
  expect(sent.summary).toMatch(/^curl\/[\d.]+: GET \/api\/intro\/accounts\/123$/);
  const fromTerminal = await lab.waitForEvent(
    page,
    (e) => e.origin === 'server' && e.kind === 'response' && e.detail?.url === '/api/intro/accounts/123' && !e.stream,
    "the terminal request's server response",
  );
  expect(fromTerminal.detail?.status).toBe(200);

  // The wscat line: connect to the URL it prints and get an echo.
  const url = /'(ws:\/\/[^']+)'/.exec(find('wscat'))?.[1] as string;
  expect(url).toContain(`session=${sessionId}`);
  const ws = new WebSocket(url);
  const echoed = new Promise<string>((resolve, reject) => {
    ws.once('message', (data) => resolve(String(data)));
    ws.once('error', reject);
  });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send('from a terminal');
  expect(await echoed).toBe('from a terminal');
  ws.close();
});
