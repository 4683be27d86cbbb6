import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { accountClient, grpcEvents, grpcPort } from './grpc-helpers';
import { eventually, startLab, type TestLab } from './helpers';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const GET_ACCOUNT = '/api/grpc/lab.bank.v1.AccountService/GetAccount';

let lab: TestLab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
});

async function stillServes(session: string): Promise<void> {
  const { client, close } = await accountClient(lab, 'connect', session);
  try {
    expect((await client.getAccount({ accountId: '456' })).account?.owner).toBe('Alan Turing');
  } finally {
    close();
  }
}

describe('the call as recorded', () => {
  it('shows the request headers as they arrived, with the session cookie marked as sent but not shown', async () => {
    const session = await lab.newSession();
    const res = await lab.request(GET_ACCOUNT, {
      session,
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `lab_session=${session}`, 'x-lab-trace': 'cookie-check' },
      body: JSON.stringify({ accountId: '123' }),
    });
    expect(res.status).toBe(200);
    const request = await eventually(
      async () => (await grpcEvents(lab, session)).find((e) => e.kind === 'request' && e.origin === 'server'),
      'the server-side request event',
    );
    expect(request?.detail?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-lab-trace': 'cookie-check',
      cookie: '(sent; hidden here)',
    });
    expect(JSON.stringify(request)).not.toContain(`lab_session=${session}`);
  });
});

describe('bad input gets a Connect/gRPC error a student can read, and the server stays up', () => {
  // Connect (like grpc-go) reports bytes that aren't a valid message as `internal`, JSON of the wrong shape as `invalid_argument`.
  it('malformed protobuf bytes → internal "parse binary", the server stays up', async () => {
    const session = await lab.newSession();
    const res = await lab.request(GET_ACCOUNT, {
      session,
      method: 'POST',
      headers: { 'content-type': 'application/proto' },
      body: new Uint8Array([0x0a, 0x20, 0x31]), // field 1, length 32, but only one byte follows
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: 'internal', message: expect.stringMatching(/^parse binary: /) });
    await stillServes(session);
  });

  it('a wrong content type → 415 with the accepted ones', async () => {
    const session = await lab.newSession();
    const res = await lab.request(GET_ACCOUNT, {
      session,
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'account 123',
    });
    expect(res.status).toBe(415);
  });

  it('JSON with the wrong field types → invalid_argument naming the field', async () => {
    const session = await lab.newSession();
    const res = await lab.postJson(GET_ACCOUNT, session, { accountId: 123 });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('account_id') });
    const stream = await lab.postJson('/api/grpc/lab.bank.v1.AccountService/GetMerchant', session, { merchantId: ['m-coffee'] });
    expect(stream.status).toBe(400);
  });

  it('an unknown id → not_found, quoting a long id only in part', async () => {
    const session = await lab.newSession();
    const res = await lab.postJson(GET_ACCOUNT, session, { accountId: `${'😀'.repeat(30)}${'x'.repeat(5_000)}` });
    expect(res.status).toBe(404);
    const { code, message } = (await res.json()) as { code: string; message: string };
    expect(code).toBe('not_found');
    expect(message).toBe(
      `No account "${'😀'.repeat(30)}${'x'.repeat(10)}…" in your bank. Your session has accounts 123 and 456.`,
    );
  });

  it('an oversized message → resource_exhausted (the read limit is 64 KiB), on both ports', async () => {
    const session = await lab.newSession();
    const res = await lab.postJson(GET_ACCOUNT, session, { accountId: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ code: 'resource_exhausted' });
    const { client, close } = await accountClient(lab, 'grpc', session);
    try {
      await expect(client.getAccount({ accountId: 'x'.repeat(70 * 1024) })).rejects.toMatchObject({
        code: Code.ResourceExhausted,
      });
    } finally {
      close();
    }
    await stillServes(session);
  });

  it('an unknown method → unimplemented in each protocol', async () => {
    const session = await lab.newSession();
    const res = await lab.postJson('/api/grpc/lab.bank.v1.AccountService/CloseAccount', session, {});
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'unimplemented', message: expect.stringContaining('CloseAccount') });
    const port = await grpcPort(lab);
    const { stderr } = await run(
      'npx',
      [
        'buf',
        'curl',
        '--protocol',
        'grpc',
        '--http2-prior-knowledge',
        '--schema',
        'proto',
        '-d',
        '{}',
        '-H',
        `x-lab-session: ${session}`,
        `http://127.0.0.1:${port}/lab.bank.v1.AccountService/Nope`,
      ],
      { cwd: ROOT, timeout: 60_000 },
    ).catch((error: { stderr: string }) => ({ stderr: error.stderr }));
    expect(stderr).toMatch(/Nope|not found|unimplemented/i);
  }, 60_000);

  it('no session or an unknown one → unauthenticated on the h2c port, 401 on the main port', async () => {
    for (const session of [undefined, '00000000-0000-0000-0000-000000000000']) {
      const { client, close } = await accountClient(lab, 'grpc', session);
      try {
        const error = await client.getAccount({ accountId: '123' }).catch((e: unknown) => ConnectError.from(e));
        expect(error).toMatchObject({ code: Code.Unauthenticated, rawMessage: expect.stringContaining('x-lab-session') });
      } finally {
        close();
      }
    }
    const res = await fetch(`${lab.base}${GET_ACCOUNT}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });
});

describe('drop fault and sessions', () => {
  it('a drop kills only this session\u2019s live stream: the client gets an error status, resumes from its cursor, and the other session streams on', async () => {
    const [alice, bob] = [await lab.newSession(), await lab.newSession()];
    const a = await accountClient(lab, 'connect', alice);
    const b = await accountClient(lab, 'grpc', bob);
    try {
      const bobSeen: number[] = [];
      const bobDone = (async () => {
        for await (const { transaction } of b.client.streamTransactions({ accountId: '123', limit: 8, intervalMs: 100 }))
          bobSeen.push(Number(transaction?.sequence));
      })();
      const seen: number[] = [];
      let cursor = 0n;
      const first = (async () => {
        for await (const { transaction } of a.client.streamTransactions({ accountId: '123', limit: 12, intervalMs: 100 })) {
          seen.push(Number(transaction?.sequence));
          cursor = transaction?.sequence ?? cursor;
        }
      })();
      await eventually(() => seen.length >= 3, 'three transactions before the drop');
      const fault = await lab.postJson('/api/lab/faults', alice, { action: 'drop', target: 'grpc' });
      expect(((await fault.json()) as { dropped: number }).dropped).toBeGreaterThanOrEqual(1);
      const error = await first.then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error, 'a dropped stream fails: it does not end quietly').toBeInstanceOf(ConnectError);
      for await (const { transaction } of a.client.streamTransactions({
        accountId: '123',
        afterSequence: cursor,
        limit: 12 - Number(cursor),
      })) {
        seen.push(Number(transaction?.sequence));
      }
      expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      await bobDone;
      expect(bobSeen).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      a.close();
      b.close();
    }
    const aliceEvents = await grpcEvents(lab, alice);
    const bobEvents = await grpcEvents(lab, bob);
    expect(aliceEvents.some((e) => e.stream === 'test-grpc')).toBe(false);
    expect(bobEvents.some((e) => e.stream === 'test-connect')).toBe(false);
    // The server's record of the dropped call says its status never reached the client; the resumed one's did.
    const streamEnds = (events: TimelineEvent[]) =>
      events.filter(
        (e) => e.origin === 'server' && e.kind === 'response' && /StreamTransactions$/.test(String(e.detail?.fields?.rpc)),
      );
    const aliceEnds = streamEnds(aliceEvents);
    expect(aliceEnds.map((e) => e.detail?.fields?.clientGone === true)).toEqual([true, false]);
    expect(aliceEnds[0]?.summary).toMatch(/the client never got this status$/);
    expect(streamEnds(bobEvents).map((e) => e.detail?.fields?.clientGone === true)).toEqual([false]);
  });

  it('a terminal client (buf curl over h2c) lands on the session\u2019s timeline with origin terminal', async () => {
    const session = await lab.newSession();
    const port = await grpcPort(lab);
    const { stdout } = await run(
      'npx',
      [
        'buf',
        'curl',
        '--schema',
        'proto',
        '--protocol',
        'grpc',
        '--http2-prior-knowledge',
        '-H',
        `x-lab-session: ${session}`,
        '-d',
        '{"accountId":"456"}',
        `http://127.0.0.1:${port}/lab.bank.v1.AccountService/GetAccount`,
      ],
      { cwd: ROOT, timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toMatchObject({ account: { owner: 'Alan Turing' } });
    const events = await grpcEvents(lab, session);
    expect(events.find((e) => e.origin === 'terminal')?.summary).toMatch(/^grpc-go-connect\/[\d.]+: GetAccount over grpc$/);
    expect(events.find((e) => e.kind === 'message' && e.dir === 'in')?.detail?.fields).toMatchObject({
      protocol: 'grpc',
      codec: 'proto',
      envelope: true,
    });
  }, 60_000);
});

describe('the h2c listener', () => {
  it('a taken GRPC_PORT is one log line; the listener is skipped and the rest of the lab runs', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const other = await startLab({ grpcPort: taken });
    try {
      expect(errors.mock.calls.filter((c) => String(c[0]).includes(`gRPC (h2c) port ${taken}`))).toHaveLength(1);
      const info = (await (await fetch(`${other.base}/api/lab/info`)).json()) as {
        listeners: Record<string, { port: number | null }>;
      };
      expect(info.listeners.grpc?.port).toBeNull();
      const session = await other.newSession();
      const res = await other.postJson(GET_ACCOUNT, session, { accountId: '123' });
      expect(res.status).toBe(200);
      const mux = await other.postJson('/api/grpc/lab/multiplex', session, {});
      expect(mux.status).toBe(503);
    } finally {
      errors.mockRestore();
      await other.close();
      blocker.close();
    }
  });
});

describe('generated code', () => {
  it('is what `buf generate` makes from the .proto files today (regenerate: see proto/buf.gen.yaml)', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-buf-'));
    try {
      await run('npx', ['buf', 'generate', '-o', out], { cwd: path.join(ROOT, 'proto'), timeout: 120_000 });
      await run('npx', ['buf', 'generate', '-o', path.join(out, 'legacy')], {
        cwd: path.join(ROOT, 'proto/legacy'),
        timeout: 120_000,
      });
      const list = (dir: string): string[] =>
        fs
          .readdirSync(dir, { recursive: true, encoding: 'utf8' })
          .filter((f) => fs.statSync(path.join(dir, f)).isFile())
          .sort();
      const committed = path.join(ROOT, 'proto/gen');
      const fresh = path.join(out, 'gen');
      expect(list(fresh)).toEqual(list(committed));
      for (const file of list(fresh)) {
        expect(fs.readFileSync(path.join(committed, file), 'utf8'), `proto/gen/${file} is stale`).toBe(
          fs.readFileSync(path.join(fresh, file), 'utf8'),
        );
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 240_000);
});
