import { describe, expect, it } from 'vitest';
import { EnvelopeSplitter, encodeEnvelope, parseTrailerBlock } from './envelope';

describe('EnvelopeSplitter', () => {
  it('splits frames whatever the chunk boundaries', () => {
    const a = encodeEnvelope(0, new Uint8Array([1, 2, 3]));
    const b = encodeEnvelope(2, new TextEncoder().encode('{}'));
    const stream = new Uint8Array([...a, ...b]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const splitter = new EnvelopeSplitter();
      const frames = [...splitter.push(stream.subarray(0, cut)), ...splitter.push(stream.subarray(cut))];
      expect(frames.map((f) => [f.flags, [...f.data]])).toEqual([
        [0, [1, 2, 3]],
        [2, [123, 125]],
      ]);
      expect(splitter.leftover).toBe(0);
    }
    expect([...a.subarray(0, 5)]).toEqual([0, 0, 0, 0, 3]);
  });

  it('keeps its own copy of each frame: the chunk may be reused or be a view into a larger buffer', () => {
    const chunk = Buffer.from(encodeEnvelope(0, new Uint8Array([7, 8, 9])));
    const [frame] = new EnvelopeSplitter().push(chunk);
    chunk.fill(0);
    expect([...(frame?.raw ?? [])]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
    expect(frame?.raw.buffer).not.toBe(chunk.buffer);
  });

  it('reads a gRPC-Web trailer block', () => {
    expect(parseTrailerBlock(new TextEncoder().encode('grpc-status: 5\r\ngrpc-message: no%20such\r\n'))).toEqual({
      'grpc-status': '5',
      'grpc-message': 'no%20such',
    });
  });
});
