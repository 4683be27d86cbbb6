import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TimelineEvent } from '../../lib/timeline';
import { createTimelineStore } from '../timeline/store';
import {
  createStatusLine,
  dropOutcomeText,
  flushChangedFaults,
  latestWins,
  parseLatencyInput,
  STATUS_TTL_MS,
  toggledLatency,
} from './faults-client';

let counter = 0;
function serverFault(fields: Record<string, string | number>, at = ++counter): TimelineEvent {
  return { id: `s:${at}`, at, origin: 'server', protocol: 'lab', kind: 'fault', summary: 'fault', detail: { fields } };
}

describe('dropOutcomeText', () => {
  it('counts what died', () => {
    expect(dropOutcomeText('rest', 1)).toBe('dropped 1 connection');
    expect(dropOutcomeText('all', 3)).toBe('dropped 3 connections');
  });

  it('explains a drop that found nothing, and points from "websocket" to "ws"', () => {
    expect(dropOutcomeText('websocket', 0)).toMatch(/^nothing to drop: no echo socket from the intro lesson is open.*"ws"/);
    expect(dropOutcomeText('ws', 0)).toMatch(/^nothing to drop: no socket from the WebSocket lesson/);
    expect(dropOutcomeText('carrier-pigeon', 0)).toBe(
      'nothing to drop: no "carrier-pigeon" connection is open in this session right now',
    );
  });
});

describe('toggledLatency', () => {
  it('turns latency off when the server has any, and on when it has none', () => {
    expect(toggledLatency(1000, 1000)).toBe(0);
    expect(toggledLatency(250, 1000)).toBe(0);
    expect(toggledLatency(0, 1000)).toBe(1000);
  });
});

describe('parseLatencyInput', () => {
  it('takes any whole number of milliseconds, not just multiples of 100', () => {
    expect(parseLatencyInput('250')).toEqual({ ms: 250 });
    expect(parseLatencyInput('50')).toEqual({ ms: 50 });
    expect(parseLatencyInput(' 0 ')).toEqual({ ms: 0 });
  });

  it('never turns an empty box into a silent 0', () => {
    for (const text of ['', '   ']) {
      const parsed = parseLatencyInput(text);
      expect(parsed).toEqual({
        error: expect.stringMatching(/^Type a latency first: a whole number of milliseconds from 0 to 30000/),
      });
    }
  });

  it('passes numbers the server refuses on to it, so its explanation (and the 400) shows', () => {
    expect(parseLatencyInput('50000')).toEqual({ ms: 50000 });
    expect(parseLatencyInput('-5')).toEqual({ ms: -5 });
    expect(parseLatencyInput('2.5')).toEqual({ ms: 2.5 });
  });
});

describe('flushChangedFaults', () => {
  const flushed = (events: TimelineEvent[], store = createTimelineStore({ autoFlush: false })) => {
    store.getState().recordMany(events);
    store.getState().flush();
    return store;
  };

  it('notices latency set or cleared by the server (another tab, a terminal, a widget)', () => {
    expect(flushChangedFaults(flushed([serverFault({ action: 'latency', ms: 1000 })]).getState())).toBe(true);
    expect(flushChangedFaults(flushed([serverFault({ action: 'clear' })]).getState())).toBe(true);
  });

  it('ignores drops, browser events and other protocols', () => {
    const drop = serverFault({ action: 'drop', target: 'all', dropped: 0 });
    const browser = { ...serverFault({ action: 'latency', ms: 5 }), origin: 'browser' as const };
    const instanceStop = { ...serverFault({ action: 'latency', ms: 5 }), protocol: 'rest' as const };
    expect(flushChangedFaults(flushed([drop, browser, instanceStop]).getState())).toBe(false);
  });

  it('looks only at what the last flush brought, not at a fault seen long ago', () => {
    const store = flushed([serverFault({ action: 'latency', ms: 1000 })]);
    flushed([serverFault({ action: 'drop', target: 'all', dropped: 1 })], store);
    expect(flushChangedFaults(store.getState())).toBe(false);
  });

  it('sees nothing new after the timeline is cleared', () => {
    const store = flushed([serverFault({ action: 'clear' })]);
    store.getState().clear();
    expect(flushChangedFaults(store.getState())).toBe(false);
  });
});

describe('latestWins', () => {
  it('applies only the newest of overlapping loads, even when an older one answers last', async () => {
    const applied: number[] = [];
    const load = latestWins((value: number) => applied.push(value));
    let answerOld: (value: number) => void = () => undefined;
    const old = load(() => new Promise<number>((resolve) => (answerOld = resolve)));
    await load(async () => 2);
    answerOld(1);
    expect(await old).toBe(1);
    expect(applied).toEqual([2]);
  });
});

describe('createStatusLine', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('empties itself STATUS_TTL_MS after the last message, so an old outcome is not read as news', () => {
    const shown: string[] = [];
    const line = createStatusLine((text) => shown.push(text));
    line.set('latency set to 250 ms');
    vi.advanceTimersByTime(STATUS_TTL_MS - 1);
    line.set('faults cleared');
    vi.advanceTimersByTime(STATUS_TTL_MS - 1);
    expect(shown).toEqual(['latency set to 250 ms', 'faults cleared']);
    vi.advanceTimersByTime(1);
    expect(shown).toEqual(['latency set to 250 ms', 'faults cleared', '']);
  });

  it('stops its timer when disposed', () => {
    const show = vi.fn();
    const line = createStatusLine(show);
    line.set('dropped 1 connection');
    line.dispose();
    vi.advanceTimersByTime(STATUS_TTL_MS);
    expect(show).toHaveBeenCalledTimes(1);
  });
});
