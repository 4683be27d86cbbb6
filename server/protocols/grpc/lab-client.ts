import { create } from '@bufbuild/protobuf';
import { ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { now } from '../../../lib/clock';
import { SESSION_HEADER, TRACE_HEADER } from '../../../lib/lab-info';
import {
  AccountService,
  type LiveSupportRequest,
  LiveSupportRequestSchema,
  LogLevel,
  type UploadLogsRequest,
  UploadLogsRequestSchema,
} from '../../../proto/gen/lab/bank/v1/bank_pb';
import { codeName } from './wire';

/**
 * The lab's own native gRPC client, for the two call kinds a browser can't
 * make: client streaming and bidirectional streaming need a request body that
 * is still being written while the response is read, which fetch() doesn't
 * offer over HTTP/1.1 (and browsers only speak HTTP/2 over TLS). It calls the
 * lab's h2c port on the student's behalf, as the student's session, so the
 * server's wire tap records every message on their timeline.
 */
async function withClient<T>(
  grpcPort: number,
  sessionId: string,
  trace: string,
  run: (client: ReturnType<typeof createClient<typeof AccountService>>) => Promise<T>,
) {
  const baseUrl = `http://127.0.0.1:${grpcPort}`;
  const sessionManager = new Http2SessionManager(baseUrl);
  const identify: Interceptor = (next) => (req) => {
    req.header.set(SESSION_HEADER, sessionId);
    req.header.set(TRACE_HEADER, trace);
    return next(req);
  };
  const transport = createGrpcTransport({ baseUrl, sessionManager, interceptors: [identify] });
  try {
    return await run(createClient(AccountService, transport));
  } finally {
    sessionManager.abort();
  }
}

export interface TranscriptLine {
  dir: 'sent' | 'received';
  /** ms since the call started. */
  at: number;
  text: string;
}

export interface LogLineInput {
  level: keyof typeof LogLevel;
  text: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Client streaming: send every line (spaced by `gapMs`), then read the one summary. */
export async function uploadLogs(grpcPort: number, sessionId: string, lines: LogLineInput[], gapMs: number) {
  const t0 = now();
  const transcript: TranscriptLine[] = [];
  return withClient(grpcPort, sessionId, 'lab-upload-logs', async (client) => {
    async function* requests(): AsyncIterable<UploadLogsRequest> {
      for (const [i, line] of lines.entries()) {
        if (i > 0 && gapMs > 0) await pause(gapMs);
        transcript.push({ dir: 'sent', at: now() - t0, text: `${line.level} ${line.text}` });
        yield create(UploadLogsRequestSchema, { level: LogLevel[line.level], text: line.text });
      }
    }
    try {
      const summary = await client.uploadLogs(requests());
      transcript.push({
        dir: 'received',
        at: now() - t0,
        text: `${summary.lines} lines, ${summary.bytes} bytes: ${JSON.stringify(summary.byLevel)}`,
      });
      return {
        code: 'ok',
        transcript,
        summary: { lines: summary.lines, bytes: Number(summary.bytes), byLevel: summary.byLevel },
      };
    } catch (error: unknown) {
      const e = ConnectError.from(error);
      return { code: codeName(e.code), message: e.rawMessage, transcript };
    }
  });
}

/** Bidirectional: send each message (spaced by `gapMs`) while reading replies as they come. */
export async function liveSupport(grpcPort: number, sessionId: string, messages: string[], gapMs: number) {
  const t0 = now();
  const transcript: TranscriptLine[] = [];
  // The server speaks first: the lab waits for its greeting (at most a second) before saying anything.
  let greeted = () => {};
  const greeting = Promise.race([new Promise<void>((resolve) => (greeted = resolve)), pause(1_000)]);
  return withClient(grpcPort, sessionId, 'lab-live-support', async (client) => {
    async function* requests(): AsyncIterable<LiveSupportRequest> {
      await greeting;
      for (const [i, text] of messages.entries()) {
        if (i > 0 && gapMs > 0) await pause(gapMs);
        transcript.push({ dir: 'sent', at: now() - t0, text });
        yield create(LiveSupportRequestSchema, { text });
      }
    }
    try {
      for await (const reply of client.liveSupport(requests())) {
        transcript.push({ dir: 'received', at: now() - t0, text: `${reply.from}: ${reply.text}` });
        greeted();
      }
      return { code: 'ok', transcript };
    } catch (error: unknown) {
      const e = ConnectError.from(error);
      return { code: codeName(e.code), message: e.rawMessage, transcript };
    }
  });
}
