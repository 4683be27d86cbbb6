/** The body of `POST /api/lab/faults`. */
export type FaultRequest = { action: 'drop'; target: string } | { action: 'latency'; ms: number } | { action: 'clear' };

export const FAULT_ACTIONS = ['drop', 'latency', 'clear'] as const;
/** Upper bound for injected latency, so a typo can't freeze a session for hours. */
export const MAX_LATENCY_MS = 30_000;

export interface FaultState {
  latencyMs: number;
}

/** What one drop target covers, in words for the fault bar (the id stays what the API takes). */
export interface DropTargetDescription {
  /** Which connections the target destroys, shown next to its id. */
  covers: string;
  /** Why a drop of this target found nothing, completing "nothing to drop: …". */
  noneOpen: string;
}

/**
 * The drop targets the route table offers (server/routes.ts), described. The ids come from the
 * server (GET /api/lab/info); one missing here still works, just without a description.
 */
export const DROP_TARGET_DESCRIPTIONS: Readonly<Record<string, DropTargetDescription>> = {
  all: {
    covers: 'every connection of this session',
    noneOpen: 'this session has no connection open right now',
  },
  websocket: {
    covers: "the intro lesson's echo socket",
    noneOpen: 'no echo socket from the intro lesson is open in this session right now (the WebSocket lesson\'s sockets are "ws")',
  },
  'graphql-ws': {
    covers: 'GraphQL subscriptions (graphql-ws)',
    noneOpen: 'no GraphQL subscription socket is open in this session right now',
  },
  ws: {
    covers: "the WebSocket lesson's sockets (echo, chat)",
    noneOpen: "no socket from the WebSocket lesson's echo or chat is open in this session right now",
  },
  socketio: {
    covers: 'socket.io connections',
    noneOpen: 'no socket.io connection is open in this session right now',
  },
  mqtt: {
    covers: 'MQTT clients (browser and terminal)',
    noneOpen: 'no MQTT client of this session is connected to the broker right now',
  },
  rest: {
    covers: 'REST requests in flight',
    noneOpen: 'no REST request of this session is in flight right now (they are quick: add latency first)',
  },
  sse: {
    covers: 'Server-Sent Events streams',
    noneOpen: 'no Server-Sent Events stream is open in this session right now',
  },
  polling: {
    covers: 'parked long polls',
    noneOpen: 'no long poll of this session is parked on the server right now',
  },
  grpc: {
    covers: 'gRPC calls in flight',
    noneOpen: 'no gRPC call of this session is in flight right now',
  },
  stream: {
    covers: 'streaming downloads and uploads',
    noneOpen: 'no streaming download or upload of this session is running right now',
  },
};

/** The text of a drop target's option: its id, and what it covers when known. */
export function dropTargetLabel(target: string): string {
  const description = DROP_TARGET_DESCRIPTIONS[target];
  return description ? `${target} — ${description.covers}` : target;
}
