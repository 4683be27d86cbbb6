/**
 * Experiment 8: the lesson's buf curl commands run exactly as printed (from
 * the lab's folder, as the lesson says) and land on the student's timeline.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from './fixtures';
import { ROOT } from './lab-server';

const run = promisify(execFile);

test('the buf curl commands work over Connect, gRPC-Web and native gRPC, as the student', async ({ lab }) => {
  test.setTimeout(120_000);
  const [{ page, sessionId }] = await lab.openLesson('grpc');
  const box = page.getByTestId('terminal-box');
  await expect(box.locator('li[data-command*="--http2-prior-knowledge"]').first()).toHaveAttribute(
    'data-command',
    /:\d+\/lab\.bank/,
  );
  await expect(box.locator('li[data-command*="GetAccount"]').first()).toHaveAttribute('data-command', new RegExp(sessionId));
  const commands = await box
    .locator('li[data-command]')
    .evaluateAll((els) => els.map((el) => el.getAttribute('data-command') ?? ''));
  const shell = async (command: string) => {
    try {
      return (await run('bash', ['-c', command], { cwd: ROOT, timeout: 60_000 })).stdout;
    } catch (error: unknown) {
      return (error as { stdout: string; stderr: string }).stderr;
    }
  };
  const [connect, grpcWeb, grpc, anonymous] = commands;
  expect(JSON.parse(await shell(connect ?? ''))).toMatchObject({ account: { owner: 'Ada Lovelace' } });
  expect(await shell(grpcWeb ?? '')).toContain('"sequence": "3"');
  expect(JSON.parse(await shell(grpc ?? ''))).toMatchObject({ account: { owner: 'Alan Turing' } });
  expect(await shell(anonymous ?? '')).toContain('unauthenticated');
  for (const protocol of ['connect', 'grpc-web', 'grpc']) {
    await lab.waitForEvent(
      page,
      (e) => e.origin === 'terminal' && e.protocol === 'grpc' && e.summary.endsWith(`over ${protocol}`),
      `the terminal's ${protocol} call`,
    );
  }
});
