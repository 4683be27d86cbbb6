import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import { type LogLineInput, liveSupport, uploadLogs } from './lab-client';
import { MULTIPLEX_PLAN, observeHttp1, observeHttp2 } from './observe';

const LEVELS = new Set(['DEBUG', 'INFO', 'WARN', 'ERROR']);
const MAX_MESSAGES = 20;
const MAX_TEXT = 500;

/** The lesson's controls: the lab runs gRPC calls on the student's behalf (HTTP/2 from the browser is not possible). */
export function grpcLabHandlers(ports: { grpc: () => number | undefined; http: () => number | undefined }) {
  function grpcPort(): number {
    const port = ports.grpc();
    if (!port) {
      throw new HttpError(
        503,
        'Native gRPC is off',
        'The lab could not open its gRPC (h2c) port at startup (see the server log), so it cannot make HTTP/2 calls. Restart it with a free GRPC_PORT.',
      );
    }
    return port;
  }

  function body(ctx: SessionContext): Record<string, unknown> {
    if (ctx.body.length === 0) return {};
    const value = parseJson(ctx.req.headers['content-type'], ctx.body);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new HttpError(400, 'Expected a JSON object', 'Send a JSON object, e.g. {"messages": ["hello"]}.');
    }
    return value as Record<string, unknown>;
  }

  function strings(value: unknown, name: string, fallback: string[]): string[] {
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new HttpError(400, `"${name}" must be a list of strings`, `Send "${name}" as e.g. ["hello", "what is my balance?"].`);
    }
    if (value.length === 0 || value.length > MAX_MESSAGES || value.some((v: string) => v.length > MAX_TEXT)) {
      throw new HttpError(
        400,
        `Too many or too long "${name}"`,
        `Send 1 to ${MAX_MESSAGES} items of at most ${MAX_TEXT} characters.`,
      );
    }
    return value as string[];
  }

  function gap(value: unknown): number {
    if (value === undefined) return 150;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2_000) {
      throw new HttpError(
        400,
        '"gapMs" must be a whole number from 0 to 2000',
        'It is the pause between the messages the lab sends.',
      );
    }
    return value;
  }

  return {
    /** POST /api/grpc/lab/multiplex — the same three calls over one HTTP/2 connection, then over one HTTP/1.1 connection. */
    async multiplex(ctx: SessionContext) {
      const grpc = grpcPort();
      const http2 = await observeHttp2(ctx.lab, ctx.sessionId, grpc, MULTIPLEX_PLAN);
      const http1 = await observeHttp1(ctx.lab, ctx.sessionId, ports.http() ?? 0, MULTIPLEX_PLAN);
      sendJson(ctx.res, 200, { plan: MULTIPLEX_PLAN, http2, http1 });
    },

    /** POST /api/grpc/lab/upload-logs {"lines": ["WARN disk almost full", ...], "gapMs"} — client streaming. */
    async uploadLogs(ctx: SessionContext) {
      const input = body(ctx);
      const lines: LogLineInput[] = strings(input.lines, 'lines', [
        'INFO service started',
        'WARN disk 91% full',
        'INFO request served',
        'ERROR payment timeout',
      ]).map((line) => {
        const [first, ...rest] = line.split(' ');
        const level = (first ?? '').toUpperCase();
        return LEVELS.has(level)
          ? { level: level as LogLineInput['level'], text: rest.join(' ') }
          : { level: 'INFO', text: line };
      });
      sendJson(ctx.res, 200, await uploadLogs(grpcPort(), ctx.sessionId, lines, gap(input.gapMs)));
    },

    /** POST /api/grpc/lab/live-support {"messages": [...], "gapMs"} — bidirectional streaming. */
    async liveSupport(ctx: SessionContext) {
      const input = body(ctx);
      const messages = strings(input.messages, 'messages', ['hello', 'what is my balance?', 'thanks!']);
      sendJson(ctx.res, 200, await liveSupport(grpcPort(), ctx.sessionId, messages, gap(input.gapMs)));
    },
  };
}
