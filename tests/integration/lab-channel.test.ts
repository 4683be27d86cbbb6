import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelServerMessage } from '../../lib/lab-channel';
import { channelEvents, range, seqs, startLab, type TestLab } from './helpers';

let lab: TestLab;
afterEach(() => lab?.close());

type Hello = Extract<ChannelServerMessage, { type: 'hello' }>;
type Gap = Extract<ChannelServerMessage, { type: 'gap' }>;

const hello = (messages: readonly unknown[]) => messages[0] as Hello;
const hasSeq = (seq: number) => (messages: readonly unknown[]) => channelEvents(messages).some((e) => e.seq === seq);

describe('the lab channel', () => {
  it('sends hello first (session, epoch, lastSeq, server clock), then the events already logged', async () => {
    lab = await startLab();
    const session = await lab.newSession();
    await lab.touchAccount(session);
    const { epoch, lastSeq } = await lab.events(session);
    expect(lastSeq).toBe(4);

    const channel = await lab.channel(session);
    await channel.waitFor(hasSeq(4), 'the replay up to seq 4');
    expect(hello(channel.messages)).toMatchObject({ type: 'hello', sessionId: session, epoch, lastSeq: 4 });
    expect(hello(channel.messages).serverNow).toBeGreaterThan(Date.now() - 60_000);
    expect(seqs(channelEvents(channel.messages))).toEqual([1, 2, 3, 4]);
  });

  it('streams live events as they are recorded', async () => {
    lab = await startLab();
    const session = await lab.newSession();
    const channel = await lab.channel(session);
    expect(hello(channel.messages).lastSeq).toBe(0);

    await lab.touchAccount(session);
    await channel.waitFor(hasSeq(4), 'four live events');
    const events = channelEvents(channel.messages);
    expect(seqs(events)).toEqual([1, 2, 3, 4]);
    expect(events.map((e) => `${e.origin}:${e.kind}`)).toEqual(['server:request', 'db:query', 'db:query', 'server:response']);
  });

  it('answers a ping with a pong carrying the server clock', async () => {
    lab = await startLab();
    const channel = await lab.channel(await lab.newSession());
    channel.send(JSON.stringify({ type: 'ping', sentAt: 12.5 }));
    await channel.waitFor((m) => m.some((x) => (x as ChannelServerMessage).type === 'pong'), 'a pong');
    const pong = channel.messages.find((x) => (x as ChannelServerMessage).type === 'pong');
    expect(pong).toMatchObject({ type: 'pong', sentAt: 12.5, serverNow: expect.any(Number) });
  });

  it('ignores garbage from the client and stays open', async () => {
    lab = await startLab();
    const session = await lab.newSession();
    const channel = await lab.channel(session);
    channel.send('not json');
    channel.send(JSON.stringify({ type: 'subscribe', to: 'everything' }));
    channel.send(JSON.stringify({ type: 'ping' }));
    await lab.touchAccount(session);
    await channel.waitFor(hasSeq(4), 'events after the garbage');
    expect(channel.isOpen).toBe(true);
    expect(channel.messages.filter((x) => (x as ChannelServerMessage).type === 'pong')).toEqual([]);
  });

  it('resuming with after=<n>&epoch=<epoch> replays exactly the events after n', async () => {
    lab = await startLab();
    const session = await lab.newSession();
    for (let i = 0; i < 3; i++) await lab.touchAccount(session);
    const { epoch, lastSeq } = await lab.events(session);
    expect(lastSeq).toBe(12);

    const channel = await lab.channel(session, { after: 5, epoch });
    await channel.waitFor(hasSeq(12), 'the replay up to seq 12');
    expect(seqs(channelEvents(channel.messages))).toEqual(range(6, 12));
    expect(channel.messages.some((m) => (m as ChannelServerMessage).type === 'gap')).toBe(false);

    // Caught up: resuming at the end replays nothing, then carries on live.
    const caughtUp = await lab.channel(session, { after: 12, epoch });
    await lab.touchAccount(session);
    await caughtUp.waitFor(hasSeq(16), 'live events after resuming at the end');
    expect(seqs(channelEvents(caughtUp.messages))).toEqual(range(13, 16));
  });

  it('resuming with another epoch (the server restarted) replays from seq 1', async () => {
    lab = await startLab();
    const session = await lab.newSession();
    await lab.touchAccount(session);
    await lab.touchAccount(session);

    const channel = await lab.channel(session, { after: 6, epoch: 'an-epoch-from-a-previous-server' });
    await channel.waitFor(hasSeq(8), 'the full replay');
    expect(seqs(channelEvents(channel.messages))).toEqual(range(1, 8));
    expect(hello(channel.messages).epoch).not.toBe('an-epoch-from-a-previous-server');
  });

  it('resuming with a seq from another session (its cookie changed under the tab) replays this session from seq 1', async () => {
    lab = await startLab();
    const old = await lab.newSession();
    for (let i = 0; i < 3; i++) await lab.touchAccount(old);
    const session = await lab.newSession();
    await lab.touchAccount(session);
    const { epoch } = await lab.events(session);

    const channel = await lab.channel(session, { after: 12, epoch, followed: old });
    await channel.waitFor(hasSeq(4), 'the full replay of the new session');
    expect(hello(channel.messages).sessionId).toBe(session);
    expect(seqs(channelEvents(channel.messages))).toEqual([1, 2, 3, 4]);
  });

  it('ignores a nonsensical after (negative, not a number) and replays everything', async () => {
    lab = await startLab();
    const session = await lab.newSession();
    await lab.touchAccount(session);
    const { epoch } = await lab.events(session);
    for (const after of ['-3', 'banana']) {
      const channel = await lab.socket('/api/lab/channel', { session, query: { after, epoch, followed: session } });
      await channel.waitFor(hasSeq(4), `the full replay for after=${after}`);
      expect(seqs(channelEvents(channel.messages))).toEqual([1, 2, 3, 4]);
      channel.terminate();
    }
  });

  it('killed mid-stream (test hook) and resumed from the last seq received: no gap, no duplicate, nothing lost', async () => {
    lab = await startLab();
    const session = await lab.newSession();
    const { epoch } = await lab.events(session);
    const received: number[] = [];

    // First connection: events stream in while HTTP requests generate them.
    const first = await lab.channel(session);
    await Promise.all(Array.from({ length: 10 }, () => lab.touchAccount(session)));
    await first.waitFor(hasSeq(40), 'the first 40 events');

    // Kill it while a burst is still in flight.
    const burst = Promise.all(Array.from({ length: 10 }, () => lab.touchAccount(session)));
    const killed = await lab.request('/api/lab/test/drop-channel', { method: 'POST', session });
    expect(await killed.json()).toEqual({ destroyed: 1 });
    expect((await first.waitForClose()).code).toBe(1006);
    await burst;
    // More events while the client is disconnected.
    for (let i = 0; i < 5; i++) await lab.touchAccount(session);

    received.push(...seqs(channelEvents(first.messages)));
    const lastReceived = received.at(-1) ?? 0;
    const { lastSeq } = await lab.events(session);
    expect(lastSeq).toBe(100);

    // Resume where the first connection stopped, and keep generating events during the replay.
    const second = await lab.channel(session, { after: lastReceived, epoch });
    const during = Promise.all(Array.from({ length: 5 }, () => lab.touchAccount(session)));
    await during;
    await second.waitFor(hasSeq(120), 'every event up to seq 120');
    expect(second.messages.some((m) => (m as ChannelServerMessage).type === 'gap')).toBe(false);
    const resumed = seqs(channelEvents(second.messages));
    expect(resumed[0]).toBe(lastReceived + 1);
    received.push(...resumed);

    expect(received).toEqual(range(1, 120));
  });

  it('says "gap" when events the client asks for fell out of the log (eventLogSize exceeded)', async () => {
    const capacity = 10;
    lab = await startLab({ eventLogSize: capacity });
    const session = await lab.newSession();
    for (let i = 0; i < 10; i++) await lab.touchAccount(session);
    const { epoch, lastSeq, firstHeld } = await lab.events(session);
    expect(lastSeq).toBe(40);
    expect(firstHeld).toBeGreaterThan(1);

    const channel = await lab.channel(session, { after: 3, epoch });
    await channel.waitFor(hasSeq(40), 'the events still held');
    const types = channel.messages.map((m) => (m as ChannelServerMessage).type);
    expect(types.slice(0, 2)).toEqual(['hello', 'gap']);
    const gap = channel.messages[1] as Gap;
    expect(gap).toEqual({ type: 'gap', from: 4, to: firstHeld - 1 });
    // After the gap: every event the log still holds, contiguous up to the last.
    const replayed = seqs(channelEvents(channel.messages));
    expect(replayed).toEqual(range(firstHeld, 40));
    expect(replayed.length).toBeGreaterThanOrEqual(capacity);
  });

  it('sends no gap when the client already has everything the log dropped', async () => {
    lab = await startLab({ eventLogSize: 10 });
    const session = await lab.newSession();
    for (let i = 0; i < 10; i++) await lab.touchAccount(session);
    const { epoch, firstHeld } = await lab.events(session);

    const channel = await lab.channel(session, { after: firstHeld - 1, epoch });
    await channel.waitFor(hasSeq(40), 'the replay');
    expect(channel.messages.some((m) => (m as ChannelServerMessage).type === 'gap')).toBe(false);
    expect(seqs(channelEvents(channel.messages))).toEqual(range(firstHeld, 40));
  });

  it('the drop-channel hook only kills the calling session’s channel', async () => {
    lab = await startLab();
    const a = await lab.newSession();
    const b = await lab.newSession();
    const channelA = await lab.channel(a);
    const channelB = await lab.channel(b);
    const res = await lab.request('/api/lab/test/drop-channel', { method: 'POST', session: b });
    expect(await res.json()).toEqual({ destroyed: 1 });
    await channelB.waitForClose();
    await lab.touchAccount(a);
    await channelA.waitFor(hasSeq(4), "A's events after B's channel died");
    expect(channelA.isOpen).toBe(true);
  });

  it('the drop-channel hook does not exist unless test hooks are on', async () => {
    lab = await startLab({ testHooks: false });
    const session = await lab.newSession();
    const res = await lab.request('/api/lab/test/drop-channel', { method: 'POST', session });
    expect(res.status).toBe(404);
  });
});
