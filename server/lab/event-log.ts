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

/** A deferred event as the log holds it until it is read: four slots, whatever the event will say. */
class Deferred<Part = unknown> {
  constructor(
    readonly seq: number,
    readonly at: number,
    readonly describer: EventDescriber<Part>,
    readonly part: Part,
  ) {}

  event(): TimelineEvent {
    const { seq, at } = this;
    return Object.assign(this.described(), { id: `s:${seq}`, seq, at });
  }

  /** A describer that fails must not take the timeline down with it: the event says what went wrong. */
  private described(): EventInput {
    try {
      return this.describer.describe(this.part, this.at);
    } catch (error: unknown) {
      return {
        origin: 'server',
        protocol: 'lab',
        kind: 'error',
        summary: `The lab could not describe this event: ${(error as Error).message}`,
      };
    }
  }
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

/** One session's server-side events: numbered, bounded, and observable. */
class SessionLog {
  /** Deferred entries are replaced by their events the first time they are read. */
  private readonly events: (TimelineEvent | Deferred)[] = [];
  private readonly listeners = new Set<Listener>();
  lastSeq = 0;

  constructor(private readonly capacity: number) {}

  append(input: EventInput): TimelineEvent {
    const seq = ++this.lastSeq;
    // Object.assign, not `{ ...input, … }`: inputs come in many shapes, and V8's spread
    // then takes a slow path that cost ~6 µs per event (measured; assign: ~0.5 µs).
    const event: TimelineEvent = Object.assign({}, input, { id: `s:${seq}`, seq, at: input.at ?? now() });
    this.hold(event);
    return event;
  }

  defer<Part>(describer: EventDescriber<Part>, part: Part, at: number): void {
    const entry = new Deferred(++this.lastSeq, at, describer, part);
    // Someone is watching: they need the event now.
    this.hold(this.listeners.size > 0 ? entry.event() : (entry as Deferred));
  }

  private hold(held: TimelineEvent | Deferred): void {
    this.events.push(held);
    // Trim in chunks so a full log doesn't shift the array on every append.
    if (this.events.length > this.capacity * 1.1) this.events.splice(0, this.events.length - this.capacity);
    if (held instanceof Deferred) return;
    for (const listener of this.listeners) listener(held);
  }

  /** Events with seq > after, oldest first, and the first seq still held (to detect gaps). */
  after(after: number): { events: TimelineEvent[]; firstHeld: number } {
    const { events } = this;
    const firstHeld = events[0]?.seq ?? this.lastSeq + 1;
    const found: TimelineEvent[] = [];
    for (let i = Math.max(0, after + 1 - firstHeld); i < events.length; i++) {
      let held = events[i] as TimelineEvent | Deferred;
      if (held instanceof Deferred) {
        held = held.event();
        events[i] = held;
      }
      found.push(held);
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
    return this.log(sessionId).append(input);
  }

  /** Records an event that `describer` will describe when it is first read (see EventDescriber). */
  defer<Part>(sessionId: string, describer: EventDescriber<Part>, part: Part, at: number = now()): void {
    this.log(sessionId).defer(describer, part, at);
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
