import { PassThrough } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketFramer, packetType, tapStream } from './wire';

const publish = (payload: Buffer) =>
  mqttPacket.generate({ cmd: 'publish', topic: 'atms/x', payload, qos: 1, messageId: 7, dup: false, retain: false });

describe('PacketFramer', () => {
  it('cuts a stream into whole packets whatever the chunking', () => {
    const packets = [Buffer.from([0xc0, 0x00]), publish(Buffer.alloc(300, 1)), Buffer.from([0x40, 0x02, 0x00, 0x07])];
    const all = Buffer.concat(packets);
    for (const chunkSize of [1, 2, 3, 7, 64, all.length]) {
      const framer = new PacketFramer();
      const out: Buffer[] = [];
      for (let i = 0; i < all.length; i += chunkSize) out.push(...framer.push(all.subarray(i, i + chunkSize)));
      expect(out.map((p) => p.toString('hex'))).toEqual(packets.map((p) => p.toString('hex')));
    }
  });

  it('knows the announced size from the fixed header alone (multi-byte remaining length)', () => {
    const big = publish(Buffer.alloc(20_000));
    const framer = new PacketFramer();
    // 20,000 bytes need a three-byte remaining length: four header bytes in all.
    expect(framer.push(big.subarray(0, 3))).toEqual([]);
    expect(framer.nextSize).toBeUndefined();
    expect(framer.push(big.subarray(3, 4))).toEqual([]);
    expect(framer.nextSize).toBe(big.length);
  });

  it('names packet types by the high nibble', () => {
    expect(packetType(0x10)).toBe('CONNECT');
    expect(packetType(0x32)).toBe('PUBLISH');
    expect(packetType(0xc0)).toBe('PINGREQ');
    expect(packetType(0xe0)).toBe('DISCONNECT');
  });
});

describe('tapStream', () => {
  it('passes bytes both ways untouched and reports each whole packet', async () => {
    const inner = new PassThrough();
    const received: string[] = [];
    const sent: string[] = [];
    const written: Buffer[] = [];
    const originalWrite = inner.write.bind(inner);
    // Capture what the broker writes towards the client.
    inner.write = ((chunk: Buffer) => {
      written.push(chunk);
      return true;
    }) as typeof inner.write;
    const outer = tapStream(
      inner,
      {
        received: (p) => received.push(p.toString('hex')),
        sent: (p) => sent.push(p.toString('hex')),
        oversized: () => undefined,
      },
      1024,
    );
    const readBack: Buffer[] = [];
    outer.on('data', (c: Buffer) => readBack.push(c));
    originalWrite(Buffer.from([0xc0, 0x00, 0xc0]));
    originalWrite(Buffer.from([0x00]));
    outer.write(Buffer.from([0xd0]));
    outer.write(Buffer.from([0x00]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual(['c000', 'c000']);
    expect(sent).toEqual(['d000']);
    expect(Buffer.concat(readBack).toString('hex')).toBe('c000c000');
    expect(Buffer.concat(written).toString('hex')).toBe('d000');
  });

  it('refuses a packet announcing more than the limit before its body arrives', async () => {
    const inner = new PassThrough();
    let oversized = 0;
    const outer = tapStream(
      inner,
      { received: () => undefined, sent: () => undefined, oversized: (size) => (oversized = size) },
      1024,
    );
    outer.on('data', () => undefined);
    const closed = new Promise((resolve) => outer.once('close', resolve));
    inner.write(publish(Buffer.alloc(5000)).subarray(0, 4));
    await closed;
    expect(oversized).toBeGreaterThan(5000);
  });
});
