import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startLab, type TestLab, type WsClient } from './helpers';
import { refusedUpgrade } from './ws-client';

const TWO_MB = 2 * 1024 * 1024;

let lab: TestLab;
/** The bystander: a session with data and a live socket that the abuse must not touch. */
let bystander: string;
let bystanderEcho: WsClient;
let bystanderSeqBefore: number;
/** The session sending malformed requests. */
let attacker: string;

beforeAll(async () => {
  lab = await startLab();
  bystander = await lab.newSession();
  attacker = await lab.newSession();
  bystanderEcho = await lab.socket('/api/intro/echo', { session: bystander });
  await lab.touchAccount(bystander);
  bystanderSeqBefore = (await lab.events(bystander)).lastSeq;
});
afterAll(() => lab.close());

const postFaults = (body: BodyInit, contentType?: string) =>
  lab.request('/api/lab/faults', {
    method: 'POST',
    session: attacker,
    headers: contentType ? { 'content-type': contentType } : {},
    body,
  });

/** Sends raw bytes on a fresh TCP connection and returns whatever came back before the server closed it. */
function rawExchange(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(lab.port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

describe('a batch of malformed requests', () => {
  it('malformed JSON → 400 that quotes the parser', async () => {
    const problem = await expectProblem(await postFaults('{"action": "drop",', 'application/json'), 400, 'Malformed JSON');
    expect(problem.detail).toContain('could not be parsed as JSON');
  });

  it('JSON that is not an object (array, string, null) → 400 listing the valid actions', async () => {
    for (const body of ['[]', '"drop"', 'null', '42']) {
      const problem = await expectProblem(await postFaults(body, 'application/json'), 400, 'Unknown fault action');
      expect(problem.validActions).toEqual(['drop', 'latency', 'clear']);
    }
  });

  it('an empty JSON body → 400', async () => {
    await expectProblem(await postFaults('', 'application/json'), 400, 'Empty body');
  });

  it('the wrong content type → 415 saying to send application/json', async () => {
    const problem = await expectProblem(await postFaults('action=clear', 'application/x-www-form-urlencoded'), 415);
    expect(problem.detail).toContain('application/json');
    await expectProblem(await postFaults('{"action":"clear"}', 'text/plain'), 415);
    await expectProblem(await postFaults(new Uint8Array([123, 125])), 415);
  });

  it('a nonsense Content-Type header → 415 that echoes what was sent', async () => {
    const problem = await expectProblem(await postFaults('{}', 'not a media type'), 415, 'Expected JSON');
    expect(problem.detail).toContain('(got "not a media type")');
  });

  it('a 2 MB body → 413 naming the limit (session and public endpoints alike)', async () => {
    const body = 'x'.repeat(TWO_MB);
    const problem = await expectProblem(await postFaults(body, 'application/json'), 413, 'Body too large');
    expect(problem.limit).toBe(1024 * 1024);
    await expectProblem(await lab.request('/api/lab/sessions', { method: 'POST', body }), 413);
  });

  it('a 2 MB body streamed without Content-Length → 413, and the keep-alive connection is not left hanging', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, chunks = 0) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: lab.port, path, method, agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.setTimeout(5_000, () => req.destroy(new Error(`no answer to ${method} ${path} within 5 s`)));
        let sent = 0;
        const pump = () => {
          while (sent < chunks) {
            sent++;
            if (!req.write(Buffer.alloc(64 * 1024, 'x'))) {
              req.once('drain', pump);
              return;
            }
          }
          req.end();
        };
        pump();
      });
    try {
      const big = await send('POST', '/api/lab/sessions', TWO_MB / (64 * 1024));
      expect(big.status).toBe(413);
      // Same agent, one socket: this request must not queue behind the unread upload forever.
      const next = await send('GET', '/api/lab/info');
      expect(next.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('an unknown route under /api/ → 404 JSON pointing at /api/lab/info', async () => {
    const problem = await expectProblem(await lab.request('/api/lab/does-not-exist', { session: attacker }), 404);
    expect(problem.detail).toContain('/api/lab/info');
    await expectProblem(await lab.request('/api/%E0%A4%A'), 404);
    await expectProblem(await lab.request('/api/../../etc/passwd'), 404);
  });

  it('a known path with the wrong method → 405 with an Allow header', async () => {
    const res = await lab.request('/api/lab/info', { method: 'DELETE' });
    const problem = await expectProblem(res, 405, 'Method not allowed');
    expect(res.headers.get('allow')).toBe('GET');
    expect(problem.allow).toEqual(['GET']);
    const put = await lab.request('/api/lab/sessions', { method: 'PUT', session: attacker });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST');
    // Several methods: all of them, in a fixed order.
    const del = await lab.request('/api/lab/faults', { method: 'DELETE', session: attacker });
    expect(del.headers.get('allow')).toBe('GET, POST');
  });

  it('an unknown session → 401', async () => {
    await expectProblem(await lab.request('/api/intro/accounts/123', { session: crypto.randomUUID() }), 401, 'No lab session');
  });

  it('a bad ?after= on the events export → 400', async () => {
    for (const after of ['-1', '1.5', 'abc']) {
      await expectProblem(await lab.request(`/api/lab/sessions/${attacker}/events?after=${after}`, { session: attacker }), 400);
    }
  });

  it('SQL in an account id is just an id that does not exist → 404', async () => {
    const id = encodeURIComponent("123' OR '1'='1");
    await expectProblem(await lab.request(`/api/intro/accounts/${id}`, { session: attacker }), 404, 'No such account');
  });

  it('a WebSocket upgrade to a garbage path → 404 problem+json', async () => {
    for (const path of ['/api/no/such/socket', '/not-even-api', '/api/intro/echo/extra']) {
      const refused = await refusedUpgrade(`${lab.wsBase}${path}?session=${attacker}`);
      expect(refused.status).toBe(404);
      expect(refused.contentType).toMatch(/^application\/problem\+json/);
    }
  });

  it('an echo message over the 64 KiB limit closes that socket with 1009', async () => {
    const echo = await lab.socket('/api/intro/echo', { session: attacker });
    echo.send('x'.repeat(64 * 1024 + 1));
    expect((await echo.waitForClose()).code).toBe(1009);
  });

  it('a lab-channel message over 1 KiB closes the channel with 1009', async () => {
    const channel = await lab.channel(attacker);
    channel.send(JSON.stringify({ type: 'ping', sentAt: 1, padding: 'x'.repeat(2048) }));
    expect((await channel.waitForClose()).code).toBe(1009);
  });

  it('bytes that are not HTTP → 400 and the connection is closed', async () => {
    expect(await rawExchange('GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(await rawExchange('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03')).toMatch(/^HTTP\/1\.1 400/);
  });

  it('a client that hangs up mid-body does not take anything down', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(lab.port, '127.0.0.1', () => {
        socket.end(
          `POST /api/lab/faults HTTP/1.1\r\nHost: x\r\nX-Lab-Session: ${attacker}\r\n` +
            'Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"action":',
        );
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
  });
});

describe('after the abuse', () => {
  it('the server still answers', async () => {
    const res = await lab.request('/api/lab/info');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'api-patterns-lab' });
    expect(await lab.newSession()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("the bystander's data, log and socket are untouched", async () => {
    expect(bystanderEcho.isOpen).toBe(true);
    bystanderEcho.send('are you ok?');
    await bystanderEcho.waitFor((m) => m.includes('are you ok?'), 'the echo of "are you ok?"');

    const account = await lab.request('/api/intro/accounts/123', { session: bystander, headers: { 'x-lab-trace': 'bystander' } });
    expect(await account.json()).toMatchObject({ owner: 'Ada Lovelace', balance: 1000 });

    // Only the bystander's own activity is on its log: the echo (2 messages) and the account read (4).
    const { events } = await lab.events(bystander);
    const since = events.filter((e) => (e.seq ?? 0) > bystanderSeqBefore);
    expect(since.map((e) => `${e.kind}:${e.dir ?? ''}`)).toEqual([
      'message:in',
      'message:out',
      'request:in',
      'query:',
      'query:',
      'response:out',
    ]);
    expect(lab.server.lab.faults.get(bystander).latencyMs).toBe(0);
  });
});
