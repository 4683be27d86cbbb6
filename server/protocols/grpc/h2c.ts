import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Lab } from '../../lab';
import type { GrpcConfig } from './config';

type Handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;

export const LISTENER_NAME = 'grpc';

/**
 * Native gRPC needs HTTP/2 end to end. Browsers speak HTTP/2 only over TLS, and
 * one plain Node socket can't serve both HTTP/1.1 and cleartext HTTP/2 without
 * sniffing, so native gRPC gets its own h2c port (terminal clients use
 * `buf curl --http2-prior-knowledge`; the lab's own HTTP/2 client too).
 */
export class H2cListener {
  private server: http2.Http2Server | undefined;
  private readonly sessions = new Set<http2.ServerHttp2Session>();

  constructor(
    private readonly lab: Lab,
    private readonly config: GrpcConfig,
    private readonly handler: Handler,
  ) {}

  /** The bound port, or undefined when the listener isn't running. */
  port: number | undefined;

  /** Binds the port. A taken port is one log line: the rest of the lab runs without native gRPC. */
  async start(): Promise<void> {
    const server = http2.createServer({}, (req, res) => this.handler(req, res));
    server.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.config.port, this.config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error: unknown) {
      const code = (error as NodeJS.ErrnoException).code;
      console.error(
        `[lab] gRPC (h2c) port ${this.config.port} is not available (${code ?? String(error)}): native gRPC is off; ` +
          'Connect and gRPC-Web on the main port still work. Free the port or set GRPC_PORT (0 picks a free one).',
      );
      this.lab.listeners.set(LISTENER_NAME, {
        port: null,
        protocol: 'grpc (HTTP/2 cleartext)',
        note: `port ${this.config.port} was taken`,
      });
      return;
    }
    server.on('error', (error) => console.error('[lab] gRPC listener error:', error));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.lab.listeners.set(LISTENER_NAME, {
      port: this.port,
      protocol: 'grpc (HTTP/2 cleartext)',
      note: 'native gRPC: buf curl --protocol grpc --http2-prior-knowledge; session in x-lab-session metadata',
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
