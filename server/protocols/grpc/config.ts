import type { LabConfig } from '../../lab/config';

/** The gRPC lesson's limits. Numbers are the lab's choices, not gRPC's (whose default read limit is 4 MiB). */
export interface GrpcConfig {
  /** h2c listener for native gRPC (`GRPC_PORT`, default 50051; 0 picks a free port). */
  port: number;
  host: string;
  /** Largest message accepted (Connect's `readMaxBytes`): bigger ones get `resource_exhausted`. */
  readMaxBytes: number;
  /** StreamTransactions sends at most this many messages per call. */
  maxStreamLimit: number;
  /** ... and pauses at most this long between them. */
  maxIntervalMs: number;
  /** UploadLogs and LiveSupport accept at most this many messages per call. */
  maxClientMessages: number;
}

export function grpcConfig(lab: Pick<LabConfig, 'grpcPort' | 'host'>): GrpcConfig {
  return {
    port: lab.grpcPort,
    host: lab.host,
    readMaxBytes: 64 * 1024,
    maxStreamLimit: 200,
    maxIntervalMs: 5_000,
    maxClientMessages: 1_000,
  };
}
