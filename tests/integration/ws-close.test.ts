/**
 * What the server's timeline says when a lab WebSocket closes, checked with a
 * real `ws` client: the code the server itself sent, not the 1006 that ws
 * reports when it stops reading after refusing a frame.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TimelineEvent } from '../../lib/timeline';
import { MAX_FRAME_BYTES } from '../../server/protocols/websocket/limits';
import { eventually, startLab, type TestLab } from './helpers';

let lab: TestLab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab.close();
});

async function serverClose(session: string, conn: string): Promise<TimelineEvent> {
  return eventually(
    async () => (await lab.events(session)).events.find((e) => e.origin === 'server' && e.kind === 'close' && e.conn === conn),
    `the server's close event for ${conn}`,
  );
}

describe("the server's close record", () => {
  it.each([
    ['/api/ws/echo', 'frames echo', MAX_FRAME_BYTES],
    ['/api/ws/chat', 'chat', MAX_FRAME_BYTES],
    ['/api/intro/echo', 'intro echo', 64 * 1024],
  ])('an oversized frame on %s (%s): the client sees 1009 and so does the timeline', async (path, _name, limit) => {
    const session = await lab.newSession();
    const conn = `big-${path.split('/').at(-1)}`;
    const client = await lab.socket(path, { session, query: { conn } });
    client.send('x'.repeat(limit + 1));
    expect((await client.waitForClose()).code).toBe(1009);
    const close = await serverClose(session, conn);
    expect(close.detail?.code).toBe(1009);
    expect(close.summary).toMatch(/^Closed with code 1009: the server refused a frame \(Max payload size exceeded\)/);
    expect(close.detail?.wasClean).toBe(true);
  });

  it('GraphQL subscriptions too: an oversized graphql-ws message is recorded as the 1009 the server sent', async () => {
    const session = await lab.newSession();
    const url = `${lab.wsBase}/graphql?session=${session}&conn=gql-big`;
    const ws = new WebSocket(url, 'graphql-transport-ws');
    await once(ws, 'open');
    ws.send('x'.repeat(64 * 1024 + 1));
    const [code] = (await once(ws, 'close')) as [number];
    expect(code).toBe(1009);
    const close = await serverClose(session, 'gql-big');
    expect(close.detail?.code).toBe(1009);
    expect(close.summary).toMatch(/^Closed with code 1009: the server refused a frame/);
  });

  it('a close the client starts is recorded with its code and reason', async () => {
    const session = await lab.newSession();
    const client = await lab.socket('/api/ws/echo', { session, query: { conn: 'polite' } });
    client.ws.close(1000, 'bye');
    expect((await client.waitForClose()).code).toBe(1000);
    const close = await serverClose(session, 'polite');
    expect(close.summary).toBe('Closed with code 1000 (bye)');
    expect(close.detail).toMatchObject({ code: 1000, reason: 'bye', wasClean: true });
  });

  it('a client that vanishes without a close frame is still 1006', async () => {
    const session = await lab.newSession();
    const client = await lab.socket('/api/ws/echo', { session, query: { conn: 'vanished' } });
    client.terminate();
    const close = await serverClose(session, 'vanished');
    expect(close.detail).toMatchObject({ code: 1006, wasClean: false });
  });
});
