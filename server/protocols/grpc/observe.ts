import http from 'node:http';
import http2 from 'node:http2';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { now } from '../../../lib/clock';
import { SESSION_HEADER, TRACE_HEADER } from '../../../lib/lab-info';
import { ENVELOPE_FLAGS, EnvelopeSplitter, encodeEnvelope } from '../../../proto/envelope';
import {
  AccountService,
  StreamTransactionsRequestSchema,
  StreamTransactionsResponseSchema,
} from '../../../proto/gen/lab/bank/v1/bank_pb';
import type { Lab } from '../../lab';
import { codeName } from './wire';

/** One call of the comparison: a StreamTransactions with its own pace. */
export interface PlannedCall {
  name: string;
  accountId: string;
  limit: number;
  intervalMs: number;
}

/** The experiment's default: one slow call started first, two quick ones right behind it. */
export const MULTIPLEX_PLAN: PlannedCall[] = [
  { name: 'slow', accountId: '123', limit: 3, intervalMs: 600 },
  { name: 'quick-a', accountId: '456', limit: 3, intervalMs: 40 },
  { name: 'quick-b', accountId: '123', limit: 3, intervalMs: 40 },
];

export interface ObservedCall {
  name: string;
  /** HTTP/2 stream id (odd: client-initiated); null over HTTP/1.1. */
  streamId: number | null;
  /** Local port of the TCP connection that carried it. */
  localPort: number | null;
  /** Times in ms since the run started. */
  sentAt: number;
  headersAt: number | null;
  dataAt: number[];
  endedAt: number | null;
  status: string;
  sequences: number[];
}

export interface ObservedRun {
  transport: 'http2' | 'http1.1';
  /** Distinct TCP connections used (1 in both runs: that is the point). */
  connections: number[];
  totalMs: number;
  calls: ObservedCall[];
}

const path = `/${AccountService.typeName}/${AccountService.method.streamTransactions.name}`;

function requestFrame(call: PlannedCall): Uint8Array {
  const message = create(StreamTransactionsRequestSchema, {
    accountId: call.accountId,
    limit: call.limit,
    intervalMs: call.intervalMs,
  });
  return encodeEnvelope(0, toBinary(StreamTransactionsRequestSchema, message));
}

function sequencesOf(frames: { flags: number; data: Uint8Array }[]): number[] {
  return frames
    .filter((f) => f.flags === 0)
    .map((f) => Number(fromBinary(StreamTransactionsResponseSchema, f.data).transaction?.sequence ?? 0));
}

/**
 * Opens ONE HTTP/2 connection to the lab's own h2c port and starts every call
 * at once: each becomes a stream (ids 1, 3, 5: odd because the client opened
 * them) and their HEADERS and DATA frames interleave on the one socket. Each
 * frame is recorded on the session's timeline as it arrives.
 */
export async function observeHttp2(lab: Lab, sessionId: string, grpcPort: number, plan: PlannedCall[]): Promise<ObservedRun> {
  const session = http2.connect(`http://127.0.0.1:${grpcPort}`);
  const t0 = now();
  const since = () => Math.round((now() - t0) * 10) / 10;
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  const localPort = session.socket.localPort ?? 0;
  const conn = `grpc-tcp-${localPort}`;
  const record = (call: ObservedCall, summary: string, bytes?: number) =>
    lab.record(sessionId, {
      origin: 'server',
      protocol: 'grpc',
      kind: 'frame',
      dir: 'in',
      conn,
      stream: `h2-stream-${call.streamId}`,
      ...(bytes !== undefined ? { bytes } : {}),
      summary: `lab HTTP/2 client, stream ${call.streamId} (${call.name}): ${summary}`,
      detail: { fields: { streamId: call.streamId ?? 0, call: call.name, localPort, msSinceStart: since() } },
    });
  try {
    const calls = await Promise.all(
      plan.map(
        (planned, i) =>
          new Promise<ObservedCall>((resolve) => {
            const call: ObservedCall = {
              name: planned.name,
              streamId: null,
              localPort,
              sentAt: since(),
              headersAt: null,
              dataAt: [],
              endedAt: null,
              status: 'unknown',
              sequences: [],
            };
            const stream = session.request({
              ':method': 'POST',
              ':path': path,
              'content-type': 'application/grpc+proto',
              te: 'trailers',
              [SESSION_HEADER]: sessionId,
              [TRACE_HEADER]: `h2-mux-${i + 1}`,
            });
            const splitter = new EnvelopeSplitter();
            const frames: { flags: number; data: Uint8Array }[] = [];
            // The id is assigned when the HEADERS frame is sent: at once on a connected session, else on 'ready'.
            const opened = () => {
              if (call.streamId !== null || !stream.id) return;
              call.streamId = stream.id;
              record(call, `HEADERS sent (${planned.limit} transactions, ${planned.intervalMs} ms apart)`);
            };
            opened();
            stream.once('ready', opened);
            stream.on('response', (headers) => {
              opened();
              call.headersAt = since();
              record(call, `HEADERS received: :status ${headers[':status']}`);
            });
            stream.on('data', (chunk: Buffer) => {
              call.dataAt.push(since());
              frames.push(...splitter.push(chunk));
              record(call, `DATA (${chunk.length} bytes)`, chunk.length);
            });
            stream.on('trailers', (trailers) => {
              call.status = codeName(Number(trailers['grpc-status'] ?? 2));
              record(call, `trailing HEADERS: grpc-status ${trailers['grpc-status']} (${call.status})`);
            });
            stream.on('close', () => {
              call.endedAt = since();
              call.sequences = sequencesOf(frames);
              resolve(call);
            });
            stream.on('error', () => {
              call.status = 'unavailable';
            });
            stream.end(requestFrame(planned));
          }),
      ),
    );
    return { transport: 'http2', connections: [localPort], totalMs: since(), calls };
  } finally {
    session.close();
  }
}

/**
 * The same calls over HTTP/1.1 with one keep-alive connection (an agent with
 * one socket): HTTP/1.1 has no streams, so a connection carries one exchange
 * at a time and every call queues behind the slow one (head-of-line blocking).
 * Connect's streaming protocol, on the main port, like the browser's calls.
 */
export async function observeHttp1(lab: Lab, sessionId: string, httpPort: number, plan: PlannedCall[]): Promise<ObservedRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const t0 = now();
  const since = () => Math.round((now() - t0) * 10) / 10;
  const ports = new Set<number>();
  try {
    const calls = await Promise.all(
      plan.map(
        (planned, i) =>
          new Promise<ObservedCall>((resolve) => {
            const call: ObservedCall = {
              name: planned.name,
              streamId: null,
              localPort: null,
              sentAt: since(),
              headersAt: null,
              dataAt: [],
              endedAt: null,
              status: 'unknown',
              sequences: [],
            };
            const trace = `h1-queue-${i + 1}`;
            const note = (summary: string, bytes?: number) =>
              lab.record(sessionId, {
                origin: 'server',
                protocol: 'grpc',
                kind: 'frame',
                dir: 'in',
                conn: call.localPort ? `grpc-tcp-${call.localPort}` : undefined,
                stream: trace,
                ...(bytes !== undefined ? { bytes } : {}),
                summary: `lab HTTP/1.1 client (${planned.name}): ${summary}`,
                detail: { fields: { call: planned.name, localPort: call.localPort ?? 0, msSinceStart: since() } },
              });
            const body = requestFrame(planned);
            const req = http.request({
              agent,
              host: '127.0.0.1',
              port: httpPort,
              method: 'POST',
              path: `/api/grpc${path}`,
              headers: {
                'content-type': 'application/connect+proto',
                'connect-protocol-version': '1',
                'content-length': body.length,
                [SESSION_HEADER]: sessionId,
                [TRACE_HEADER]: trace,
              },
            });
            req.on('socket', (socket) => {
              const assign = () => {
                call.localPort = socket.localPort ?? null;
                if (call.localPort) ports.add(call.localPort);
                note(`got the connection after waiting ${since().toFixed(0)} ms`);
              };
              if (socket.localPort) assign();
              else socket.once('connect', assign);
            });
            req.on('response', (res) => {
              call.headersAt = since();
              note(`response headers: ${res.statusCode}`);
              const splitter = new EnvelopeSplitter();
              const frames: { flags: number; data: Uint8Array }[] = [];
              res.on('data', (chunk: Buffer) => {
                call.dataAt.push(since());
                frames.push(...splitter.push(chunk));
                note(`body chunk (${chunk.length} bytes)`, chunk.length);
              });
              res.on('end', () => {
                call.endedAt = since();
                call.sequences = sequencesOf(frames);
                const end = frames.find((f) => f.flags & ENVELOPE_FLAGS.connectEndStream);
                const error = end
                  ? (JSON.parse(new TextDecoder().decode(end.data)) as { error?: { code: string } }).error
                  : undefined;
                call.status = res.statusCode === 200 ? (error?.code ?? 'ok') : `http ${res.statusCode}`;
                resolve(call);
              });
            });
            req.on('error', () => {
              call.status = 'unavailable';
              call.endedAt = since();
              resolve(call);
            });
            req.end(body);
          }),
      ),
    );
    return { transport: 'http1.1', connections: [...ports], totalMs: since(), calls };
  } finally {
    agent.destroy();
  }
}
