import { BODY_PREVIEW_LIMIT, type EventDetail, type EventInput, previewBody } from '../../../lib/timeline';
import type { EventDescriber } from '../../lab/event-log';

/** A large socket.io event, kept as its name, its size and the preview the timeline shows. */
export class CutEvent {
  constructor(
    readonly event: string,
    readonly bytes: number,
    readonly preview: Pick<EventDetail, 'body' | 'bodyTruncated'>,
  ) {}
}

/**
 * One connection's socket.io events in one direction, described when the timeline reads them
 * (see EventDescriber). An event's part is the event name and its arguments as one JSON array,
 * as socket.io puts them on the wire, or a CutEvent when that is longer than a preview: at
 * thousands of messages a second, every object kept per message is one the garbage collector
 * must trace (see the WebSocket section of docs/PERFORMANCE.md).
 */
export class SocketIoMessages implements EventDescriber<string | CutEvent> {
  constructor(
    private readonly server: string,
    private readonly conn: string,
    private readonly dir: 'in' | 'out',
  ) {}

  static keep(event: string, args: unknown[]): string | CutEvent {
    const wire = JSON.stringify([event, ...args]);
    if (wire.length <= BODY_PREVIEW_LIMIT) return wire;
    // Rare (packets reach 64 KiB): keep what the event shows, not the whole text, for as long as the log keeps it.
    const text = JSON.stringify(args);
    return new CutEvent(event, Buffer.byteLength(text), previewBody(text));
  }

  describe(kept: string | CutEvent): EventInput {
    if (kept instanceof CutEvent) return this.event(kept.event, kept.bytes, kept.preview);
    const [event, ...args] = JSON.parse(kept) as [string, ...unknown[]];
    const text = JSON.stringify(args);
    return this.event(event, Buffer.byteLength(text), previewBody(text));
  }

  private event(event: string, bytes: number, preview: Pick<EventDetail, 'body' | 'bodyTruncated'>): EventInput {
    const { dir, server } = this;
    return {
      origin: 'server',
      protocol: 'socketio',
      kind: 'message',
      dir,
      conn: this.conn,
      bytes,
      summary: `${server} ${dir === 'in' ? 'received' : 'sent'} "${event}" ${preview.body?.slice(0, 60) ?? ''}`,
      detail: { fields: { server, event }, ...preview },
    };
  }
}
