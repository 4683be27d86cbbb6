/**
 * The export: the shared table is generated once, streamed from a cursor
 * (NDJSON or CSV) with backpressure, or buffered; memory samples reach the
 * timeline; a client that goes away closes the cursor.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { eventually, startLab, type TestLab } from './helpers';

let lab: TestLab;
let session: string;
beforeAll(async () => {
  lab = await startLab();
  session = await lab.newSession();
  // The first export generates the shared million rows (a few seconds on a busy machine).
  const res = await lab.request('/api/stream/export?rows=1&conn=warm-up', { session });
  await res.text();
}, 120_000);
afterAll(() => lab.close());

const connEvents = async (s: string, conn: string) => (await lab.events(s)).events.filter((e) => e.conn === conn);
const closeOf = (s: string, conn: string) =>
  eventually(
    async () => (await connEvents(s, conn)).find((e) => e.origin === 'server' && e.kind === 'close'),
    `${conn} closed`,
    30_000,
  );

describe('export', () => {
  it('generated the shared table once and said how long it took', async () => {
    const events = await connEvents(session, 'warm-up');
    const generated = events.find((e) => /generated 1,000,000 rows in \d+ ms/.test(e.summary));
    expect(generated?.detail?.fields?.generatedMs).toEqual(expect.any(Number));
    // A second session reuses it.
    const other = await lab.newSession();
    await (await lab.request('/api/stream/export?rows=1&conn=again', { session: other })).text();
    expect((await connEvents(other, 'again')).some((e) => /generat/.test(e.summary))).toBe(false);
  });

  it('streams NDJSON rows without a Content-Length, and records one db query for the cursor', async () => {
    const res = await lab.request('/api/stream/export?format=ndjson&rows=5000&conn=nd', { session });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-length')).toBeNull();
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(5000);
    expect(JSON.parse(lines[0] as string)).toEqual({
      id: 1,
      created_at: '2026-01-01T00:00:31Z',
      account: 'acc-101',
      merchant: 'm-11',
      amount_cents: -(7919 % 20000) - 50,
    });
    expect(JSON.parse(lines[4999] as string).id).toBe(5000);
    await closeOf(session, 'nd');
    const queries = (await connEvents(session, 'nd')).filter((e) => e.origin === 'db');
    expect(queries).toHaveLength(1);
    expect(queries[0]?.detail).toMatchObject({ rows: 5000, params: [5000], fields: { closedEarly: false } });
  });

  it('buffers CSV into one body with a Content-Length', async () => {
    const res = await lab.request('/api/stream/export?format=csv&mode=buffer&rows=3000&conn=csv', { session });
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await res.text();
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('id,created_at,account,merchant,amount_cents');
    expect(lines).toHaveLength(3001);
  });

  it('samples server memory onto the timeline during both variants', async () => {
    const peakHeld: Record<string, number> = {};
    for (const mode of ['stream', 'buffer']) {
      const body = await (await lab.request(`/api/stream/export?mode=${mode}&rows=200000&conn=mem-${mode}`, { session })).text();
      const closed = await closeOf(session, `mem-${mode}`);
      expect(closed.detail?.fields?.bytes).toBe(Buffer.byteLength(body));
      const samples = (await connEvents(session, `mem-${mode}`)).filter((e) => e.detail?.fields?.sample === 'memory');
      expect(samples.length, mode).toBeGreaterThan(0);
      expect(samples.at(-1)?.detail?.fields).toMatchObject({
        rows: 200000,
        heldBytes: expect.any(Number),
        rssMb: expect.any(Number),
        heapDeltaMb: expect.any(Number),
      });
      peakHeld[mode] = Number(closed.detail?.fields?.peakHeldBytes);
    }
    // What the export itself held: the whole ~22 MB body when buffered, the socket's queue when streamed.
    const body = Number((await closeOf(session, 'mem-buffer')).detail?.fields?.bytes);
    expect(peakHeld.buffer).toBeGreaterThanOrEqual(body);
    expect(peakHeld.stream).toBeLessThan(2 * 1024 * 1024);
  }, 60_000);

  it('a client that goes away mid-export closes the cursor', async () => {
    const controller = new AbortController();
    const res = await lab.request('/api/stream/export?rows=1000000&conn=gone', { session, signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let bytes = 0;
    while (bytes < 200_000) bytes += (await reader.read()).value?.length ?? 0;
    controller.abort();
    const closed = await closeOf(session, 'gone');
    expect(closed.detail?.fields?.ending).toBe('cancelled');
    const query = await eventually(
      async () => (await connEvents(session, 'gone')).find((e) => e.origin === 'db'),
      'the cursor query event',
    );
    expect(query.detail?.fields?.closedEarly).toBe(true);
    expect(query.detail?.rows).toBeLessThan(1_000_000);
    // Nothing is sampled or read after the close.
    const before = (await connEvents(session, 'gone')).length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await connEvents(session, 'gone')).length).toBe(before);
  }, 30_000);

  it('a reader that stops reading makes the cursor wait for drain (backpressure), not buffer everything', async () => {
    const url = new URL('/api/stream/export?rows=1000000&conn=slow', lab.base);
    const req = http.get(url, { headers: { 'x-lab-session': session } });
    const res = await new Promise<http.IncomingMessage>((resolve) => req.once('response', resolve));
    res.pause(); // read nothing for a while: the socket's buffers fill up
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const samples = (await connEvents(session, 'slow')).filter((e) => e.detail?.fields?.sample === 'memory');
    const last = samples.at(-1) as TimelineEvent;
    // Far fewer than a million rows were read: the loop is parked on 'drain'.
    expect(Number(last.detail?.fields?.rows)).toBeLessThan(200_000);
    req.destroy();
    const closed = await closeOf(session, 'slow');
    expect(Number(closed.detail?.fields?.drainWaits)).toBeGreaterThan(0);
  }, 30_000);

  it('a reader that keeps up does not hold the event loop: memory samples arrive while the rows go out', async () => {
    // curl, in its own process, reads as fast as the kernel delivers: every write is taken at once and
    // 'drain' follows in the same turn. The export must still go back to the event loop between batches,
    // or timers (the 200 ms memory samples) and other sessions' requests wait until the last row.
    const curl = spawn('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-H',
      `x-lab-session: ${session}`,
      `${lab.base}/api/stream/export?rows=1000000&conn=fast`,
    ]);
    const [code] = (await once(curl, 'exit')) as [number];
    expect(code).toBe(0);
    await closeOf(session, 'fast');
    const events = await connEvents(session, 'fast');
    const lastRow = events.find((e) => /^last row read/.test(e.summary)) as TimelineEvent;
    const during = events.filter(
      (e) => e.detail?.fields?.sample === 'memory' && e !== lastRow && Number(e.at) < Number(lastRow.at),
    );
    expect(during.length).toBeGreaterThanOrEqual(2);
    // Rows kept arriving between samples: the samples were taken mid-export, not queued to its end.
    const rowsSeen = during.map((e) => Number(e.detail?.fields?.rows));
    expect(new Set(rowsSeen).size).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('bad parameters and other sessions', async () => {
    for (const query of ['format=xml', 'mode=later', 'rows=0', 'rows=1000001', 'rows=-3']) {
      const res = await lab.request(`/api/stream/export?${query}`, { session });
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { title: string }).title).toMatch(/^Bad /);
    }
    // Another session's timeline never sees this session's exports.
    const other = await lab.newSession();
    expect((await lab.events(other)).events.some((e) => e.protocol === 'streaming')).toBe(false);
  });
});
