import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { closeCodeSentFor } from './websocket';

/** ws's frame parser: exported at run time, not in its type definitions. */
interface FrameReceiver {
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer): void;
}
const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => FrameReceiver;
};

/** The error ws's own frame parser raises for `frame`, as a server with this maxPayload reads it. */
function refusal(frame: Buffer, maxPayload: number): Promise<Error> {
  return new Promise((resolve) => {
    const receiver = new Receiver({ isServer: true, maxPayload });
    receiver.on('error', resolve);
    receiver.write(frame);
  });
}

/** A masked client text frame (mask key 0: the payload goes as it is). */
const clientFrame = (payload: Buffer) => Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);

describe('closeCodeSentFor', () => {
  it('reads the close code ws sent from the error of a frame it refused', async () => {
    expect(closeCodeSentFor(await refusal(clientFrame(Buffer.alloc(20, 'a')), 10))).toBe(1009);
    expect(closeCodeSentFor(await refusal(clientFrame(Buffer.from([0xc3, 0x28])), 100))).toBe(1007);
  });

  it('falls back to the code ws documents for the error, and says nothing for other errors', () => {
    expect(closeCodeSentFor(Object.assign(new Error('invalid UTF-8 sequence'), { code: 'WS_ERR_INVALID_UTF8' }))).toBe(1007);
    expect(closeCodeSentFor(Object.assign(new Error('MASK must be set'), { code: 'WS_ERR_EXPECTED_MASK' }))).toBe(1002);
    expect(closeCodeSentFor(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBeUndefined();
    expect(closeCodeSentFor(new Error('anything'))).toBeUndefined();
  });
});
