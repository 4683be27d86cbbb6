import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { previewBody } from '../../../lib/timeline';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff';
import { type LabFetch, type LabResponseInfo, labResponseInfo } from './fetch';
import { type Recorder, shortId, toBase64 } from './recorder';
import { labSocketUrl, type SocketState } from './websocket';

/** Where the lab serves GraphQL: POST and GET over HTTP, graphql-ws over WebSocket. */
export const GRAPHQL_PATH = '/graphql';
const RAW_PREVIEW_BYTES = 1024;

/** What the lab's server adds to every response: the measured cost of the operation. */
export interface LabExtensions {
  sqlStatements: number;
  resolverCalls: number;
  dataLoader: boolean;
}

export interface GraphqlError {
  message: string;
  locations?: { line: number; column: number }[];
  path?: (string | number)[];
  extensions?: { code?: string; [key: string]: unknown };
}

export interface GraphqlBody<T> {
  data?: T | null;
  errors?: GraphqlError[];
  extensions?: { lab?: LabExtensions };
}

export interface GraphqlExchange<T> {
  status: number;
  /** The raw response text and its size in bytes (what crossed the wire, before any parsing). */
  text: string;
  bytes: number;
  /** null when the body isn't JSON at all (e.g. a 413 from the lab's body limit is problem+json, still JSON). */
  body: GraphqlBody<T> | null;
  /** The trace id the server's events for this request carry (`stream`): resolvers, SQL. */
  trace: string | undefined;
}

/**
 * One GraphQL operation as a plain POST with a JSON body: what every GraphQL
 * client sends, and what Apollo's CSRF prevention lets through (a JSON
 * content type forces a browser preflight for cross-site callers).
 */
export async function postGraphql<T = Record<string, unknown>>(
  labFetch: LabFetch,
  request: { query: string; variables?: Record<string, unknown>; operationName?: string },
): Promise<GraphqlExchange<T>> {
  const response = await labFetch(GRAPHQL_PATH, {
    protocol: 'graphql',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  let body: GraphqlBody<T> | null = null;
  try {
    body = JSON.parse(text) as GraphqlBody<T>;
  } catch {
    body = null;
  }
  return {
    status: response.status,
    text,
    bytes: new TextEncoder().encode(text).length,
    body,
    trace: labResponseInfo(response)?.trace,
  };
}

/** SHA-256 of a query text in hex, as automatic persisted queries name it (Web Crypto, no library). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface ApolloOptions {
  /** Send queries as automatic persisted queries: a GET with the hash, the text only when the server asks. */
  persisted?: boolean;
  /** Route subscriptions over this socket. */
  socket?: GraphqlSocket;
  /** Told about every HTTP exchange Apollo makes (never called when Apollo's own cache answers). */
  onExchange?: (info: LabResponseInfo & { method: string; status: number }) => void;
}

/**
 * An Apollo Client whose HTTP goes through the lab's instrumented fetch (so
 * each request and response, and any browser-cache hit, is on the timeline)
 * and whose subscriptions go through an instrumented graphql-ws socket.
 */
export function createApolloClient(labFetch: LabFetch, options: ApolloOptions = {}): ApolloClient {
  const http = new HttpLink({
    uri: GRAPHQL_PATH,
    // Apollo's CSRF prevention refuses GETs that a plain <img> or form could send: this header can't be.
    headers: { 'apollo-require-preflight': 'true' },
    fetch: async (input, init) => {
      const method = (init?.method ?? 'GET').toUpperCase();
      const response = await labFetch(String(input), { ...init, protocol: 'graphql' });
      const info = labResponseInfo(response);
      if (info) options.onExchange?.({ ...info, method, status: response.status });
      return response;
    },
  });
  const httpLink = options.persisted
    ? new PersistedQueryLink({ sha256: sha256Hex, useGETForHashedQueries: true }).concat(http)
    : http;
  const link = options.socket
    ? ApolloLink.split(
        ({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION,
        new GraphQLWsLink(options.socket.client),
        httpLink,
      )
    : httpLink;
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

/** `next #2`, `connection_ack`…: a graphql-transport-ws message, named for the timeline. */
export function describeMessage(text: string): string {
  try {
    const message = JSON.parse(text) as { type?: unknown; id?: unknown };
    if (typeof message.type === 'string') return `${message.type}${typeof message.id === 'string' ? ` #${message.id}` : ''}`;
  } catch {
    // not JSON
  }
  return JSON.stringify(text.slice(0, 60));
}

/**
 * A graphql-ws client (the graphql-transport-ws subprotocol) on the lab's
 * /graphql socket, instrumented: every message in and out, open, close,
 * reconnect attempts (with the lab's backoff) and reconnects are recorded on
 * the connection's lane. graphql-ws resubscribes active subscriptions by
 * itself after a reconnect; what was published while the socket was down is
 * not replayed.
 */
export class GraphqlSocket {
  readonly connId = shortId('gql');
  readonly client: Client;
  state: SocketState = 'connecting';
  private readonly listeners = new Set<(state: SocketState) => void>();
  private attempt = 0;

  /** `backoff` overrides the lab's reconnect timing (DEFAULT_BACKOFF), e.g. to leave a gap a student can act in. */
  constructor(record: Recorder, backoff: Partial<BackoffOptions> = {}) {
    const { connId } = this;
    const timing = { ...DEFAULT_BACKOFF, ...backoff };
    const recordMessage = (dir: 'in' | 'out', text: string) => {
      const bytes = new TextEncoder().encode(text);
      record({
        protocol: 'graphql',
        kind: 'message',
        dir,
        conn: connId,
        bytes: bytes.length,
        summary: `${dir === 'out' ? 'sent' : 'received'} ${describeMessage(text)}`,
        detail: { ...previewBody(text), raw: toBase64(bytes.subarray(0, RAW_PREVIEW_BYTES)) },
      });
    };
    // graphql-ws creates its sockets with `new webSocketImpl(url, protocol)`: this one records what passes.
    class RecordedWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('message', (e) => recordMessage('in', typeof e.data === 'string' ? e.data : '<binary>'));
      }
      override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
        super.send(data);
        recordMessage('out', typeof data === 'string' ? data : '<binary>');
      }
    }
    const url = labSocketUrl(GRAPHQL_PATH, { conn: connId });
    record({
      protocol: 'graphql',
      kind: 'note',
      conn: connId,
      summary: `connecting to ${GRAPHQL_PATH} (graphql-transport-ws)…`,
      detail: { url, fields: { phase: 'connecting' } },
    });
    this.client = createClient({
      url,
      webSocketImpl: RecordedWebSocket,
      lazy: false,
      retryAttempts: Number.POSITIVE_INFINITY,
      // A drop (1006) or a restart: always try again, with the lab's backoff.
      shouldRetry: () => true,
      retryWait: (retries) => {
        this.attempt = retries + 1;
        const delayMs = backoffDelay(this.attempt, timing);
        record({
          protocol: 'graphql',
          kind: 'reconnect-attempt',
          conn: connId,
          summary: `reconnect attempt ${this.attempt} in ${delayMs} ms`,
          detail: { attempt: this.attempt, delayMs },
        });
        this.setState('reconnecting');
        return new Promise((resolve) => setTimeout(resolve, delayMs));
      },
      on: {
        connected: (_socket, _payload, wasRetry) => {
          record({
            protocol: 'graphql',
            kind: wasRetry ? 'reconnected' : 'open',
            conn: connId,
            summary: wasRetry
              ? `reconnected after ${this.attempt} attempt${this.attempt === 1 ? '' : 's'}`
              : `open: ${GRAPHQL_PATH} (connection_ack received)`,
            detail: { url, attempt: this.attempt },
          });
          this.attempt = 0;
          this.setState('open');
        },
        closed: (event) => {
          const { code, reason, wasClean } = event as CloseEvent;
          record({
            protocol: 'graphql',
            kind: 'close',
            conn: connId,
            summary:
              code === 1006
                ? 'connection lost (code 1006: abnormal closure, no close frame)'
                : `closed (code ${code}${reason ? `: ${reason}` : ''})`,
            detail: { code, reason, wasClean },
          });
          if (this.state !== 'closed') this.setState('reconnecting');
        },
      },
    });
  }

  subscribe(listener: (state: SocketState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes on purpose: no reconnect. */
  close(): void {
    this.setState('closed');
    void this.client.dispose();
  }

  private setState(state: SocketState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}
