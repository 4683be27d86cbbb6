import { describe, expect, it } from 'vitest';
import { BODY_PREVIEW_LIMIT } from '../../../lib/timeline';
import { CutEvent, SocketIoMessages } from './message-events';

describe('SocketIoMessages', () => {
  const incoming = new SocketIoMessages('chat', 'sio-1', 'in');

  it('keeps a small event as its wire JSON and describes it when read', () => {
    const kept = SocketIoMessages.keep('message', [{ id: 'm-1', text: 'hi' }]);
    expect(kept).toBe('["message",{"id":"m-1","text":"hi"}]');
    expect(incoming.describe(kept)).toEqual({
      origin: 'server',
      protocol: 'socketio',
      kind: 'message',
      dir: 'in',
      conn: 'sio-1',
      bytes: Buffer.byteLength('[{"id":"m-1","text":"hi"}]'),
      summary: 'chat received "message" [{"id":"m-1","text":"hi"}]',
      detail: { fields: { server: 'chat', event: 'message' }, body: '[{"id":"m-1","text":"hi"}]' },
    });
  });

  it('keeps only a preview of a large event, with its full size', () => {
    const args = [{ text: 'ü'.repeat(30_000) }];
    const kept = SocketIoMessages.keep('message', args);
    expect(kept).toBeInstanceOf(CutEvent);
    const text = JSON.stringify(args);
    expect((kept as CutEvent).preview.body).toHaveLength(BODY_PREVIEW_LIMIT);
    const event = incoming.describe(kept);
    expect(event.bytes).toBe(Buffer.byteLength(text));
    expect(event.detail).toMatchObject({ body: text.slice(0, BODY_PREVIEW_LIMIT), bodyTruncated: true });
  });

  it('keeps event names that need escaping', () => {
    const kept = SocketIoMessages.keep('odd "name"\nwith a newline', []);
    expect(new SocketIoMessages('server 1', 'sio-2', 'out').describe(kept).summary).toBe(
      'server 1 sent "odd "name"\nwith a newline" []',
    );
  });
});
