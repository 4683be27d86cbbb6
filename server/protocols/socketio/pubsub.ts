import { EventEmitter } from 'node:events';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Adapter, type BroadcastOptions } from 'socket.io-adapter';

/** What joins the two socket.io instances when a session switches pub/sub on. */
export type Backend = 'redis' | 'in-process';

/** One pub/sub hop, for the timeline: a server publishing a broadcast, or another server receiving it. */
export interface Hop {
  phase: 'publish' | 'deliver';
  /** "server 1" or "server 2". */
  server: string;
  /** The channel (Redis) or bus topic (stand-in) the broadcast travels on. */
  channel: string;
  /** The room it is for: `session:<id>`, which is how the hop finds its session's timeline. */
  room: string;
  event: string;
}

/** socket.io calls `new adapter(nsp)`: a class, or a plain function returning the adapter (as createAdapter does). */
export type AdapterConstructor = new (nsp: unknown) => Adapter;
type Packet = { data?: unknown[]; nsp?: string };
type RawOpts = { rooms: string[]; except: string[]; flags?: BroadcastOptions['flags'] };

function eventName(packet: Packet): string {
  const first = Array.isArray(packet.data) ? packet.data[0] : undefined;
  return typeof first === 'string' ? first : 'packet';
}

function onlyRoom(rooms: Iterable<string>): string {
  const list = [...rooms];
  return list.length === 1 ? (list[0] ?? '') : '';
}

export interface PubSub {
  backend: Backend;
  /** Where Redis is, when it is Redis. */
  where?: string;
  /** The adapter for one named instance, tapped so every hop is reported. */
  adapterFor(server: string, onHop: (hop: Hop) => void): AdapterConstructor;
  close(): Promise<void>;
}

/**
 * The real thing: `@socket.io/redis-adapter` on node-redis. A broadcast that
 * isn't marked local is PUBLISHed on `socket.io#/#<room>#`; every other
 * instance has PSUBSCRIBEd to `socket.io#/#*` and delivers it to its own
 * sockets in that room.
 */
export async function redisPubSub(url: string): Promise<PubSub> {
  const clients: { close(): Promise<unknown> }[] = [];
  const connect = async () => {
    const client = createClient({ url, socket: { reconnectStrategy: (retries) => Math.min(retries * 100, 2_000) } });
    client.on('error', (error: unknown) => console.warn('[lab] redis:', (error as Error).message));
    clients.push(client);
    await client.connect();
    return client;
  };
  // One publisher and one subscriber per instance, as two separate processes would have.
  const ready = new Map<string, [unknown, unknown]>();
  for (const server of ['server 1', 'server 2']) ready.set(server, [await connect(), await connect()]);

  return {
    backend: 'redis',
    where: url,
    adapterFor(server, onHop) {
      const [pub, sub] = ready.get(server) ?? [];
      if (!pub || !sub) throw new Error(`no Redis clients for ${server}`);
      const make = createAdapter(pub, sub);
      // A plain function (not an arrow): socket.io calls it with `new`, and gets the returned adapter.
      return function tappedRedisAdapter(nsp: unknown) {
        const adapter = make(nsp);
        const channelPrefix = (adapter as unknown as { channel: string }).channel;
        const original = adapter.broadcast.bind(adapter);
        adapter.broadcast = (packet: Packet, opts: BroadcastOptions) => {
          if (!opts.flags?.local) {
            const room = onlyRoom(opts.rooms);
            onHop({
              phase: 'publish',
              server,
              channel: `${channelPrefix}${room ? `${room}#` : ''}`,
              room,
              event: eventName(packet),
            });
          }
          original(packet, opts);
        };
        // The subscriber calls `this.onmessage` for every pmessage; wrap it on the instance to see deliveries.
        const inner = adapter as unknown as {
          uid: string;
          parser: { decode(msg: Buffer): [string, Packet, RawOpts] };
          onmessage(pattern: unknown, channel: Buffer | string, msg: Buffer): void;
          hasRoom(room: string): boolean;
        };
        const onmessage = inner.onmessage.bind(adapter);
        inner.onmessage = (pattern, channel, msg) => {
          try {
            const [uid, packet, opts] = inner.parser.decode(msg);
            const room = onlyRoom(opts.rooms ?? []);
            if (uid !== inner.uid && room && inner.hasRoom(room)) {
              onHop({ phase: 'deliver', server, channel: channel.toString(), room, event: eventName(packet) });
            }
          } catch {
            // Not ours to judge: the adapter ignores what it can't decode.
          }
          onmessage(pattern, channel, msg);
        };
        return adapter;
      } as unknown as AdapterConstructor;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
    },
  };
}

/**
 * The in-process stand-in, for machines without Redis: an EventEmitter plays
 * the broker. It behaves like the Redis adapter for broadcasts (publish
 * unless local; other instances deliver to their own sockets in the room)
 * and is honest about what it is in the widget.
 */
export function inProcessPubSub(): PubSub {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  return {
    backend: 'in-process',
    adapterFor(server, onHop) {
      return class extends StandInAdapter {
        constructor(nsp: unknown) {
          super(nsp, bus, server, onHop);
        }
      };
    },
    async close() {
      bus.removeAllListeners();
    },
  };
}

const TOPIC = 'broadcast';

class StandInAdapter extends Adapter {
  private readonly onBus = (uid: string, packet: Packet, opts: RawOpts) => {
    if (uid === this.server) return;
    const room = onlyRoom(opts.rooms);
    if (room && !this.rooms.has(room)) return;
    this.onHop({ phase: 'deliver', server: this.server, channel: `in-process#${room}`, room, event: eventName(packet) });
    super.broadcast(packet, { rooms: new Set(opts.rooms), except: new Set(opts.except), flags: opts.flags });
  };

  constructor(
    nsp: unknown,
    private readonly bus: EventEmitter,
    private readonly server: string,
    private readonly onHop: (hop: Hop) => void,
  ) {
    super(nsp);
    bus.on(TOPIC, this.onBus);
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    if (!opts.flags?.local) {
      const room = onlyRoom(opts.rooms);
      this.onHop({ phase: 'publish', server: this.server, channel: `in-process#${room}`, room, event: eventName(packet) });
      const raw: RawOpts = { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags };
      // Asynchronous and copied, like a message through a broker: no shared objects, no same-tick delivery.
      const copy = structuredClone(packet);
      setImmediate(() => this.bus.emit(TOPIC, this.server, copy, raw));
    }
    super.broadcast(packet, opts);
  }

  override close(): void {
    this.bus.off(TOPIC, this.onBus);
  }
}
