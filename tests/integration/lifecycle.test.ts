import { describe, expect, it } from 'vitest';
import { startLab } from './helpers';

describe('lab server lifecycle', () => {
  it('a second lab server in the same process accepts echo sockets after the first one closed', async () => {
    // Regression: the echo endpoint used one module-level WebSocketServer, and a
    // closed WebSocketServer answers every later upgrade with 503.
    const first = await startLab();
    const one = await first.socket('/api/intro/echo', { session: await first.newSession() });
    expect(one.isOpen).toBe(true);
    await first.close();

    const second = await startLab();
    try {
      const two = await second.socket('/api/intro/echo', { session: await second.newSession() });
      two.send('second life');
      await two.waitFor((m) => m.includes('second life'), 'an echo from the second server');
    } finally {
      await second.close();
    }
  });

  it('close() says goodbye on every socket: 1001 for the lab channel and echo sockets', async () => {
    const lab = await startLab();
    const session = await lab.newSession();
    const channel = await lab.channel(session);
    const echo = await lab.socket('/api/intro/echo', { session });
    await lab.server.close();
    expect((await channel.waitForClose()).code).toBe(1001);
    // Echo sockets are registered as droppable connections, and close() drops them
    // (TCP reset) before the polite 1001 could be sent: either is a clean shutdown for the client.
    expect([1001, 1006]).toContain((await echo.waitForClose()).code);
  });

  it('/api/lab/info describes the running server', async () => {
    const lab = await startLab();
    try {
      const info = await (await lab.request('/api/lab/info')).json();
      expect(info).toMatchObject({
        name: 'api-patterns-lab',
        httpUrl: lab.base,
        websockets: { labChannel: '/api/lab/channel', echo: '/api/intro/echo', graphql: '/graphql', mqtt: '/api/mqtt' },
        session: { cookie: 'lab_session', header: 'x-lab-session', query: 'session' },
      });
      expect(info.dropTargets).toEqual([
        'all',
        'websocket',
        'graphql-ws',
        'ws',
        'socketio',
        'mqtt',
        'rest',
        'sse',
        'polling',
        'grpc',
        'stream',
      ]);
    } finally {
      await lab.close();
    }
  });

  it('/api/lab/info gives the https address a trusted reverse proxy reports (terminal commands print it), and ignores the header otherwise', async () => {
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'lab.example.edu' };
    for (const trustProxy of [true, false]) {
      const lab = await startLab({ trustProxy });
      try {
        const info = await (await lab.request('/api/lab/info', { headers })).json();
        expect(info.httpUrl).toBe(trustProxy ? 'https://lab.example.edu' : lab.base);
        // A forwarded host that isn't a plain host[:port] never reaches a terminal command.
        const odd = await (
          await lab.request('/api/lab/info', { headers: { 'x-forwarded-host': "evil.example; rm -rf ~ '" } })
        ).json();
        expect(odd.httpUrl).toBe(lab.base);
      } finally {
        await lab.close();
      }
    }
  });

  it('pages are a 404 problem when the server runs without Next.js', async () => {
    const lab = await startLab();
    try {
      const res = await lab.request('/lessons/how-this-lab-works', { headers: { accept: 'text/html' } });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    } finally {
      await lab.close();
    }
  });
});
