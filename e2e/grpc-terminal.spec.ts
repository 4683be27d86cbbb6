/**
 * Experiment 8: the lesson's buf curl commands run exactly as printed (from
 * the lab's folder, as the lesson says) and land on the student's timeline.
 */
import { expect, readTerminalCommands, runAsPrinted, terminalOutput, test } from './fixtures';
import { ROOT } from './lab-server';

test('the buf curl commands work over Connect, gRPC-Web and native gRPC, as the student', async ({ lab }) => {
  test.setTimeout(120_000);
  const [{ page, sessionId }] = await lab.openLesson('grpc');
  const { all: commands } = await readTerminalCommands(page, [
    ['--http2-prior-knowledge', /:\d+\/lab\.bank/],
    ['GetAccount', new RegExp(sessionId)],
  ]);
  // From the lab's folder, as the lesson says.
  const options = { cwd: ROOT, timeoutMs: 60_000 };
  const [connect, grpcWeb, grpc, anonymous] = commands;
  expect(JSON.parse(await runAsPrinted(connect ?? '', options))).toMatchObject({ account: { owner: 'Ada Lovelace' } });
  expect(await runAsPrinted(grpcWeb ?? '', options)).toContain('"sequence": "3"');
  expect(JSON.parse(await runAsPrinted(grpc ?? '', options))).toMatchObject({ account: { owner: 'Alan Turing' } });
  expect(await terminalOutput(anonymous ?? '', options)).toContain('unauthenticated');
  for (const protocol of ['connect', 'grpc-web', 'grpc']) {
    await lab.waitForEvent(
      page,
      (e) => e.origin === 'terminal' && e.protocol === 'grpc' && e.summary.endsWith(`over ${protocol}`),
      `the terminal's ${protocol} call`,
    );
  }
});
