import { handleProtocols } from 'graphql-ws';
// Renamed: it is not a React hook, whatever its name says.
import { useServer as serveGraphqlWs } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { previewBody } from '../../../lib/timeline';
import type { UpgradeContext } from '../../http/router';
import { terminalClient } from '../../http/session';
import type { Lab } from '../../lab';
import { closeDescription, connectionIdFrom, watchRefusals } from '../../lab/websocket';
import { createContext } from './context';
import { type GraphQLSchema, specifiedRules, type ValidationRule, validate } from './graphql-js';
import type { BankEvents } from './pubsub';
import type { SettingsBook } from './settings';

/** The drop target (POST /api/lab/faults) for graphql-ws sockets. */
export const GRAPHQL_WS_DROP_TARGET = 'graphql-ws';
/** graphql-transport-ws messages are small JSON; anything bigger is refused with close code 1009. */
const MAX_MESSAGE_BYTES = 64 * 1024;
const RAW_PREVIEW_BYTES = 1024;

interface SocketInfo {
  sessionId: string;
  connId: string;
}

/** `next #1`, `connection_ack`…: the graphql-transport-ws message type, for the timeline summary. */
function messageName(text: string): string {
  try {
    const message = JSON.parse(text) as { type?: unknown; id?: unknown };
    if (typeof message.type === 'string') return `${message.type}${typeof message.id === 'string' ? ` #${message.id}` : ''}`;
  } catch {
    // not JSON: the server will close the socket with 4400; show the text itself
  }
  return JSON.stringify(text.slice(0, 60));
}

/**
 * graphql-ws (the graphql-transport-ws subprotocol) on WebSocket /graphql.
 * The `ws` server runs without a port of its own: the lab's upgrade table
 * hands it each socket after checking the session. Every message in either
 * direction is recorded, and each socket is a `graphql-ws` drop target: a drop
 * terminates the TCP connection (the client sees 1006 and reconnects).
 */
export function createSubscriptions(
  lab: Lab,
  schema: GraphQLSchema,
  deps: { events: BankEvents; settings: SettingsBook; validationRules: ValidationRule[] },
) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, handleProtocols });
  const sockets = new WeakMap<WebSocket, SocketInfo>();
  const rules = [...specifiedRules, ...deps.validationRules];

  const server = serveGraphqlWs(
    {
      schema,
      // The same depth/cost/alias limits as over HTTP.
      validate: (s, document) => validate(s, document, rules),
      context: ({ extra }, id) => {
        const info = sockets.get(extra.socket) as SocketInfo;
        return createContext({
          lab,
          sessionId: info.sessionId,
          trace: `${info.connId}/${id}`,
          conn: info.connId,
          dataLoader: deps.settings.get(info.sessionId).dataLoader,
          events: deps.events,
        });
      },
    },
    wss,
  );

  function accept(ctx: UpgradeContext): void {
    const { sessionId, url } = ctx;
    const connId = connectionIdFrom(url, 'gql');
    wss.handleUpgrade(ctx.req, ctx.socket, ctx.head, (ws) => {
      let dropped = false;
      sockets.set(ws, { sessionId, connId });
      const untrack = lab.connections.track(sessionId, {
        id: connId,
        protocol: GRAPHQL_WS_DROP_TARGET,
        drop: () => {
          dropped = true;
          ws.terminate();
        },
      });
      const record = (dir: 'in' | 'out', data: Buffer) => {
        const text = data.toString('utf8');
        lab.record(sessionId, {
          origin: 'server',
          protocol: 'graphql',
          kind: 'message',
          dir,
          conn: connId,
          bytes: data.length,
          summary: `${dir === 'in' ? 'received' : 'sent'} ${messageName(text)}`,
          detail: { raw: data.subarray(0, RAW_PREVIEW_BYTES).toString('base64'), ...previewBody(text) },
        });
      };
      const terminal = terminalClient(ctx.req);
      if (terminal) {
        // A terminal subscriber (scripts/graphql-subscribe.ts, wscat) can't report for itself:
        // its upgrade request is recorded here, just before the server's side.
        lab.record(sessionId, {
          origin: 'terminal',
          protocol: 'graphql',
          kind: 'request',
          dir: 'out',
          conn: connId,
          summary: `${terminal}: GET ${url.pathname} (Upgrade: websocket, subprotocol ${ctx.req.headers['sec-websocket-protocol'] ?? 'none'})`,
          detail: { method: 'GET', url: url.pathname, fields: { client: terminal } },
        });
      }
      lab.record(sessionId, {
        origin: 'server',
        protocol: 'graphql',
        kind: 'open',
        conn: connId,
        summary: `WebSocket ${url.pathname} accepted (101 Switching Protocols, subprotocol ${ws.protocol || 'none'})`,
        detail: { url: url.pathname, fields: { subprotocol: ws.protocol || null } },
      });
      // Record before graphql-ws sees a message, and every message it sends.
      ws.on('message', (data) => record('in', Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer)));
      const send = ws.send.bind(ws) as (data: unknown, ...rest: unknown[]) => void;
      ws.send = ((data: unknown, ...rest: unknown[]) => {
        record('out', Buffer.from(String(data)));
        send(data, ...rest);
      }) as typeof ws.send;
      const refusal = watchRefusals(ws, () => dropped);
      ws.on('close', (code, reason) => {
        untrack();
        lab.record(sessionId, {
          origin: 'server',
          protocol: 'graphql',
          kind: 'close',
          conn: connId,
          ...closeDescription(code, reason, {
            dropped,
            droppedSummary: 'Connection destroyed by the lab (drop fault): its subscriptions are gone',
            refusal: refusal(),
          }),
        });
      });
      wss.emit('connection', ws, ctx.req);
    });
  }

  /** Closes every socket with 1001 (going away) and the ws server. */
  const close = async (): Promise<void> => {
    await server.dispose();
  };

  return { accept, close };
}
