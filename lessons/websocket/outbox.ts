/**
 * The chat's outbox: every message gets an id when it is typed and stays
 * here until the server acknowledges that id. Whatever is still here when a
 * connection (re)opens is sent again — messages typed while offline, and any
 * that were in flight when the connection died (their ack may have been
 * lost). Re-sending can duplicate, so the server drops ids it has seen: at
 * least once on the wire, exactly once in the chat.
 */
export interface OutboxMessage {
  id: string;
  text: string;
  /** How many times it has been handed to the socket. */
  sends: number;
}

export class Outbox {
  private readonly pending = new Map<string, OutboxMessage>();
  private next = 0;

  constructor(private readonly prefix: string) {}

  /** Queues a new message and returns it (send it now if the socket is open). */
  add(text: string): OutboxMessage {
    this.next += 1;
    const message = { id: `${this.prefix}-${this.next}`, text, sends: 0 };
    this.pending.set(message.id, message);
    return message;
  }

  /** The server has it: forget it. Returns false for an id that wasn't pending (a duplicate ack). */
  ack(id: string): boolean {
    return this.pending.delete(id);
  }

  /** Everything not yet acknowledged, oldest first: what to (re)send when the socket opens. */
  unacked(): OutboxMessage[] {
    return [...this.pending.values()];
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** The wire form of a message, counting the send. */
  wire(message: OutboxMessage): string {
    message.sends += 1;
    return JSON.stringify({ type: 'message', id: message.id, text: message.text });
  }
}
