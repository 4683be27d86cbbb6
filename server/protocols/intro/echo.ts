import { WebSocketServer } from 'ws';
import type { UpgradeContext } from '../../http/router';
import type { Lab } from '../../lab';
import { acceptWebSocket } from '../../lab/websocket';

/** Echo messages are small; anything bigger is refused with close code 1009 (message too big). */
export const MAX_ECHO_BYTES = 64 * 1024;

/** WebSocket /api/intro/echo — sends every message straight back (after any injected latency). */
export function createEcho() {
  // One per lab server: a closed WebSocketServer refuses later upgrades with 503.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_ECHO_BYTES });

  function accept(ctx: UpgradeContext): void {
    const lab: Lab = ctx.lab;
    acceptWebSocket(ctx, wss, 'websocket', ({ ws, sessionId, recordMessage }) => {
      ws.on('message', async (data, isBinary) => {
        const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
        recordMessage('in', bytes, isBinary);
        await lab.faults.delay(sessionId);
        if (ws.readyState !== ws.OPEN) return;
        ws.send(bytes, { binary: isBinary });
        recordMessage('out', bytes, isBinary);
      });
    });
  }

  function close(): void {
    for (const client of wss.clients) client.close(1001, 'lab shutting down');
    wss.close();
  }

  return { accept, close };
}
