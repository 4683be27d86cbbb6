import type { IncomingMessage } from 'node:http';
import type { EventInput, TimelineEvent } from '../../lib/timeline';
import type { LabConfig } from './config';
import { ConnectionRegistry } from './connections';
import { LabDatabase, type RecordStatement, type SessionDb } from './db';
import { type EventDescriber, EventLog } from './event-log';
import { FaultBook } from './faults';
import { SessionLimit } from './session-limit';
import { SessionStore } from './sessions';

/** The lab's shared services, created once per process and handed to every route. */
export interface Lab {
  config: LabConfig;
  db: LabDatabase;
  sessions: SessionStore;
  /** The limit on creating sessions, per client address (LAB_SESSIONS_PER_MINUTE). */
  sessionLimit: SessionLimit;
  /**
   * Creates a session for the client behind `req`, within the session limit: throws the `429`
   * HttpError when its address has created too many lately. Every endpoint that creates a session
   * for a client goes through here (tests and benchmarks may call `sessions.create()` directly).
   */
  createSession(req: IncomingMessage): string;
  events: EventLog;
  connections: ConnectionRegistry;
  faults: FaultBook;
  /** Appends a server-side event to a session's timeline. */
  record(sessionId: string, event: EventInput): TimelineEvent;
  /** Appends an event that `describer` builds when it is first read (busy taps; see EventDescriber). */
  defer<Part>(sessionId: string, describer: EventDescriber<Part>, part: Part, at?: number): void;
  /** The session's bank, with every statement recorded on its timeline. */
  sessionDb(sessionId: string): SessionDb;
  /** Ports of listeners started after the HTTP one (MQTT, gRPC, ...), for /api/lab/info. */
  listeners: Map<string, { port: number | null; protocol: string; note?: string }>;
  close(): void;
}

export function createLab(config: LabConfig): Lab {
  const db = new LabDatabase(config.dbPath);
  const sessions = new SessionStore(db, config.sessionIdleMs);
  const sessionLimit = new SessionLimit(config);
  const events = new EventLog(config.eventLogSize);
  const connections = new ConnectionRegistry();
  const faults = new FaultBook();
  const record = (sessionId: string, event: EventInput) => events.record(sessionId, event);
  // Made once: `sessionDb` runs for most requests.
  const recordStatement: RecordStatement = config.recordHttpAndSql
    ? (sessionId, statement, durationMicros, at) => events.defer(sessionId, statement, durationMicros, at)
    : () => {};

  sessions.onExpire((id) => {
    connections.drop(id, 'all');
    faults.clear(id);
    events.forget(id);
  });

  return {
    config,
    db,
    sessions,
    sessionLimit,
    createSession(req) {
      const refused = sessionLimit.take(req);
      if (refused) throw refused;
      return sessions.create();
    },
    events,
    connections,
    faults,
    record,
    defer: (sessionId, describer, part, at) => events.defer(sessionId, describer, part, at),
    sessionDb: (sessionId) => db.forSession(sessionId, recordStatement),
    listeners: new Map(),
    close() {
      sessions.stop();
      connections.dropEverything();
      db.close();
    },
  };
}
