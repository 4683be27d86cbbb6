import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, type Problem, startLab, type TestLab } from './helpers';

/**
 * Node timers run off a millisecond clock cached once per event-loop turn, so
 * a setTimeout(ms) can fire up to ~1 ms "early" measured on performance.now().
 * Lower bounds allow for that; there are no upper bounds on wall-clock time.
 */
const TIMER_SLACK_MS = 2;

let lab: TestLab;
let session: string;
beforeEach(async () => {
  lab = await startLab();
  session = await lab.newSession();
});
afterEach(() => lab.close());

const faults = (body: unknown) => lab.postJson('/api/lab/faults', session, body);

describe('drop', () => {
  it('destroys the echo socket from the server side: the client sees 1006 and the answer is {dropped:1}', async () => {
    const echo = await lab.socket('/api/intro/echo', { session, query: { conn: 'ws-test1' } });
    echo.send('hello');
    await echo.waitFor((m) => m.includes('hello'), 'the echo of "hello"');

    const res = await faults({ action: 'drop', target: 'websocket' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ dropped: 1 });

    const close = await echo.waitForClose();
    // 1006: no close frame, the TCP connection just died, as in a real network failure.
    expect(close.code).toBe(1006);
    expect(lab.server.lab.connections.count(session)).toBe(0);
  });

  it('logs a fault event naming the target and how many connections died, and the server-side close', async () => {
    const echo = await lab.socket('/api/intro/echo', { session, query: { conn: 'ws-test2' } });
    await faults({ action: 'drop', target: 'all' });
    await echo.waitForClose();

    const { events } = await eventually(async () => {
      const page = await lab.events(session);
      return page.events.some((e) => e.kind === 'close') && page;
    }, 'the server-side close event');
    const fault = events.find((e) => e.kind === 'fault');
    expect(fault).toMatchObject({
      origin: 'server',
      protocol: 'lab',
      detail: { fields: { action: 'drop', target: 'all', dropped: 1, connections: 'ws-test2' } },
    });
    const close = events.find((e) => e.kind === 'close');
    expect(close).toMatchObject({ protocol: 'websocket', conn: 'ws-test2', detail: { wasClean: false } });
    expect(close?.summary).toContain('drop fault');
    // open, then the fault, then the close it caused.
    expect(events.map((e) => e.kind)).toEqual(['open', 'fault', 'close']);
  });

  it('drops every echo socket of the session, and a new one can connect afterwards', async () => {
    const one = await lab.socket('/api/intro/echo', { session });
    const two = await lab.socket('/api/intro/echo', { session });
    expect(await (await faults({ action: 'drop', target: 'websocket' })).json()).toEqual({ dropped: 2 });
    expect((await one.waitForClose()).code).toBe(1006);
    expect((await two.waitForClose()).code).toBe(1006);

    const three = await lab.socket('/api/intro/echo', { session });
    three.send('after the storm');
    await three.waitFor((m) => m.includes('after the storm'), 'an echo on the new socket');
  });

  it('answers {dropped:0} when there is nothing to drop, and still logs the attempt', async () => {
    expect(await (await faults({ action: 'drop', target: 'websocket' })).json()).toEqual({ dropped: 0 });
    const { events } = await lab.events(session);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'fault', detail: { fields: { dropped: 0 } } });
  });

  it('does not drop the lab channel, which no fault may target', async () => {
    const channel = await lab.channel(session);
    await faults({ action: 'drop', target: 'all' });
    // The fault event itself arrives over the channel, so it survived.
    await channel.waitFor(
      (m) => m.some((x) => (x as { type: string }).type === 'events' && JSON.stringify(x).includes('"fault"')),
      'the fault event on the channel',
    );
    expect(channel.isOpen).toBe(true);
  });
});

describe('latency', () => {
  const LATENCY_MS = 300;

  it(`delays HTTP responses by at least the injected ${LATENCY_MS} ms`, async () => {
    const res = await faults({ action: 'latency', ms: LATENCY_MS });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ latencyMs: LATENCY_MS });
    expect(lab.server.lab.faults.get(session)).toEqual({ latencyMs: LATENCY_MS });

    const started = performance.now();
    const account = await lab.request('/api/intro/accounts/123', { session });
    await account.arrayBuffer();
    expect(account.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(LATENCY_MS - TIMER_SLACK_MS);

    // The server's own record of the exchange includes the wait.
    const response = (await lab.events(session)).events.find((e) => e.kind === 'response');
    expect(response?.detail?.durationMs).toBeGreaterThanOrEqual(LATENCY_MS - TIMER_SLACK_MS);
  });

  it(`delays WebSocket echoes by at least ${LATENCY_MS} ms`, async () => {
    const echo = await lab.socket('/api/intro/echo', { session });
    await faults({ action: 'latency', ms: LATENCY_MS });
    const started = performance.now();
    echo.send('slow');
    await echo.waitFor((m) => m.includes('slow'), 'the delayed echo');
    expect(performance.now() - started).toBeGreaterThanOrEqual(LATENCY_MS - TIMER_SLACK_MS);
  });

  it('is recorded as a fault event with the delay', async () => {
    await faults({ action: 'latency', ms: 25 });
    const fault = (await lab.events(session)).events.find((e) => e.kind === 'fault');
    expect(fault).toMatchObject({ protocol: 'lab', detail: { fields: { action: 'latency', ms: 25 } } });
  });

  it.each([-1, 1.5, '100', 30_001, null])('rejects ms=%j with 400 saying what is allowed', async (ms) => {
    const res = await faults({ action: 'latency', ms });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    expect(problem.title).toBe('Bad latency');
    expect(problem.detail).toContain('30000');
    expect(lab.server.lab.faults.get(session).latencyMs).toBe(0);
  });
});

describe('clear', () => {
  it('removes injected latency and logs it', async () => {
    await faults({ action: 'latency', ms: 40 });
    const res = await faults({ action: 'clear' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ latencyMs: 0 });
    const current = await lab.request('/api/lab/faults', { session });
    expect(await current.json()).toEqual({ latencyMs: 0 });
    const kinds = (await lab.events(session)).events.filter((e) => e.kind === 'fault').map((e) => e.detail?.fields?.action);
    expect(kinds).toEqual(['latency', 'clear']);
  });

  it('takes effect without first waiting out the latency it clears', async () => {
    await faults({ action: 'latency', ms: 30_000 });
    void faults({ action: 'clear' }).catch(() => undefined);
    await eventually(() => lab.server.lab.faults.get(session).latencyMs === 0, 'the latency to be cleared', 3_000);
  });
});

describe('invalid fault requests', () => {
  it('an unknown action is a 400 listing the valid actions', async () => {
    const res = await faults({ action: 'explode' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as Problem;
    expect(problem).toMatchObject({ title: 'Unknown fault action', validActions: ['drop', 'latency', 'clear'] });
    expect(problem.detail).toContain('drop, latency, clear');
  });

  it('a missing action is a 400 listing the valid actions', async () => {
    const problem = (await (await faults({})).json()) as Problem;
    expect(problem).toMatchObject({ status: 400, validActions: ['drop', 'latency', 'clear'] });
  });

  it('an unknown drop target is a 400 listing the valid targets', async () => {
    const res = await faults({ action: 'drop', target: 'carrier-pigeon' });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as Problem;
    // Every lesson adds its own targets; the list always starts with `all` and names each once.
    expect(problem).toMatchObject({ title: 'Unknown drop target' });
    const targets = problem.validTargets as string[];
    expect(targets[0]).toBe('all');
    expect(targets).toEqual(expect.arrayContaining(['websocket', 'rest', 'sse', 'grpc', 'mqtt']));
    expect(new Set(targets).size).toBe(targets.length);
    expect(problem.detail).toContain('all, websocket');
  });

  it('the valid targets match what /api/lab/info advertises', async () => {
    const info = (await (await lab.request('/api/lab/info')).json()) as { dropTargets: string[] };
    const problem = (await (await faults({ action: 'drop', target: 'nope' })).json()) as Problem;
    expect(problem.validTargets).toEqual(info.dropTargets);
  });

  it('logs nothing for a rejected fault', async () => {
    await faults({ action: 'explode' });
    await faults({ action: 'drop', target: 'nope' });
    expect((await lab.events(session)).events).toEqual([]);
  });
});
