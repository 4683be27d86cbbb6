/**
 * The token stream: chunks arrive as they are generated, the complete
 * variant sends one body at the end, and cancelling stops generation on the
 * server (abort propagates through the closed connection).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../components/lab/clients/stream';
import { fullText } from '../../server/protocols/streaming/generator';
import { eventually, startLab, type TestLab } from './helpers';

let lab: TestLab;
let session: string;
beforeAll(async () => {
  lab = await startLab();
  session = await lab.newSession();
});
afterAll(() => lab.close());

const streamingEvents = async (conn: string) => (await lab.events(session)).events.filter((e) => e.conn === conn);

describe('token stream', () => {
  it('streams tokens one chunk at a time, first one long before the last', async () => {
    const started = performance.now();
    const res = await lab.request('/api/stream/tokens?mode=stream&tokens=20&pace=30&think=50&conn=t-stream', { session });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('content-length')).toBeNull();
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    let firstAt: number | undefined;
    let chunks = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      firstAt ??= performance.now();
      chunks += 1;
      text += decoder.decode(value, { stream: true });
    }
    const doneAt = performance.now();
    expect(text).toBe(fullText(20));
    expect(chunks).toBeGreaterThan(5);
    // 19 more tokens at ~30 ms each come after the first: the first arrives well before the end.
    expect(doneAt - (firstAt as number)).toBeGreaterThan(200);
    expect((firstAt as number) - started).toBeLessThan(doneAt - started);
    const events = await eventually(async () => {
      const e = await streamingEvents('t-stream');
      return e.some((x) => x.kind === 'close') && e;
    }, 'the close event');
    expect(events.filter((e) => e.kind === 'frame')).toHaveLength(20);
    expect(events.find((e) => e.kind === 'close')?.detail?.fields).toMatchObject({ ending: 'completed', generated: 20 });
  });

  it('the complete variant sends one body with a Content-Length after the last token', async () => {
    const res = await lab.request('/api/stream/tokens?mode=complete&tokens=10&pace=10&think=0&conn=t-complete', { session });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(fullText(10)));
    expect(await res.text()).toBe(fullText(10));
  });

  it('cancelling the read stops generation on the server', async () => {
    const controller = new AbortController();
    const res = await lab.request('/api/stream/tokens?mode=stream&tokens=200&pace=20&think=0&conn=t-cancel', {
      session,
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received < 3) {
      const { value } = await reader.read();
      received += value ? 1 : 0;
    }
    controller.abort();
    const closed = await eventually(async () => (await streamingEvents('t-cancel')).find((e) => e.kind === 'close'), 'the close');
    expect(closed.detail?.fields?.ending).toBe('cancelled');
    const generatedAtClose = Number(closed.detail?.fields?.generated);
    expect(generatedAtClose).toBeLessThan(20);
    // Wait as long as ten more tokens would take: nothing more is generated.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = await streamingEvents('t-cancel');
    expect(events.filter((e) => e.kind === 'frame').length).toBeLessThanOrEqual(generatedAtClose);
    expect(events.some((e) => e.kind === 'note' && /generation stopped after \d+ of 200/.test(e.summary))).toBe(true);
  });

  it('a stream drop destroys the socket mid-answer', async () => {
    const res = await lab.request('/api/stream/tokens?mode=stream&tokens=200&pace=20&think=0&conn=t-drop', { session });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const drop = await lab.postJson('/api/lab/faults', session, { action: 'drop', target: 'stream' });
    expect(await drop.json()).toEqual({ dropped: 1 });
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return 'ended cleanly';
      })(),
    ).rejects.toThrow();
    const closed = await eventually(async () => (await streamingEvents('t-drop')).find((e) => e.kind === 'close'), 'the close');
    expect(closed.detail?.fields?.ending).toBe('dropped');
  });

  it('bad parameters get a problem document', async () => {
    for (const query of ['mode=later', 'tokens=0', 'tokens=abc', 'pace=-5', 'think=99999']) {
      const res = await lab.request(`/api/stream/tokens?${query}`, { session });
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/must be/);
    }
    expect((await lab.request('/api/stream/tokens')).status).toBe(401);
  });
});

describe('the page\u2019s progress lines for a token stream', () => {
  it('show bytes below 1 KB: a whole token answer is not "0 KB"', async () => {
    const res = await lab.request('/api/stream/tokens?tokens=26&pace=0', { session });
    const answer = Buffer.byteLength(await res.text());
    expect(answer).toBeLessThan(1024);
    expect(formatBytes(answer)).toBe(`${answer} bytes`);
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1024)).toBe('1 KB');
    expect(formatBytes(37_900)).toBe('37 KB');
    expect(formatBytes(4.2 * 1024 * 1024)).toBe('4.2 MB');
  });
});
