import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { acceptFor } from './ws-capture';
import { type DecodedFrame, decodeFrame, FrameDecoder, parseFrameHeader, unmask } from './ws-frames';

/** Builds one frame by hand, following RFC 6455 §5.2. */
function frame(opcode: number, payload: Buffer, options: { fin?: boolean; mask?: Buffer } = {}): Buffer {
  const { fin = true, mask } = options;
  const len = payload.length;
  const ext = len <= 125 ? Buffer.alloc(0) : len <= 0xffff ? Buffer.alloc(2) : Buffer.alloc(8);
  if (len > 125 && len <= 0xffff) ext.writeUInt16BE(len);
  if (len > 0xffff) ext.writeBigUInt64BE(BigInt(len));
  const len7 = len <= 125 ? len : len <= 0xffff ? 126 : 127;
  const head = Buffer.from([(fin ? 0x80 : 0) | opcode, (mask ? 0x80 : 0) | len7]);
  const body = mask ? unmask(payload, mask.toString('hex')) : payload;
  return Buffer.concat([head, ext, mask ?? Buffer.alloc(0), body]);
}

function decodeAll(chunks: Buffer[]): DecodedFrame[] {
  const frames: DecodedFrame[] = [];
  const decoder = new FrameDecoder((wire) => frames.push(decodeFrame(wire)));
  for (const chunk of chunks) decoder.push(chunk);
  return frames;
}

describe('frame headers', () => {
  it('reads the three length encodings: 7-bit, 16-bit and 64-bit', () => {
    expect(parseFrameHeader(frame(0x1, Buffer.alloc(125)))).toMatchObject({
      payloadLength: 125,
      headerLength: 2,
      lengthEncoding: '7-bit',
    });
    expect(parseFrameHeader(frame(0x1, Buffer.alloc(126)))).toMatchObject({
      payloadLength: 126,
      headerLength: 4,
      lengthEncoding: '16-bit',
    });
    expect(parseFrameHeader(frame(0x2, Buffer.alloc(65_536)))).toMatchObject({
      payloadLength: 65_536,
      headerLength: 10,
      lengthEncoding: '64-bit',
      opcodeName: 'binary',
    });
  });

  it('adds four bytes for the mask and reports the key: 2 to 14 header bytes', () => {
    const mask = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    expect(parseFrameHeader(frame(0x1, Buffer.from('hi'), { mask }))).toMatchObject({
      masked: true,
      maskKey: 'deadbeef',
      headerLength: 6,
      fin: true,
      opcodeName: 'text',
    });
    expect(parseFrameHeader(frame(0x1, Buffer.alloc(70_000), { mask }))?.headerLength).toBe(14);
  });

  it('needs the whole header before answering', () => {
    const bytes = frame(0x1, Buffer.alloc(300), { mask: Buffer.from([1, 2, 3, 4]) });
    expect(parseFrameHeader(bytes.subarray(0, 1))).toBeNull();
    expect(parseFrameHeader(bytes.subarray(0, 7))).toBeNull();
    expect(parseFrameHeader(bytes.subarray(0, 8))?.payloadLength).toBe(300);
  });

  it('reads FIN=0 on a fragment, continuation frames, ping and pong', () => {
    const frames = decodeAll([
      Buffer.concat([
        frame(0x1, Buffer.from('hel'), { fin: false }),
        frame(0x0, Buffer.from('lo')),
        frame(0x9, Buffer.from('are you there?')),
        frame(0xa, Buffer.from('are you there?'), { mask: Buffer.from([9, 9, 9, 9]) }),
      ]),
    ]);
    expect(frames.map((f) => [f.opcodeName, f.fin, f.masked])).toEqual([
      ['text', false, false],
      ['continuation', true, false],
      ['ping', true, false],
      ['pong', true, true],
    ]);
  });

  it('decodeFrame() reads a frame again from the bytes the decoder kept (what the timeline stores)', () => {
    const mask = Buffer.from([0x11, 0x22, 0x33, 0x44]);
    const close = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]);
    const frames = decodeAll([frame(0x2, Buffer.alloc(70_000), { mask }), frame(0x8, close, { mask })]);
    for (const decoded of frames) {
      const { wire, ...fields } = decoded;
      expect(decodeFrame(wire)).toEqual({ wire, ...fields });
    }
    expect(decodeFrame(frames[1]?.wire ?? Buffer.alloc(0))).toMatchObject({ closeCode: 1000, closeReason: 'bye' });
    expect(() => decodeFrame(Buffer.from([0x81]))).toThrow(/not a whole frame header/);
  });

  it('unmasks the close code of a masked close frame', () => {
    const payload = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('bye')]);
    const [close] = decodeAll([frame(0x8, payload, { mask: Buffer.from([0x11, 0x22, 0x33, 0x44]) })]);
    expect(close).toMatchObject({ opcodeName: 'close', closeCode: 1000, closeReason: 'bye' });
  });

  it('hands over frames with empty payloads, and the same frames whether fed whole or one byte at a time', () => {
    const bytes = Buffer.concat([
      frame(0xa, Buffer.alloc(0)),
      frame(0x8, Buffer.alloc(0), { mask: Buffer.from([1, 2, 3, 4]) }),
      frame(0x1, Buffer.from('after'), { mask: Buffer.from([5, 6, 7, 8]) }),
      frame(0x2, Buffer.alloc(300, 0x62)),
    ]);
    const whole = decodeAll([bytes]);
    expect(whole.map((f) => [f.opcodeName, f.payloadLength, f.headerLength, f.wire.length])).toEqual([
      ['pong', 0, 2, 2],
      ['close', 0, 6, 6],
      ['text', 5, 6, 11],
      ['binary', 300, 4, 4 + 64],
    ]);
    const byteByByte = decodeAll([...bytes].map((b) => Buffer.from([b])));
    expect(byteByByte.map((f) => f.wire)).toEqual(whole.map((f) => f.wire));
  });

  it('keeps only a prefix of a frame that claims an absurd 64-bit length, without reading past the chunk', () => {
    // 2^63 bytes claimed (ws refuses anything over maxPayload with 1009; the tap must not blow up first).
    const head = Buffer.from([0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    const kept: Buffer[] = [];
    const decoder = new FrameDecoder((wire) => kept.push(wire));
    decoder.push(Buffer.concat([head, Buffer.alloc(100, 0x63)]));
    decoder.push(Buffer.alloc(1000, 0x64));
    expect(kept).toEqual([]); // the frame never completes
    expect(parseFrameHeader(head)?.payloadLength).toBe(2 ** 63);
  });

  it('copes with frames split anywhere across chunks, keeping only a prefix of the payload', () => {
    const bytes = Buffer.concat([frame(0x1, Buffer.alloc(65_536, 0x61)), frame(0x1, Buffer.from('next'))]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    const frames = decodeAll(chunks);
    expect(frames.map((f) => f.payloadLength)).toEqual([65_536, 4]);
    // 65,536 bytes needs the 64-bit length: a 10-byte header, then the 64-byte prefix.
    expect(frames[0]?.headerLength).toBe(10);
    expect(frames[0]?.wire).toEqual(bytes.subarray(0, 10 + 64));
    expect(frames[1]?.wire.subarray(2).toString()).toBe('next');
  });
});

describe('Sec-WebSocket-Accept', () => {
  it('matches the example in RFC 6455 §1.3', () => {
    expect(acceptFor('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('bytes from real ws traffic', () => {
  it('decodes what a ws client and server really put on the wire', async () => {
    const server = createServer();
    const wss = new WebSocketServer({ server, perMessageDeflate: false });
    const fromClient: DecodedFrame[] = [];
    const fromServer: DecodedFrame[] = [];
    const clientDecoder = new FrameDecoder((wire) => fromClient.push(decodeFrame(wire)));
    const serverDecoder = new FrameDecoder((wire) => fromServer.push(decodeFrame(wire)));
    server.on('upgrade', (_req, socket: Socket) => {
      // Server side of the socket: reads are client frames, writes are server frames (this
      // listener runs after ws's own, so the 101 has already been written).
      // Prepended: ws unmasks payloads in place once its own listener has run.
      setImmediate(() => socket.prependListener('data', (chunk: Buffer) => clientDecoder.push(chunk)));
      const write = socket.write.bind(socket);
      socket.write = ((chunk: unknown, ...rest: unknown[]) => {
        if (Buffer.isBuffer(chunk)) serverDecoder.push(chunk);
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof socket.write;
    });
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    await once(client, 'open');
    let echoes = 0;
    const allEchoed = new Promise<void>((resolve) =>
      client.on('message', () => {
        echoes += 1;
        if (echoes === 3) resolve();
      }),
    );
    client.send('x'.repeat(125));
    client.send('y'.repeat(126));
    client.send(Buffer.alloc(65_536));
    await allEchoed;
    client.close(1000, 'done');
    await once(client, 'close');
    wss.close();
    server.close();

    expect(fromClient.map((f) => [f.opcodeName, f.payloadLength, f.headerLength, f.masked])).toEqual([
      ['text', 125, 6, true],
      ['text', 126, 8, true],
      ['binary', 65_536, 14, true],
      ['close', 6, 6, true],
    ]);
    expect(fromClient.at(-1)?.closeCode).toBe(1000);
    expect(fromServer.map((f) => [f.opcodeName, f.payloadLength, f.headerLength, f.masked])).toEqual([
      ['text', 125, 2, false],
      ['text', 126, 4, false],
      ['binary', 65_536, 10, false],
      ['close', 6, 2, false],
    ]);
  });
});
