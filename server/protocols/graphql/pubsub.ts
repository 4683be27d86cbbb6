import { EventEmitter, on } from 'node:events';

export interface TransactionCreated {
  id: string;
  accountId: string;
  amount: number;
  description: string;
  createdAt: string;
  merchantId: string | null;
}

/**
 * In-process publish/subscribe for `transactionCreated`, per session and
 * account. Like any plain pub/sub it keeps nothing: a subscriber that is not
 * connected when an event is published never sees it (the lesson's point
 * about refetching after a reconnect).
 */
export class BankEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open subscription: many is normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  private static key(sessionId: string, accountId: string): string {
    return `${sessionId}/${accountId}`;
  }

  publish(sessionId: string, transaction: TransactionCreated): void {
    this.emitter.emit(BankEvents.key(sessionId, transaction.accountId), transaction);
  }

  /**
   * The subscription's source stream: each item is the emit's arguments, `[transaction]`
   * (the field's `resolve` picks it out). Node's `on()` iterator is returned as is, because
   * its `return()` removes the listener at once, even while it waits; an async generator
   * wrapped around it would only notice at the next event.
   */
  transactionCreated(sessionId: string, accountId: string): AsyncIterableIterator<[TransactionCreated]> {
    return on(this.emitter, BankEvents.key(sessionId, accountId)) as AsyncIterableIterator<[TransactionCreated]>;
  }

  listenerCount(sessionId: string, accountId: string): number {
    return this.emitter.listenerCount(BankEvents.key(sessionId, accountId));
  }
}
