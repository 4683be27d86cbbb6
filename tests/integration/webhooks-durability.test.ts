/**
 * The outbox survives a crash: a real lab server child process is killed
 * with SIGKILL while deliveries are pending and mid-attempt, restarted on the
 * same SQLite file, and every event still reaches a deduping receiver —
 * processed exactly once, however many times it was delivered.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LISTENING = /listening on (\d+)/;
// An API-only lab server (no Next.js), like server/main.ts but without pages: the part under test.
const ENTRY = `
const { createLabServer } = await import(${JSON.stringify(path.join(ROOT, 'server/app.ts'))});
const { configFromEnv } = await import(${JSON.stringify(path.join(ROOT, 'server/lab/config.ts'))});
const server = await createLabServer({ ...configFromEnv(), next: false, host: '127.0.0.1', port: 0 });
console.log('listening on ' + (await server.listen()));
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-webhooks-'));
const dbPath = path.join(dir, 'lab.sqlite');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startChild(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', ENTRY], {
    cwd: ROOT,
    env: { ...process.env, LAB_DB: dbPath, LAB_WEBHOOKS_TIME_SCALE: '0.25' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`lab child exited (${code}) before listening:\n${output}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

function client(base: string, session: string) {
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { 'x-lab-session': session, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  return {
    post: (url: string, body: unknown) => call('POST', url, body),
    put: (url: string, body: unknown) => call('PUT', url, body),
    get: (url: string) => call('GET', url),
  };
}

describe('the outbox across a SIGKILL', () => {
  it('delivers every pending and mid-attempt event after a restart, processed exactly once', { timeout: 90_000 }, async () => {
    const first = await startChild();
    const session = ((await (await fetch(`${first.base}/api/lab/sessions`, { method: 'POST' })).json()) as { id: string }).id;
    let api = client(first.base, session);
    expect((await api.post('/api/webhooks/endpoints', { url: '/api/webhooks/receivers/ledger' })).status).toBe(201);
    // "Slow": the app processes each event, then stalls past the bank's timeout, so deliveries stay mid-attempt.
    await api.put('/api/webhooks/receivers/ledger', { mode: 'slow', dedupe: true });

    const events: string[] = [];
    for (let i = 0; i < 10; i++)
      events.push(((await api.post('/api/webhooks/events', { amountCents: 100 })).json.event as { id: string }).id);
    await eventually(
      async () => ((await api.get('/api/webhooks/receivers/ledger')).json.processed as number) >= 3,
      'some processing',
      20_000,
    );
    // And more that are only committed: the worker is stopped for this session.
    await api.post('/api/webhooks/worker', { action: 'stop' });
    for (let i = 0; i < 10; i++)
      events.push(((await api.post('/api/webhooks/events', { amountCents: 100 })).json.event as { id: string }).id);

    const before = (await api.get('/api/webhooks/deliveries?limit=200')).json.deliveries as { status: string }[];
    expect(before).toHaveLength(20);
    expect(before.filter((d) => d.status !== 'delivered').length).toBe(20);
    const processedBeforeKill = (await api.get('/api/webhooks/receivers/ledger')).json.processed as number;
    expect(processedBeforeKill).toBeGreaterThanOrEqual(3);

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const second = await startChild();
    api = client(second.base, session);
    await api.put('/api/webhooks/receivers/ledger', { mode: 'ok' });
    const after = await eventually(
      async () => {
        const all = (await api.get('/api/webhooks/deliveries?limit=200')).json.deliveries as { event: string; status: string }[];
        return all.every((d) => d.status === 'delivered') && all;
      },
      'every delivery to arrive after the restart',
      60_000,
    );
    expect(after.map((d) => d.event).sort()).toEqual([...events].sort());
    const ledger = (await api.get('/api/webhooks/receivers/ledger')).json as {
      processed: number;
      balances: Record<string, number>;
    };
    // Exactly once: 20 events processed, the balance credited 20 × 1.00 — not more, however many retries.
    expect(ledger.processed).toBe(20);
    expect(ledger.balances['123']).toBe(100_000 + 20 * 100);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  });
});
