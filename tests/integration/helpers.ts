import { expect } from 'vitest';
import type { ChannelServerMessage } from '../../lib/lab-channel';
import type { TimelineEvent } from '../../lib/timeline';
import { createLabServer, type LabServer } from '../../server/app';
import { configFromEnv } from '../../server/lab/config';
import { WsClient } from './ws-client';

export { WsClient } from './ws-client';

/** The problem document every lab API error carries (RFC 9457). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extra: string]: unknown;
}

/** What GET /api/lab/sessions/{id}/events returns. */
export interface EventsPage {
  sessionId: string;
  epoch: string;
  lastSeq: number;
  firstHeld: number;
  events: TimelineEvent[];
}

/** A real lab server (API only, in-memory database) on a free loopback port. */
export async function startLab(overrides: Partial<ReturnType<typeof configFromEnv>> = {}) {
  const server: LabServer = await createLabServer({
    ...configFromEnv({}),
    next: false,
    port: 0,
    host: '127.0.0.1',
    dbPath: ':memory:',
    testHooks: true,
    // Many test servers run at once: each takes a free MQTT port, never 1883.
    mqttPort: 0,
    // ... and a free gRPC (h2c) port, never 50051.
    grpcPort: 0,
    ...overrides,
  });
  const port = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  const wsBase = `ws://127.0.0.1:${port}`;
  const sockets = new Set<WsClient>();

  const lab = {
    server,
    port,
    base,
    wsBase,
    async newSession(): Promise<string> {
      const res = await fetch(`${base}/api/lab/sessions`, { method: 'POST' });
      if (res.status !== 201) throw new Error(`POST /api/lab/sessions answered ${res.status}`);
      return ((await res.json()) as { id: string }).id;
    },
    /** fetch() against the lab, naming `session` in the X-Lab-Session header when given. */
    request(path: string, init: RequestInit & { session?: string } = {}): Promise<Response> {
      const { session, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (session) headers.set('x-lab-session', session);
      return fetch(`${base}${path}`, { ...rest, headers });
    },
    /** POST a JSON body as `session`. */
    postJson(path: string, session: string, body: unknown): Promise<Response> {
      return lab.request(path, {
        method: 'POST',
        session,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    },
    /** The session's server-side event log, read through the public export endpoint. */
    async events(session: string, after = 0): Promise<EventsPage> {
      const res = await lab.request(`/api/lab/sessions/${session}/events?after=${after}`, { session });
      if (res.status !== 200) throw new Error(`GET events answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as EventsPage;
    },
    /**
     * GET /api/intro/accounts/123 as `session`, the way the lab's own pages do (with a
     * trace id, so not as a terminal client): four server events (request, 2 queries, response).
     */
    async touchAccount(session: string, id = '123'): Promise<Response> {
      const res = await lab.request(`/api/intro/accounts/${id}`, { session, headers: { 'x-lab-trace': 'test-touch' } });
      await res.arrayBuffer();
      return res;
    },
    /** A WebSocket to a lab path; closed automatically by close(). */
    async socket(
      path: string,
      options: { session?: string; query?: Record<string, string>; headers?: Record<string, string> } = {},
    ) {
      const url = new URL(path, wsBase);
      if (options.session) url.searchParams.set('session', options.session);
      for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
      const client = new WsClient(url.toString(), options.headers);
      sockets.add(client);
      await client.opened;
      return client;
    },
    /**
     * A lab-channel client that has received its `hello`. A resume (`after`) follows on from the
     * same session's log unless `followed` names another.
     */
    async channel(session: string, resume: { after?: number; epoch?: string; followed?: string } = {}) {
      const query: Record<string, string> = {};
      if (resume.after !== undefined) {
        query.after = String(resume.after);
        query.followed = resume.followed ?? session;
      }
      if (resume.epoch !== undefined) query.epoch = resume.epoch;
      const client = await lab.socket('/api/lab/channel', { session, query });
      await client.waitFor((messages) => messages.some((m) => (m as ChannelServerMessage).type === 'hello'), 'hello');
      return client;
    },
    async close() {
      for (const client of sockets) client.terminate();
      await server.close();
    },
  };
  return lab;
}

export type TestLab = Awaited<ReturnType<typeof startLab>>;

/** Every `events` message's events, in the order they arrived. */
export function channelEvents(messages: readonly unknown[]): TimelineEvent[] {
  return (messages as ChannelServerMessage[]).flatMap((m) => (m.type === 'events' ? m.events : []));
}

/** The sequence numbers of server events, asserting they all have one. */
export function seqs(events: readonly TimelineEvent[]): number[] {
  return events.map((e) => {
    if (e.seq === undefined) throw new Error(`server event ${e.id} has no seq`);
    return e.seq;
  });
}

/** [from, from+1, ..., to] */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/**
 * Polls `check` until it returns a value other than undefined/false, or fails
 * after `timeoutMs` naming what it waited for. For state that has no event to await.
 */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  description: string,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Asserts an RFC 9457 problem response with a student-readable detail, and returns it. */
export async function expectProblem(res: Response, status: number, title?: string): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await res.json()) as Problem;
  expect(problem).toMatchObject({ type: 'about:blank', status });
  expect(problem.detail.length).toBeGreaterThan(10);
  if (title) expect(problem.title).toBe(title);
  return problem;
}
