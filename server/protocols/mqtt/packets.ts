import mqttPacket from 'mqtt-packet';
import { type PacketType, packetType } from './wire';

/** What the timeline shows about one packet: a line to read and fields for the inspector. */
export interface PacketView {
  type: PacketType;
  /** Packet identifier (PUBLISH at QoS 1/2, PUB*, SUBSCRIBE/SUBACK, UNSUBSCRIBE/UNSUBACK). */
  packetId?: number;
  summary: string;
  fields: Record<string, string | number | boolean | null>;
}

const CONNACK_CODES: Record<number, string> = {
  0: 'accepted',
  1: 'refused: unacceptable protocol version',
  2: 'refused: identifier rejected',
  3: 'refused: server unavailable',
  4: 'refused: bad user name or password',
  5: 'refused: not authorized',
};

function decode(bytes: Buffer): mqttPacket.Packet | undefined {
  // A fresh parser per packet: only packets that make it onto the timeline are decoded.
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  let packet: mqttPacket.Packet | undefined;
  parser.on('packet', (p) => {
    packet = p;
  });
  parser.on('error', () => undefined);
  parser.parse(bytes);
  return packet;
}

/** Decodes one whole packet (exact bytes) into a readable line and inspector fields. */
export function describePacket(bytes: Buffer): PacketView {
  const type = packetType(bytes[0] ?? 0);
  const p = decode(bytes) as (mqttPacket.Packet & Record<string, unknown>) | undefined;
  if (!p) return { type, summary: `${type} (${bytes.length} B, could not be decoded)`, fields: { type } };
  const packetId = typeof p.messageId === 'number' ? p.messageId : undefined;
  const id = packetId === undefined ? '' : ` id ${packetId}`;
  const fields: PacketView['fields'] = { type, bytes: bytes.length };
  if (packetId !== undefined) fields.packetId = packetId;
  switch (p.cmd) {
    case 'connect': {
      Object.assign(fields, {
        clientId: p.clientId || '(empty)',
        cleanSession: p.clean,
        keepalive: p.keepalive,
        protocol: `${p.protocolId} v${p.protocolVersion}`,
        username: p.username ?? null,
        will: p.will
          ? `${p.will.topic} = ${String(p.will.payload)} (QoS ${p.will.qos}${p.will.retain ? ', retained' : ''})`
          : null,
      });
      return {
        type,
        fields,
        summary: `CONNECT "${p.clientId || '(no client id)'}" clean=${p.clean} keepalive=${p.keepalive}s${p.will ? ` will→${p.will.topic}` : ''}`,
      };
    }
    case 'connack': {
      const code = p.returnCode ?? 0;
      Object.assign(fields, { returnCode: code, sessionPresent: p.sessionPresent });
      return {
        type,
        fields,
        summary: `CONNACK ${code} ${CONNACK_CODES[code] ?? 'unknown'}${p.sessionPresent ? ' (session present)' : ''}`,
      };
    }
    case 'publish': {
      const payload = Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(String(p.payload));
      Object.assign(fields, { topic: p.topic, qos: p.qos, dup: p.dup, retain: p.retain, payloadBytes: payload.length });
      const flags = `${p.dup ? ' DUP' : ''}${p.retain ? ' RETAIN' : ''}`;
      return { type, packetId, fields, summary: `PUBLISH ${p.topic} QoS ${p.qos}${id}${flags} (${payload.length} B payload)` };
    }
    case 'subscribe': {
      const subs = p.subscriptions.map((s) => `${s.topic} (QoS ${s.qos})`).join(', ');
      fields.subscriptions = subs;
      return { type, packetId, fields, summary: `SUBSCRIBE${id}: ${subs}` };
    }
    case 'suback': {
      const granted = (p.granted as number[]).map((g) => (g === 128 ? '0x80 failure' : `QoS ${g}`)).join(', ');
      fields.granted = granted;
      return { type, packetId, fields, summary: `SUBACK${id}: ${granted}` };
    }
    case 'unsubscribe': {
      fields.topics = p.unsubscriptions.join(', ');
      return { type, packetId, fields, summary: `UNSUBSCRIBE${id}: ${p.unsubscriptions.join(', ')}` };
    }
    default:
      return { type, packetId, fields, summary: `${type}${id}` };
  }
}
