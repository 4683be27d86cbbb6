import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelEvents, type Problem, startLab, type TestLab } from './helpers';

let lab: TestLab;
let a: string;
let b: string;
beforeEach(async () => {
  lab = await startLab();
  a = await lab.newSession();
  b = await lab.newSession();
});
afterEach(() => lab.close());

describe('one session cannot see or touch another', () => {
  it("B reading A's event log gets 404, the same answer as for a session that does not exist", async () => {
    await lab.touchAccount(a);
    const theirs = await lab.request(`/api/lab/sessions/${a}/events`, { session: b });
    const nobody = await lab.request(`/api/lab/sessions/${crypto.randomUUID()}/events`, { session: b });
    expect(theirs.status).toBe(404);
    expect(nobody.status).toBe(404);
    const body = (await theirs.json()) as Problem;
    expect(body).toEqual(await nobody.json());
    expect(JSON.stringify(body)).not.toContain('Ada Lovelace');
    // A can still read its own.
    expect((await lab.events(a)).events.length).toBeGreaterThan(0);
  });

  it("dropping websockets in B returns dropped:0 and A's echo socket stays open and working", async () => {
    const echoA = await lab.socket('/api/intro/echo', { session: a });

    const res = await lab.postJson('/api/lab/faults', b, { action: 'drop', target: 'websocket' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ dropped: 0 });
    const resAll = await lab.postJson('/api/lab/faults', b, { action: 'drop', target: 'all' });
    expect(await resAll.json()).toEqual({ dropped: 0 });

    // Prove A's socket is alive with a round trip, not just by its readyState.
    echoA.send('still here?');
    await echoA.waitFor((m) => m.includes('still here?'), 'the echo of "still here?"');
    expect(echoA.isOpen).toBe(true);
    expect(lab.server.lab.connections.count(a)).toBe(1);
  });

  it("latency set by B does not slow A down, and B's fault events stay on B's timeline", async () => {
    await lab.postJson('/api/lab/faults', b, { action: 'latency', ms: 5_000 });
    expect(lab.server.lab.faults.get(a).latencyMs).toBe(0);
    const res = await lab.touchAccount(a);
    expect(res.status).toBe(200);
    expect((await lab.events(a)).events.some((e) => e.kind === 'fault')).toBe(false);
    expect(lab.server.lab.faults.get(b).latencyMs).toBe(5_000);
    // Read B's log from the inside: B's own requests now wait 5 s.
    expect(lab.server.lab.events.after(b, 0).events.filter((e) => e.kind === 'fault')).toHaveLength(1);
  });

  it("B's lab channel never receives A's events", async () => {
    const channelA = await lab.channel(a);
    const channelB = await lab.channel(b);
    const echoA = await lab.socket('/api/intro/echo', { session: a });
    echoA.send('for A only');
    await lab.touchAccount(a);
    const lastA = (await lab.events(a)).lastSeq;
    await channelA.waitFor((m) => channelEvents(m).some((e) => e.seq === lastA), `A's channel to reach seq ${lastA}`);

    // Then one event of B's own: once it arrives, anything of A's would have arrived before it.
    await lab.touchAccount(b);
    const lastB = (await lab.events(b)).lastSeq;
    await channelB.waitFor((m) => channelEvents(m).some((e) => e.seq === lastB), `B's channel to reach seq ${lastB}`);

    const seenByB = channelEvents(channelB.messages);
    expect(seenByB.map((e) => e.summary).join('\n')).not.toContain('for A only');
    expect(seenByB.every((e) => e.kind !== 'open' && e.protocol !== 'websocket')).toBe(true);
    expect(seenByB).toHaveLength(lastB);
    expect(channelB.messages[0]).toMatchObject({ type: 'hello', sessionId: b });
  });

  it("B's bank is its own: the same account id reads B's rows", async () => {
    lab.server.lab.db.sqlite.prepare("UPDATE accounts SET owner = 'Changed by A' WHERE session_id = ? AND id = '123'").run(a);
    const resB = await lab.request('/api/intro/accounts/123', { session: b });
    expect(await resB.json()).toMatchObject({ owner: 'Ada Lovelace' });
    const resA = await lab.request('/api/intro/accounts/123', { session: a });
    expect(await resA.json()).toMatchObject({ owner: 'Changed by A' });
  });
});
