import { WebSocketServer } from 'ws';
import type { UpgradeContext } from '../../http/router';
import type { Lab } from '../../lab';
import { acceptWebSocket } from '../../lab/websocket';
import { MAX_FRAME_BYTES } from './limits';
import { RateLimiter } from './protocol';

/**
 * WebSocket /api/ws/echo — echoes every message, with the handshake and
 * every frame header captured from the raw socket. It opens with a ping so
 * the timeline shows a control frame (and the browser's automatic pong).
 */
export function createFrameEcho() {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  function accept(ctx: UpgradeContext): void {
    const lab: Lab = ctx.lab;
    acceptWebSocket(
      ctx,
      wss,
      'websocket',
      ({ ws, sessionId, recordMessage }) => {
        const limiter = new RateLimiter(lab.config.wsMessagesPerSecond);
        ws.ping('hello');
        const echo = (bytes: Buffer, isBinary: boolean) => {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(bytes, { binary: isBinary });
          recordMessage('out', bytes, isBinary);
        };
        ws.on('message', (data, isBinary) => {
          const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
          recordMessage('in', bytes, isBinary);
          if (!limiter.take()) {
            // Flood: refuse politely, once a second, in the same JSON shape as the chat's errors.
            if (limiter.shouldWarn()) {
              const warning = JSON.stringify({
                type: 'error',
                code: 'rate-limited',
                message: `Too many messages: ${limiter.ratePerSecond} a second allowed. Messages over the limit are dropped.`,
              });
              ws.send(warning);
              recordMessage('out', Buffer.from(warning), false);
            }
            return;
          }
          // Without a latency fault the echo leaves in the same turn, as a bare server's would.
          const latency = lab.faults.delay(sessionId);
          if (latency) void latency.then(() => echo(bytes, isBinary));
          else echo(bytes, isBinary);
        });
      },
      { capture: true, dropTarget: 'ws' },
    );
  }

  function close(): void {
    for (const client of wss.clients) client.close(1001, 'lab shutting down');
    wss.close();
  }

  return { accept, close };
}
