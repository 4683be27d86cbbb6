/**
 * The live connections of every session, by protocol, so a fault can find
 * and kill them. Each protocol registers its sockets here with a `drop`
 * that destroys the transport (not a polite protocol goodbye), so the client
 * sees a real network failure and runs its own recovery.
 */
export interface LiveConnection {
  /** The logical connection id, shared with the browser's events when it sent one. */
  id: string;
  protocol: string;
  drop(): void;
}

export class ConnectionRegistry {
  private readonly bySession = new Map<string, Set<LiveConnection>>();

  /** Registers a connection; call the returned function when it closes. */
  track(sessionId: string, connection: LiveConnection): () => void {
    let set = this.bySession.get(sessionId);
    if (!set) {
      set = new Set();
      this.bySession.set(sessionId, set);
    }
    set.add(connection);
    return () => {
      set.delete(connection);
      if (set.size === 0 && this.bySession.get(sessionId) === set) this.bySession.delete(sessionId);
    };
  }

  /** Drops a session's connections of one protocol (or all); returns how many. */
  drop(sessionId: string, target: string): LiveConnection[] {
    const set = this.bySession.get(sessionId);
    if (!set) return [];
    const victims = [...set].filter((c) => target === 'all' || c.protocol === target);
    for (const c of victims) {
      set.delete(c);
      c.drop();
    }
    return victims;
  }

  count(sessionId: string): number {
    return this.bySession.get(sessionId)?.size ?? 0;
  }

  dropEverything(): void {
    for (const set of this.bySession.values()) for (const c of set) c.drop();
    this.bySession.clear();
  }
}
