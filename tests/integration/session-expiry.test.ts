import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startLab, type TestLab } from './helpers';

/**
 * Sessions idle for longer than sessionIdleMs are swept. The tests call
 * sweep(at) with a time just past the limit instead of waiting for it; the
 * limit is long enough that the background sweeper can't run first.
 */
const IDLE_MS = 30_000;
const TABLES = ['accounts', 'cards', 'merchants', 'transactions'] as const;

let lab: TestLab;
beforeEach(async () => {
  lab = await startLab({ sessionIdleMs: IDLE_MS });
});
afterEach(() => lab.close());

function rowCounts(session: string): Record<string, number> {
  const sqlite = lab.server.lab.db.sqlite;
  const counts: Record<string, number> = {
    sessions: (sqlite.prepare('SELECT count(*) AS n FROM sessions WHERE id = ?').get(session) as { n: number }).n,
  };
  for (const table of TABLES) {
    counts[table] = (sqlite.prepare(`SELECT count(*) AS n FROM ${table} WHERE session_id = ?`).get(session) as { n: number }).n;
  }
  return counts;
}

const pastTheLimit = () => Date.now() + IDLE_MS + 1;

describe('session expiry', () => {
  it('a sweep before the idle limit keeps every session', async () => {
    const session = await lab.newSession();
    expect(lab.server.lab.sessions.sweep(Date.now() + IDLE_MS / 2)).toEqual([]);
    expect((await lab.request('/api/intro/accounts/123', { session })).status).toBe(200);
  });

  it('deletes the session and every row of its bank', async () => {
    const session = await lab.newSession();
    expect(rowCounts(session)).toEqual({ sessions: 1, accounts: 2, cards: 2, merchants: 3, transactions: 4 });

    const expired = lab.server.lab.sessions.sweep(pastTheLimit());
    expect(expired).toContain(session);
    expect(rowCounts(session)).toEqual({ sessions: 0, accounts: 0, cards: 0, merchants: 0, transactions: 0 });
  });

  it('answers 401 for the expired session afterwards, on HTTP and WebSocket', async () => {
    const session = await lab.newSession();
    lab.server.lab.sessions.sweep(pastTheLimit());
    const res = await lab.request('/api/intro/accounts/123', { session });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ howToFix: 'POST /api/lab/sessions' });
    await expect(lab.socket('/api/intro/echo', { session })).rejects.toThrow(/401/);
  });

  it("drops the expired session's connections from the server side", async () => {
    const session = await lab.newSession();
    const echo = await lab.socket('/api/intro/echo', { session });
    expect(lab.server.lab.connections.count(session)).toBe(1);

    lab.server.lab.sessions.sweep(pastTheLimit());
    expect((await echo.waitForClose()).code).toBe(1006);
    expect(lab.server.lab.connections.count(session)).toBe(0);
  });

  it('forgets its event log and faults', async () => {
    const session = await lab.newSession();
    await lab.touchAccount(session);
    await lab.postJson('/api/lab/faults', session, { action: 'latency', ms: 10 });
    expect(lab.server.lab.events.lastSeq(session)).toBe(5);

    lab.server.lab.sessions.sweep(pastTheLimit());
    expect(lab.server.lab.events.lastSeq(session)).toBe(0);
    expect(lab.server.lab.faults.get(session).latencyMs).toBe(0);
  });

  it('a session used recently is kept while an idle one goes', async () => {
    const idle = await lab.newSession();
    const idleLastSeen = Date.now(); // `idle` was last seen at or before this
    const busy = await lab.newSession();
    // Let the clock move on by 2 ms, then use `busy`: it is now strictly fresher than `idle`.
    await eventually(() => Date.now() >= idleLastSeen + 2, 'the clock to advance 2 ms');
    expect((await lab.touchAccount(busy)).status).toBe(200);

    const expired = lab.server.lab.sessions.sweep(idleLastSeen + IDLE_MS + 1);
    expect(expired).toEqual([idle]);
    expect((await lab.request('/api/intro/accounts/123', { session: busy })).status).toBe(200);
    expect((await lab.request('/api/intro/accounts/123', { session: idle })).status).toBe(401);
  });

  it("closes the expired session's lab channel too", async () => {
    const session = await lab.newSession();
    const channel = await lab.channel(session);
    lab.server.lab.sessions.sweep(pastTheLimit());
    await channel.waitForClose(2_000);
  });
});
