import { randomUUID } from 'node:crypto';
import { now } from '../../lib/clock';
import type { EventInput, TimelineEvent } from '../../lib/timeline';

type Listener = (event: TimelineEvent) => void;

/** One session's server-side events: numbered, bounded, and observable. */
class SessionLog {
  private readonly events: TimelineEvent[] = [];
  private readonly listeners = new Set<Listener>();
  lastSeq = 0;

  constructor(private readonly capacity: number) {}

  append(input: EventInput): TimelineEvent {
    const seq = ++this.lastSeq;
    // Object.assign, not `{ ...input, … }`: inputs come in many shapes, and V8's spread
    // then takes a slow path that cost ~6 µs per event (measured; assign: ~0.5 µs).
    const event: TimelineEvent = Object.assign({}, input, { id: `s:${seq}`, seq, at: input.at ?? now() });
    this.events.push(event);
    // Trim in chunks so a full log doesn't shift the array on every append.
    if (this.events.length > this.capacity * 1.1) this.events.splice(0, this.events.length - this.capacity);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Events with seq > after, oldest first, and the first seq still held (to detect gaps). */
  after(after: number): { events: TimelineEvent[]; firstHeld: number } {
    const firstHeld = this.events[0]?.seq ?? this.lastSeq + 1;
    const start = Math.max(0, after + 1 - firstHeld);
    return { events: this.events.slice(start), firstHeld };
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
