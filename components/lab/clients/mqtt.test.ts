import { generate } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { describePacket } from './mqtt';

describe('describePacket', () => {
  it('names each packet with its packet id and flags, as the timeline shows it', () => {
    expect(
      describePacket({ cmd: 'publish', topic: 'atms/x', payload: 'p', qos: 1, messageId: 7, dup: true, retain: true }),
    ).toEqual({
      type: 'PUBLISH',
      packetId: 7,
      summary: 'PUBLISH atms/x QoS 1 id 7 DUP RETAIN',
    });
    // mqtt.js sets messageId 0 on QoS 0 PUBLISHes; no id goes on the wire.
    expect(
      describePacket({ cmd: 'publish', topic: 'a', payload: 'p', qos: 0, messageId: 0, dup: false, retain: false }).summary,
    ).toBe('PUBLISH a QoS 0');
    expect(describePacket({ cmd: 'pubrec', messageId: 9 })).toEqual({ type: 'PUBREC', packetId: 9, summary: 'PUBREC id 9' });
    expect(describePacket({ cmd: 'connack', returnCode: 3, sessionPresent: false }).summary).toBe(
      'CONNACK 3 refused: server unavailable',
    );
    expect(describePacket({ cmd: 'suback', messageId: 2, granted: [128, 1] }).summary).toBe('SUBACK id 2: 0x80 failure, QoS 1');
    expect(describePacket({ cmd: 'pingreq' })).toEqual({ type: 'PINGREQ', packetId: undefined, summary: 'PINGREQ' });
  });

  it('the bytes the client records are mqtt-packet’s encoding: two bytes for a ping', () => {
    expect([...generate({ cmd: 'pingreq' })]).toEqual([0xc0, 0x00]);
    expect([...generate({ cmd: 'pingresp' })]).toEqual([0xd0, 0x00]);
  });
});
