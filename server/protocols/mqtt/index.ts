/**
 * The MQTT lesson: an embedded aedes broker shared by every session (each in
 * its own topic namespace), reachable over WebSocket on the lab's port
 * (`/api/mqtt`, subprotocol `mqtt`) and over TCP on MQTT_PORT for terminal
 * clients, plus a simulated ATM fleet per session.
 */
import net, { type AddressInfo } from 'node:net';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { UpgradeContext } from '../../http/router';
import type { Lab } from '../../lab';
import { connectionIdFrom } from '../../lab/websocket';
import { MqttBroker } from './broker';
import { mqttConfig } from './config';
import { Fleets } from './fleets';
import { mqttHandlers } from './handler';

export function createMqtt(lab: Lab) {
  const config = mqttConfig(lab.config);
  const broker = new MqttBroker(lab, config);
  const fleets = new Fleets(broker);
  let ready = false;
  let tcp: net.Server | undefined;
  // mqtt.js asks for the `mqtt` subprotocol; answer with it (MQTT over WebSocket, MQTT 3.1.1 section 6).
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxPacketBytes,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
  });

  lab.sessions.onExpire((id) => {
    fleets.stop(id);
    broker.forget(id);
  });

  /** WebSocket /api/mqtt — MQTT over WebSocket for the browser (the session comes from the cookie). */
  function accept(ctx: UpgradeContext): void {
    if (!ready) {
      ctx.socket.destroy();
      return;
    }
    const connId = connectionIdFrom(ctx.url, 'mqtt');
    wss.handleUpgrade(ctx.req, ctx.socket, ctx.head, (ws) => {
      const stream = createWebSocketStream(ws);
      stream.on('error', () => ws.terminate());
      broker.handle(stream, { connId, transport: 'websocket', upgradeSession: ctx.sessionId, kill: () => ws.terminate() });
    });
  }

  /** Starts the broker, then the TCP listener (skipped, with one log line, if the port is taken). */
  async function start(): Promise<void> {
    await broker.listen();
    ready = true;
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      socket.on('error', () => socket.destroy());
      const connId = `mqtt-tcp-${socket.remotePort ?? 0}`;
      broker.handle(socket, { connId, transport: 'tcp', kill: () => socket.destroy() });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      tcp = server;
      const port = (server.address() as AddressInfo).port;
      lab.listeners.set('mqtt', { port, protocol: 'mqtt' });
    } catch (error: unknown) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      const note = `MQTT over TCP is off: port ${config.port} is not available (${code}). MQTT over WebSocket at /api/mqtt still works; set MQTT_PORT to another port (0 = any free one).`;
      console.warn(`[lab] ${note}`);
      lab.listeners.set('mqtt', { port: null, protocol: 'mqtt', note });
    }
  }

  async function close(): Promise<void> {
    ready = false;
    fleets.stopAll();
    for (const client of wss.clients) client.terminate();
    wss.close();
    await Promise.all([new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve())), broker.close()]);
  }

  return { accept, start, close, broker, fleets, ...mqttHandlers(broker, fleets, config) };
}

export type Mqtt = ReturnType<typeof createMqtt>;
