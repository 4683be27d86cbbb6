import { DROP_TARGET_DESCRIPTIONS, type FaultRequest, type FaultState, MAX_LATENCY_MS } from '../../lib/faults';
import { problemMessage } from '../../lib/problem';
import type { TimelineEvent } from '../../lib/timeline';
import type { TimelineState } from '../timeline/store';
import type { LabFetch } from './clients/fetch';
import { getLabJson } from './clients/plumbing';

/** What POST /api/lab/faults answers, per action. */
export type FaultReply<R extends FaultRequest> = R extends { action: 'drop' } ? { dropped: number } : FaultState;

/**
 * Sends a fault through the instrumented fetch, so the request and the
 * server's fault event both appear on the student's timeline.
 * Throws an Error carrying the server's problem detail when it refuses.
 */
export async function postFault<R extends FaultRequest>(labFetch: LabFetch, request: R): Promise<FaultReply<R>> {
  const response = await labFetch('/api/lab/faults', {
    method: 'POST',
    protocol: 'lab',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new Error(problemMessage(body) ?? `The lab answered ${response.status}`);
  return body as FaultReply<R>;
}

/** The session's lasting faults as the server has them now (lab plumbing: kept off the timeline). */
export function getFaults(): Promise<FaultState> {
  return getLabJson<FaultState>('/api/lab/faults');
}

export function droppedText(count: number): string {
  return `dropped ${count} connection${count === 1 ? '' : 's'}`;
}

/**
 * What a drop did, for a student: how many connections died, or, when none did,
 * why (a bare "dropped 0" reads like a broken button).
 */
export function dropOutcomeText(target: string, count: number): string {
  if (count > 0) return droppedText(count);
  const why = DROP_TARGET_DESCRIPTIONS[target]?.noneOpen ?? `no "${target}" connection is open in this session right now`;
  return `nothing to drop: ${why}`;
}

/** What Shift+L asks for, given the latency the server has now: on → off, off → `onMs`. */
export function toggledLatency(currentMs: number, onMs: number): number {
  return currentMs > 0 ? 0 : onMs;
}

/**
 * Reads the latency box. An empty box (or one the browser could not read as a number) is an
 * error here, never a silent 0; any number goes on to the server, which explains what it accepts
 * (whole milliseconds, 0 to MAX_LATENCY_MS), so the refusal is on the timeline too.
 */
export function parseLatencyInput(text: string): { ms: number } | { error: string } {
  const trimmed = text.trim();
  const ms = Number(trimmed);
  if (trimmed === '' || !Number.isFinite(ms)) {
    return { error: `Type a latency first: a whole number of milliseconds from 0 to ${MAX_LATENCY_MS} (0 turns it off).` };
  }
  return { ms };
}

/** True for a server event that may have changed the session's lasting faults (latency set or cleared). */
export function changesFaults(event: TimelineEvent): boolean {
  if (event.origin !== 'server' || event.protocol !== 'lab' || event.kind !== 'fault') return false;
  const action = event.detail?.fields?.action;
  return action === 'latency' || action === 'clear';
}

/**
 * True when the timeline's last flush brought in an event that changes faults: another tab, a
 * terminal or a widget of this session set or cleared them. Only the part of `events` the flush
 * touched is scanned (server events land near the end).
 */
export function flushChangedFaults(state: Pick<TimelineState, 'events' | 'version' | 'lastChange'>): boolean {
  const change = state.lastChange;
  // null: the events were replaced wholesale (cleared, imported): nothing new arrived.
  if (!change || change.version !== state.version) return false;
  for (let i = change.firstChanged; i < state.events.length; i++) {
    const event = state.events[i];
    if (event && changesFaults(event)) return true;
  }
  return false;
}

/**
 * Wraps a state setter so that, of overlapping loads (a read on focus, an action's answer), only
 * the one started last is applied: a slow old answer never overwrites a newer one.
 */
export function latestWins<T>(apply: (value: T) => void): (load: () => Promise<T>) => Promise<T> {
  let started = 0;
  return async (load) => {
    const ticket = ++started;
    const value = await load();
    if (ticket === started) apply(value);
    return value;
  };
}

/** How long an outcome stays in the status line: long enough to read, short enough not to pass for news. */
export const STATUS_TTL_MS = 10_000;

/**
 * A status line that empties itself `ttlMs` after each message, so "latency set to 250 ms" from
 * ten minutes ago is not read as the current state (the latency notice shows that).
 */
export function createStatusLine(show: (text: string) => void, ttlMs = STATUS_TTL_MS) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    set(text: string) {
      clearTimeout(timer);
      show(text);
      timer = setTimeout(() => show(''), ttlMs);
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}
