/** What `GET /api/lab/info` returns: where every lab endpoint is. */
export interface LabInfo {
  name: 'api-patterns-lab';
  version: string;
  /** Base URL of the HTTP listener (pages and every HTTP/WebSocket endpoint). */
  httpUrl: string;
  /** WebSocket endpoints on the HTTP port, by name, as paths. */
  websockets: Record<string, string>;
  /** HTTP API endpoints, by name, as paths (may contain `{param}` placeholders). */
  endpoints: Record<string, string>;
  /** Extra listeners some protocols need, with their ports (null when not running). */
  listeners: Record<string, { port: number | null; protocol: string; note?: string }>;
  /** Targets accepted by `POST /api/lab/faults` with `action: "drop"`. */
  dropTargets: string[];
  session: { cookie: string; header: string; query: string; idleTimeoutMs: number };
}

export const SESSION_COOKIE = 'lab_session';
export const SESSION_HEADER = 'x-lab-session';
export const SESSION_QUERY = 'session';
/** Header the lab's browser clients send so both sides of one HTTP exchange share an id. */
export const TRACE_HEADER = 'x-lab-trace';
