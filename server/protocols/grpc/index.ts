import { createConnectRouter } from '@connectrpc/connect';
import { AccountService } from '../../../proto/gen/lab/bank/v1/bank_pb';
import type { SessionContext } from '../../http/router';
import type { Lab } from '../../lab';
import { createNodeHandler } from './adapter';
import { grpcConfig } from './config';
import { H2cListener } from './h2c';
import { grpcLabHandlers } from './handler';
import { requireSession } from './interceptors';
import { accountService } from './service';

/** Where Connect and gRPC-Web are served on the main port (browsers, buf curl over HTTP/1.1). */
export const GRPC_PATH_PREFIX = '/api/grpc';

/**
 * The gRPC lesson: one AccountService implementation, served three ways —
 * Connect and gRPC-Web over HTTP/1.1 under /api/grpc on the main port, and
 * native gRPC over h2c on its own port — every call tapped at the byte level.
 */
export function createGrpc(lab: Lab) {
  const config = grpcConfig(lab.config);
  const service = accountService(lab, config);
  // Two routers over one implementation: calls whose session the adapter has checked skip the
  // interceptor (a layer of promises on every call); the rest meet it and get UNAUTHENTICATED
  // in their own protocol.
  const open = createConnectRouter({ readMaxBytes: config.readMaxBytes }).service(AccountService, service);
  const guarded = createConnectRouter({ interceptors: [requireSession], readMaxBytes: config.readMaxBytes }).service(
    AccountService,
    service,
  );
  const handlers = { withSession: open.handlers, withoutSession: guarded.handlers };
  const mainPort = createNodeHandler(lab, handlers, GRPC_PATH_PREFIX);
  const h2c = new H2cListener(lab, config, createNodeHandler(lab, handlers, ''));
  let httpPort: number | undefined;
  const controls = grpcLabHandlers({ grpc: () => h2c.port, http: () => httpPort });

  return {
    /** POST|GET /api/grpc/* — Connect (GET for NO_SIDE_EFFECTS methods) and gRPC-Web. */
    serve: (ctx: SessionContext) => mainPort(ctx.req, ctx.res, ctx.sessionId),
    ...controls,
    async start(port: number) {
      httpPort = port;
      await h2c.start();
    },
    close: () => h2c.close(),
  };
}
