import type { Route, Upgrade } from './http/router';
import type { Lab } from './lab';
import type { labApi } from './lab/api';
import type { LabChannel } from './lab/channel';
import { createGraphql } from './protocols/graphql';
import { createGrpc } from './protocols/grpc';
import * as intro from './protocols/intro';
import { createMqtt } from './protocols/mqtt';
import { createPolling } from './protocols/polling';
import { createRest } from './protocols/rest';
import { createSocketIoLesson } from './protocols/socketio';
import { createSse } from './protocols/sse';
import { createStreaming } from './protocols/streaming';
import { createWebhooks } from './protocols/webhooks';
import { createWebSocketLesson } from './protocols/websocket';

/** Something to run once the HTTP port is bound (extra listeners), or at shutdown. */
type Hook = () => void | Promise<void>;
/** A start hook is told the HTTP port (e.g. the webhooks worker delivers to the lab's own receivers there). */
type StartHook = (httpPort: number) => void | Promise<void>;

/**
 * THE route and upgrade table: every lab endpoint on the HTTP port.
 * Anything under /api/ that is not listed here is a 404; every other path
 * is a page, rendered by Next.js.
 *
 * Each protocol folder exports a factory that takes the lab and returns its
 * handlers (and a `close`); the table below is where they meet their paths.
 */
export function routeTable(lab: Lab, api: ReturnType<typeof labApi>, channel: LabChannel, testHooks: boolean) {
  const echo = intro.createEcho();
  const sse = createSse(lab);
  const polling = createPolling(lab, sse);
  const ws = createWebSocketLesson(lab);
  const sio = createSocketIoLesson(lab);
  const graphql = createGraphql(lab);
  const rest = createRest(lab);
  const grpc = createGrpc(lab);
  const webhooks = createWebhooks(lab);
  const mqtt = createMqtt(lab);
  const streaming = createStreaming(lab);

  const routes: Route[] = [
    // Lab plumbing: discovery, sessions, faults, the server-side event log.
    { method: 'GET', path: '/api/lab/info', access: 'public', handler: api.info },
    { method: 'POST', path: '/api/lab/sessions', access: 'public', handler: api.createSession },
    { method: 'GET', path: '/api/lab/session', access: 'public', handler: api.currentSession },
    { method: 'POST', path: '/api/lab/session', access: 'public', handler: api.newBrowserSession },
    { method: 'GET', path: '/api/lab/sessions/:id/events', access: 'session', handler: api.events },
    { method: 'GET', path: '/api/lab/faults', access: 'session', handler: api.currentFaults },
    { method: 'POST', path: '/api/lab/faults', access: 'session', handler: api.faults },

    // Lesson "How this lab works".
    { method: 'GET', path: '/api/intro/accounts/:id', access: 'session', tap: 'http', handler: intro.getAccount },

    // Lesson "REST" (server/protocols/rest).
    { method: 'GET', path: '/api/accounts/:id', access: 'session', tap: 'rest', dropTarget: 'rest', handler: rest.getAccount },
    { method: 'PUT', path: '/api/accounts/:id', access: 'session', tap: 'rest', dropTarget: 'rest', handler: rest.putAccount },
    {
      method: 'PATCH',
      path: '/api/accounts/:id',
      access: 'session',
      tap: 'rest',
      dropTarget: 'rest',
      handler: rest.patchAccount,
    },
    {
      method: 'DELETE',
      path: '/api/accounts/:id',
      access: 'session',
      tap: 'rest',
      dropTarget: 'rest',
      handler: rest.deleteAccount,
    },
    {
      method: 'GET',
      path: '/api/accounts/:id/transactions',
      access: 'session',
      tap: 'rest',
      dropTarget: 'rest',
      handler: rest.listTransactions,
    },
    {
      method: 'DELETE',
      path: '/api/accounts/:id/cards/:cardId',
      access: 'session',
      tap: 'rest',
      dropTarget: 'rest',
      handler: rest.deleteCard,
    },
    {
      method: 'POST',
      path: '/api/transactions',
      access: 'session',
      tap: 'rest',
      dropTarget: 'rest',
      handler: rest.postTransaction,
    },
    {
      method: 'GET',
      path: '/api/transactions/:id',
      access: 'session',
      tap: 'rest',
      dropTarget: 'rest',
      handler: rest.getTransaction,
    },
    { method: 'GET', path: '/api/merchants/:id', access: 'session', tap: 'rest', dropTarget: 'rest', handler: rest.getMerchant },
    // The lesson's controls: lab switches, not lesson traffic (untapped, so injected latency never delays them).
    { method: 'GET', path: '/api/rest/instances', access: 'session', handler: rest.listInstances },
    { method: 'PUT', path: '/api/rest/instances/:name', access: 'session', handler: rest.setInstance },
    { method: 'GET', path: '/api/rest/deployment', access: 'session', handler: rest.getDeployment },
    { method: 'PUT', path: '/api/rest/deployment', access: 'session', handler: rest.setDeployment },

    // Lesson "Server-Sent Events" (server/protocols/sse).
    // Streams are untapped: they record their own open, resume, every chunk written, and close.
    { method: 'GET', path: '/api/sse/ticks', access: 'session', dropTarget: 'sse', handler: sse.ticks },
    { method: 'GET', path: '/api/sse/feed', access: 'session', dropTarget: 'sse', handler: sse.feed },
    { method: 'GET', path: '/api/sse/firehose', access: 'session', dropTarget: 'sse', handler: sse.firehose },
    { method: 'POST', path: '/api/sse/payments', access: 'session', tap: 'http', handler: sse.pay },
    { method: 'GET', path: '/api/sse/status', access: 'session', tap: 'http', handler: sse.status },

    // Lesson "Polling" (server/protocols/polling).
    { method: 'GET', path: '/api/poll/notifications', access: 'session', tap: 'polling', handler: polling.shortPoll },
    { method: 'POST', path: '/api/poll/notifications', access: 'session', tap: 'polling', handler: polling.emit },
    {
      method: 'GET',
      path: '/api/longpoll/notifications',
      access: 'session',
      tap: 'polling',
      dropTarget: 'polling',
      handler: polling.longPoll,
    },
    { method: 'GET', path: '/api/sse/notifications', access: 'session', dropTarget: 'sse', handler: polling.stream },
    // The source's controls (untapped: a lab switch, never delayed).
    { method: 'GET', path: '/api/poll/source', access: 'session', handler: polling.getSource },
    { method: 'POST', path: '/api/poll/source', access: 'session', handler: polling.setSource },

    // Lesson "GraphQL" (server/protocols/graphql).
    { method: 'POST', path: '/graphql', access: 'session', tap: 'graphql', handler: graphql.http },
    // GET serves persisted (and other read-only) queries, so an HTTP cache can keep the answer.
    { method: 'GET', path: '/graphql', access: 'session', tap: 'graphql', handler: graphql.http },
    // The lesson's controls (untapped): the DataLoader switch, and N for the N+1 experiment.
    { method: 'GET', path: '/api/graphql/settings', access: 'session', handler: graphql.getSettings },
    { method: 'PUT', path: '/api/graphql/settings', access: 'session', handler: graphql.putSettings },
    { method: 'POST', path: '/api/graphql/history', access: 'session', handler: graphql.replaceHistory },

    // Lesson "WebSocket" (server/protocols/websocket, server/protocols/socketio).
    // Lesson controls (untapped): a per-session outage of the raw chat server.
    { method: 'POST', path: '/api/ws/outage', access: 'session', handler: ws.outage },
    // socket.io's HTTP long-polling: the engine reads the request itself (streamingBody).
    { method: 'GET', path: '/api/socketio', access: 'session', tap: 'socketio', streamingBody: true, handler: sio.poll('chat') },
    { method: 'POST', path: '/api/socketio', access: 'session', tap: 'socketio', streamingBody: true, handler: sio.poll('chat') },
    { method: 'GET', path: '/api/socketio/1', access: 'session', tap: 'socketio', streamingBody: true, handler: sio.poll('1') },
    { method: 'POST', path: '/api/socketio/1', access: 'session', tap: 'socketio', streamingBody: true, handler: sio.poll('1') },
    { method: 'GET', path: '/api/socketio/2', access: 'session', tap: 'socketio', streamingBody: true, handler: sio.poll('2') },
    { method: 'POST', path: '/api/socketio/2', access: 'session', tap: 'socketio', streamingBody: true, handler: sio.poll('2') },
    { method: 'GET', path: '/api/socketio/lb', access: 'session', tap: 'socketio', streamingBody: true, handler: sio.lbPoll },
    { method: 'POST', path: '/api/socketio/lb', access: 'session', tap: 'socketio', streamingBody: true, handler: sio.lbPoll },
    { method: 'GET', path: '/api/socketio/pubsub', access: 'session', handler: sio.getPubSub },
    { method: 'POST', path: '/api/socketio/pubsub', access: 'session', handler: sio.setPubSub },
    { method: 'GET', path: '/api/socketio/sticky', access: 'session', handler: sio.getSticky },
    { method: 'POST', path: '/api/socketio/sticky', access: 'session', handler: sio.setSticky },
    { method: 'POST', path: '/api/socketio/outage', access: 'session', handler: sio.outage },

    // Lesson "Webhooks" (server/protocols/webhooks).
    // The bank's API (tapped, so curl and the widgets show up), its delivery log, and the receivers ("your app").
    { method: 'POST', path: '/api/webhooks/endpoints', access: 'session', tap: 'webhooks', handler: webhooks.registerEndpoint },
    { method: 'GET', path: '/api/webhooks/endpoints', access: 'session', tap: 'webhooks', handler: webhooks.listEndpoints },
    { method: 'POST', path: '/api/webhooks/events', access: 'session', tap: 'webhooks', handler: webhooks.emitEvent },
    {
      method: 'POST',
      path: '/api/webhooks/events/:id/redeliver',
      access: 'session',
      tap: 'webhooks',
      handler: webhooks.redeliver,
    },
    { method: 'GET', path: '/api/webhooks/deliveries', access: 'session', tap: 'webhooks', handler: webhooks.deliveries },
    {
      method: 'GET',
      path: '/api/webhooks/deliveries/latest',
      access: 'session',
      tap: 'webhooks',
      handler: webhooks.latestDelivery,
    },
    {
      method: 'GET',
      path: '/api/webhooks/deliveries/latest/signed-content',
      access: 'session',
      tap: 'webhooks',
      handler: webhooks.latestSignedContent,
    },
    { method: 'GET', path: '/api/webhooks/secret', access: 'session', tap: 'webhooks', handler: webhooks.secret },
    // Deliveries record their own events on both sides (bank and receiver), so the receiver route is untapped.
    { method: 'POST', path: '/api/webhooks/receivers/:name', access: 'session', handler: webhooks.receive },
    // The lesson's controls (untapped: lab switches, polled by the widget, never delayed).
    { method: 'GET', path: '/api/webhooks/receivers/:name', access: 'session', handler: webhooks.receiverState },
    { method: 'PUT', path: '/api/webhooks/receivers/:name', access: 'session', handler: webhooks.configureReceiver },
    { method: 'GET', path: '/api/webhooks/schedule', access: 'session', handler: webhooks.schedule },
    { method: 'POST', path: '/api/webhooks/worker', access: 'session', handler: webhooks.worker },
    { method: 'GET', path: '/api/webhooks/bank', access: 'session', handler: webhooks.bankState },
    { method: 'PUT', path: '/api/webhooks/bank', access: 'session', handler: webhooks.configureBank },

    // Lesson "MQTT" (server/protocols/mqtt).
    { method: 'GET', path: '/api/mqtt/status', access: 'session', handler: mqtt.status },
    { method: 'PUT', path: '/api/mqtt/fleet', access: 'session', tap: 'mqtt', handler: mqtt.resizeFleet },
    { method: 'POST', path: '/api/mqtt/broker-down', access: 'session', tap: 'mqtt', handler: mqtt.brokerDown },
    { method: 'POST', path: '/api/mqtt/clients/:clientId/drop', access: 'session', tap: 'mqtt', handler: mqtt.dropClient },

    // Lesson "gRPC" (server/protocols/grpc).
    // Connect and gRPC-Web over HTTP/1.1; Connect reads its own body (streamingBody) and taps every call
    // at the byte level itself. GET serves NO_SIDE_EFFECTS methods (cacheable). Native gRPC: the h2c port.
    { method: 'POST', path: '/api/grpc/*', access: 'session', dropTarget: 'grpc', streamingBody: true, handler: grpc.serve },
    { method: 'GET', path: '/api/grpc/*', access: 'session', dropTarget: 'grpc', streamingBody: true, handler: grpc.serve },
    // The lesson's controls: the lab's own HTTP/2 client runs calls a browser can't make (untapped).
    { method: 'POST', path: '/api/grpc/lab/multiplex', access: 'session', handler: grpc.multiplex },
    { method: 'POST', path: '/api/grpc/lab/upload-logs', access: 'session', handler: grpc.uploadLogs },
    { method: 'POST', path: '/api/grpc/lab/live-support', access: 'session', handler: grpc.liveSupport },

    // Lesson "Streaming" (server/protocols/streaming).
    // Long exchanges are untapped: they record their own open, sampled progress/memory and close (and are `stream` drop targets).
    { method: 'GET', path: '/api/stream/tokens', access: 'session', dropTarget: 'stream', handler: streaming.tokens },
    { method: 'GET', path: '/api/stream/export', access: 'session', dropTarget: 'stream', handler: streaming.exportRows },
    // Uploads read the request stream themselves (streamingBody): the size cap is enforced as bytes arrive.
    {
      method: 'PUT',
      path: '/api/stream/upload',
      access: 'session',
      dropTarget: 'stream',
      streamingBody: true,
      handler: streaming.upload,
    },
    { method: 'GET', path: '/api/stream/uploads', access: 'session', tap: 'streaming', handler: streaming.storage },
    { method: 'POST', path: '/api/stream/multipart', access: 'session', tap: 'streaming', handler: streaming.multipart.create },
    {
      method: 'GET',
      path: '/api/stream/multipart/:id',
      access: 'session',
      tap: 'streaming',
      handler: streaming.multipart.status,
    },
    {
      method: 'DELETE',
      path: '/api/stream/multipart/:id',
      access: 'session',
      tap: 'streaming',
      handler: streaming.multipart.abort,
    },
    {
      method: 'PUT',
      path: '/api/stream/multipart/:id/parts/:n',
      access: 'session',
      dropTarget: 'stream',
      streamingBody: true,
      handler: streaming.multipart.part,
    },
    {
      method: 'POST',
      path: '/api/stream/multipart/:id/complete',
      access: 'session',
      tap: 'streaming',
      handler: streaming.multipart.complete,
    },
  ];
  if (testHooks) {
    routes.push({ method: 'POST', path: '/api/lab/test/drop-channel', access: 'session', handler: api.dropChannel });
  }

  const upgrades: Upgrade[] = [
    { path: '/api/lab/channel', name: 'labChannel', handler: (ctx) => channel.accept(ctx) },
    { path: '/api/intro/echo', name: 'echo', dropTarget: 'websocket', handler: echo.accept },

    // Lesson "GraphQL": graphql-ws subscriptions on the same path as the HTTP endpoint.
    { path: '/graphql', name: 'graphql', dropTarget: 'graphql-ws', handler: graphql.accept },

    // Lesson "WebSocket".
    { path: '/api/ws/echo', name: 'wsEcho', dropTarget: 'ws', handler: ws.acceptEcho },
    { path: '/api/ws/chat', name: 'wsChat', dropTarget: 'ws', handler: ws.acceptChat },
    // socket.io clients ask for their path with a trailing slash; this table matches paths exactly.
    { path: '/api/socketio/', name: 'socketio', dropTarget: 'socketio', handler: sio.upgrade('chat') },
    { path: '/api/socketio/1/', name: 'socketioServer1', dropTarget: 'socketio', handler: sio.upgrade('1') },
    { path: '/api/socketio/2/', name: 'socketioServer2', dropTarget: 'socketio', handler: sio.upgrade('2') },
    { path: '/api/socketio/lb/', name: 'socketioLoadBalancer', dropTarget: 'socketio', handler: sio.lbUpgrade },

    // Lesson "MQTT": MQTT over WebSocket (subprotocol `mqtt`); TCP listener in `start`.
    { path: '/api/mqtt', name: 'mqtt', dropTarget: 'mqtt', handler: mqtt.accept },
  ];

  // Run once the HTTP port is bound (e.g. extra listeners, a local redis-server).
  const start: StartHook[] = [];
  // Run at shutdown, before the database closes.
  const close: Hook[] = [echo.close, ws.close, sio.close];
  // Lesson "GraphQL".
  start.push(graphql.start);
  close.push(graphql.close);

  // Lesson "gRPC": the h2c listener for native gRPC.
  start.push(grpc.start);
  close.push(grpc.close);

  // Lessons "Server-Sent Events" and "Polling".
  close.push(polling.close, sse.close);

  // Lesson "Webhooks": the delivery worker needs the HTTP port; it stops before the database closes.
  start.push(webhooks.start);
  close.push(webhooks.close);

  // Lesson "MQTT": the broker and its TCP listener (MQTT_PORT).
  start.push(mqtt.start);
  close.push(mqtt.close);

  // Lesson "Streaming": removes this process's upload folders and its temporary export table.
  close.push(streaming.close);

  return { routes, upgrades, start, close };
}

export type RouteTable = ReturnType<typeof routeTable>;
