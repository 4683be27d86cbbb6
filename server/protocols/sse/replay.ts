import { now } from '../../../lib/clock';

/** One published event, numbered by its series. */
export interface SeriesEvent {
  id: number;
  /** The SSE event type (the client's addEventListener name). */
  event: string;
  data: string;
  /** When it was published (server clock, ms): lets clients measure delivery delay. */
  at: number;
}

/** What a (re)connecting client gets before the live events. */
export type Replay =
  /** Everything after the client's Last-Event-ID is still held (possibly nothing). */
  | { kind: 'complete'; events: SeriesEvent[] }
  /** Some events after Last-Event-ID already fell out of the buffer: `missed` of them, ids `from`..`to`. */
  | { kind: 'gap'; from: number; to: number; missed: number; events: SeriesEvent[] }
  /** The client claims an id this series never produced. */
  | { kind: 'future'; lastId: number };

type Subscriber = (event: SeriesEvent) => void;

/**
 * A numbered stream of events with a bounded replay buffer: the heart of
 * SSE resume. A client that reconnects with Last-Event-ID n gets every
 * held event after n, then the live ones; because publish, replay and
 * subscribe all run on the one JavaScript thread, nothing can slip between
 * the replay and the subscription — no gap, no duplicate.
 */
export class EventSeries {
  private readonly buffer: SeriesEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private nextId = 1;

  constructor(readonly capacity: number) {}

  publish(event: string, data: string, at = now()): SeriesEvent {
    const published: SeriesEvent = { id: this.nextId++, event, data, at };
    this.buffer.push(published);
    if (this.buffer.length > this.capacity) this.buffer.shift();
    for (const subscriber of this.subscribers) subscriber(published);
    return published;
  }

  /** The id of the newest event, 0 before the first. */
  get lastId(): number {
    return this.nextId - 1;
  }

  /** The events a client that has seen up to `lastId` missed. */
  since(lastId: number): Replay {
    if (lastId > this.lastId) return { kind: 'future', lastId: this.lastId };
    const oldest = this.buffer[0]?.id ?? this.nextId;
    const events = this.buffer.filter((e) => e.id > lastId);
    if (lastId >= oldest - 1) return { kind: 'complete', events };
    return { kind: 'gap', from: lastId + 1, to: oldest - 1, missed: oldest - 1 - lastId, events };
  }

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => {
      this.subscribers.delete(subscriber);
    };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }
}
