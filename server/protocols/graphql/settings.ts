/** Per-session switches of the GraphQL lesson. Today one: whether merchants are loaded through DataLoader. */
export interface GraphqlSettings {
  dataLoader: boolean;
}

/** DataLoader starts off, so a student sees the N+1 problem before the fix. */
export const DEFAULT_SETTINGS: GraphqlSettings = { dataLoader: false };

export class SettingsBook {
  private readonly bySession = new Map<string, GraphqlSettings>();

  get(sessionId: string): GraphqlSettings {
    return this.bySession.get(sessionId) ?? DEFAULT_SETTINGS;
  }

  set(sessionId: string, patch: Partial<GraphqlSettings>): GraphqlSettings {
    const next = { ...this.get(sessionId), ...patch };
    this.bySession.set(sessionId, next);
    return next;
  }

  forget(sessionId: string): void {
    this.bySession.delete(sessionId);
  }
}
