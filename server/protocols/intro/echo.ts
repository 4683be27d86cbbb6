import { WebSocketServer } from 'ws';
import { previewBody } from '../../../lib/timeline';
import type { UpgradeContext } from '../../http/router';
import { acceptWebSocket } from '../../lab/websocket';

/** Echo messages are small; anything bigger is refused with close code 1009 (message too big). */
const MAX_ECHO_BYTES = 64 * 1024;

/**
 * Created on first use and forgotten on close: a closed WebSocketServer answers
 * every later upgrade with 503, so a lab server started after another one in
 * the same process (tests do this) needs a fresh one.
 */
let wss: WebSocketServer | undefined;

/** WebSocket /api/intro/echo — sends every message straight back (after any injected latency). */
export function acceptEcho(ctx: UpgradeContext): void {
  wss ??= new WebSocketServer({ noServer: true, maxPayload: MAX_ECHO_BYTES });
  acceptWebSocket(ctx, wss, 'websocket', ({ ws, connId, sessionId }) => {
    const { lab } = ctx;
    ws.on('message', async (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      const text = isBinary ? `<${bytes.length} binary bytes>` : bytes.toString('utf8');
      lab.record(sessionId, {
        origin: 'server',
        protocol: 'websocket',
        kind: 'message',
        dir: 'in',
        conn: connId,
        bytes: bytes.length,
        summary: `received ${JSON.stringify(text.slice(0, 60))}`,
        detail: { ...previewBody(text), raw: bytes.subarray(0, 1024).toString('base64') },
      });
      await lab.faults.delay(sessionId);
      if (ws.readyState !== ws.OPEN) return;
      ws.send(bytes, { binary: isBinary });
      lab.record(sessionId, {
        origin: 'server',
        protocol: 'websocket',
        kind: 'message',
        dir: 'out',
        conn: connId,
        bytes: bytes.length,
        summary: `echoed ${JSON.stringify(text.slice(0, 60))}`,
        detail: { ...previewBody(text), raw: bytes.subarray(0, 1024).toString('base64') },
      });
    });
  });
}

export function closeEcho(): void {
  if (!wss) return;
  for (const client of wss.clients) client.close(1001, 'lab shutting down');
  wss.close();
  wss = undefined;
}
