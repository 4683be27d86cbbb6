import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { now } from '../../lib/clock';
import { BODY_PREVIEW_LIMIT, type EventInput } from '../../lib/timeline';
import type { Lab } from '../lab';
import { type EventDescriber, EventLog } from '../lab/event-log';
import { TappedResponse, tapExchange } from './tap';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A real server with TappedResponse; `respond` answers each request, recorded unless `tap` is false. */
async function serve(respond: (res: ServerResponse) => void, tap = true, requestBody = Buffer.alloc(0)) {
  const log = new EventLog(100);
  const lab = {
    record: (session: string, event: EventInput) => log.record(session, event),
    defer: <Part>(session: string, describer: EventDescriber<Part>, part: Part, at?: number) =>
      log.defer(session, describer, part, at),
  } as unknown as Lab;
  const recorded = () => log.after('session', 0).events;
  server = createServer({ ServerResponse: TappedResponse }, (req: IncomingMessage, res: ServerResponse) => {
    if (tap) tapExchange(lab, 'session', 'rest', req, res).request(req, requestBody, now());
    respond(res);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'x-lab-trace': 'trace-1' } });
    const body = Buffer.from(await res.arrayBuffer());
    // 'finish' fires once the last byte is handed to the socket: wait for the response event.
    for (let i = 0; i < 50 && !recorded().some((e) => e.kind === 'response'); i++) await new Promise((r) => setTimeout(r, 10));
    return {
      res,
      body,
      response: recorded().find((e) => e.kind === 'response'),
      request: recorded().find((e) => e.kind === 'request'),
    };
  };
  return { get, recorded };
}

describe('the HTTP tap (TappedResponse)', () => {
  it('records the request and the response: status line, headers given to writeHead, body and size', async () => {
    const { get } = await serve((res) => {
      res.setHeader('x-set-before', 'yes');
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-From-WriteHead': '1' });
      res.end('{"ok":true}');
    });
    const { res, request, response } = await get('/api/things?x=1');
    expect(res.status).toBe(201);
    expect(request).toMatchObject({
      kind: 'request',
      origin: 'server',
      stream: 'trace-1',
      detail: { method: 'GET', url: '/api/things?x=1' },
    });
    expect(request?.detail?.headers?.['x-lab-trace']).toBe('trace-1');
    expect(response).toMatchObject({ kind: 'response', dir: 'out', bytes: 11, stream: 'trace-1' });
    expect(response?.detail).toMatchObject({ status: 201, statusText: 'Created', body: '{"ok":true}', bodyTruncated: false });
    // Exactly the header block Node sent, including what Node itself added (Date, Connection).
    expect(response?.detail?.headers).toMatchObject({
      'x-set-before': 'yes',
      'content-type': 'application/json',
      'x-from-writehead': '1',
      date: expect.any(String),
      connection: 'keep-alive',
    });
  });

  it('counts every byte of a large body written in string and Buffer chunks, and keeps only the preview', async () => {
    const chunk = 'a'.repeat(3000);
    const { get } = await serve((res) => {
      res.setHeader('content-type', 'text/plain');
      res.write(chunk);
      res.write(Buffer.from('b'.repeat(3000)));
      res.end(chunk);
    });
    const { body, response } = await get('/big');
    expect(body.length).toBe(9000);
    expect(response?.bytes).toBe(9000);
    expect(response?.detail?.bodyTruncated).toBe(true);
    expect(response?.detail?.body).toBe('a'.repeat(3000) + 'b'.repeat(BODY_PREVIEW_LIMIT - 3000));
  });

  it('shows a binary body as its size, not as text', async () => {
    const { get } = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from([0, 1, 2, 3]));
    });
    expect((await get('/bin')).response?.detail?.body).toBe('<4 bytes>');
  });

  it('reads the content type from setHeader as well as from writeHead', async () => {
    const { get } = await serve((res) => {
      res.setHeader('content-type', 'image/png');
      res.end(Buffer.from([137, 80, 78, 71]));
    });
    expect((await get('/png')).response?.detail?.body).toBe('<4 bytes>');
  });

  it('keeps a preview of the request body, not the body: whole characters, flagged as cut', async () => {
    const body = Buffer.from(`"${'é'.repeat(10_000)}"`);
    const { get } = await serve((res) => res.end(), true, body);
    const { request } = await get('/upload');
    expect(request?.bytes).toBe(body.length);
    expect(request?.detail?.body).toBe(`"${'é'.repeat(BODY_PREVIEW_LIMIT - 1)}`);
    expect(request?.detail?.bodyTruncated).toBe(true);
  });

  it('repeated exchanges share their records but keep their own times and durations', async () => {
    let wait = 0;
    const { get, recorded } = await serve((res) => {
      setTimeout(() => res.end('{"same":true}'), wait);
      wait += 60;
    });
    for (let i = 0; i < 3; i++) await get('/api/same');
    // `get` waits for the first response event only: wait for all three.
    for (let i = 0; i < 50 && recorded().filter((e) => e.kind === 'response').length < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const responses = recorded().filter((e) => e.kind === 'response');
    expect(responses.map((e) => e.detail?.body)).toEqual(['{"same":true}', '{"same":true}', '{"same":true}']);
    const durations = responses.map((e) => e.detail?.durationMs as number);
    expect(durations[1]).toBeGreaterThanOrEqual(55);
    expect(durations[2]).toBeGreaterThanOrEqual(115);
    expect(new Set(responses.map((e) => e.seq)).size).toBe(3);
    for (const [i, e] of responses.entries()) expect(e.summary).toBe(`200 OK ← GET /api/same (${durations[i]?.toFixed(1)} ms)`);
  });

  it('leaves responses it is not recording alone', async () => {
    const { get, recorded } = await serve((res) => res.end('plain'), false);
    expect((await get('/page')).body.toString()).toBe('plain');
    expect(recorded()).toEqual([]);
  });
});
