import { randomUUID } from 'node:crypto';
import { now } from '../../lib/clock';
import type { EventInput, TimelineEvent } from '../../lib/timeline';

/**
 * Says what an event was, when someone asks. A busy tap (an HTTP exchange, an
 * SQL statement, a gRPC call) records its events with `defer`, handing the log
 * itself instead of finished events: it keeps the raw facts it already has
 * (Node's raw header list, the statement's parameters), and the event — words,
 * header records, previews — is built only when it is read: pushed to a
 * watching tab, fetched to catch up, exported. Most events of a busy session
 * are never read, and building and keeping them was most of what the taps
 * cost (see the REST section of docs/PERFORMANCE.md).
 *
 * `part` tells which of the describer's events is meant (a request or its
 * response, say). A describer must hold no connection, request or socket: the
 * log keeps it as long as it keeps the event.
 */
export interface EventDescriber<Part = unknown> {
  describe(part: Part, at: number): EventInput;
}

/** What the log holds in a deferred event's `parts` slot once the event has been described. */
const DESCRIBED = Symbol('described');

/** Builds a deferred event. A describer that fails must not take the timeline down: the event says what went wrong. */
function describedEvent(seq: number, at: number, describer: EventDescriber, part: unknown): TimelineEvent {
  let input: EventInput;
  try {
    input = describer.describe(part, at);
  } catch (error: unknown) {
    input = {
      origin: 'server',
      protocol: 'lab',
      kind: 'error',
      summary: `The lab could not describe this event: ${(error as Error).message}`,
    };
  }
  return Object.assign(input, { id: `s:${seq}`, seq, at });
}

/** A describer that adds to what another says (e.g. which resolver ran a statement). */
export function annotated<Part>(
  describer: EventDescriber<Part>,
  extra: Pick<EventInput, 'stream' | 'conn'> & { fields: Record<string, string> },
): EventDescriber<Part> {
  const { fields, ...tags } = extra;
  return {
    describe(part, at) {
      const event = describer.describe(part, at);
      return { ...event, ...tags, detail: { ...event.detail, fields: { ...event.detail?.fields, ...fields } } };
    },
  };
}

type Listener = (event: TimelineEvent) => void;

/**
 * One session's timeline, for a tap that records many events on it (a
 * WebSocket's frames and messages): the same `record` and `defer` as the
 * lab's, without finding the session's log for every event. It is the log
 * itself, so hold it only while the session lives (the lab drops a session's
 * connections when it expires).
 */
export interface SessionTimeline {
  record(input: EventInput): TimelineEvent;
  defer<Part>(describer: EventDescriber<Part>, part: Part, at?: number): void;
}

/**
 * One session's server-side events: numbered, bounded, and observable.
 *
 * The last `capacity` events live in a ring of three parallel arrays, slot
 * `(seq - 1) % capacity`: `held` (the event, or the describer of a deferred
 * one), `parts` (the deferred event's part, or DESCRIBED) and `ats` (its
 * time; a double array, so a number costs no allocation). A deferred event
 * thus costs the log no object of its own: at thousands of events a second
 * every object kept for seconds is one the garbage collector must copy and
 * promote (see the REST section of docs/PERFORMANCE.md).
 */
class SessionLog implements SessionTimeline {
  private readonly held: (TimelineEvent | EventDescriber)[] = [];
  private readonly parts: unknown[] = [];
  private readonly ats: number[] = [];
  private readonly listeners = new Set<Listener>();
  lastSeq = 0;
  /** At least one slot: LAB_EVENT_LOG_SIZE=0 keeps only the latest event. */
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  record(input: EventInput): TimelineEvent {
    const seq = ++this.lastSeq;
    // Object.assign, not `{ ...input, … }`: inputs come in many shapes, and V8's spread
    // then takes a slow path that cost ~6 µs per event (measured; assign: ~0.5 µs).
    const event: TimelineEvent = Object.assign({}, input, { id: `s:${seq}`, seq, at: input.at ?? now() });
    this.hold(seq, event, DESCRIBED, event.at as number);
    this.publish(event);
    return event;
  }

  defer<Part>(describer: EventDescriber<Part>, part: Part, at: number = now()): void {
    const seq = ++this.lastSeq;
    if (this.listeners.size === 0) {
      this.hold(seq, describer as EventDescriber, part, at);
      return;
    }
    // Someone is watching: they need the event now.
    const event = describedEvent(seq, at, describer as EventDescriber, part);
    this.hold(seq, event, DESCRIBED, at);
    this.publish(event);
  }

  private hold(seq: number, held: TimelineEvent | EventDescriber, part: unknown, at: number): void {
    const slot = (seq - 1) % this.capacity;
    this.held[slot] = held;
    this.parts[slot] = part;
    this.ats[slot] = at;
  }

  private publish(event: TimelineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Events with seq > after, oldest first, and the first seq still held (to detect gaps). */
  after(after: number): { events: TimelineEvent[]; firstHeld: number } {
    const firstHeld = Math.max(1, this.lastSeq - this.capacity + 1);
    const found: TimelineEvent[] = [];
    for (let seq = Math.max(after + 1, firstHeld); seq <= this.lastSeq; seq++) {
      const slot = (seq - 1) % this.capacity;
      const part = this.parts[slot];
      if (part === DESCRIBED) {
        found.push(this.held[slot] as TimelineEvent);
        continue;
      }
      // Described on first read, and kept as described.
      const event = describedEvent(seq, this.ats[slot] as number, this.held[slot] as EventDescriber, part);
      this.hold(seq, event, DESCRIBED, event.at as number);
      found.push(event);
    }
    return { events: found, firstHeld };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Every session's server-side timeline. `epoch` names this process's logs:
 * sequence numbers restart after a server restart, and clients use the epoch
 * to notice.
 */
export class EventLog {
  readonly epoch = randomUUID();
  private readonly logs = new Map<string, SessionLog>();

  constructor(private readonly capacity: number) {}

  record(sessionId: string, input: EventInput): TimelineEvent {
    return this.log(sessionId).record(input);
  }

  /** Records an event that `describer` will describe when it is first read (see EventDescriber). */
  defer<Part>(sessionId: string, describer: EventDescriber<Part>, part: Part, at: number = now()): void {
    this.log(sessionId).defer(describer, part, at);
  }

  /** The session's timeline as a handle (see SessionTimeline). */
  session(sessionId: string): SessionTimeline {
    return this.log(sessionId);
  }

  after(sessionId: string, after: number) {
    return this.log(sessionId).after(after);
  }

  lastSeq(sessionId: string): number {
    return this.logs.get(sessionId)?.lastSeq ?? 0;
  }

  subscribe(sessionId: string, listener: Listener): () => void {
    return this.log(sessionId).subscribe(listener);
  }

  forget(sessionId: string): void {
    this.logs.delete(sessionId);
  }

  private log(sessionId: string): SessionLog {
    let log = this.logs.get(sessionId);
    if (!log) {
      log = new SessionLog(this.capacity);
      this.logs.set(sessionId, log);
    }
    return log;
  }
}
