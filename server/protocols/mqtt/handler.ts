import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import type { MqttBroker } from './broker';
import type { MqttConfig } from './config';
import { MAX_FLEET, REGIONS } from './fleet';
import type { Fleets } from './fleets';

function jsonObject(ctx: SessionContext): Record<string, unknown> {
  const body = parseJson(ctx.req.headers['content-type'], ctx.body);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'Expected a JSON object', 'Send a JSON object, e.g. {"size": 12}.');
  }
  return body as Record<string, unknown>;
}

/** The lesson's HTTP controls: the simulated fleet and the "broker down" fault. */
export function mqttHandlers(broker: MqttBroker, fleets: Fleets, config: MqttConfig) {
  const status = (sessionId: string) => ({
    fleet: { atms: fleets.size(sessionId), max: MAX_FLEET, regions: REGIONS },
    broker: { ...broker.downInfo(sessionId), clients: broker.clientCount(sessionId) },
  });

  return {
    /** GET /api/mqtt/status — the session's fleet size, broker state and connected clients. */
    status(ctx: SessionContext) {
      sendJson(ctx.res, 200, status(ctx.sessionId));
    },

    /** PUT /api/mqtt/fleet {"size": N} — resize the session's simulated ATM fleet (0 stops it). */
    resizeFleet(ctx: SessionContext) {
      const size = jsonObject(ctx).size;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > MAX_FLEET) {
        throw new HttpError(
          400,
          'Bad fleet size',
          `"size" must be a whole number of ATMs from 0 to ${MAX_FLEET.toLocaleString('en')}, got ${JSON.stringify(size)}.`,
        );
      }
      fleets.resize(ctx.sessionId, size);
      sendJson(ctx.res, 200, status(ctx.sessionId));
    },

    /** POST /api/mqtt/clients/{clientId}/drop — cut one client's cable (its will is published). */
    dropClient(ctx: SessionContext) {
      const clientId = ctx.params.clientId ?? '';
      const dropped = broker.dropClient(ctx.sessionId, clientId);
      if (dropped === 0) {
        throw new HttpError(404, 'No such client', `No MQTT client "${clientId}" is connected in your session.`);
      }
      ctx.lab.record(ctx.sessionId, {
        origin: 'server',
        protocol: 'lab',
        kind: 'fault',
        summary: `Cut the connection of MQTT client "${clientId}" at the socket (no DISCONNECT)`,
        detail: { fields: { action: 'drop', target: 'mqtt', clientId } },
      });
      sendJson(ctx.res, 200, { dropped });
    },

    /** POST /api/mqtt/broker-down {"seconds": N} — the broker "crashes" for this session only. */
    brokerDown(ctx: SessionContext) {
      const seconds = jsonObject(ctx).seconds;
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > config.maxDownSeconds) {
        throw new HttpError(400, 'Bad duration', `"seconds" must be a whole number from 1 to ${config.maxDownSeconds}.`);
      }
      const { dropped } = broker.down(ctx.sessionId, seconds);
      sendJson(ctx.res, 200, { ...status(ctx.sessionId), dropped });
    },
  };
}
