import { describe, expect, it } from 'vitest';
import type { EventInput, TimelineEvent } from '../../lib/timeline';
import { annotated, type EventDescriber, EventLog } from './event-log';

const input = (summary: string, at?: number): EventInput => ({
  origin: 'server',
  protocol: 'lab',
  kind: 'note',
  summary,
  ...(at === undefined ? {} : { at }),
});

function fill(log: EventLog, session: string, count: number): void {
  for (let i = 1; i <= count; i++) log.record(session, input(`event ${i}`));
}

const seqsOf = (events: TimelineEvent[]) => events.map((e) => e.seq);

describe('EventLog', () => {
  it('numbers each session’s events from 1 with ids s:<seq>', () => {
    const log = new EventLog(100);
    const first = log.record('a', input('one'));
    const second = log.record('a', input('two'));
    expect(first).toMatchObject({ seq: 1, id: 's:1', summary: 'one' });
    expect(second).toMatchObject({ seq: 2, id: 's:2' });
    expect(log.lastSeq('a')).toBe(2);
  });

  it('keeps separate sequences per session', () => {
    const log = new EventLog(100);
    fill(log, 'a', 3);
    expect(log.record('b', input('b1')).seq).toBe(1);
    expect(log.lastSeq('a')).toBe(3);
    expect(log.after('b', 0).events.map((e) => e.summary)).toEqual(['b1']);
  });

  it('stamps `at` when the input has none, and keeps it when it has one', () => {
    const log = new EventLog(10);
    const before = performance.timeOrigin + performance.now();
    const stamped = log.record('a', input('now'));
    expect(stamped.at).toBeGreaterThanOrEqual(before);
    expect(log.record('a', input('then', 1234.5)).at).toBe(1234.5);
  });

  it('after(n) returns the events with seq > n, oldest first', () => {
    const log = new EventLog(100);
    fill(log, 'a', 10);
    expect(seqsOf(log.after('a', 0).events)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seqsOf(log.after('a', 7).events)).toEqual([8, 9, 10]);
    expect(log.after('a', 10).events).toEqual([]);
    expect(log.after('a', 50).events).toEqual([]);
    expect(log.after('a', 3).firstHeld).toBe(1);
  });

  it('an empty log holds nothing and reports firstHeld = lastSeq + 1 (so after=0 is no gap)', () => {
    const log = new EventLog(10);
    expect(log.after('nobody', 0)).toEqual({ events: [], firstHeld: 1 });
    expect(log.lastSeq('nobody')).toBe(0);
  });

  it('drops the oldest events past capacity, in chunks, and never below capacity', () => {
    const capacity = 100;
    const log = new EventLog(capacity);
    for (let i = 1; i <= 1_000; i++) {
      log.record('a', input(`e${i}`));
      const { events, firstHeld } = log.after('a', 0);
      expect(events.length).toBeGreaterThanOrEqual(Math.min(i, capacity));
      expect(events.length).toBeLessThanOrEqual(Math.ceil(capacity * 1.1));
      // What is held is always one contiguous run ending at the latest event.
      expect(events[0]?.seq).toBe(firstHeld);
      expect(events.at(-1)?.seq).toBe(i);
      expect(events.length).toBe(i - firstHeld + 1);
    }
  });

  it('after(n) for an n that was dropped returns everything held and a firstHeld above n + 1 (a gap)', () => {
    const log = new EventLog(10);
    fill(log, 'a', 50);
    const { events, firstHeld } = log.after('a', 2);
    expect(firstHeld).toBeGreaterThan(3);
    expect(events[0]?.seq).toBe(firstHeld);
    expect(events.at(-1)?.seq).toBe(50);
  });

  it('subscribers get every later event of their session only, and can unsubscribe', () => {
    const log = new EventLog(10);
    fill(log, 'a', 2);
    const seen: number[] = [];
    const unsubscribe = log.subscribe('a', (e) => seen.push(e.seq ?? -1));
    log.record('b', input('other session'));
    log.record('a', input('three'));
    log.record('a', input('four'));
    unsubscribe();
    log.record('a', input('five'));
    expect(seen).toEqual([3, 4]);
  });

  it('a subscriber that records from inside its callback does not see its own event twice', () => {
    const log = new EventLog(10);
    const seen: number[] = [];
    log.subscribe('a', (e) => {
      seen.push(e.seq ?? -1);
      if (e.seq === 1) log.record('a', input('reaction'));
    });
    log.record('a', input('action'));
    expect(seen).toEqual([1, 2]);
  });

  it('forget() discards a session: its sequence starts again at 1', () => {
    const log = new EventLog(10);
    fill(log, 'a', 5);
    log.forget('a');
    expect(log.lastSeq('a')).toBe(0);
    expect(log.record('a', input('fresh')).seq).toBe(1);
  });

  it('each log has its own epoch', () => {
    expect(new EventLog(1).epoch).not.toBe(new EventLog(1).epoch);
    expect(new EventLog(1).epoch).toMatch(/^[0-9a-f-]{36}$/);
  });
  describe('deferred events', () => {
    /** A describer that counts how often it is asked. */
    function counting(): EventDescriber<string> & { asked: string[] } {
      const asked: string[] = [];
      return {
        asked,
        describe: (part, at) => {
          asked.push(part);
          return { origin: 'server', protocol: 'rest', kind: 'note', summary: `${part} at ${at}`, detail: { fields: { part } } };
        },
      };
    }

    it('are numbered with the others, described only when read, and only once', () => {
      const log = new EventLog(100);
      const describer = counting();
      log.record('a', input('eager'));
      log.defer('a', describer, 'request', 1000);
      log.defer('a', describer, 'response', 1005);
      expect(log.lastSeq('a')).toBe(3);
      expect(describer.asked).toEqual([]);
      const { events } = log.after('a', 0);
      expect(events.map((e) => [e.id, e.seq, e.at, e.summary])).toEqual([
        ['s:1', 1, expect.any(Number), 'eager'],
        ['s:2', 2, 1000, 'request at 1000'],
        ['s:3', 3, 1005, 'response at 1005'],
      ]);
      expect(log.after('a', 1).events.map((e) => e.summary)).toEqual(['request at 1000', 'response at 1005']);
      expect(describer.asked).toEqual(['request', 'response']);
      // What a tab receives is plain JSON: no describer, no class.
      expect(JSON.parse(JSON.stringify(events[1]))).toEqual({
        id: 's:2',
        seq: 2,
        at: 1000,
        origin: 'server',
        protocol: 'rest',
        kind: 'note',
        summary: 'request at 1000',
        detail: { fields: { part: 'request' } },
      });
    });

    it('are described at once when a tab is watching the session', () => {
      const log = new EventLog(100);
      const describer = counting();
      const seen: string[] = [];
      log.subscribe('a', (e) => seen.push(`${e.id} ${e.summary}`));
      log.defer('a', describer, 'now', 7);
      expect(seen).toEqual(['s:1 now at 7']);
      log.after('a', 0);
      expect(describer.asked).toEqual(['now']);
    });

    it('a describer that throws gives an error event instead of breaking the read', () => {
      const log = new EventLog(10);
      log.defer(
        'a',
        {
          describe: () => {
            throw new Error('bad bytes');
          },
        },
        undefined,
        3,
      );
      log.record('a', input('after'));
      expect(log.after('a', 0).events.map((e) => [e.seq, e.kind, e.summary])).toEqual([
        [1, 'error', 'The lab could not describe this event: bad bytes'],
        [2, 'note', 'after'],
      ]);
    });

    it('annotated() adds tags and fields to what another describer says', () => {
      const log = new EventLog(10);
      log.defer('a', annotated(counting(), { stream: 'op-1', conn: 'c', fields: { resolver: 'Query.account' } }), 'sql', 1);
      expect(log.after('a', 0).events[0]).toMatchObject({
        stream: 'op-1',
        conn: 'c',
        summary: 'sql at 1',
        detail: { fields: { part: 'sql', resolver: 'Query.account' } },
      });
    });
  });
});
