import http2 from 'node:http2';
import { createContextValues } from '@connectrpc/connect';
import type { UniversalHandler } from '@connectrpc/connect/protocol';
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from '@connectrpc/connect-node';
import { TRACE_HEADER } from '../../../lib/lab-info';
import { terminalClient } from '../../http/session';
import type { Lab } from '../../lab';
import { SESSION, sessionFromHeaders } from './session';
import { tappedCall } from './tap';
import { wireFormat } from './wire';

/** What connect-node's own adapter accepts: an HTTP/1.1 or an HTTP/2 exchange. */
type NodeServerRequest = Parameters<typeof universalRequestFromNodeRequest>[0];
type NodeServerResponse = Parameters<typeof universalResponseToNodeResponse>[1];

let callCounter = 0;

/**
 * One service's handlers twice: for calls whose session the adapter has
 * checked, and (behind an interceptor that refuses them) for the rest.
 */
export interface SessionHandlers {
  withSession: UniversalHandler[];
  withoutSession: UniversalHandler[];
}

/**
 * connect-node's `connectNodeAdapter`, plus the lab: the session from
 * metadata, the wire tap on every call, the drop-fault registration and the
 * injected latency. One instance serves the main port (prefix `/api/grpc`,
 * HTTP/1.1) and one the h2c port (no prefix, as gRPC clients expect).
 */
export function createNodeHandler(lab: Lab, handlers: SessionHandlers, prefix: string) {
  const withSession = new Map(handlers.withSession.map((h) => [prefix + h.requestPath, h]));
  const withoutSession = new Map(handlers.withoutSession.map((h) => [prefix + h.requestPath, h]));

  /** `knownSession`: the session the lab's router has already checked (main port). */
  return async function handle(req: NodeServerRequest, res: NodeServerResponse, knownSession?: string): Promise<void> {
    const path = (req.url ?? '').split('?', 1)[0] ?? '';
    const sessionId = knownSession ?? liveSession(lab, req.headers);
    const handler = (sessionId ? withSession : withoutSession).get(path);
    if (!handler) {
      unimplemented(req, res, path, prefix);
      return;
    }
    const h2 = 'stream' in req ? req.stream : undefined;
    const socket = h2 ? h2.session?.socket : req.socket;
    const conn = `grpc-tcp-${socket?.remotePort ?? 'gone'}`;
    const trace = req.headers[TRACE_HEADER];
    // HTTP/2: the stream id names the call (the lab's HTTP/2 client uses it too, so both sides share a lane).
    const stream = h2 ? `h2-stream-${h2.id}` : typeof trace === 'string' ? trace : `call-${++callCounter}`;
    const uReq = universalRequestFromNodeRequest(req, res, undefined, createContextValues().set(SESSION, sessionId ?? ''));

    let untrack: (() => void) | undefined;
    if (sessionId) {
      untrack = lab.connections.track(sessionId, {
        id: conn,
        protocol: 'grpc',
        // HTTP/1.1: one call per socket, so destroy it. HTTP/2: the connection may carry other
        // calls, so reset just this stream (RST_STREAM): the client sees the call fail at once.
        // A method, not an arrow: under tsx every named arrow made per call also costs a defineProperty (keepNames).
        drop() {
          if (h2) h2.close(http2.constants.NGHTTP2_CANCEL);
          else req.socket.destroy();
        },
      });
      // Untracked in the `finally` below: the call ends there however it ends (done, failed, aborted
      // because the client went away), so no 'close' listener per call is needed.
      const latency = lab.faults.delay(sessionId);
      if (latency) await latency;
    }
    try {
      const uRes = sessionId
        ? await tappedCall(lab, handler, uReq, {
            sessionId,
            conn,
            stream,
            httpVersion: req.httpVersion,
            rawHeaders: req.rawHeaders,
            terminal: terminalClient(req as Parameters<typeof terminalClient>[0]),
          })
        : await handler(uReq);
      await universalResponseToNodeResponse(uRes, res);
    } catch (error: unknown) {
      // The client went away mid-call (or the lab dropped it): nothing left to answer.
      if (!res.writableEnded) res.destroy(error as Error);
    } finally {
      untrack?.();
    }
  };
}

function liveSession(lab: Lab, headers: NodeServerRequest['headers']): string | undefined {
  const named = sessionFromHeaders(headers);
  return named && lab.sessions.touch(named) ? named : undefined;
}

/**
 * An unknown method, answered in the caller's protocol: gRPC and gRPC-Web want
 * `grpc-status: 12` (UNIMPLEMENTED) in a trailers-only response; Connect wants
 * a 404 with a JSON error.
 */
function unimplemented(req: NodeServerRequest, res: NodeServerResponse, path: string, prefix: string): void {
  const format = wireFormat(req.method ?? 'POST', req.headers['content-type'] ?? null, () => new URLSearchParams());
  const message = `No method at ${path}. This server serves lab.bank.v1.AccountService at ${prefix}/lab.bank.v1.AccountService/<Method>.`;
  if (format.protocol === 'connect') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'unimplemented', message }));
    return;
  }
  res.writeHead(200, {
    'content-type': req.headers['content-type'] ?? 'application/grpc',
    'grpc-status': '12',
    'grpc-message': encodeURIComponent(message),
  });
  res.end();
}
