import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvelopeSplitter } from '../../proto/envelope';
import { LogLevel } from '../../proto/gen/lab/bank/v1/bank_pb';
import { accountClient, type Dialect, grpcEvents } from './grpc-helpers';
import { eventually, startLab, type TestLab } from './helpers';

let lab: TestLab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
});

const DIALECTS: Dialect[] = ['connect', 'grpc-web', 'grpc'];

describe.each(DIALECTS)('AccountService over %s', (dialect) => {
  it('answers GetAccount from the session bank and taps the exact bytes of each message', async () => {
    const session = await lab.newSession();
    const { client, close } = await accountClient(lab, dialect, session);
    try {
      const { account } = await client.getAccount({ accountId: '123' });
      expect(account).toMatchObject({ id: '123', owner: 'Ada Lovelace', balance: { cents: 100_000n, currency: 'EUR' } });
      expect(account?.cards.map((c) => c.last4)).toEqual(['4242']);
    } finally {
      close();
    }
    const events = await eventually(async () => {
      const all = await grpcEvents(lab, session);
      return all.some((e) => e.kind === 'response') && all;
    }, 'the response event');
    const request = events.find((e) => e.kind === 'request' && e.origin === 'server');
    expect(request?.detail?.fields).toMatchObject({
      protocol: dialect,
      rpc: 'lab.bank.v1.AccountService/GetAccount',
      kind: 'unary',
    });
    expect(request?.detail?.fields?.http).toBe(dialect === 'grpc' ? '2.0' : '1.1');
    const messages = events.filter((e) => e.kind === 'message');
    expect(messages.map((m) => m.dir)).toEqual(['in', 'out']);
    for (const m of messages) {
      const raw = Buffer.from(m.detail?.raw ?? '', 'base64');
      expect(raw.length).toBe(m.bytes);
      if (dialect === 'connect') {
        // Connect unary: the body is the message, no envelope.
        expect(m.detail?.fields?.envelope).toBe(false);
      } else {
        // flags 0, then a big-endian length that covers exactly the rest.
        expect(raw[0]).toBe(0);
        expect(raw.readUInt32BE(1)).toBe(raw.length - 5);
      }
    }
    const response = events.find((e) => e.kind === 'response');
    expect(response?.detail?.code).toBe('ok');
    // The lab's own test client sends a trace id: no terminal event.
    expect(events.some((e) => e.origin === 'terminal')).toBe(false);
  });

  it('streams transactions from a cursor with contiguous sequence numbers, more than the seed holds', async () => {
    const session = await lab.newSession();
    const { client, close } = await accountClient(lab, dialect, session);
    try {
      const seen: number[] = [];
      for await (const { transaction } of client.streamTransactions({ accountId: '123', afterSequence: 2n, limit: 6 })) {
        seen.push(Number(transaction?.sequence));
      }
      expect(seen).toEqual([3, 4, 5, 6, 7, 8]);
      // The same cursor again gives the same rows: generated history is stored, not invented per call.
      const again: string[] = [];
      for await (const { transaction } of client.streamTransactions({ accountId: '123', afterSequence: 2n, limit: 6 })) {
        again.push(transaction?.id ?? '');
      }
      expect(again[0]).toBe('t-3');
      expect(again).toHaveLength(6);
    } finally {
      close();
    }
    const events = await grpcEvents(lab, session);
    const endFrames = events.filter((e) => e.kind === 'frame');
    if (dialect === 'grpc')
      expect(endFrames).toHaveLength(0); // status in HTTP/2 trailers
    else expect(endFrames.length).toBeGreaterThanOrEqual(2); // status in a last frame, one per call
  });

  it('maps errors to proper codes with a readable message', async () => {
    const session = await lab.newSession();
    const { client, close } = await accountClient(lab, dialect, session);
    try {
      await expect(client.getAccount({ accountId: '999' })).rejects.toMatchObject({
        code: Code.NotFound,
        rawMessage: expect.stringContaining('123 and 456'),
      });
      await expect(client.getAccount({ accountId: '' })).rejects.toMatchObject({ code: Code.InvalidArgument });
      const stream = client.streamTransactions({ accountId: '123', limit: 100_000 });
      await expect(
        (async () => {
          for await (const _ of stream) {
            /* drain */
          }
        })(),
      ).rejects.toMatchObject({ code: Code.InvalidArgument });
    } finally {
      close();
    }
  });
});

describe('client and bidirectional streaming (native gRPC)', () => {
  it('UploadLogs summarises every line it was sent', async () => {
    const session = await lab.newSession();
    const { client, close } = await accountClient(lab, 'grpc', session);
    try {
      async function* lines() {
        yield { level: LogLevel.WARN, text: 'disk 91% full' };
        yield { level: LogLevel.INFO, text: 'ok' };
        yield { level: LogLevel.WARN, text: 'slow' };
      }
      const summary = await client.uploadLogs(lines());
      expect(summary.lines).toBe(3);
      expect(summary.bytes).toBe(BigInt('disk 91% full'.length + 2 + 4));
      expect(summary.byLevel).toEqual({ LOG_LEVEL_WARN: 2, LOG_LEVEL_INFO: 1 });
    } finally {
      close();
    }
    const inbound = (await grpcEvents(lab, session)).filter((e) => e.kind === 'message' && e.dir === 'in');
    expect(inbound).toHaveLength(3);
  });

  it('LiveSupport greets first, then answers each message as it arrives', async () => {
    const session = await lab.newSession();
    const { client, close } = await accountClient(lab, 'grpc', session);
    try {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      async function* messages() {
        await gate; // nothing is sent until the greeting has arrived: the server spoke first
        yield { text: 'what is my balance?' };
        yield { text: 'thanks' };
      }
      const replies: string[] = [];
      for await (const reply of client.liveSupport(messages())) {
        replies.push(`${reply.from}: ${reply.text}`);
        if (replies.length === 1) release();
      }
      expect(replies[0]).toMatch(/^system: /);
      expect(replies[1]).toBe('agent: Account 123 holds 1000.00 EUR.');
      expect(replies[2]).toMatch(/^agent: Thanks/);
    } finally {
      close();
    }
  });

  it('the lab runs both on the student\u2019s behalf through its session routes', async () => {
    const session = await lab.newSession();
    const upload = await (
      await lab.postJson('/api/grpc/lab/upload-logs', session, { lines: ['WARN a', 'ERROR b'], gapMs: 0 })
    ).json();
    expect(upload).toMatchObject({ code: 'ok', summary: { lines: 2, byLevel: { LOG_LEVEL_WARN: 1, LOG_LEVEL_ERROR: 1 } } });
    const chat = (await (await lab.postJson('/api/grpc/lab/live-support', session, { messages: ['hi'], gapMs: 0 })).json()) as {
      code: string;
      transcript: { dir: string; text: string }[];
    };
    expect(chat.code).toBe('ok');
    expect(chat.transcript.map((l) => l.dir)).toEqual(['received', 'sent', 'received']);
    const bad = await lab.postJson('/api/grpc/lab/live-support', session, { messages: 'hi' });
    expect(bad.status).toBe(400);
  });
});

describe('HTTP/2 multiplexing vs HTTP/1.1', () => {
  it('runs three calls as streams 1, 3, 5 on one connection; over HTTP/1.1 the slow one holds up the rest', async () => {
    const session = await lab.newSession();
    const res = await lab.postJson('/api/grpc/lab/multiplex', session, {});
    expect(res.status).toBe(200);
    type Call = {
      name: string;
      streamId: number | null;
      endedAt: number;
      headersAt: number;
      sequences: number[];
      status: string;
    };
    const { http2, http1 } = (await res.json()) as {
      http2: { connections: number[]; calls: Call[] };
      http1: { connections: number[]; calls: Call[] };
    };
    expect(http2.connections).toHaveLength(1);
    expect(http2.calls.map((c) => c.streamId).sort()).toEqual([1, 3, 5]);
    const by = (calls: Call[], name: string) => calls.find((c) => c.name === name) as Call;
    for (const run of [http2, http1]) for (const c of run.calls) expect(c).toMatchObject({ status: 'ok', sequences: [1, 2, 3] });
    // HTTP/2: the quick calls finish while the slow one is still streaming.
    expect(by(http2.calls, 'quick-a').endedAt).toBeLessThan(by(http2.calls, 'slow').endedAt);
    expect(by(http2.calls, 'quick-b').endedAt).toBeLessThan(by(http2.calls, 'slow').endedAt);
    // HTTP/1.1, one connection: the quick calls don't even get their headers until the slow one is done.
    expect(http1.connections).toHaveLength(1);
    expect(by(http1.calls, 'quick-a').headersAt).toBeGreaterThanOrEqual(by(http1.calls, 'slow').endedAt);
    expect(by(http1.calls, 'quick-b').headersAt).toBeGreaterThanOrEqual(by(http1.calls, 'slow').endedAt);
    // Both sides of each stream share a lane: the client's frames and the server's events carry the stream id.
    const events = await grpcEvents(lab, session);
    const conn = events.find((e) => e.summary.startsWith('lab HTTP/2 client'))?.conn;
    const serverSide = events.filter((e) => e.origin === 'server' && e.kind === 'request' && e.conn === conn);
    expect(serverSide.map((e) => e.stream).sort()).toEqual(['h2-stream-1', 'h2-stream-3', 'h2-stream-5']);
  });
});

describe('Connect GET for the NO_SIDE_EFFECTS method', () => {
  it('serves GetMerchant over GET with a Cache-Control header; GetAccount (POST only) refuses GET', async () => {
    const session = await lab.newSession();
    const message = Buffer.from(JSON.stringify({ merchantId: 'm-coffee' })).toString();
    const get = await lab.request(
      `/api/grpc/lab.bank.v1.AccountService/GetMerchant?connect=v1&encoding=json&message=${encodeURIComponent(message)}`,
      { session },
    );
    expect(get.status).toBe(200);
    expect(get.headers.get('cache-control')).toBe('private, max-age=60');
    expect(await get.json()).toEqual({ merchant: { id: 'm-coffee', name: 'Corner Coffee', category: 'food' } });
    const refused = await lab.request(
      `/api/grpc/lab.bank.v1.AccountService/GetAccount?connect=v1&encoding=json&message=${encodeURIComponent('{"accountId":"123"}')}`,
      { session },
    );
    expect(refused.status).toBe(405);
    const post = await lab.request('/api/grpc/lab.bank.v1.AccountService/GetMerchant', {
      session,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: message,
    });
    expect(post.headers.get('cache-control')).toBeNull();
  });
});

describe('envelopes on the wire', () => {
  it('a Connect streaming response is a sequence of enveloped messages ending with an end-of-stream frame', async () => {
    const session = await lab.newSession();
    const body = Buffer.from('{"accountId":"456","limit":2}');
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
    const res = await lab.request('/api/grpc/lab.bank.v1.AccountService/StreamTransactions', {
      session,
      method: 'POST',
      headers: { 'content-type': 'application/connect+json' },
      body: framed,
    });
    const frames = new EnvelopeSplitter().push(new Uint8Array(await res.arrayBuffer()));
    expect(frames.map((f) => f.flags)).toEqual([0, 0, 2]);
    expect(JSON.parse(new TextDecoder().decode(frames[2]?.data))).toEqual({});
  });

  it('a ConnectError from a handler keeps its code across the wire', () => {
    expect(new ConnectError('x', Code.NotFound).code).toBe(Code.NotFound);
  });
});
