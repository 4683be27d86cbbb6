import { Duplex } from 'node:stream';

/** MQTT control packet types by the high nibble of the first byte (MQTT 3.1.1 table 2.1). */
export const PACKET_TYPES = [
  'RESERVED',
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
] as const;
export type PacketType = (typeof PACKET_TYPES)[number];

export function packetType(firstByte: number): PacketType {
  return PACKET_TYPES[firstByte >> 4] ?? 'RESERVED';
}

/**
 * Cuts a byte stream into whole MQTT packets using only the fixed header
 * (type byte + "remaining length" varint), without decoding them: cheap
 * enough to run on every byte the broker sends and receives. Chunks may split
 * or join packets arbitrarily (TCP segments, WebSocket messages).
 */
export class PacketFramer {
  private pending: Buffer = Buffer.alloc(0);

  /** Size the next (incomplete) packet announces in its fixed header, once known. */
  get nextSize(): number | undefined {
    return this.pending.length ? packetSize(this.pending, 0) : undefined;
  }

  /** Feeds a chunk; returns the packets it completed, each as its exact bytes. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const packets: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const size = packetSize(this.pending, offset);
      if (size === undefined || offset + size > this.pending.length) break;
      packets.push(this.pending.subarray(offset, offset + size));
      offset += size;
    }
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(offset);
    return packets;
  }
}

/** Whole size of the packet starting at `offset`, or undefined while its fixed header is incomplete. */
function packetSize(buf: Buffer, offset: number): number | undefined {
  let remaining = 0;
  let multiplier = 1;
  // The remaining length is 1 to 4 bytes, 7 bits each, low bits first [MQTT-2.2.3].
  for (let i = 1; i <= 4; i++) {
    const byte = buf[offset + i];
    if (byte === undefined) return undefined;
    remaining += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) return 1 + i + remaining;
  }
  // A fifth length byte is malformed; the broker's own parser will reject the stream.
  return Number.POSITIVE_INFINITY;
}

export interface WireTap {
  /** Called with every whole packet the client sent, in order. */
  received(packet: Buffer): void;
  /** Called with every whole packet the broker wrote, in order. */
  sent(packet: Buffer): void;
  /** Called (once) when a packet announces more than `maxPacketBytes`; the stream is then destroyed. */
  oversized(size: number): void;
}

/**
 * Wraps a transport (TCP socket or WebSocket stream) in a Duplex that the
 * broker reads from and writes to, and reports every packet crossing it with
 * its exact bytes. It also enforces the lab's packet size cap: aedes has none
 * of its own, and MQTT 3.1.1 allows 256 MB.
 */
export function tapStream(inner: Duplex, tap: WireTap, maxPacketBytes: number): Duplex {
  const incoming = new PacketFramer();
  const outgoing = new PacketFramer();

  const outer = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      for (const packet of outgoing.push(chunk)) tap.sent(packet);
      if (inner.write(chunk)) callback();
      else inner.once('drain', () => callback());
    },
    final(callback) {
      inner.end();
      callback();
    },
    destroy(error, callback) {
      inner.destroy();
      callback(error);
    },
  });

  inner.on('data', (chunk: Buffer) => {
    const packets = incoming.push(chunk);
    // The announced size is known from the fixed header, before the body arrives.
    const biggest = packets.reduce((max, p) => Math.max(max, p.length), incoming.nextSize ?? 0);
    if (biggest > maxPacketBytes) {
      tap.oversized(biggest);
      outer.destroy();
      return;
    }
    for (const packet of packets) tap.received(packet);
    if (!outer.push(chunk)) inner.pause();
  });
  inner.on('end', () => outer.push(null));
  inner.on('error', (error) => outer.destroy(error));
  inner.on('close', () => outer.destroy());
  return outer;
}
