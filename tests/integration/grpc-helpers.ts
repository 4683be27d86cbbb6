import { createClient, type Interceptor, type Transport } from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from '@connectrpc/connect-node';
import type { TimelineEvent } from '../../lib/timeline';
import { AccountService } from '../../proto/gen/lab/bank/v1/bank_pb';
import type { TestLab } from './helpers';

export type Dialect = 'connect' | 'grpc-web' | 'grpc';

/** The lab's h2c port, from /api/lab/info as any client would find it. */
export async function grpcPort(lab: TestLab): Promise<number> {
  const info = (await (await fetch(`${lab.base}/api/lab/info`)).json()) as { listeners: Record<string, { port: number | null }> };
  const port = info.listeners.grpc?.port;
  if (!port) throw new Error('the gRPC listener is not running');
  return port;
}

/**
 * A connect-node client of the AccountService over one of the three
 * protocols, as `session` (metadata x-lab-session) and as the lab's own code
 * would call it (a trace header, so not recorded as a terminal client).
 */
export async function accountClient(lab: TestLab, dialect: Dialect, session: string | undefined, binary = true) {
  const identify: Interceptor = (next) => (req) => {
    if (session) req.header.set('x-lab-session', session);
    req.header.set('x-lab-trace', `test-${dialect}`);
    return next(req);
  };
  const sessions: Http2SessionManager[] = [];
  let transport: Transport;
  if (dialect === 'grpc') {
    const baseUrl = `http://127.0.0.1:${await grpcPort(lab)}`;
    const sessionManager = new Http2SessionManager(baseUrl);
    sessions.push(sessionManager);
    transport = createGrpcTransport({ baseUrl, sessionManager, interceptors: [identify], useBinaryFormat: binary });
  } else {
    const options = {
      baseUrl: `${lab.base}/api/grpc`,
      httpVersion: '1.1' as const,
      interceptors: [identify],
      useBinaryFormat: binary,
    };
    transport = dialect === 'connect' ? createConnectTransport(options) : createGrpcWebTransport(options);
  }
  return {
    client: createClient(AccountService, transport),
    close: () => {
      for (const s of sessions) s.abort();
    },
  };
}

/** The session's gRPC events. */
export async function grpcEvents(lab: TestLab, session: string): Promise<TimelineEvent[]> {
  return (await lab.events(session)).events.filter((e) => e.protocol === 'grpc');
}
