/**
 * The server process itself: what `npm start` users see when the port is
 * taken, and a clean shutdown on SIGTERM. These run the production server, so
 * they need `next build` (Next.js prepares before the port is bound).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { expect, test } from '@playwright/test';
import { ROOT, startLabServer } from './lab-server';

function run(command: string, args: string[], env: Record<string, string>) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, output })),
  );
  return { child, exited };
}

test('reports "Port N is already in use" and exits 1 when the port is taken', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const { child, exited } = run('npx', ['tsx', 'server/main.ts'], {
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LAB_DB: ':memory:',
      NEXT_TELEMETRY_DISABLED: '1',
    });
    const { code, output } = await exited;
    expect(output).toContain(`[lab] Port ${port} is already in use.`);
    expect(output).toContain('PORT=3001 npm start');
    expect(output).not.toContain('listening on');
    expect(code, output).toBe(1);
    expect(child.signalCode).toBeNull();
  } finally {
    blocker.close();
  }
});

test('shuts down cleanly on SIGTERM: exit code 0 after "bye"', async () => {
  const server = await startLabServer({
    env: { NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', LAB_DB: ':memory:' },
  });
  const exited = new Promise<number | null>((resolve) => server.child.on('exit', (code) => resolve(code)));
  const info = await fetch(`http://127.0.0.1:${server.port}/api/lab/info`);
  expect(info.status).toBe(200);

  server.child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(server.output()).toContain('[lab] SIGTERM: closing connections');
  expect(server.output()).toContain('[lab] bye');
});
